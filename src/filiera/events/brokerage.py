"""Use cases of B2B brokerage: joining the marketplace, meeting requests and their answers, placing meetings by
hand on the organiser's board, running the scheduler (events/scheduling, a pure engine) on the event's data, and
each participant's agenda. The database refuses double booking whoever writes (see models.Meeting and
MeetingSeat); these functions say why in words."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from filiera.core import audit
from filiera.core.models import AuditEntry
from filiera.events import scheduling
from filiera.events.models import (
    Event,
    FollowUp,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    Participant,
    Registration,
    Slot,
    Table,
)
from filiera.events.notifications import send_agenda

MUTUAL, ACCEPTED, ADDED = 3, 2, 1  # priorities: both asked; one asked and the other accepted; added by the staff


class BrokerageError(ValidationError):
    """What is wrong, by field ("__all__" when no one field)."""

    def __init__(self, errors: dict[str, str] | str):
        errors = {"__all__": errors} if isinstance(errors, str) else errors
        super().__init__({field: [message] for field, message in errors.items()})
        self.errors = errors


# -- the marketplace ------------------------------------------------------------------------------------------------

def join(registration: Registration, *, offers: str = "", looks_for: str = "", organisation=None,
         max_meetings: int | None = None, unavailable=(), opportunities=()) -> Participant:
    """Makes a confirmed registrant of a brokerage event a participant of its marketplace (or updates their
    profile)."""
    event = registration.event
    if event.kind != Event.Kind.BROKERAGE:
        raise BrokerageError(_("This event has no meeting marketplace."))
    if registration.status != Registration.Status.CONFIRMED:
        raise BrokerageError(_("Only confirmed participants take part in the meetings."))
    with transaction.atomic():
        # The event row is the lock: colleagues joining at the same moment become one participant and delegates.
        # (A no-key lock: it still lets others insert rows that point at the event, e.g. a meeting request.)
        Event.objects.select_for_update(no_key=True).get(pk=event.pk)
        existing = participant_of(registration) or join_as_delegate(registration)
        if existing is not None and existing.registration_id != registration.pk:
            registration = existing.registration
        participant, _created = Participant.objects.update_or_create(
            registration=registration,
            defaults={"event": event, "offers": offers.strip(), "looks_for": looks_for.strip(),
                      "organisation": organisation or registration.organisation, "max_meetings": max_meetings})
        participant.unavailable.set([s for s in unavailable if s.event_id == event.pk])
        # Only its own organisation's published opportunities go on a participant's card.
        participant.opportunities.set([o for o in opportunities if participant.organisation_id
                                       and o.organisation_id == participant.organisation_id
                                       and o.status == "published"])
    return participant


def join_as_delegate(registration: Registration) -> Participant | None:
    """A colleague of an organisation already taking part becomes one of its delegates (same profile, requests and
    agenda). Returns that participant, or None when the organisation takes no part yet."""
    if not registration.organisation_id or registration.status != Registration.Status.CONFIRMED:
        return None
    existing = (registration.event.participants.filter(organisation_id=registration.organisation_id,
                                                       registration__status=Registration.Status.CONFIRMED)
                .exclude(registration=registration).first())
    if existing is not None:
        existing.delegates.add(registration)
    return existing


def participant_of(registration: Registration) -> Participant | None:
    """The participant a registration takes part as: its own, or the organisation's it is a delegate of."""
    return (Participant.objects.filter(Q(registration=registration) | Q(delegates=registration))
            .select_related("registration", "organisation").first())


def taking_part(viewer, event: Event) -> tuple[Registration, Participant | None] | None:
    """The viewer's confirmed registration for the event and the participant it takes part as (a colleague of an
    organisation already there becomes its delegate); None when the viewer takes no part in its meetings."""
    from filiera.events.services import own_registration

    registration = own_registration(viewer, event)
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        return None
    return registration, participant_of(registration) or join_as_delegate(registration)


