"""Event registration: who may register, answers to the form's questions, the capacity and the waiting list that
moves up by itself, emails in the registrant's language, check-in, and the database refusing a double registration
(also under concurrent transactions on PostgreSQL)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from filiera.core.access import ANONYMOUS, viewer_for
from filiera.core.models import AuditEntry
from filiera.events.models import Event, Registration, RegistrationQuestion
from filiera.events.services import (
    RegistrationError,
    cancel,
    check_in,
    register,
    set_capacity,
    visible_events,
    why_closed,
)


def make_event(cluster, **extra) -> Event:
    start = timezone.now() + datetime.timedelta(days=30)
    values = dict(cluster=cluster, slug="needs-workshop", title="Fragile patients in remote areas",
                  kind=Event.Kind.NEEDS_WORKSHOP, status=Event.Status.PUBLISHED, starts_at=start,
                  ends_at=start + datetime.timedelta(hours=3), venue="Palazzo Lombardia", city="Milano",
                  languages=["it", "en"])
    values.update(extra)
    return Event.objects.create(**values)


def sign_up(event, n: int, viewer=ANONYMOUS, **extra) -> Registration:
    return register(viewer, event, name=f"Person {n}", email=f"person{n}@example.org", **extra)


@pytest.mark.django_db(transaction=True)
def test_a_full_event_puts_people_on_a_waiting_list_that_moves_up_on_a_cancellation(cluster_a):
    event = make_event(cluster_a, capacity=2)
    first, second, third, fourth = (sign_up(event, n) for n in range(4))
    assert [r.status for r in (first, second, third, fourth)] == ["confirmed", "confirmed", "waiting", "waiting"]
    mail.outbox.clear()
    promoted = cancel(second)
    assert promoted == [third]
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {"person0@example.org": "confirmed", "person1@example.org": "cancelled",
                        "person2@example.org": "confirmed", "person3@example.org": "waiting"}
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]
    assert cancel(second) == []  # cancelling twice changes nothing
    # Cancelling a waiting place frees no seat.
    assert cancel(fourth) == []
    assert Registration.objects.filter(status="confirmed").count() == 2


@pytest.mark.django_db(transaction=True)
def test_more_seats_promote_the_waiting_list_in_order_and_fewer_unseat_nobody(cluster_a):
    event = make_event(cluster_a, capacity=1)
    people = [sign_up(event, n) for n in range(4)]
    assert set_capacity(event, 3) == people[1:3]
    assert set_capacity(event, 1) == []
    assert Registration.objects.filter(status="confirmed").count() == 3
    assert set_capacity(event, None) == [people[3]]


@pytest.mark.django_db(transaction=True)
def test_the_confirmation_is_sent_in_the_registrants_language(cluster_a):
    event = make_event(cluster_a, capacity=1)
    register(ANONYMOUS, event, name="Giulia", email="g@example.org", language="it")
    register(ANONYMOUS, event, name="Søren", email="s@example.org", language="da")
    italian, danish = mail.outbox
    assert italian.subject == "Iscrizione confermata: Fragile patients in remote areas"
    assert "Palazzo Lombardia" in italian.body
    assert danish.subject == "På ventelisten: Fragile patients in remote areas"


@pytest.mark.django_db
def test_members_only_events_refuse_outsiders_and_closed_events_refuse_everyone(cluster_a, member, outsider,
                                                                                staff):
    event = make_event(cluster_a, audience=Event.Audience.MEMBERS)
    with pytest.raises(RegistrationError) as refused:
        sign_up(event, 1)
    assert "members" in refused.value.errors["__all__"]
    with pytest.raises(RegistrationError):
        sign_up(event, 2, viewer=viewer_for(outsider))
    assert sign_up(event, 3, viewer=viewer_for(member)).status == "confirmed"
    assert sign_up(event, 4, viewer=viewer_for(staff)).status == "confirmed"

    past = make_event(cluster_a, slug="past", starts_at=timezone.now() - datetime.timedelta(days=1),
                      ends_at=timezone.now())
    assert why_closed(ANONYMOUS, past) == "Registration for this event has closed."
    draft = make_event(cluster_a, slug="draft", status=Event.Status.DRAFT)
    with pytest.raises(RegistrationError):
        sign_up(draft, 5, viewer=viewer_for(staff))


@pytest.mark.django_db
def test_answers_are_checked_and_every_problem_is_reported_at_once(cluster_a):
    event = make_event(cluster_a)
    role = RegistrationQuestion.objects.create(event=event, label="You are", kind="choice", required=True,
                                               choices=["GP", "Social worker", "Patient", "Engineer"])
    diet = RegistrationQuestion.objects.create(event=event, label="Vegetarian lunch?", kind="yes_no")
    notes = RegistrationQuestion.objects.create(event=event, label="Anything else", kind="long_text")
    with pytest.raises(RegistrationError) as refused:
        register(ANONYMOUS, event, name=" ", email="not-an-email", answers={str(role.pk): "Nurse",
                                                                            str(diet.pk): "maybe"})
    assert set(refused.value.errors) == {"name", "email", f"answer_{role.pk}", f"answer_{diet.pk}"}
    assert "GP, Social worker, Patient, Engineer" in refused.value.errors[f"answer_{role.pk}"]
    assert not Registration.objects.exists()
    registration = register(ANONYMOUS, event, name="Ada", email="Ada@Example.org",
                            answers={str(role.pk): "GP", str(diet.pk): "Yes", str(notes.pk): ""})
    assert registration.email == "ada@example.org"
    assert registration.answers == {str(role.pk): "GP", str(diet.pk): "yes"}


@pytest.mark.django_db
def test_the_same_person_registers_once_and_again_after_cancelling(cluster_a):
    event = make_event(cluster_a)
    first = sign_up(event, 1)
    with pytest.raises(RegistrationError) as refused:
        register(ANONYMOUS, event, name="Again", email="PERSON1@example.org")
    assert refused.value.errors == {"email": "This email address is already registered for this event."}
    # The database refuses it too, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, name="Twin", email="person1@example.org")
    cancel(first)
    assert sign_up(event, 1).status == "confirmed"


@pytest.mark.django_db
def test_check_in_only_confirmed_people_and_every_change_is_audited(cluster_a):
    event = make_event(cluster_a, capacity=1)
    seated, waiting = sign_up(event, 1), sign_up(event, 2)
    assert check_in(seated).checked_in_at is not None
    with pytest.raises(RegistrationError):
        check_in(waiting)
    entries = AuditEntry.objects.filter(model="events.registration")
    assert entries.filter(action="create").count() == 2
    assert entries.filter(action="update", object_id=str(seated.pk)).exists()


@pytest.mark.django_db
def test_who_sees_which_event(cluster_a, cluster_b, member, staff, outsider):
    public = make_event(cluster_a, slug="open")
    members = make_event(cluster_a, slug="members", audience=Event.Audience.MEMBERS)
    draft = make_event(cluster_a, slug="draft", status=Event.Status.DRAFT)
    other = make_event(cluster_b, slug="other-members", audience=Event.Audience.MEMBERS)
    assert set(visible_events(ANONYMOUS)) == {public}
    assert set(visible_events(viewer_for(member))) == {public, members}
    assert set(visible_events(viewer_for(staff))) == {public, members, draft}
    assert set(visible_events(viewer_for(outsider))) == {public, other}


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_people_cannot_take_the_last_seat_at_once(cluster_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers)")
    event = make_event(cluster_a, capacity=1)
    barrier, results, errors = threading.Barrier(4), [], []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            results.append(sign_up(event, n).status)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == ["confirmed", "waiting", "waiting", "waiting"]
    assert Registration.objects.filter(event=event, status="confirmed").count() == 1
