"""Funding calls, projects and their partners, work packages, deliverables and documents, and the partner searches
members post for a call.

A call is public information (an EU topic, a regional call): everyone reads it. A project either belongs to a
cluster's portfolio (`cluster` set: its ideas and proposals are private to the cluster's staff, observers and the
partners) or is a public record imported from CORDIS or a participations file (`cluster` empty), which counts in
the portfolio of every cluster one of whose members took part."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True,
         "validators": [MinValueValidator(Decimal(0))]}


class Call(models.Model):
    class Status(models.TextChoices):
        FORTHCOMING = "forthcoming", _("Forthcoming")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    identifier = models.CharField(_("identifier"), max_length=120, unique=True,
                                  help_text=_("The topic or call identifier, e.g. HORIZON-HLTH-2024-CARE-01"))
    title = models.CharField(_("title"), max_length=400)
    programme = models.CharField(_("programme"), max_length=200, blank=True,
                                 help_text=_("e.g. Horizon Europe, Interreg Alpine Space, regional ERDF"))
    call_identifier = models.CharField(_("call"), max_length=120, blank=True)
    action_type = models.CharField(_("type of action"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=1000, blank=True, help_text=_("Separated by ';'"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget_min = models.DecimalField(_("budget per project, from"), **MONEY)
    budget_max = models.DecimalField(_("budget per project, up to"), **MONEY)
    expected_grants = models.PositiveIntegerField(_("expected grants"), null=True, blank=True)
    # Eligibility rules, checked by the consortium builder and on a project's page.
    min_partners = models.PositiveIntegerField(_("minimum partners"), default=1)
    max_partners = models.PositiveIntegerField(_("maximum partners"), null=True, blank=True)
    min_countries = models.PositiveIntegerField(_("minimum countries"), default=1)
    required_kinds = models.JSONField(
        _("required kinds"), default=dict, blank=True,
        help_text=_("At least this many partners of each kind, e.g. {\"sme\": 1, \"hospital\": 1}"))
    needs = models.ManyToManyField("core.Concept", through="CallNeed", blank=True, related_name="calls",
                                   verbose_name=_("competences needed"))
    cluster = models.ForeignKey("core.Cluster", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="calls", help_text=_("The cluster whose staff entered it by hand"))
    imported = models.BooleanField(_("imported"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "identifier"]
        verbose_name = _("call")
        indexes = [models.Index(fields=["deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_partners__isnull=True) | Q(max_partners__gte=models.F("min_partners")),
                name="call_partner_range"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} — {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED and (self.deadline is None or self.deadline >= timezone.localdate())

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(";") if k.strip()]


class CallNeed(models.Model):
    """A competence a call needs, weighted: what the consortium builder tries to cover."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="call_needs")
    concept = models.ForeignKey("core.Concept", on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0.1)])

    class Meta:
        ordering = ["-weight", "concept__slug"]
        constraints = [models.UniqueConstraint(fields=["call", "concept"], name="call_need_once")]

    def __str__(self) -> str:
        return f"{self.concept_id} × {self.weight}"


class Project(models.Model):
    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        PROPOSAL = "proposal", _("Proposal")
        FUNDED = "funded", _("Funded")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        PARTICIPATIONS = "participations", _("Participations file")
        CORDIS = "cordis", _("CORDIS")

    cluster = models.ForeignKey("core.Cluster", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="projects", verbose_name=_("cluster"))
    ref = models.CharField(_("reference"), max_length=60, unique=True, null=True, blank=True,
                           help_text=_("External id, e.g. the CORDIS project id"))
    acronym = models.CharField(_("acronym"), max_length=60)
    title = models.CharField(_("title"), max_length=400, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects",
                             verbose_name=_("call"))
    call_identifier = models.CharField(_("call or topic"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IDEA)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    total_budget = models.DecimalField(_("total budget"), **MONEY)
    eu_contribution = models.DecimalField(_("EU / ERDF contribution"), **MONEY)
    co_funding = models.DecimalField(_("co-funding"), **MONEY,
                                     help_text=_("National, regional or own co-funding"))
    value_chains = models.ManyToManyField("core.ValueChain", blank=True, related_name="projects",
                                          verbose_name=_("value chains"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "acronym"]
        verbose_name = _("project")
        indexes = [models.Index(fields=["status"]), models.Index(fields=["programme"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                                   | Q(end_date__gte=models.F("start_date")), name="project_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.acronym

    @property
    def year(self) -> int | None:
        return self.start_date.year if self.start_date else None


class Partner(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        PARTNER = "partner", _("Partner")
        ASSOCIATED = "associated", _("Associated partner")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE,
                                     related_name="participations", verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PARTNER)
    budget = models.DecimalField(_("budget"), **MONEY)
    eu_contribution = models.DecimalField(_("EU contribution"), **MONEY)

    class Meta:
        ordering = ["project", "role", "organisation__name"]
        verbose_name = _("partner")
        constraints = [models.UniqueConstraint(fields=["project", "organisation"], name="partner_once_per_project")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.organisation_id} ({self.role})"

    @property
    def funding(self) -> Decimal | None:
        """What the partner attracted: its EU contribution, or its budget when that is all we know."""
        return self.eu_contribution if self.eu_contribution is not None else self.budget


class WorkPackage(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="work_packages")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    lead = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("lead partner"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("work package")
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="work_package_number_once")]

    def __str__(self) -> str:
        return f"WP{self.number} {self.title}"


class Deliverable(models.Model):
    work_package = models.ForeignKey(WorkPackage, on_delete=models.CASCADE, related_name="deliverables")
    code = models.CharField(_("code"), max_length=20, help_text=_("e.g. D2.1"))
    title = models.CharField(_("title"), max_length=300)
    due_on = models.DateField(_("due on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    reminded_on = models.DateField(_("reminder sent on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "code"]
        verbose_name = _("deliverable")
        constraints = [models.UniqueConstraint(fields=["work_package", "code"], name="deliverable_code_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_late(self) -> bool:
        return self.delivered_on is None and self.due_on < timezone.localdate()


class ProjectDocument(models.Model):
    """A link to a document kept elsewhere (the proposal on a shared drive, the grant agreement, a report)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("document")

    def __str__(self) -> str:
        return self.title


class PartnerSearch(models.Model):
    """An R&D partner-search opportunity posted for a call. The opportunity carries the text, the visibility and
    the moderation (the directory's rules); this ties it to the call so the call's page lists it."""

    opportunity = models.OneToOneField("directory.Opportunity", on_delete=models.CASCADE,
                                       related_name="partner_search")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="partner_searches")
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="followed_searches")

    class Meta:
        verbose_name = _("partner search")

    def __str__(self) -> str:
        return f"{self.call_id}: {self.opportunity_id}"


class ExpressionOfInterest(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    search = models.ForeignKey(PartnerSearch, on_delete=models.CASCADE, related_name="interests")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organisation"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    message = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        constraints = [models.UniqueConstraint(fields=["search", "organisation"], name="interest_once_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.search_id}"