def marketplace(event: Event):
    """The participants of an event whose registration holds, with how many meetings they have."""
    return (event.participants.filter(registration__status=Registration.Status.CONFIRMED)
            .select_related("registration", "organisation").prefetch_related("opportunities")
            .annotate(meeting_count=Count("seats")))


def request_meeting(sender: Participant, receiver: Participant, message: str = "") -> MeetingRequest:
    """Sender asks receiver for a meeting. When receiver had already asked sender, this accepts that request: a
    meeting both want."""
    if sender.event_id != receiver.event_id:
        raise BrokerageError(_("Both must take part in the same event."))
    if sender.pk == receiver.pk:
        raise BrokerageError(_("You cannot ask yourself for a meeting."))
    try:
        with transaction.atomic():
            # Both participants' rows are the lock (taken in one order, so no deadlock): two people asking each
            # other at the same moment get one mutual meeting, and requests sent at once count against the cap.
            list(Participant.objects.select_for_update().filter(pk__in=[sender.pk, receiver.pk]).order_by("pk"))
            reverse = MeetingRequest.objects.filter(sender=receiver, receiver=sender).first()
            if reverse is not None and reverse.status == MeetingRequest.Status.PENDING:
                return answer(reverse, accept=True, mutual=True)
            pair = Q(sender=sender, receiver=receiver) | Q(sender=receiver, receiver=sender)
            if MeetingRequest.objects.filter(pair).exists():
                raise BrokerageError(_("You have already exchanged a meeting request with %(name)s.")
                                     % {"name": receiver.name})
            cap = sender.event.max_requests
            if cap is not None and sender.sent_requests.count() >= cap:
                raise BrokerageError(_("You have sent the %(cap)d meeting requests this event allows.")
                                     % {"cap": cap})
            return MeetingRequest.objects.create(event=sender.event, sender=sender, receiver=receiver,
                                                 message=message.strip())
    except IntegrityError as error:
        raise BrokerageError(_("You have already exchanged a meeting request with %(name)s.")
                             % {"name": receiver.name}) from error


def answer(request: MeetingRequest, *, accept: bool, mutual: bool = False) -> MeetingRequest:
    """Accepts (a meeting to schedule) or declines a pending request."""
    with transaction.atomic():
        current = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != MeetingRequest.Status.PENDING:
            raise BrokerageError(_("This request has already been answered."))
        current.status = MeetingRequest.Status.ACCEPTED if accept else MeetingRequest.Status.DECLINED
        current.answered_at = timezone.now()
        if accept:
            current.meeting = create_meeting(current.event, [current.sender, current.receiver],
                                             priority=MUTUAL if mutual else ACCEPTED)
        current.save()
    return current


def create_meeting(event: Event, participants, *, priority: int = ADDED, mode: str = Meeting.Mode.ANY) -> Meeting:
    """A meeting of two or more participants of the event, not yet scheduled."""
    people = list(dict.fromkeys(participants))
    if len(people) < 2:
        raise BrokerageError(_("A meeting needs at least two participants."))
    if any(p.event_id != event.pk for p in people):
        raise BrokerageError(_("Every participant of a meeting must take part in this event."))
    meeting = Meeting.objects.create(event=event, priority=priority, mode=mode)
    seats = MeetingSeat.objects.bulk_create([MeetingSeat(meeting=meeting, participant=p) for p in people])
    AuditEntry.objects.bulk_create([audit.created_entry(seat) for seat in seats])
    return meeting


# -- the organiser's board ------------------------------------------------------------------------------------------

