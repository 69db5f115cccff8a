"""Use cases of events: who sees an event, registering with a capacity and a waiting list that moves up by itself
when someone cancels, and checking people in at the door."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filiera.core.access import Role, Viewer
from filiera.events.models import (
    Event,
    FollowUp,
    MeetingSeat,
    Registration,
    RegistrationQuestion,
    VoicedNeed,
)
from filiera.events.notifications import TOKEN_SALT, send_registration_notice

REMINDER_AHEAD = datetime.timedelta(hours=36)  # a reminder the day before, whatever hour the task runs


class RegistrationError(ValidationError):
    """What is wrong with a registration, by field ("__all__" for the registration as a whole); the API answers it
    with 400 and the messages per field, a form shows them beside its fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__({field: [message] for field, message in errors.items()})
        self.errors = errors


def visible_events(viewer: Viewer) -> QuerySet:
    """Published events open to everyone; members-only ones of the viewer's clusters; everything of the clusters
    they run, drafts included."""
    members_of = viewer.member_cluster_ids | viewer.observed_cluster_ids | viewer.staff_cluster_ids
    query = Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]) & (
        Q(audience=Event.Audience.PUBLIC) | Q(cluster_id__in=members_of))
    if viewer.is_admin:
        return Event.objects.all()
    return Event.objects.filter(query | Q(cluster_id__in=viewer.staff_cluster_ids))


def why_closed(viewer: Viewer, event: Event, now=None) -> str | None:
    """Why this viewer cannot register for the event now, or None when they can."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return _("This event is not open for registration.")
    if event.audience == Event.Audience.MEMBERS and viewer.role_in(event.cluster) < Role.MEMBER:
        return _("This event is for members of the cluster only.")
    closes = event.registration_closes_at or event.starts_at
    if now >= closes:
        return _("Registration for this event has closed.")
    return None


def check_answers(event: Event, answers: dict) -> tuple[dict[str, str], dict[str, str]]:
    """The answers kept (question id -> text) and the errors (answer_<id> -> message)."""
    kept, errors = {}, {}
    for question in event.questions.all():
        key = str(question.pk)
        value = answers.get(key, answers.get(question.pk, ""))
        value = "" if value is None else str(value).strip()
        if question.kind == RegistrationQuestion.Kind.YES_NO and value:
            if value.lower() not in ("yes", "no"):
                errors[f"answer_{key}"] = _("Answer yes or no.")
                continue
            value = value.lower()
        if question.kind == RegistrationQuestion.Kind.CHOICE and value and value not in question.choices:
            errors[f"answer_{key}"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(question.choices)}
            continue
        if question.required and not value:
            errors[f"answer_{key}"] = _("This question needs an answer.")
            continue
        if value:
            kept[key] = value
    return kept, errors


def register(viewer: Viewer, event: Event, *, name: str, email: str, organisation_name: str = "",
             organisation=None, answers: dict | None = None, language: str = "en", user=None,
             now=None) -> Registration:
    """Registers a person: confirmed while seats are left, else on the waiting list. Raises RegistrationError."""
    errors: dict[str, str] = {}
    closed = why_closed(viewer, event, now)
    if closed:
        raise RegistrationError({"__all__": closed})
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        errors["name"] = _("Give your name.")
    if not email or "@" not in email:
        errors["email"] = _("Give a valid email address.")
    kept, answer_errors = check_answers(event, answers or {})
    errors.update(answer_errors)
    if errors:
        raise RegistrationError(errors)
    try:
        with transaction.atomic():
            # The event row is the lock: two people cannot take the last seat at once.
            locked = Event.objects.select_for_update().get(pk=event.pk)
            if Registration.objects.filter(event=locked, email=email).exclude(
                    status=Registration.Status.CANCELLED).exists():
                raise RegistrationError({"email": _("This email address is already registered for this event.")})
            confirmed = locked.registrations.filter(status=Registration.Status.CONFIRMED).count()
            full = locked.capacity is not None and confirmed >= locked.capacity
            registration = Registration.objects.create(
                event=locked, user=user, organisation=organisation, name=name, email=email,
                organisation_name=organisation_name.strip(), language=language, answers=kept,
                status=Registration.Status.WAITING if full else Registration.Status.CONFIRMED)
            transaction.on_commit(lambda: send_registration_notice(registration.pk))
    except IntegrityError as error:  # the same email at the same moment: the database said no
        raise RegistrationError(
            {"email": _("This email address is already registered for this event.")}) from error
    return registration


def cancel(registration: Registration) -> list[Registration]:
    """Cancels a registration; when it held a seat, the first people waiting move up. Returns those promoted."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == Registration.Status.CANCELLED:
            return []
        current.status = Registration.Status.CANCELLED
        current.status_changed_at = timezone.now()
        current.save(update_fields=["status", "status_changed_at"])
        registration.status = current.status
        transaction.on_commit(lambda: send_registration_notice(current.pk))
        return promote_waiting(event)


