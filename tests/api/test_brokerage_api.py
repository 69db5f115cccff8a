"""The brokerage API through the real HTTP stack: the marketplace for the event's participants and staff only,
requests and answers, the caller's agenda, and the board and scheduler for the cluster's staff only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from filiera.events import brokerage
from filiera.events.models import Event, Registration, Slot, Table
from tests.api.conftest import ids
from tests.conftest import make_user


@pytest.fixture
def b2b(cluster_a):
    start = timezone.now() + datetime.timedelta(days=30)
    event = Event.objects.create(cluster=cluster_a, slug="b2b", title="B2B day", kind=Event.Kind.BROKERAGE,
                                 status=Event.Status.PUBLISHED, starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=8))
    for i in range(3):
        begin = start + datetime.timedelta(minutes=20 * i)
        Slot.objects.create(event=event, session="Morning", starts_at=begin,
                            ends_at=begin + datetime.timedelta(minutes=20))
    Table.objects.create(event=event, name="Table 1")
    return event


def participant(event, username: str):
    user = make_user(username)
    registration = Registration.objects.create(event=event, user=user, name=username.title(),
                                               email=f"{username}@example.org", organisation_name=f"{username} Srl")
    return user, brokerage.join(registration, offers="Sensors")


@pytest.mark.django_db(transaction=True)
def test_participants_ask_answer_and_read_their_agenda(as_token, b2b, staff, member, outsider):
    (ada, ada_p), (bo, bo_p) = participant(b2b, "ada"), participant(b2b, "bo")
    base = f"/api/events/{b2b.pk}"
    assert as_token(None).get(f"{base}/participants").status_code == 401
    for user in (member, outsider):  # not taking part, not the cluster's staff
        assert as_token(user).get(f"{base}/participants").status_code == 404
    assert ids(as_token(ada).get(f"{base}/participants")) == {ada_p.pk, bo_p.pk}
    assert ids(as_token(staff).get(f"{base}/participants")) == {ada_p.pk, bo_p.pk}

    refused = as_token(ada).post(f"{base}/meeting-requests", {"receiver": ada_p.pk}, content_type="application/json")
    assert refused.status_code == 400 and "yourself" in refused.json()["errors"]["__all__"][0]
    sent = as_token(ada).post(f"{base}/meeting-requests", {"receiver": bo_p.pk, "message": "Falls?"},
                              content_type="application/json")
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    request_id = sent.json()["id"]
    assert as_token(ada).post(f"{base}/meeting-requests/{request_id}/accept").status_code == 404  # not hers
    answered = as_token(bo).post(f"{base}/meeting-requests/{request_id}/accept")
    assert answered.status_code == 200 and answered.json()["meeting"]
    assert ids(as_token(bo).get(f"{base}/meeting-requests")) == {request_id}

    # The board and the scheduler are the staff's.
    for user in (ada, member, outsider):
        assert as_token(user).get(f"{base}/meetings").status_code == 404
        assert as_token(user).post(f"{base}/schedule", {}, content_type="application/json").status_code == 404
    figures = as_token(staff).post(f"{base}/schedule", {"time_limit": 5}, content_type="application/json")
    assert figures.status_code == 200
    assert (figures.json()["scheduled"], figures.json()["optimal"]) == (1, True)
    (meeting,) = as_token(staff).get(f"{base}/meetings").json()["items"]
    assert meeting["table"] == "Table 1" and meeting["slot_start"]
    agenda = as_token(ada).get(f"{base}/agenda").json()
    assert [m["id"] for m in agenda] == [meeting["id"]]
    assert {p["name"] for p in agenda[0]["participants"]} == {"ada Srl (Ada)", "bo Srl (Bo)"}
    assert as_token(staff).post(f"{base}/schedule", {"time_limit": 600},
                                content_type="application/json").status_code == 422
