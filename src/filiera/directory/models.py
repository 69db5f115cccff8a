"""Organisations, memberships, people and opportunities."""

from __future__ import annotations

import threading
import unicodedata
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiera.core.models import ChoiceLabels, Cluster, Concept, ValueChain

# Sent by writers that bypass the save signals (bulk imports, the demo loader) with the model and the ids they wrote,
# so that derived data (the matching index) can catch up: `bulk_saved.send(sender=Organisation, ids=[...])`.
bulk_saved = Signal()
_bulk = threading.local()


@contextmanager
def bulk_saving():
    """Within this block, receivers that derive data from single saves may wait for `bulk_saved` instead."""
    previous = getattr(_bulk, "on", False)
    _bulk.on = True
    try:
        yield
    finally:
        _bulk.on = previous


def is_bulk_saving() -> bool:
    return getattr(_bulk, "on", False)


class Visibility(models.TextChoices):
    """Who may see a profile or an opportunity. Checked in one place: filiera.core.access."""

    PUBLIC = "public", _("Public")
    NETWORK = "network", _("Network of clusters")
    MEMBERS = "members", _("Cluster members")
    PRIVATE = "private", _("Private")


class Helix(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    ACADEMIA = "academia", _("Academia and research")
    PUBLIC = "public", _("Health and public sector")
    CIVIL = "civil", _("Civil society")


class OrganisationKind(models.TextChoices):
    LARGE_ENTERPRISE = "large_enterprise", _("Large enterprise")
    SME = "sme", _("SME")
    STARTUP = "startup", _("Start-up")
    UNIVERSITY = "university", _("University")
    RESEARCH_CENTRE = "research_centre", _("Research centre")
    HOSPITAL = "hospital", _("Hospital / health authority")
    PUBLIC_BODY = "public_body", _("Public body")
    TRAINING_BODY = "training_body", _("Training body")
    PATIENT_ASSOCIATION = "patient_association", _("Patient association")
    FOUNDATION = "foundation", _("Foundation")
    CLUSTER_ORGANISATION = "cluster_organisation", _("Cluster organisation")
    OTHER = "other", _("Other")


HELIX_OF_KIND: dict[str, str] = {
    OrganisationKind.LARGE_ENTERPRISE: Helix.INDUSTRY,
    OrganisationKind.SME: Helix.INDUSTRY,
    OrganisationKind.STARTUP: Helix.INDUSTRY,
    OrganisationKind.UNIVERSITY: Helix.ACADEMIA,
    OrganisationKind.RESEARCH_CENTRE: Helix.ACADEMIA,
    OrganisationKind.TRAINING_BODY: Helix.ACADEMIA,
    OrganisationKind.HOSPITAL: Helix.PUBLIC,
    OrganisationKind.PUBLIC_BODY: Helix.PUBLIC,
    OrganisationKind.PATIENT_ASSOCIATION: Helix.CIVIL,
    OrganisationKind.FOUNDATION: Helix.CIVIL,
    OrganisationKind.CLUSTER_ORGANISATION: Helix.CIVIL,
    OrganisationKind.OTHER: Helix.CIVIL,
}


def helix_counts(kind_counts: dict[str, int]) -> dict[str, int]:
    """Counts per helix from counts per kind."""
    counts: dict[str, int] = {}
    for kind, n in kind_counts.items():
        helix = HELIX_OF_KIND.get(kind, Helix.CIVIL)
        counts[helix] = counts.get(helix, 0) + n
    return counts


def kinds_of_helix(helix: str) -> list[str]:
    return [kind for kind, h in HELIX_OF_KIND.items() if h == helix]


def fold(text: str) -> str:
    """Lower-case and strip accents, so that 'Università' matches 'universita'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


class Organisation(ChoiceLabels, models.Model):
    """A company, university, hospital, … Global across the platform: one organisation may belong to several
    clusters through memberships."""

    ref = models.CharField(
        _("reference"), max_length=40, unique=True, null=True, blank=True, help_text=_("External id, e.g. the EU PIC")
    )
    slug = models.SlugField(_("address name"), unique=True, max_length=120)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices, default=OrganisationKind.OTHER)
    is_sme = models.BooleanField(_("SME"), default=False)
    country = models.CharField(_("country"), max_length=2, db_index=True)
    region = models.CharField(_("region"), max_length=120, blank=True, help_text=_("NUTS code or region name"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.CONTENT_LANGUAGES, default="en")
    languages_spoken = models.CharField(
        _("working languages"), max_length=60, blank=True, help_text=_("Language codes separated by commas")
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=_("Separated by ';'"))
    value_chains = models.ManyToManyField(ValueChain, blank=True, related_name="organisations",
                                          verbose_name=_("value chains"))
    concepts = models.ManyToManyField(Concept, blank=True, related_name="organisations", verbose_name=_("competences"))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    verified = models.BooleanField(_("verified"), default=True)
    # Accent-folded text of the searchable fields; kept by save(). The matching engine replaces it later.
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        indexes = [
            models.Index(fields=["kind"]),
            models.Index(fields=["visibility"]),
            # The directory's order: its pages read the next twenty names instead of sorting every organisation.
            models.Index(fields=["name", "id"], name="organisation_name_order"),
            # The directory's stamp (queries._directory_stamp) reads the latest change on every page.
            models.Index(fields=["updated_at"], name="organisation_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"search_text", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def helix(self) -> str:
        return HELIX_OF_KIND.get(self.kind, Helix.CIVIL)

    def get_helix_display(self) -> str:
        return Helix(self.helix).label

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(";") if k.strip()]

    def build_search_text(self) -> str:
        parts = [self.name, self.short_name, self.city, self.region, self.keywords, self.description, self.ref or ""]
        return fold(" ".join(p for p in parts if p))


class Membership(models.Model):
    """An organisation in a cluster. Cluster-private: status, fee tier and notes are seen only by its staff."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        LAPSED = "lapsed", _("Lapsed")
        LEFT = "left", _("Left")
        REJECTED = "rejected", _("Rejected")

    class FeeTier(models.TextChoices):
        NONE = "", _("None")
        SMALL = "small", _("Small (micro, start-up, association)")
        MEDIUM = "medium", _("Medium (SME)")
        LARGE = "large", _("Large (enterprise, university, hospital)")
        HONORARY = "honorary", _("Honorary / founding")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships",
                                     verbose_name=_("organisation"))
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships",
                                verbose_name=_("cluster"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLICANT)
    fee_tier = models.CharField(_("fee tier"), max_length=12, choices=FeeTier.choices, blank=True, default="")
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    application_message = models.TextField(_("application message"), blank=True)
    notes = models.TextField(_("staff notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cluster", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "cluster"], name="one_membership_per_cluster"),
        ]
        indexes = [
            models.Index(fields=["cluster", "status"]),
            models.Index(fields=["updated_at"], name="membership_updated"),  # the directory's stamp reads it
        ]
        verbose_name = _("membership")

    def __str__(self) -> str:
        return _("%(org)s in %(cluster)s (%(status)s)") % {
            "org": self.organisation, "cluster": self.cluster, "status": self.get_status_display()
        }