def promote_waiting(event: Event) -> list[Registration]:
    """Fills free seats from the waiting list, first come first served (inside the caller's transaction, with the
    event row locked)."""
    promoted = []
    confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    waiting = event.registrations.filter(status=Registration.Status.WAITING).order_by("created_at", "pk")
    for registration in waiting:
        if event.capacity is not None and confirmed >= event.capacity:
            break
        registration.status = Registration.Status.CONFIRMED
        registration.status_changed_at = timezone.now()
        registration.save(update_fields=["status", "status_changed_at"])
        confirmed += 1
        promoted.append(registration)
        transaction.on_commit(lambda pk=registration.pk: send_registration_notice(pk))
    return promoted


def set_capacity(event: Event, capacity: int | None) -> list[Registration]:
    """Changes the number of seats; more seats promote people waiting. Fewer seats never unseat anyone."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
        event.capacity = capacity
        return promote_waiting(locked)


def check_in(registration: Registration, now=None) -> Registration:
    """Marks a confirmed participant as arrived (again: nothing changes)."""
    with transaction.atomic():
        # Read under a lock: two doors scanning the same person keep the first arrival, and a registration
        # cancelled since the door loaded it is refused.
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        registration.status, registration.checked_in_at = current.status, current.checked_in_at
        if current.status != Registration.Status.CONFIRMED:
            raise RegistrationError({"__all__": _("Only confirmed participants can be checked in.")})
        if current.checked_in_at is None:
            current.checked_in_at = now or timezone.now()
            current.save(update_fields=["checked_in_at"])
            registration.checked_in_at = current.checked_in_at
    return registration


def upcoming(events: QuerySet, now=None) -> QuerySet:
    """Events that have not ended yet, soonest first."""
    return events.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")


def registration_for_token(token: str) -> Registration | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return Registration.objects.select_related("event", "event__cluster").filter(pk=pk).first()


def represented(viewer: Viewer):
    """The organisation a signed-in person registers for: the one they represent, when there is exactly one."""
    if len(viewer.organisation_ids) != 1:
        return None
    from filiera.directory.models import Organisation

    return Organisation.objects.filter(pk=next(iter(viewer.organisation_ids))).first()


def own_registration(viewer: Viewer, event: Event) -> Registration | None:
    """The signed-in viewer's live registration for the event, if any."""
    if not viewer.is_authenticated:
        return None
    return event.registrations.filter(user_id=viewer.user_id).exclude(
        status=Registration.Status.CANCELLED).first()


def save_event(cluster, event: Event, form, questions, user=None, texts=None) -> Event:
    """Saves an event, its questions and its texts in other languages from the staff's forms; more seats promote
    people waiting."""
    with transaction.atomic():
        previous = Event.objects.filter(pk=event.pk).values_list("capacity", flat=True).first() if event.pk else None
        event = form.save(commit=False)
        event.cluster = cluster
        if not event.pk:
            event.created_by = user
        event.save()
        questions.instance = event
        questions.save()
        if texts is not None:
            texts.instance = event
            texts.save()
        if event.pk and event.capacity != previous:
            promote_waiting(Event.objects.select_for_update().get(pk=event.pk))
    return event


def attendee_rows(event: Event):
    """The attendee list's rows (see attendee_header), in the order people registered."""
    questions = [str(pk) for pk in event.questions.values_list("pk", flat=True)]
    for r in event.registrations.order_by("created_at", "pk"):
        answers = [r.answers.get(pk, "") for pk in questions]
        yield [r.name, r.email, r.organisation_name, r.get_status_display(), r.language,
               timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
               timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "", *answers]


def attendee_header(event: Event) -> list[str]:
    return [_("Name"), _("Email"), _("Organisation"), _("Status"), _("Language"), _("Registered"),
            _("Checked in"), *[q.label for q in event.questions.all()]]


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    return max(0, event.capacity - confirmed)


