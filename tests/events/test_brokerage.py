"""B2B brokerage: the marketplace, meeting requests (caps, mutual requests), placing meetings by hand with every rule
said in words, the database refusing double booking (also under concurrent transactions on PostgreSQL), the
scheduler run on the event's data keeping locked and announced meetings, and agendas with change notices."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from filiera.events import brokerage
from filiera.events.brokerage import BrokerageError
from filiera.events.models import Event, Meeting, MeetingRequest, MeetingSeat, Registration, Slot, Table


def make_brokerage(cluster, *, slots: int = 4, onsite: int = 1, online: int = 1, max_requests=None) -> Event:
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=30)
    event = Event.objects.create(cluster=cluster, slug="b2b", title="B2B day", kind=Event.Kind.BROKERAGE,
                                 status=Event.Status.PUBLISHED, starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=8), max_requests=max_requests)
    for i in range(slots):
        session, begin = ("Morning", start + datetime.timedelta(minutes=20 * i)) if i < slots // 2 else (
            "Afternoon", start + datetime.timedelta(hours=5, minutes=20 * i))
        Slot.objects.create(event=event, session=session, starts_at=begin,
                            ends_at=begin + datetime.timedelta(minutes=20))
    for i in range(onsite):
        Table.objects.create(event=event, name=f"Table {i + 1}", mode=Table.Mode.ONSITE)
    for i in range(online):
        Table.objects.create(event=event, name=f"Room {i + 1}", mode=Table.Mode.ONLINE)
    return event


def people(event, n: int, language: str = "en"):
    found = []
    for i in range(n):
        registration = Registration.objects.create(event=event, name=f"Delegate {i}", email=f"d{i}@example.org",
                                                   organisation_name=f"Company {i}", language=language)
        found.append(brokerage.join(registration, offers=f"Sensors {i}", looks_for="Hospitals"))
    return found


@pytest.mark.django_db
def test_only_confirmed_registrants_of_a_brokerage_event_join_its_marketplace(cluster_a):
    event = make_brokerage(cluster_a)
    waiting = Registration.objects.create(event=event, name="W", email="w@example.org", status="waiting")
    with pytest.raises(BrokerageError, match="Only confirmed"):
        brokerage.join(waiting)
    workshop = Event.objects.create(cluster=cluster_a, slug="ws", title="WS", starts_at=event.starts_at,
                                    ends_at=event.ends_at)
    other = Registration.objects.create(event=workshop, name="X", email="x@example.org")
    with pytest.raises(BrokerageError, match="no meeting marketplace"):
        brokerage.join(other)
    (a,) = people(event, 1)
    assert (a.name, a.offers) == ("Company 0 (Delegate 0)", "Sensors 0")
    assert brokerage.join(a.registration, offers="Wearables").pk == a.pk  # a second time updates the profile


@pytest.mark.django_db
def test_requests_answers_caps_and_mutual_interest(cluster_a):
    event = make_brokerage(cluster_a, max_requests=2)
    a, b, c, d = people(event, 4)
    with pytest.raises(BrokerageError, match="yourself"):
        brokerage.request_meeting(a, a)
    first = brokerage.request_meeting(a, b, "We make fall sensors")
    with pytest.raises(BrokerageError, match="already exchanged"):
        brokerage.request_meeting(a, b)
    brokerage.request_meeting(a, c)
    with pytest.raises(BrokerageError, match="the 2 meeting requests"):
        brokerage.request_meeting(a, d)
    accepted = brokerage.answer(first, accept=True)
    assert accepted.meeting.priority == brokerage.ACCEPTED
    assert set(accepted.meeting.participants.all()) == {a, b}
    with pytest.raises(BrokerageError, match="already been answered"):
        brokerage.answer(first, accept=False)
    # d asks c, then c asks d: both want it, the meeting comes first.
    brokerage.request_meeting(d, c)
    mutual = brokerage.request_meeting(c, d)
    assert (mutual.status, mutual.meeting.priority) == ("accepted", brokerage.MUTUAL)
    declined = brokerage.answer(MeetingRequest.objects.get(sender=a, receiver=c), accept=False)
    assert declined.status == "declined" and declined.meeting is None
    assert Meeting.objects.count() == 2


@pytest.mark.django_db
def test_placing_by_hand_says_which_rule_it_would_break(cluster_a):
    event = make_brokerage(cluster_a)
    a, b, c, d = people(event, 4)
    s1, s2, s3, _ = event.slots.all()
    table = event.tables.get(mode="onsite")
    room = event.tables.get(mode="online")
    ab = brokerage.create_meeting(event, [a, b])
    cd = brokerage.create_meeting(event, [c, d], mode=Meeting.Mode.ONSITE)
    ac = brokerage.create_meeting(event, [a, c])
    brokerage.place(ab, s1, table)
    with pytest.raises(BrokerageError, match="Table 1 is taken"):
        brokerage.place(cd, s1, table)
    with pytest.raises(BrokerageError, match="on site: choose a table of that kind"):
        brokerage.place(cd, s1, room)
    with pytest.raises(BrokerageError, match=r"Already in another meeting in this slot: Company 0 \(Delegate 0\)"):
        brokerage.place(ac, s1, room)
    c.unavailable.add(s2)
    with pytest.raises(BrokerageError, match=r"Not available in this slot: Company 2 \(Delegate 2\)"):
        brokerage.place(ac, s2, room)
    with pytest.raises(BrokerageError, match="at least two"):
        brokerage.create_meeting(event, [a])
    brokerage.place(cd, s3, table, lock=True)
    assert cd.locked and set(MeetingSeat.objects.filter(meeting=cd).values_list("slot", flat=True)) == {s3.pk}
    brokerage.unschedule(cd)
    cd.refresh_from_db()
    assert (cd.slot, cd.table, cd.locked) == (None, None, False)
    assert not MeetingSeat.objects.filter(meeting=cd, slot__isnull=False).exists()


@pytest.mark.django_db
def test_the_database_refuses_double_booking_whatever_writes(cluster_a):
    event = make_brokerage(cluster_a)
    a, b, c, _ = people(event, 4)
    s1 = event.slots.first()
    table, room = event.tables.get(mode="onsite"), event.tables.get(mode="online")
    brokerage.place(brokerage.create_meeting(event, [a, b]), s1, table)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(event=event, slot=s1, table=table)  # the same table and slot
    other = brokerage.create_meeting(event, [a, c])
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingSeat.objects.filter(meeting=other, participant=a).update(slot=s1)  # a twice in s1
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=other.pk).update(slot=s1)  # a slot without a table
    assert room


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_keeps_locked_and_announced_meetings_and_tells_who_moved(cluster_a):
    event = make_brokerage(cluster_a, slots=4, onsite=1, online=0)
    a, b, c, d = people(event, 4)
    s1, s2, s3, s4 = event.slots.all()
    table = event.tables.get()
    ab, cd, ac, bd = (brokerage.create_meeting(event, pair) for pair in ([a, b], [c, d], [a, c], [b, d]))
    brokerage.place(ab, s3, table, lock=True)
    d.unavailable.add(s1)
    result = brokerage.schedule(event, time_limit=5)
    assert result.figures.scheduled == 4 and result.figures.optimal
    placed = {m.pk: (m.slot_id, m.table_id) for m in Meeting.objects.all()}
    assert placed[ab.pk] == (s3.pk, table.pk)  # locked: kept
    assert len({slot for slot, _ in placed.values()}) == 4  # one table: one meeting a slot
    assert placed[cd.pk][0] != s1.pk and placed[bd.pk][0] != s1.pk  # d is away in s1
    for participant in (a, b, c, d):  # nobody twice in a slot
        slots = list(MeetingSeat.objects.filter(participant=participant).values_list("slot", flat=True))
        assert None not in slots and len(slots) == len(set(slots))

    mail.outbox.clear()
    assert brokerage.announce(event) == 4
    assert len(mail.outbox) == 4 and "Your meetings at B2B day" in mail.outbox[0].subject
    agenda_a = brokerage.agenda(a)
    assert [m.slot.starts_at for m in agenda_a] == sorted(m.slot.starts_at for m in agenda_a)
    assert {str(p) for m in agenda_a for p in m.others} == {"Company 1 (Delegate 1)", "Company 2 (Delegate 2)"}

    # Announced meetings stay put on a new run; unless told otherwise, and then who moved is told.
    mail.outbox.clear()
    brokerage.unschedule(ab)
    brokerage.schedule(event, time_limit=5)
    assert {m.pk: (m.slot_id, m.table_id) for m in Meeting.objects.exclude(pk=ab.pk)} == {
        pk: place for pk, place in placed.items() if pk != ab.pk}
    # Only the unscheduled meeting moved (it was announced: its two participants are told).
    assert sorted(m.to[0] for m in mail.outbox) == ["d0@example.org", "d1@example.org"]
    mail.outbox.clear()
    c.unavailable.add(Slot.objects.get(pk=placed[cd.pk][0]))
    brokerage.schedule(event, time_limit=5, keep_announced=False)
    cd.refresh_from_db()
    assert cd.slot_id != placed[cd.pk][0]
    assert {m.to[0] for m in mail.outbox} >= {"d2@example.org", "d3@example.org"}
    assert all("Your agenda changed" in m.subject for m in mail.outbox)


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_organisers_cannot_double_book_someone_at_the_same_moment(cluster_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers)")
    event = make_brokerage(cluster_a, onsite=2, online=0)
    a, b, c, _ = people(event, 4)
    s1 = event.slots.first()
    t1, t2 = event.tables.all()
    ab, ac = brokerage.create_meeting(event, [a, b]), brokerage.create_meeting(event, [a, c])
    barrier, outcomes = threading.Barrier(2), []

    def worker(meeting, table) -> None:
        try:
            barrier.wait()
            brokerage.place(Meeting.objects.get(pk=meeting.pk), Slot.objects.get(pk=s1.pk),
                            Table.objects.get(pk=table.pk))
            outcomes.append("placed")
        except BrokerageError as error:
            outcomes.append(error.errors["__all__"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=args) for args in ((ab, t1), (ac, t2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "placed" and outcomes.count("placed") == 1, outcomes
    assert MeetingSeat.objects.filter(participant=a, slot=s1).count() == 1


@pytest.mark.django_db
def test_colleagues_of_an_organisation_share_its_participant_as_delegates(cluster_a, org_a,
                                                                          django_capture_on_commit_callbacks):
    event = make_brokerage(cluster_a)
    first = Registration.objects.create(event=event, name="Ada", email="ada@example.org", organisation=org_a)
    participant = brokerage.join(first, offers="Fall sensors", looks_for="Hospitals")
    colleague = Registration.objects.create(event=event, name="Bo", email="bo@example.org", organisation=org_a,
                                            language="it")
    assert brokerage.join_as_delegate(colleague) == participant
    assert brokerage.participant_of(colleague) == participant
    assert brokerage.join(colleague, offers="Wearables").pk == participant.pk  # one profile for both
    participant.refresh_from_db()
    assert participant.offers == "Wearables" and list(participant.delegates.all()) == [colleague]
    assert brokerage.marketplace(event).count() == 1
    other = people(event, 1)[0]
    brokerage.place(brokerage.create_meeting(event, [participant, other]), event.slots.first(), event.tables.first())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        brokerage.announce(event)
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bo@example.org", "d0@example.org"]
    italian = next(m for m in mail.outbox if m.to == ["bo@example.org"])
    assert italian.subject == "I tuoi incontri a B2B day" and "Gentile Bo" in italian.body


@pytest.mark.django_db
def test_every_change_of_the_brokerage_is_in_the_audit_log(cluster_a):
    from filiera.core.models import AuditEntry

    event = make_brokerage(cluster_a, slots=2, onsite=1, online=0)
    a, b = people(event, 2)
    brokerage.join(a.registration, offers="Changed offer")
    meeting = brokerage.create_meeting(event, [a, b])
    brokerage.schedule(event, time_limit=2)
    brokerage.announce(event)
    entries = AuditEntry.objects.filter(cluster_id=cluster_a.pk)
    assert entries.filter(model="events.slot", action="create").count() == 2
    assert entries.filter(model="events.participant", action="update",
                          changes__offers=["Sensors 0", "Changed offer"]).exists()
    assert entries.filter(model="events.meetingseat", action="create").count() == 2
    moved = entries.get(model="events.meeting", object_id=str(meeting.pk), changes__has_key="slot")
    assert moved.changes["slot"][0] is None and moved.changes["slot"][1] is not None
    assert entries.filter(model="events.meeting", changes__has_key="announced_at").exists()
