"""Around an event: reminders the day before (once each), the needs voiced at a needs workshop (recorded by staff,
grouped by who voiced them, exported), and after a brokerage event what came of each meeting."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from filiera.events import brokerage, services
from filiera.events.models import Event, FollowUp, Registration, Slot, Table
from tests.conftest import make_user


def event_at(cluster, starts_in: datetime.timedelta, **extra) -> Event:
    start = timezone.now() + starts_in
    values = dict(cluster=cluster, slug=f"e{Event.objects.count()}", title="Needs workshop on frailty",
                  status=Event.Status.PUBLISHED, starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    values.update(extra)
    return Event.objects.create(**values)


@pytest.mark.django_db
def test_reminders_go_once_to_confirmed_people_of_events_starting_soon(cluster_a):
    soon = event_at(cluster_a, datetime.timedelta(hours=20))
    later = event_at(cluster_a, datetime.timedelta(days=5))
    draft = event_at(cluster_a, datetime.timedelta(hours=20), status=Event.Status.DRAFT)
    Registration.objects.create(event=soon, name="Ada", email="ada@example.org", language="it")
    Registration.objects.create(event=soon, name="Bo", email="bo@example.org", status="waiting")
    Registration.objects.create(event=later, name="Cy", email="cy@example.org")
    Registration.objects.create(event=draft, name="Di", email="di@example.org")
    out = io.StringIO()
    call_command("event_reminders", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "would send 1 reminders" and not mail.outbox
    assert services.send_reminders() == 1
    (reminder,) = mail.outbox
    assert reminder.to == ["ada@example.org"] and reminder.subject == "Promemoria: Needs workshop on frailty"
    assert services.send_reminders() == 0  # once


@pytest.mark.django_db
def test_staff_record_the_needs_voiced_at_a_workshop(as_user, cluster_a, staff, member, outsider):
    event = event_at(cluster_a, datetime.timedelta(days=-1), kind=Event.Kind.NEEDS_WORKSHOP, languages=["it"])
    url = f"/c/alpha/events/{event.pk}/needs/"
    for user in (member, outsider):
        assert as_user(user).get(url).status_code == 404
    page = as_user(staff)
    response = page.post(url, {"actor": "GP", "text": "", "language": "it"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert 'value="GP"' in response.content.decode()
    page.post(url, {"actor": "GP", "text": "Sapere subito se un paziente fragile cade a casa", "language": "it"})
    page.post(url, {"actor": "Social worker", "text": "Un solo numero da chiamare", "language": "it"})
    page.post(url, {"actor": "GP", "text": "Parametri vitali condivisi con l'infermiere", "language": "it"})
    groups = services.needs_by_actor(event)
    assert [(actor, len(needs)) for actor, needs in groups] == [("GP", 2), ("Social worker", 1)]
    rows = list(csv.reader(io.StringIO(page.get(url + "export.csv").content.decode("utf-8-sig"))))
    assert rows[0] == ["Voiced by", "Need", "Language", "Recorded"] and len(rows) == 4


@pytest.mark.django_db
def test_after_the_event_participants_say_what_came_of_each_meeting(as_user, cluster_a):
    event = event_at(cluster_a, datetime.timedelta(days=-2), kind=Event.Kind.BROKERAGE)
    slot = Slot.objects.create(event=event, session="Morning", starts_at=event.starts_at,
                               ends_at=event.starts_at + datetime.timedelta(minutes=20))
    table = Table.objects.create(event=event, name="Table 1")
    users = [make_user(name) for name in ("ada", "bo", "cy")]
    a, b, c = (brokerage.join(Registration.objects.create(event=event, user=u, name=u.username,
                                                          email=f"{u.username}@example.org")) for u in users)
    meeting = brokerage.create_meeting(event, [a, b])
    brokerage.place(meeting, slot, table)
    with pytest.raises(brokerage.BrokerageError, match="not one of your meetings"):
        brokerage.record_follow_up(c, meeting, "agreement")
    with pytest.raises(brokerage.BrokerageError, match="after the event"):
        brokerage.record_follow_up(a, meeting, "agreement", now=event.starts_at)
    page = as_user(users[0])
    html = page.get(f"/events/{event.pk}/agenda/").content.decode()
    assert "What came of it" in html
    page.post(f"/events/{event.pk}/agenda/{meeting.pk}/follow-up/", {"outcome": "follow_up", "note": "A pilot"})
    brokerage.record_follow_up(b, meeting, "agreement")
    assert FollowUp.objects.get(participant=a).note == "A pilot"
    assert brokerage.outcomes(event) == {"no_interest": 0, "follow_up": 0, "agreement": 1}
    page.post(f"/events/{event.pk}/agenda/{meeting.pk}/follow-up/", {"outcome": "no_interest"})
    assert FollowUp.objects.get(participant=a).outcome == "no_interest"  # a second answer replaces the first
    assert as_user(users[2]).post(f"/events/{event.pk}/agenda/{meeting.pk}/follow-up/",
                                  {"outcome": "agreement"}).status_code == 302
    assert not FollowUp.objects.filter(participant=c).exists()