def place(meeting: Meeting, slot: Slot, table: Table, *, lock: bool | None = None) -> Meeting:
    """Puts a meeting in a slot at a table, by hand; refuses what would break a rule, saying which."""
    if slot.event_id != meeting.event_id or table.event_id != meeting.event_id:
        raise BrokerageError(_("The slot and the table must belong to the meeting's event."))
    if meeting.mode != Meeting.Mode.ANY and table.mode != meeting.mode:
        raise BrokerageError(_("This meeting is %(mode)s: choose a table of that kind.")
                             % {"mode": meeting.get_mode_display().lower()})
    away = [p.name for p in meeting.participants.filter(unavailable=slot)]
    if away:
        raise BrokerageError(_("Not available in this slot: %(names)s.") % {"names": ", ".join(away)})
    with transaction.atomic():
        # The event row is the lock the scheduler takes too: a placement never lands in the middle of its writes.
        Event.objects.select_for_update(no_key=True).get(pk=meeting.event_id)
        taken = Meeting.objects.filter(slot=slot, table=table).exclude(pk=meeting.pk).exists()
        if taken:
            raise BrokerageError(_("%(table)s is taken in this slot.") % {"table": table.name})
        busy = (MeetingSeat.objects.filter(slot=slot, participant__in=meeting.participants.all())
                .exclude(meeting=meeting).select_related("participant__registration", "participant__organisation"))
        if busy:
            raise BrokerageError(_("Already in another meeting in this slot: %(names)s.")
                                 % {"names": ", ".join(seat.participant.name for seat in busy)})
        try:
            with transaction.atomic():
                meeting.slot, meeting.table = slot, table
                if lock is not None:
                    meeting.locked = lock
                meeting.save(update_fields=["slot", "table", "locked"])
                meeting.seats.update(slot=slot)
        except IntegrityError as error:  # someone else placed a meeting there at the same moment
            raise BrokerageError(_("Someone else has just used this slot or table; reload the board.")) from error
    return meeting


def unschedule(meeting: Meeting) -> Meeting:
    with transaction.atomic():
        meeting.slot = meeting.table = None
        meeting.locked = False
        meeting.save(update_fields=["slot", "table", "locked"])
        meeting.seats.update(slot=None)
    return meeting


def set_locked(meeting: Meeting, locked: bool) -> Meeting:
    if locked and meeting.slot_id is None:
        raise BrokerageError(_("Only a scheduled meeting can be locked."))
    meeting.locked = locked
    meeting.save(update_fields=["locked"])
    return meeting


def instance_of(event: Event, *, keep_announced: bool = True) -> scheduling.Instance:
    """The event's slots, tables, participants and meetings as the scheduler's instance. Locked meetings (and
    announced ones, unless told otherwise) keep their slot and table."""
    slots = list(event.slots.all())
    participants = list(marketplace(event).prefetch_related("unavailable"))
    live = {p.pk for p in participants}
    meetings = []
    for meeting in event.meetings.prefetch_related("seats"):
        people = [seat.participant_id for seat in sorted(meeting.seats.all(), key=lambda seat: seat.pk)]
        if len(people) < 2 or any(pk not in live for pk in people):
            continue  # a participant cancelled: the meeting waits for the staff
        fixed = meeting.slot_id is not None and (meeting.locked or (keep_announced and meeting.announced_at))
        lock = scheduling.Lock(f"s{meeting.slot_id}", f"t{meeting.table_id}") if fixed else None
        meetings.append(scheduling.Meeting(f"m{meeting.pk}", tuple(f"p{pk}" for pk in people), meeting.priority,
                                           meeting.mode, lock))
    return scheduling.Instance(
        slots=[scheduling.Slot(f"s{s.pk}", s.session, s.starts_at.isoformat(), s.ends_at.isoformat()) for s in slots],
        tables=[scheduling.Table(f"t{t.pk}", t.mode) for t in event.tables.all()],
        participants=[scheduling.Participant(f"p{p.pk}", frozenset(f"s{s.pk}" for s in p.unavailable.all()),
                                             p.max_meetings) for p in participants],
        meetings=meetings)


