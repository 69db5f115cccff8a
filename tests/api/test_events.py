"""The events API through the real HTTP stack: who sees which event, registering (visitors included), the attendee
list for the cluster's staff only, and cancelling one's own registration, which promotes the waiting list."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from filiera.events.models import Event, Registration, RegistrationQuestion
from tests.api.conftest import ids


def make_event(cluster, slug: str, **extra) -> Event:
    start = timezone.now() + datetime.timedelta(days=10)
    values = dict(cluster=cluster, slug=slug, title=f"Event {slug}", status=Event.Status.PUBLISHED,
                  starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    values.update(extra)
    return Event.objects.create(**values)


@pytest.mark.django_db
def test_the_list_shows_each_caller_the_events_they_may_see(as_token, cluster_a, member, staff, outsider):
    public = make_event(cluster_a, "open")
    members = make_event(cluster_a, "members", audience=Event.Audience.MEMBERS)
    draft = make_event(cluster_a, "draft", status=Event.Status.DRAFT)
    assert ids(as_token(None).get("/api/events")) == {public.pk}
    assert ids(as_token(member).get("/api/events")) == {public.pk, members.pk}
    assert ids(as_token(staff).get("/api/events")) == {public.pk, members.pk, draft.pk}
    assert ids(as_token(outsider).get("/api/events")) == {public.pk}
    assert as_token(outsider).get(f"/api/events/{members.pk}").status_code == 404
    body = as_token(member).get(f"/api/events/{members.pk}").json()
    assert (body["cluster"], body["registration_open"], body["seats_left"]) == ("alpha", True, None)


@pytest.mark.django_db(transaction=True)
def test_a_member_registers_and_problems_come_back_per_field(as_token, cluster_a, member, staff):
    event = make_event(cluster_a, "open", capacity=1)
    question = RegistrationQuestion.objects.create(event=event, label="You are", kind="choice", required=True,
                                                   choices=["GP", "Patient"])
    url = f"/api/events/{event.pk}/registrations"
    refused = as_token(member).post(url, {"email": "x"}, content_type="application/json")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"email", f"answer_{question.pk}"}
    created = as_token(member).post(url, {"answers": {str(question.pk): "GP"}}, content_type="application/json")
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["email"]) == ("confirmed", "member@example.org")
    waiting = as_token(staff).post(url, {"name": "Bo Jensen", "answers": {str(question.pk): "Patient"}},
                                   content_type="application/json")
    assert (waiting.json()["status"], waiting.json()["name"]) == ("waiting", "Bo Jensen")
    again = as_token(member).post(url, {"answers": {str(question.pk): "GP"}}, content_type="application/json")
    assert again.status_code == 400 and "email" in again.json()["errors"]


@pytest.mark.django_db
def test_a_visitor_cannot_register_through_the_api_nor_an_outsider_for_a_members_only_event(as_token, cluster_a,
                                                                                            outsider):
    event = make_event(cluster_a, "members", audience=Event.Audience.MEMBERS)
    url = f"/api/events/{event.pk}/registrations"
    assert as_token(None).post(url, {"name": "A", "email": "a@example.org"},
                               content_type="application/json").status_code == 401
    assert as_token(outsider).post(url, {}, content_type="application/json").status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_only_the_clusters_staff_read_the_attendee_list(as_token, cluster_a, member, staff, outsider, observer):
    event = make_event(cluster_a, "open")
    Registration.objects.create(event=event, name="Ada Rossi", email="ada@example.org")
    url = f"/api/events/{event.pk}/registrations"
    assert as_token(None).get(url).status_code == 401
    for user in (member, outsider, observer):
        assert as_token(user).get(url).status_code == 404
    response = as_token(staff).get(url)
    assert response.status_code == 200
    assert [r["email"] for r in response.json()["items"]] == ["ada@example.org"]


@pytest.mark.django_db(transaction=True)
def test_a_registrant_cancels_their_own_and_the_first_waiting_moves_up(as_token, cluster_a, member, outsider):
    event = make_event(cluster_a, "open", capacity=1)
    mine = as_token(member).post(f"/api/events/{event.pk}/registrations",
                                 {"name": "Member", "email": "member@example.org"}, content_type="application/json")
    assert mine.status_code == 201
    other = as_token(outsider).post(f"/api/events/{event.pk}/registrations",
                                    {"name": "Waiting", "email": "w@example.org"}, content_type="application/json")
    assert other.json()["status"] == "waiting"
    cancel_url = f"/api/events/{event.pk}/registrations/{mine.json()['id']}/cancel"
    assert as_token(outsider).post(cancel_url).status_code == 404
    response = as_token(member).post(cancel_url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=other.json()["id"]).status == "confirmed"
