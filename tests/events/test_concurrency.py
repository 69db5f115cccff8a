"""Bookings under concurrent transactions (PostgreSQL only): registrations against the capacity and the waiting list,
check-in at two doors, meeting requests sent at the same moment, answers given twice, tables and slots booked by two
organisers, and the organiser's board changing while the scheduler runs. Each test lines two or more transactions
up on a barrier (see tests/racing.py) and checks that the rule holds whoever wins."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from filiera.core.access import ANONYMOUS
from filiera.events import brokerage
from filiera.events.brokerage import BrokerageError
from filiera.events.models import Meeting, MeetingRequest, MeetingSeat, Participant, Registration, Slot, Table
from filiera.events.services import RegistrationError, cancel, check_in, register, set_capacity
from tests.events.test_brokerage import make_brokerage, people
from tests.events.test_registration import make_event, sign_up
from tests.racing import needs_postgresql, race

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    needs_postgresql()


def confirmed(event) -> int:
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).count()


# -- registrations --------------------------------------------------------------------------------------------------

def test_the_same_person_registering_twice_at_once_gets_one_registration(cluster_a):
    event = make_event(cluster_a, capacity=10)
    outcomes = race(*[lambda: sign_up(event, 1) for _ in range(3)])
    assert sum(isinstance(o, Registration) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, RegistrationError) and "already registered" in str(o.errors["email"])
               for o in outcomes if not isinstance(o, Registration)), outcomes
    assert Registration.objects.filter(event=event, email="person1@example.org").count() == 1


def test_a_seat_freed_while_someone_registers_goes_to_the_first_person_waiting(cluster_a):
    event = make_event(cluster_a, capacity=1)
    seated, first_waiting = sign_up(event, 1), sign_up(event, 2)
    assert first_waiting.status == "waiting"
    outcomes = race(lambda: cancel(Registration.objects.get(pk=seated.pk)), lambda: sign_up(event, 3))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    first_waiting.refresh_from_db()
    assert first_waiting.status == "confirmed"
    assert outcomes[1].status == "waiting"  # the newcomer queues behind the people already waiting
    assert confirmed(event) == 1


def test_cancelling_the_same_registration_twice_at_once_promotes_one_person(cluster_a):
    event = make_event(cluster_a, capacity=1)
    seated = sign_up(event, 1)
    waiting = [sign_up(event, n) for n in (2, 3)]
    # Two tabs of the same person, each with the registration loaded before either cancels.
    copies = [Registration.objects.get(pk=seated.pk) for _ in range(2)]
    outcomes = race(*[lambda r=r: cancel(r) for r in copies])
    assert sorted(len(o) for o in outcomes) == [0, 1], outcomes
    assert confirmed(event) == 1
    assert Registration.objects.get(pk=waiting[0].pk).status == "confirmed"
    assert Registration.objects.get(pk=waiting[1].pk).status == "waiting"


def test_more_seats_given_while_people_register_never_overbook(cluster_a):
    event = make_event(cluster_a, capacity=1)
    sign_up(event, 0)
    outcomes = race(lambda: set_capacity(event, 3), *[lambda n=n: sign_up(event, n) for n in range(1, 6)])
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert confirmed(event) == 3
    assert Registration.objects.filter(event=event, status="waiting").count() == 3
    # Whoever came first sits: nobody still waiting registered before someone confirmed.
    rows = list(Registration.objects.filter(event=event).order_by("created_at", "pk").values_list("status", flat=True))
    assert rows == ["confirmed"] * 3 + ["waiting"] * 3, rows


def test_two_doors_checking_the_same_person_in_keep_the_first_arrival(cluster_a):
    event = make_event(cluster_a, capacity=5)
    guest = sign_up(event, 1)
    at_door_1, at_door_2 = (Registration.objects.get(pk=guest.pk) for _ in range(2))
    first, second = timezone.now(), timezone.now() + datetime.timedelta(seconds=30)
    outcomes = race(lambda: check_in(at_door_1, now=first), lambda: check_in(at_door_2, now=second))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    stored = Registration.objects.get(pk=guest.pk).checked_in_at
    # Both doors are told the same arrival time, the one stored (again: nothing changes).
    assert [o.checked_in_at for o in outcomes] == [stored, stored], (outcomes, stored)


def test_a_door_that_loaded_a_registration_before_it_was_cancelled_cannot_check_it_in(cluster_a):
    event = make_event(cluster_a, capacity=5)
    guest = sign_up(event, 1)
    at_door, in_tab = Registration.objects.get(pk=guest.pk), Registration.objects.get(pk=guest.pk)
    # The cancellation wins the race: the door, which loaded the registration before, must not check them in.
    with transaction.atomic():
        cancel(in_tab)
    with pytest.raises(RegistrationError, match="Only confirmed"):
        check_in(at_door)
    assert Registration.objects.get(pk=guest.pk).checked_in_at is None


# -- meeting requests -----------------------------------------------------------------------------------------------

def test_two_participants_asking_each_other_at_once_get_one_mutual_meeting(cluster_a):
    event = make_brokerage(cluster_a)
    for _attempt in range(5):  # fresh pairs: each attempt is a new race
        a, b = people_pair(event)
        outcomes = race(lambda a=a, b=b: brokerage.request_meeting(a, b),
                        lambda a=a, b=b: brokerage.request_meeting(b, a))
        assert not any(isinstance(o, Exception) for o in outcomes), outcomes
        pair = MeetingRequest.objects.filter(sender__in=[a, b], receiver__in=[a, b])
        assert pair.count() == 1, list(pair.values("sender", "receiver", "status"))
        assert pair.get().status == "accepted"
        assert Meeting.objects.filter(seats__participant=a).filter(seats__participant=b).count() == 1
        assert pair.get().meeting.priority == brokerage.MUTUAL


_numbers = iter(range(100, 1000))


def people_pair(event) -> tuple[Participant, Participant]:
    """Two new participants of the event (fresh ones for each attempt at a race)."""
    found = []
    for n in (next(_numbers), next(_numbers)):
        registration = Registration.objects.create(event=event, name=f"P{n}", email=f"p{n}@example.org",
                                                   organisation_name=f"Company {n}")
        found.append(brokerage.join(registration, offers="Sensors"))
    return found[0], found[1]


def test_requests_sent_at_once_never_pass_the_events_cap(cluster_a):
    event = make_brokerage(cluster_a, max_requests=2)
    sender, *receivers = people(event, 6)
    brokerage.request_meeting(sender, receivers[0])
    outcomes = race(*[lambda r=r: brokerage.request_meeting(sender, r) for r in receivers[1:]])
    sent = MeetingRequest.objects.filter(sender=sender).count()
    assert sent == 2, outcomes
    refused = [o for o in outcomes if isinstance(o, BrokerageError)]
    assert len(refused) == 3 and all("allows" in o.errors["__all__"] for o in refused), outcomes


def test_accepting_and_declining_the_same_request_at_once_gives_one_answer(cluster_a):
    event = make_brokerage(cluster_a)
    a, b = people(event, 2)
    request = brokerage.request_meeting(a, b)
    copies = [MeetingRequest.objects.get(pk=request.pk) for _ in range(3)]
    outcomes = race(lambda: brokerage.answer(copies[0], accept=True), lambda: brokerage.answer(copies[1], accept=False),
                    lambda: brokerage.answer(copies[2], accept=True))
    answered = [o for o in outcomes if isinstance(o, MeetingRequest)]
    assert len(answered) == 1, outcomes
    assert all("already been answered" in o.errors["__all__"] for o in outcomes if isinstance(o, BrokerageError))
    request.refresh_from_db()
    assert request.status == answered[0].status
    assert Meeting.objects.filter(event=event).count() == (1 if request.status == "accepted" else 0)


# -- the organiser's board ------------------------------------------------------------------------------------------

def test_two_organisers_cannot_put_two_meetings_at_the_same_table_and_slot(cluster_a):
    event = make_brokerage(cluster_a, onsite=1, online=0)
    a, b, c, d = people(event, 4)
    ab, cd = brokerage.create_meeting(event, [a, b]), brokerage.create_meeting(event, [c, d])
    slot, table = event.slots.first(), event.tables.get()
    outcomes = race(*[lambda m=m: brokerage.place(Meeting.objects.get(pk=m.pk), Slot.objects.get(pk=slot.pk),
                                                  Table.objects.get(pk=table.pk)) for m in (ab, cd)])
    placed = [o for o in outcomes if isinstance(o, Meeting)]
    refused = [o for o in outcomes if isinstance(o, BrokerageError)]
    assert len(placed) == 1 and len(refused) == 1, outcomes
    assert Meeting.objects.filter(slot=slot, table=table).count() == 1
    # The seats follow their meeting: nobody holds the slot of a meeting that was refused.
    assert set(MeetingSeat.objects.filter(slot=slot).values_list("participant_id", flat=True)) == set(
        placed[0].seats.values_list("participant_id", flat=True))


def test_a_meeting_placed_by_hand_while_the_scheduler_runs_breaks_nothing(cluster_a):
    event = make_brokerage(cluster_a, slots=1, onsite=1, online=0)
    a, b, c, d = people(event, 4)
    by_hand = brokerage.create_meeting(event, [a, b], priority=brokerage.ADDED)
    wanted = brokerage.create_meeting(event, [c, d], priority=brokerage.MUTUAL)
    slot, table = event.slots.get(), event.tables.get()
    placed = threading.Event()

    def organiser():
        # The organiser's placement is written but not yet committed when the scheduler reads the board.
        with transaction.atomic():
            brokerage.place(Meeting.objects.get(pk=by_hand.pk), slot, table, lock=True)
            placed.set()
            threading.Event().wait(3)
        return "placed"

    def scheduler():
        placed.wait(10)
        return brokerage.schedule(event, time_limit=1)

    outcomes = race(organiser, scheduler)
    assert not isinstance(outcomes[0], Exception), outcomes
    assert not isinstance(outcomes[1], IntegrityError), outcomes  # never a crash: at worst a message
    if isinstance(outcomes[1], BrokerageError):
        assert "changed while" in outcomes[1].errors["__all__"], outcomes
    by_hand.refresh_from_db()
    wanted.refresh_from_db()
    # The meeting locked by hand keeps its table; the scheduler did not overwrite it.
    assert (by_hand.slot_id, by_hand.table_id, by_hand.locked) == (slot.pk, table.pk, True)
    assert wanted.slot_id is None
    for meeting in (by_hand, wanted):
        assert set(meeting.seats.values_list("slot_id", flat=True)) == {meeting.slot_id}


def test_two_colleagues_joining_at_once_share_one_participant(cluster_a, org_a):
    event = make_brokerage(cluster_a)
    colleagues = [Registration.objects.create(event=event, name=f"Colleague {n}", email=f"c{n}@example.org",
                                              organisation=org_a) for n in range(3)]
    outcomes = race(*[lambda r=r: brokerage.join(r, offers="Sensors") for r in colleagues])
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert Participant.objects.filter(event=event, organisation=org_a).count() == 1
    participant = Participant.objects.get(event=event, organisation=org_a)
    assert {participant.registration_id, *participant.delegates.values_list("pk", flat=True)} == {
        r.pk for r in colleagues}


def test_registering_many_at_once_for_the_last_seats_fills_them_exactly(cluster_a):
    event = make_event(cluster_a, capacity=3)
    outcomes = race(*[lambda n=n: register(ANONYMOUS, event, name=f"P{n}", email=f"p{n}@example.org")
                      for n in range(8)])
    assert all(isinstance(o, Registration) for o in outcomes), outcomes
    assert sorted(o.status for o in outcomes) == ["confirmed"] * 3 + ["waiting"] * 5
    assert confirmed(event) == 3


def test_a_participant_editing_their_profile_while_their_requests_go_out_deadlocks_nobody(cluster_a):
    event = make_brokerage(cluster_a)
    me, *others = people(event, 5)
    for _attempt in range(3):
        outcomes = race(lambda: brokerage.join(Registration.objects.get(pk=me.registration_id), offers="Wearables"),
                        *[lambda o=o: brokerage.request_meeting(Participant.objects.get(pk=me.pk), o)
                          for o in others])
        assert all(isinstance(o, Participant | MeetingRequest) or (
            isinstance(o, BrokerageError) and "already exchanged" in o.errors["__all__"]) for o in outcomes), outcomes
    assert MeetingRequest.objects.filter(sender=me).count() == 4
