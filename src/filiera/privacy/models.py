"""Personal data: consent records, exports and erasures (GDPR)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentRecord(models.Model):
    """One consent given or withdrawn, with when, by whom and how: the history behind a person's consent
    timestamps (`Person.consent_*_at` say only the current state). Kept when the person is deleted, so that the
    cluster can show a consent was there when it used it; an erasure blanks the label."""

    class Purpose(models.TextChoices):
        DIRECTORY = "directory", _("Listed in the public directory")
        NEWSLETTER = "newsletter", _("Newsletter")

    class Source(models.TextChoices):
        SELF = "self", _("By the person, signed in")
        STAFF = "staff", _("By the cluster staff or a representative")
        FORM = "form", _("On a public form")
        IMPORT = "import", _("Imported")

    person = models.ForeignKey("directory.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="consent_records", verbose_name=_("person"))
    # The person's id and name when recorded, kept after the person is deleted (the name is blanked by an erasure).
    person_ref = models.PositiveBigIntegerField(_("person id"), db_index=True)
    person_label = models.CharField(_("person"), max_length=200, blank=True)
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("organisation"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"), help_text=_("True when given, false when withdrawn"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("consent record")
        indexes = [models.Index(fields=["person", "purpose"])]

    def __str__(self) -> str:
        # No name here: the audit log copies this text.
        state = "given" if self.given else "withdrawn"
        return f"{self.purpose} consent {state} (person #{self.person_ref})"


class Erasure(models.Model):
    """The trace of an erasure: which record, who asked, when, the digest of the export made first and how many
    records were erased or anonymised. It holds no personal data."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("On request")
        RETENTION = "retention", _("Retention period over")

    person_ref = models.PositiveBigIntegerField(_("person id"), null=True, blank=True)
    user_ref = models.PositiveBigIntegerField(_("user id"), null=True, blank=True)
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("organisation"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, default=Reason.REQUEST)
    at = models.DateTimeField(_("at"), default=timezone.now)
    export_digest = models.CharField(_("export digest"), max_length=64)
    counts = models.JSONField(_("records erased or anonymised"), default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("erasure")

    def __str__(self) -> str:
        return f"erasure of person #{self.person_ref} / user #{self.user_ref}"