def send_reminders(now=None, ahead: datetime.timedelta = REMINDER_AHEAD, dry_run: bool = False) -> int:
    """Reminds every confirmed registrant of a published event starting within `ahead` (once). Returns how many
    reminders were (or, with dry_run, would be) sent."""
    now = now or timezone.now()
    due = (Registration.objects.filter(status=Registration.Status.CONFIRMED, reminded_at__isnull=True,
                                       event__status=Event.Status.PUBLISHED, event__starts_at__gt=now,
                                       event__starts_at__lte=now + ahead)
           .values_list("pk", flat=True))
    ids = list(due)
    if dry_run:
        return len(ids)
    sent = 0
    for pk in ids:
        # Marked first: a crash halfway never sends anyone two reminders.
        if Registration.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            sent += send_registration_notice(pk, reminder=True)
    return sent


def add_need(event: Event, *, actor: str, text: str, language: str = "en", user=None) -> VoicedNeed:
    """Records a need voiced at the event by a kind of actor."""
    errors = {}
    if not actor.strip():
        errors["actor"] = _("Say who voiced it: a GP, a social worker, a patient, …")
    if not text.strip():
        errors["text"] = _("Write the need down.")
    if errors:
        raise RegistrationError(errors)
    return VoicedNeed.objects.create(event=event, actor=actor.strip()[:80], text=text.strip(), language=language,
                                     created_by=user)


def need_header() -> list[str]:
    return [_("Voiced by"), _("Need"), _("Language"), _("Recorded")]


def need_rows(event: Event):
    """The export's rows of the needs voiced at an event, by actor."""
    for need in event.voiced_needs.all():
        yield [need.actor, need.text, need.language, timezone.localtime(need.created_at).strftime("%Y-%m-%d %H:%M")]


def needs_by_actor(event: Event) -> list[tuple[str, list[VoicedNeed]]]:
    grouped: dict[str, list[VoicedNeed]] = {}
    for need in event.voiced_needs.all():
        grouped.setdefault(need.actor, []).append(need)
    return sorted(grouped.items(), key=lambda item: item[0].lower())


# --- what took place: read by the KPIs (monitoring) and the collaboration network (network) ---------------------


@dataclass(frozen=True)
class HeldEvent:
    day: datetime.date
    organisations: tuple[int | None, ...]  # the organisation of each confirmed registration (None: none given)


@dataclass(frozen=True)
class HeldMeeting:
    day: datetime.date
    organisations: frozenset[int]
    outcomes: frozenset[str]  # what its participants said came of it (FollowUp.Outcome)


def events_held(cluster, today: datetime.date) -> dict[int, HeldEvent]:
    """The cluster's events that took place by `today` (not cancelled), by id, with their confirmed registrations."""
    events = Event.objects.filter(cluster=cluster, starts_at__date__lte=today).exclude(status=Event.Status.CANCELLED)
    registrations: dict[int, list[int | None]] = defaultdict(list)
    for event_id, org_id in Registration.objects.filter(event__in=events, status=Registration.Status.CONFIRMED) \
            .values_list("event_id", "organisation_id"):
        registrations[event_id].append(org_id)
    return {pk: HeldEvent(day=timezone.localtime(starts).date(), organisations=tuple(registrations[pk]))
            for pk, starts in events.values_list("pk", "starts_at")}


def meetings_held(cluster, today: datetime.date) -> dict[int, HeldMeeting]:
    """The B2B meetings of the cluster's events held by `today` (scheduled in a slot), by id, with their
    participants' organisations and outcomes."""
    seats: dict[int, set[int]] = defaultdict(set)
    days: dict[int, datetime.date] = {}
    for meeting_id, org_id, starts in MeetingSeat.objects.filter(
            meeting__event__cluster=cluster, meeting__slot__isnull=False,
            meeting__slot__starts_at__date__lte=today).values_list(
            "meeting_id", "participant__organisation_id", "meeting__slot__starts_at"):
        days[meeting_id] = timezone.localtime(starts).date()
        if org_id is not None:
            seats[meeting_id].add(org_id)
    outcomes: dict[int, set[str]] = defaultdict(set)
    for meeting_id, outcome in FollowUp.objects.filter(meeting_id__in=list(days)).values_list("meeting_id",
                                                                                               "outcome"):
        outcomes[meeting_id].add(outcome)
    return {pk: HeldMeeting(day=day, organisations=frozenset(seats[pk]), outcomes=frozenset(outcomes[pk]))
            for pk, day in days.items()}
