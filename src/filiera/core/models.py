"""Clusters, networks, users and roles, value chains, concepts, excellence labels, API tokens and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ChoiceLabels:
    """Mixed into a model before models.Model: its get_FOO_display() reads the field's labels from a dict made once
    per field. Django's own makes that dict on every call, hashing each lazy label (a translation lookup each): a
    list of twenty organisations or thirty search results asks for a kind or a type on every row."""

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)  # as Django's does


_CHOICE_LABELS: dict = {}


class User(AbstractUser):
    """A person who signs in. Platform admins are superusers; other roles come from ClusterRole,
    NetworkRole and being the representative of an organisation (directory.Person.user)."""

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def label_in(labels: dict, language: str | None = None) -> str:
    """The label in the requested (or active) language, falling back to English, then any."""
    if not labels:
        return ""
    language = (language or get_language() or "en")[:2]
    return labels.get(language) or labels.get("en") or next(iter(labels.values()))


class ValueChain(models.Model):
    """A value chain a cluster prioritises (e.g. "Biomedical and next-generation prosthetics")."""

    slug = models.SlugField(unique=True, max_length=80)
    labels = models.JSONField(_("labels"), default=dict, help_text="{language: label}")

    class Meta:
        ordering = ["slug"]
        verbose_name = _("value chain")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return label_in(self.labels) or self.slug


class Concept(models.Model):
    """A node of the multilingual vocabulary: technologies, health areas, care settings, conditions."""

    class Scheme(models.TextChoices):
        TECHNOLOGY = "technology", _("Technology")
        HEALTH_AREA = "health_area", _("Health area")
        CARE_SETTING = "care_setting", _("Care setting")
        CONDITION = "condition", _("Condition")
        SECTOR = "sector", _("Sector")

    slug = models.SlugField(unique=True, max_length=100)
    scheme = models.CharField(max_length=20, choices=Scheme.choices, default=Scheme.TECHNOLOGY)
    labels = models.JSONField(_("labels"), default=dict, help_text="{language: label}")
    synonyms = models.JSONField(_("synonyms"), default=dict, blank=True, help_text="{language: [synonym, ...]}")
    broader = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="narrower")

    class Meta:
        ordering = ["slug"]
        verbose_name = _("concept")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return label_in(self.labels) or self.slug


class Cluster(models.Model):
    """The tenant: a cluster organisation with its members, staff and value chains."""

    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    strategy_objectives = models.TextField(_("strategy objectives"), blank=True)
    value_chains = models.ManyToManyField(ValueChain, blank=True, related_name="clusters")
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")

    def __str__(self) -> str:
        return self.short_name or self.name

    def current_label(self) -> ExcellenceLabel | None:
        today = timezone.localdate()
        labels = [lab for lab in self.labels.all() if lab.valid_until is None or lab.valid_until >= today]
        return max(labels, key=lambda lab: lab.awarded_on, default=None)


class Network(models.Model):
    """A group of clusters: a regional network (the 7 Clust-ERs) or a cross-border partnership."""

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("Regional network")
        CROSS_BORDER = "cross_border", _("Cross-border partnership")

    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGIONAL)
    coordinator = models.CharField(_("coordinator"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    clusters = models.ManyToManyField(Cluster, related_name="networks", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")

    def __str__(self) -> str:
        return self.name


class ExcellenceLabel(models.Model):
    """A cluster-management excellence label (ESCA bronze / silver / gold) with its dates."""

    class Level(models.TextChoices):
        BRONZE = "bronze", _("Bronze")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="labels")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    awarded_on = models.DateField(_("awarded on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=200, blank=True, default="ESCA")

    class Meta:
        ordering = ["cluster", "awarded_on"]
        verbose_name = _("excellence label")

    def __str__(self) -> str:
        return f"{self.cluster} {self.get_level_display()} {self.awarded_on:%Y}"


class ClusterRole(models.Model):
    """A user's role in one cluster's back office."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Cluster manager")
        STAFF = "staff", _("Cluster staff")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cluster_roles")
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "cluster"], name="one_role_per_user_and_cluster")]
        verbose_name = _("cluster role")

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.cluster}"


class NetworkRole(models.Model):
    """A network coordinator observes every cluster of its network."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_roles")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="roles")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "network"], name="one_role_per_user_and_network")]
        verbose_name = _("network coordinator")

    def __str__(self) -> str:
        return f"{self.user} coordinates {self.network}"


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once when created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """One create, change or delete of an audited record: who, when, which fields, old and new values."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, help_text="who acted, kept after the user is gone")
    action = models.CharField(max_length=10, choices=Action.choices)
    model = models.CharField(max_length=60, help_text="app_label.model")
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    # The organisation the record belongs to: staff of that organisation's clusters may read the entry.
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL)
    changes = models.JSONField(default=dict, help_text="{field: [old, new]}")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.model}#{self.object_id}"
