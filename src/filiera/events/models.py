"""Events of a cluster (workshops, needs workshops, study tours, conferences, webinars, B2B brokerage events) and the
registrations of the people who come, with a capacity and a waiting list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        NEEDS_WORKSHOP = "needs_workshop", _("Needs workshop")
        STUDY_TOUR = "study_tour", _("Study tour")
        CONFERENCE = "conference", _("Conference")
        WEBINAR = "webinar", _("Webinar")
        BROKERAGE = "brokerage", _("B2B brokerage event")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Open to everyone")
        MEMBERS = "members", _("Members only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    cluster = models.ForeignKey("core.Cluster", on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKSHOP)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    languages = models.JSONField(_("languages"), default=list, blank=True,
                                 help_text="The languages the event is held in, e.g. [\"it\", \"en\"].")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           help_text=_("Seats; empty for no limit. Beyond it, a waiting list."))
    registration_closes_at = models.DateTimeField(_("registration closes at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("event")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "slug"], name="event_slug_unique_in_cluster"),
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationQuestion(models.Model):
    """A question of an event's registration form, asked of everyone who registers."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short answer")
        LONG_TEXT = "long_text", _("Long answer")
        CHOICE = "choice", _("One of several choices")
        YES_NO = "yes_no", _("Yes or no")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("registration question")

    def __str__(self) -> str:
        return self.label


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="event_registrations")
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="event_registrations")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    answers = models.JSONField(default=dict, blank=True)  # question id (str) -> answer
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        constraints = [
            # One live registration per person and event: a second one is refused by the database as well.
            models.UniqueConstraint(fields=["event", "email"], condition=~Q(status="cancelled"),
                                    name="registration_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.event}"