class Person(models.Model):
    """A contact of an organisation. Consents are stored with the moment they were given."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people",
                                     verbose_name=_("organisation"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person",
        verbose_name=_("user account"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_representative = models.BooleanField(
        _("representative"), default=False, help_text=_("May edit the organisation's profile, people and opportunities")
    )
    consent_directory_at = models.DateTimeField(_("directory consent given"), null=True, blank=True)
    consent_newsletter_at = models.DateTimeField(_("newsletter consent given"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def consents_to_directory(self) -> bool:
        return self.consent_directory_at is not None

    @property
    def consents_to_newsletter(self) -> bool:
        return self.consent_newsletter_at is not None


class Opportunity(ChoiceLabels, models.Model):
    """What a member offers or needs, on the Enterprise Europe Network profile types."""

    class Type(models.TextChoices):
        TECHNOLOGY_OFFER = "technology_offer", _("Technology offer")
        TECHNOLOGY_REQUEST = "technology_request", _("Technology request")
        BUSINESS_OFFER = "business_offer", _("Business offer")
        BUSINESS_REQUEST = "business_request", _("Business request")
        RD_PARTNER_SEARCH = "rd_partner_search", _("R&D partner search")

    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea / concept")
        DEVELOPMENT = "development", _("Under development")
        PROTOTYPE = "prototype", _("Prototype / lab tested")
        DEMONSTRATION = "demonstration", _("Available for demonstration")
        MARKET = "market", _("Already on the market")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden by staff")
        ARCHIVED = "archived", _("Archived")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="opportunities",
                                     verbose_name=_("organisation"))
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities",
        verbose_name=_("cluster"), help_text=_("The cluster whose staff moderate it"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               verbose_name=_("author"))
    type = models.CharField(_("type"), max_length=24, choices=Type.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.CONTENT_LANGUAGES, default="en")
    concepts = models.ManyToManyField(Concept, blank=True, related_name="opportunities", verbose_name=_("competences"))
    value_chains = models.ManyToManyField(ValueChain, blank=True, related_name="opportunities",
                                          verbose_name=_("value chains"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reviewed by"),
    )
    moderation_note = models.CharField(_("moderation note"), max_length=300, blank=True)
    # Set by save() (see _stamp_publication): what the digest counts as "new since", as a draft may be published
    # long after it was created.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.title, self.summary, self.body]))
        update_fields = kwargs.get("update_fields")
        stamped = (update_fields is None or "status" in update_fields) and self._stamp_publication()
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"search_text", "updated_at"} | (
                {"published_at"} if stamped else set())
        super().save(*args, **kwargs)

    def _stamp_publication(self) -> bool:
        """Set `published_at` to now when this save publishes the opportunity; True when it did.

        Any status -> published is a publication (creation as published included), and a save that keeps it
        published is not. Staff approving an opportunity they had hidden restore it rather than publish it anew:
        it keeps its publication date unless it never had one. Moderation is after the fact (an opportunity is
        public from its publication until it is hidden), so it may already have reached members and their digests.
        Every writer saves through here (services, the admin, the demo), so the rule lives in one place."""
        if self.status != self.Status.PUBLISHED:
            return False
        previous = None
        if not self._state.adding:
            previous = Opportunity.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if previous == self.Status.PUBLISHED or (previous == self.Status.HIDDEN and self.published_at is not None):
            return False
        self.published_at = timezone.now()
        return True

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()
