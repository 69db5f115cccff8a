"""Targets per indicator and year, and the figures the platform cannot know (staff FTE, budget, media coverage),
entered by staff with their evidence. The indicators themselves are computed from live data (monitoring.kpis)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    value_chain = models.ForeignKey("core.ValueChain", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("value chain"))
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["year", "indicator"]
        verbose_name = _("target")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "indicator", "year", "value_chain"],
                                    name="target_once_per_year_and_chain"),
            models.UniqueConstraint(fields=["cluster", "indicator", "year"], condition=Q(value_chain__isnull=True),
                                    name="target_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"


class ManualFigure(models.Model):
    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="manual_figures")
    indicator = models.CharField(_("indicator"), max_length=40)
    year = models.PositiveIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    evidence = models.CharField(_("evidence"), max_length=500,
                                help_text=_("Where the figure comes from: a document's link or a short reference"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "indicator"]
        verbose_name = _("figure entered by staff")
        constraints = [models.UniqueConstraint(fields=["cluster", "indicator", "year"], name="figure_once_per_year")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"


# --- member-satisfaction surveys -----------------------------------------------------------------------------------


class Survey(models.Model):
    """A member-satisfaction survey: one questionnaire sent to the representatives of the cluster's active members.
    Its answers feed the "satisfaction" indicators of the year it measures."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveIntegerField(_("year"), help_text=_("The year whose satisfaction the survey measures"))
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("satisfaction survey")

    def __str__(self) -> str:
        return self.title


class SurveyInvitation(models.Model):
    """One member organisation asked to answer, through a personal link (the token) mailed to its representatives.
    An organisation answers once per survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["survey", "organisation"]
        constraints = [models.UniqueConstraint(fields=["survey", "organisation"], name="one_invitation_per_member")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.organisation_id}"


class SurveyResponse(models.Model):
    """The answer of one member. Ratings are 1 (very dissatisfied) to 5 (very satisfied); the services rated are a
    {service: rating} map, a service not used being left out."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="response")
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"))
    services = models.JSONField(_("services rated"), default=dict, blank=True)
    recommend = models.PositiveSmallIntegerField(_("likelihood to recommend"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "-submitted_at"]
        verbose_name = _("survey response")
        constraints = [
            models.CheckConstraint(condition=Q(overall__gte=1, overall__lte=5), name="survey_overall_1_to_5"),
            models.CheckConstraint(condition=Q(recommend__isnull=True) | Q(recommend__lte=10),
                                   name="survey_recommend_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.overall}"


# --- excellence self-assessment ------------------------------------------------------------------------------------


def evidence_path(instance: EvidenceDocument, filename: str) -> str:
    return f"evidence/{instance.assessment.cluster_id}/{instance.assessment_id}/{filename}"


class Assessment(models.Model):
    """A cluster-management excellence self-assessment against the label criteria (monitoring.excellence). Live
    criteria are answered from the platform's data when it is completed (kept in `results` for the history); the
    others by staff with evidence."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        COMPLETED = "completed", _("Completed")

    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="assessments")
    level = models.CharField(_("label sought"), max_length=10,
                             choices=[("bronze", _("Bronze")), ("silver", _("Silver")), ("gold", _("Gold"))],
                             default="bronze")
    year = models.PositiveIntegerField(_("year assessed"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    results = models.JSONField(default=dict, blank=True,
                               help_text="criterion -> {value, met, source} and level -> readiness, when completed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("excellence self-assessment")

    def __str__(self) -> str:
        return f"{self.cluster} {self.year} ({self.level})"


class AssessmentAnswer(models.Model):
    """Staff's answer to a criterion the platform cannot answer (or their correction of a live one)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.CharField(_("criterion"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    met = models.BooleanField(_("met"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "criterion"]
        verbose_name = _("assessment answer")
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="one_answer_per_criterion")]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.criterion}"


class EvidenceDocument(models.Model):
    """A document (uploaded file or link) that supports a criterion; the evidence pack zips the files."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.CharField(_("criterion"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criterion", "title"]
        verbose_name = _("evidence document")
        constraints = [models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="evidence_file_or_link")]

    def __str__(self) -> str:
        return self.title


class ImprovementAction(models.Model):
    """An improvement area the cluster works on (silver asks for three, documented), with an owner and a date."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="improvement_actions")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="actions", verbose_name=_("found in assessment"))
    area = models.CharField(_("area"), max_length=40)
    title = models.CharField(_("improvement"), max_length=200)
    description = models.TextField(_("what will be done"), blank=True)
    owner = models.CharField(_("owner"), max_length=150)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "title"]
        verbose_name = _("improvement action")

    def __str__(self) -> str:
        return self.title