def schedule(event: Event, *, time_limit: float = 20, keep_announced: bool = True) -> scheduling.Result:
    """Runs the scheduler on the event and writes its answer; participants whose announced agenda changed are told.
    Raises BrokerageError with every problem when the event's data cannot be scheduled as it is."""
    instance = instance_of(event, keep_announced=keep_announced)
    try:
        result = scheduling.solve(instance, time_limit=time_limit)
    except scheduling.InvalidInstance as error:
        raise BrokerageError(" ".join(error.problems)) from error
    placed = {int(a.meeting[1:]): (int(a.slot[1:]), int(a.table[1:])) for a in result.assignments}
    changed_people: set[int] = set()
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        if instance_of(event, keep_announced=keep_announced) != instance:
            # Someone placed, locked or added a meeting (or a participant changed) while the solver ran: its answer
            # is for a board that no longer exists.
            raise BrokerageError(_("The meetings changed while the scheduler was running; nothing was changed. "
                                   "Run it again."))
        meetings = list(event.meetings.prefetch_related("seats"))
        before = {m.pk: (m.slot_id, m.table_id) for m in meetings}
        # Clear first, then place: no transient clash with the unique constraints.
        moving = [m for m in meetings if before[m.pk] != placed.get(m.pk, (None, None))]
        ids = [m.pk for m in moving]
        MeetingSeat.objects.filter(meeting_id__in=ids).update(slot=None)
        Meeting.objects.filter(pk__in=ids).update(slot=None, table=None)
        for m in moving:
            slot_id, table_id = placed.get(m.pk, (None, None))
            if slot_id is not None:
                Meeting.objects.filter(pk=m.pk).update(slot_id=slot_id, table_id=table_id)
                MeetingSeat.objects.filter(meeting_id=m.pk).update(slot_id=slot_id)
            else:
                Meeting.objects.filter(pk=m.pk).update(locked=False)
            if m.announced_at:
                changed_people.update(seat.participant_id for seat in m.seats.all())
        AuditEntry.objects.bulk_create([
            audit.updated_entry(m, {"slot": [before[m.pk][0], placed.get(m.pk, (None, None))[0]],
                                    "table": [before[m.pk][1], placed.get(m.pk, (None, None))[1]]})
            for m in moving])
        transaction.on_commit(lambda: [send_agenda(pk, changed=True) for pk in sorted(changed_people)])
    return result


def announce(event: Event) -> int:
    """Marks the scheduled meetings as announced (a later run keeps them unless told otherwise) and sends every
    participant their agenda. Returns how many agendas were sent."""
    now = timezone.now()
    with transaction.atomic():
        fresh = list(event.meetings.filter(slot__isnull=False, announced_at__isnull=True))
        Meeting.objects.filter(pk__in=[m.pk for m in fresh]).update(announced_at=now)
        AuditEntry.objects.bulk_create([audit.updated_entry(m, {"announced_at": [None, now]}) for m in fresh])
        people = list(marketplace(event).values_list("pk", flat=True))
        transaction.on_commit(lambda: [send_agenda(pk) for pk in people])
    return len(people)


def agenda(participant: Participant) -> list[Meeting]:
    """A participant's scheduled meetings in time order, each with `others`: the other participants."""
    meetings = list(participant.meetings.filter(slot__isnull=False).select_related("slot", "table")
                    .prefetch_related("participants__registration", "participants__organisation")
                    .order_by("slot__starts_at"))
    answers = dict(participant.follow_ups.values_list("meeting_id", "outcome"))
    for meeting in meetings:
        meeting.others = [p for p in meeting.participants.all() if p.pk != participant.pk]
        meeting.my_outcome = answers.get(meeting.pk, "")
    return meetings


# -- setting up slots and tables ------------------------------------------------------------------------------------

def add_slots(event: Event, session: str, day: datetime.date, start: datetime.time, end: datetime.time,
              minutes: int) -> list[Slot]:
    """Slots of `minutes` from `start` to `end` on `day` (the event's time zone), in a session; a slot that would
    start at the same time as an existing one is skipped."""
    if minutes < 5:
        raise BrokerageError({"minutes": _("A meeting lasts at least 5 minutes.")})
    begin = timezone.make_aware(datetime.datetime.combine(day, start))
    finish = timezone.make_aware(datetime.datetime.combine(day, end))
    if finish - begin < datetime.timedelta(minutes=minutes):
        raise BrokerageError({"end": _("The session ends before its first meeting could.")})
    existing = set(event.slots.values_list("starts_at", flat=True))
    created = []
    while begin + datetime.timedelta(minutes=minutes) <= finish:
        if begin not in existing:
            created.append(Slot(event=event, session=session.strip() or _("Session"), starts_at=begin,
                                ends_at=begin + datetime.timedelta(minutes=minutes)))
        begin += datetime.timedelta(minutes=minutes)
    created = Slot.objects.bulk_create(created)
    AuditEntry.objects.bulk_create([audit.created_entry(slot) for slot in created])
    return created


