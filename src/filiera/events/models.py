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
    max_requests = models.PositiveIntegerField(
        _("meeting requests per participant"), null=True, blank=True,
        help_text=_("Brokerage events: how many meeting requests a participant may send; empty for no limit."))
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

    def text_in(self, language: str | None):
        """What to show a reader of `language`: the event's text in it when there is one, else its own."""
        language = (language or "")[:2]
        for text in self.texts.all():  # prefetched by the pages that list events
            if text.language == language:
                return text
        return self


class EventText(models.Model):
    """An event's title, summary and description in another of its languages; its page shows the one in the
    visitor's language when there is one."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("event text")
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="event_text_once_per_language")]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"


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
    reminded_at = models.DateTimeField(null=True, blank=True)

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


# -- B2B brokerage ----------------------------------------------------------------------------------------------


class Slot(models.Model):
    """A time slot for one-to-one meetings at a brokerage event, in a session (a morning, an afternoon)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    session = models.CharField(_("session"), max_length=60)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("time slot")
        constraints = [models.UniqueConstraint(fields=["event", "starts_at"], name="slot_start_unique_in_event")]

    def __str__(self) -> str:
        return f"{self.session} {self.starts_at:%H:%M}"


class Table(models.Model):
    """Where a meeting happens: an on-site table or an online room."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("On site")
        ONLINE = "online", _("Online")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(_("name"), max_length=40)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)

    class Meta:
        ordering = ["mode", "pk"]
        verbose_name = _("table")
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="table_name_unique_in_event")]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """An organisation at a brokerage event, through the person who registered for it: its profile in the
    marketplace, the opportunities it brings, when it cannot meet and how many meetings it wants at most."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="participant")
    organisation = models.ForeignKey("directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="brokerage_participations")
    # Colleagues registered for the same organisation: they share its profile, requests and agenda.
    delegates = models.ManyToManyField(Registration, blank=True, related_name="delegate_of",
                                       verbose_name=_("delegates"))
    offers = models.TextField(_("what we offer"), blank=True)
    looks_for = models.TextField(_("what we look for"), blank=True)
    opportunities = models.ManyToManyField("directory.Opportunity", blank=True, related_name="brokerage_participants",
                                           verbose_name=_("our opportunities"))
    max_meetings = models.PositiveIntegerField(_("at most this many meetings"), null=True, blank=True)
    unavailable = models.ManyToManyField(Slot, blank=True, related_name="unavailable_participants",
                                         verbose_name=_("slots when we cannot meet"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("brokerage participant")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        r = self.registration
        company = self.organisation.name if self.organisation_id else r.organisation_name
        return f"{company} ({r.name})" if company else r.name


class Meeting(models.Model):
    """A meeting of two or more participants; scheduled when it has a slot and a table."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("On site")
        ONLINE = "online", _("Online")
        ANY = "any", _("On site or online")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    participants = models.ManyToManyField(Participant, through="MeetingSeat", related_name="meetings")
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    table = models.ForeignKey(Table, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    locked = models.BooleanField(_("locked"), default=False)
    announced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot__starts_at", "table_id", "pk"]
        verbose_name = _("meeting")
        constraints = [
            # One meeting per table and slot, whoever writes: the database refuses the second.
            models.UniqueConstraint(fields=["slot", "table"], name="one_meeting_per_table_and_slot"),
            models.CheckConstraint(condition=Q(slot__isnull=True, table__isnull=True)
                                   | Q(slot__isnull=False, table__isnull=False), name="meeting_slot_with_table"),
        ]

    def __str__(self) -> str:
        return " · ".join(p.name for p in self.participants.all())


class MeetingSeat(models.Model):
    """A participant's place in a meeting, with the meeting's slot copied so that the database itself refuses to
    put a participant in two meetings of the same slot."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="seats")
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "participant"], name="seat_once_per_meeting"),
            models.UniqueConstraint(fields=["participant", "slot"], name="nobody_in_two_meetings_at_once"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.meeting_id}"


class MeetingRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    sender = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="sent_requests")
    receiver = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="received_requests")
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("meeting request")
        constraints = [
            models.UniqueConstraint(fields=["sender", "receiver"], name="one_request_per_pair"),
            models.CheckConstraint(condition=~Q(sender=models.F("receiver")), name="request_to_someone_else"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.receiver}"


class FollowUp(models.Model):
    """After the event, what a participant says came of a meeting; it feeds the cluster's KPIs."""

    class Outcome(models.TextChoices):
        NO_INTEREST = "no_interest", _("No interest")
        FOLLOW_UP = "follow_up", _("Follow-up planned")
        AGREEMENT = "agreement", _("Agreement signed")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="follow_ups")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting follow-up")
        constraints = [models.UniqueConstraint(fields=["meeting", "participant"], name="one_follow_up_per_seat")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.get_outcome_display()}"


class VoicedNeed(models.Model):
    """A need voiced at a needs workshop, with the kind of actor who voiced it (a GP, a social worker, a patient, a
    sensor technician, …), kept for the challenges that will pick it up."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="voiced_needs")
    actor = models.CharField(_("voiced by"), max_length=80, help_text=_("The kind of actor: GP, social worker, "
                                                                       "patient, sensor technician, …"))
    text = models.TextField(_("need"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["actor", "created_at", "pk"]
        verbose_name = _("voiced need")

    def __str__(self) -> str:
        return f"{self.actor}: {self.text[:60]}"
