"""Open-innovation challenges: a health provider's or a region's problem, the needs voiced about it by many kinds of
actor, the themes they are grouped into, the participants' priority votes and the members' solutions. A theme with
its shortlisted solutions becomes a transformative activity: a project idea (projects.Project) with a consortium."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VOTES_PER_BALLOT = 3  # a participant's dots, as at a workshop: up to three themes, one vote each


class Challenge(models.Model):
    class Stage(models.TextChoices):
        # The stages follow each other; staff move a challenge on (and back a step). Needs are taken while
        # collecting, themes are settled before the vote, solutions are taken after it.
        DRAFT = "draft", _("Draft")
        NEEDS = "needs", _("Collecting needs")
        VOTING = "voting", _("Voting on priorities")
        SOLUTIONS = "solutions", _("Collecting solutions")
        CLOSED = "closed", _("Closed")

    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="challenges",
                                verbose_name=_("cluster"))
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="challenges_owned", verbose_name=_("owner"),
                              help_text=_("The health provider, authority or region whose problem it is"))
    statement = models.TextField(_("problem statement"))
    scope = models.TextField(_("scope"), blank=True,
                             help_text=_("Who and where: the patients, places and services concerned"))
    language = models.CharField(_("language"), max_length=2, choices=settings.CONTENT_LANGUAGES, default="en")
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True,
                                 help_text=_("The last day solutions are taken"))
    stage = models.CharField(pgettext_lazy("challenge", "stage"), max_length=10, choices=Stage.choices,
                             default=Stage.DRAFT)
    open_voting = models.BooleanField(_("visitors may vote"), default=True,
                                      help_text=_("Workshop participants vote without signing in, one ballot per "
                                                  "browser; otherwise only signed-in users vote"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("challenge")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__isnull=True) | Q(opens_on__isnull=True)
                                   | Q(closes_on__gte=models.F("opens_on")), name="challenge_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return self.title


class Actor(models.TextChoices):
    """The kind of actor who voiced a need (the Milan workshop: GPs, social workers, sensor engineers, …)."""

    PATIENT = "patient", _("Patient or citizen")
    CARER = "carer", _("Family or informal carer")
    GP = "gp", _("General practitioner")
    CLINICIAN = "clinician", _("Hospital clinician")
    NURSE = "nurse", _("Nurse")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PHARMACIST = "pharmacist", _("Pharmacist")
    MANAGER = "manager", _("Health or care manager")
    PUBLIC_BODY = "public_body", _("Public administration")
    RESEARCHER = "researcher", _("Researcher")
    COMPANY = "company", _("Company or engineer")
    ASSOCIATION = "association", _("Patient or citizen association")
    OTHER = "other", _("Other")


class Theme(models.Model):
    """A group of needs, with a label computed from its concepts (or given by staff: `named`)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("label"), max_length=200)
    named = models.BooleanField(default=False, help_text="the label was given by staff")
    concepts = models.JSONField(default=list, blank=True, help_text="the most characteristic concept slugs")
    keywords = models.JSONField(default=list, blank=True)
    cohesion = models.FloatField(default=0.0)
    activity = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="challenge_themes", verbose_name=_("transformative activity"))

    class Meta:
        ordering = ["challenge", "position", "pk"]
        verbose_name = _("theme")

    def __str__(self) -> str:
        return self.label


class Need(models.Model):
    class Source(models.TextChoices):
        FORM = "form", _("Public form")
        WORKSHOP = "workshop", _("Entered by staff")

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="needs")
    text = models.TextField(_("need"), max_length=2000)
    language = models.CharField(_("language"), max_length=2, choices=settings.CONTENT_LANGUAGES)
    actor = models.CharField(_("who voices it"), max_length=20, choices=Actor.choices)
    voiced_by = models.CharField(_("organisation or place"), max_length=200, blank=True,
                                 help_text=_("Optional: a service, a town, an organisation. No personal names."))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="needs")
    # The embedder's vector of the text (see matching.engine.embeddings; `vector_kind` is its name), computed once.
    vector = models.BinaryField(null=True, blank=True, editable=False)
    vector_kind = models.CharField(max_length=40, blank=True, editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["challenge", "pk"]
        verbose_name = _("need")

    def __str__(self) -> str:
        return self.text[:80]


class Vote(models.Model):
    """One dot of a participant's ballot. `voter` is "user:<id>" or "browser:<hash of the session>"."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="votes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["theme", "voter"], name="one_vote_per_theme_and_voter")]
        indexes = [models.Index(fields=["challenge", "voter"])]

    def __str__(self) -> str:
        return f"{self.voter} → {self.theme_id}"


class Solution(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        DECLINED = "declined", _("Not retained")

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="solutions")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="challenge_solutions", verbose_name=_("organisation"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("how it answers the theme"), max_length=5000)
    opportunity = models.ForeignKey("directory.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("builds on the offer"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["theme", "created_at"]
        verbose_name = _("solution")
        constraints = [models.UniqueConstraint(fields=["theme", "organisation"],
                                               name="one_solution_per_theme_and_organisation")]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """The staff invited an organisation's representatives to answer the themes the matching engine suggests for it
    (`themes`: their ids when invited). One per organisation and challenge: inviting again reaches the newly
    suggested only."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="challenge_invitations")
    themes = models.JSONField(default=list)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["challenge", "organisation"]
        verbose_name = _("invitation to answer")
        constraints = [models.UniqueConstraint(fields=["challenge", "organisation"],
                                               name="one_invitation_per_challenge_and_organisation")]

    def __str__(self) -> str:
        return f"{self.challenge_id} → {self.organisation_id}"