def add_tables(event: Event, onsite: int, online: int) -> list[Table]:
    """Numbered on-site tables and online rooms, after those the event has."""
    names = set(event.tables.values_list("name", flat=True))
    created = []
    for count, mode, label in ((onsite, Table.Mode.ONSITE, _("Table %(n)d")), (online, Table.Mode.ONLINE,
                                                                                  _("Room %(n)d"))):
        n = 0
        while count > 0:
            n += 1
            name = label % {"n": n}
            if name in names:
                continue
            created.append(Table(event=event, name=name, mode=mode))
            names.add(name)
            count -= 1
    created = Table.objects.bulk_create(created)
    AuditEntry.objects.bulk_create([audit.created_entry(table) for table in created])
    return created


# -- after the event ------------------------------------------------------------------------------------------------

def record_follow_up(participant: Participant, meeting: Meeting, outcome: str, note: str = "",
                     now=None) -> FollowUp:
    """What came of a meeting, in the participant's words (once the event has ended; a second answer replaces the
    first)."""
    if (now or timezone.now()) < meeting.event.ends_at:
        raise BrokerageError(_("Tell us what came of the meeting after the event."))
    if not meeting.seats.filter(participant=participant).exists() or meeting.slot_id is None:
        raise BrokerageError(_("This is not one of your meetings."))
    if outcome not in FollowUp.Outcome.values:
        raise BrokerageError({"outcome": _("Choose what came of the meeting.")})
    follow_up, _created = FollowUp.objects.update_or_create(
        meeting=meeting, participant=participant, defaults={"outcome": outcome, "note": note.strip()})
    return follow_up


def outcomes(event: Event) -> dict[str, int]:
    """How many meetings of the event ended in each outcome (a meeting counts once, by its best answer)."""
    rank = {FollowUp.Outcome.NO_INTEREST: 0, FollowUp.Outcome.FOLLOW_UP: 1, FollowUp.Outcome.AGREEMENT: 2}
    best: dict[int, str] = {}
    for meeting_id, outcome in FollowUp.objects.filter(meeting__event=event).values_list("meeting_id", "outcome"):
        if meeting_id not in best or rank[outcome] > rank[best[meeting_id]]:
            best[meeting_id] = outcome
    counts = dict.fromkeys(FollowUp.Outcome.values, 0)
    for outcome in best.values():
        counts[outcome] += 1
    return counts


# -- suggestions ----------------------------------------------------------------------------------------------------

def suggestions(me: Participant, top: int = 5) -> list[tuple[Participant, list[str]]]:
    """Participants worth meeting, by the matching engine: what `me` looks for (and offers) as a query, run over the
    directory profiles of the other participants' organisations, in any language. Each comes with its reasons
    (shared concepts, matched words). Participants already asked, or without an organisation in the directory, are
    left out."""
    from filiera.matching.services import organisations_among

    text = " ".join(t for t in (me.looks_for, me.offers) if t).strip()
    asked = exchanged(me)
    by_organisation: dict[int, Participant] = {}
    for participant in marketplace(me.event).exclude(pk=me.pk).exclude(organisation__isnull=True):
        if participant.pk not in asked and participant.organisation_id != me.organisation_id:
            by_organisation.setdefault(participant.organisation_id, participant)
    return [(by_organisation[pk], reasons[:6]) for pk, reasons in organisations_among(text, by_organisation, top)]


def exchanged(me: Participant) -> set[int]:
    """The participants `me` has asked, or been asked by, for a meeting."""
    return set(me.sent_requests.values_list("receiver_id", flat=True)) | set(
        me.received_requests.values_list("sender_id", flat=True))
