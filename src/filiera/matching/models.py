"""The matching index as stored rows, and the members' digest subscriptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexEntry(models.Model):
    """One analysed document of the matching index (an organisation profile or an opportunity).

    Every web process keeps the index in memory and reads the rows it has not seen yet (by id, which grows: a
    changed document gets a new row, a deleted one a tombstone row), so the processes stay fresh without
    re-analysing anything. The vector is kept while the text is unchanged (`text_hash`), so a rebuild does not
    pay for embeddings again."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        OPPORTUNITY = "opportunity", _("Opportunity")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    deleted = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    terms = models.JSONField(default=dict, blank=True)  # stem -> count
    concepts = models.JSONField(default=dict, blank=True)  # concept slug -> weight
    facets = models.JSONField(default=dict, blank=True)  # facet -> [values]
    expires = models.IntegerField(null=True, blank=True)  # date ordinal
    text_hash = models.CharField(max_length=64, blank=True)
    embedder = models.CharField(max_length=200, blank=True)
    vector = models.BinaryField(null=True, blank=True)  # float32, L2-normalised
    # With the id, tells a process that the newest row is not the one it read (ids can be reused after a rollback
    # or a restore, a moment cannot).
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="unique_index_entry")]
        verbose_name = _("index entry")
        verbose_name_plural = _("index entries")

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class DigestSubscription(models.Model):
    """A member's opt-in to the weekly digest of new opportunities that match their organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest")
    active = models.BooleanField(_("weekly digest"), default=True)
    subscribed_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user} ({'on' if self.active else 'off'})"
