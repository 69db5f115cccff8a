"""The brokerage pages through the real HTTP stack: the marketplace and agenda for the event's confirmed
participants only, requests and answers, and the organiser's board (setup, placing with the rules said, the
scheduler, announcing) for the cluster's staff only."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from filiera.core.vocabulary import sync_vocabulary
from filiera.directory.models import Opportunity
from filiera.events import brokerage
from filiera.events.models import Event, Meeting, MeetingRequest, Registration
from filiera.matching.services import rebuild_index
from tests.conftest import make_user


@pytest.fixture
def b2b(cluster_a):
    start = timezone.now() + datetime.timedelta(days=30)
    return Event.objects.create(cluster=cluster_a, slug="b2b", title="B2B day", kind=Event.Kind.BROKERAGE,
                                status=Event.Status.PUBLISHED, starts_at=start,
                                ends_at=start + datetime.timedelta(hours=8))


def registered(event, username: str) -> Registration:
    user = make_user(username)
    return Registration.objects.create(event=event, user=user, name=username.title(), email=f"{username}@example.org",
                                       organisation_name=f"{username.title()} Srl")


@pytest.mark.django_db
def test_only_the_events_confirmed_participants_reach_its_marketplace(as_user, client, b2b, member, staff):
    url = f"/events/{b2b.pk}/meetings/"
    assert client.get(url).status_code == 302  # sign in first
    assert as_user(member).get(url).status_code == 404  # not registered
    waiting = registered(b2b, "waiting")
    Registration.objects.filter(pk=waiting.pk).update(status="waiting")
    assert as_user(waiting.user).get(url).status_code == 404
    ada = registered(b2b, "ada")
    assert as_user(ada.user).get(url).status_code == 200
    assert as_user(ada.user).get(f"/events/{b2b.pk}/agenda/").status_code == 200
    workshop = Event.objects.create(cluster=b2b.cluster, slug="ws", title="WS", status="published",
                                    starts_at=b2b.starts_at, ends_at=b2b.ends_at)
    Registration.objects.create(event=workshop, user=ada.user, name="Ada", email="ada@example.org")
    assert as_user(ada.user).get(f"/events/{workshop.pk}/meetings/").status_code == 404  # not a brokerage event


@pytest.mark.django_db
def test_participants_join_ask_and_answer_on_the_page(as_user, b2b):
    ada, bo = registered(b2b, "ada"), registered(b2b, "bo")
    page_ada, page_bo = as_user(ada.user), as_user(bo.user)
    response = page_ada.post(f"/events/{b2b.pk}/meetings/", {"offers": "Fall sensors", "looks_for": "Hospitals",
                                                               "max_meetings": "0"})
    assert response.status_code == 200 and "greater than or equal to 1" in response.content.decode()
    page_ada.post(f"/events/{b2b.pk}/meetings/", {"offers": "Fall sensors", "looks_for": "Hospitals"})
    page_bo.post(f"/events/{b2b.pk}/meetings/", {"offers": "Wards", "looks_for": "Sensors"})
    ada_p, bo_p = ada.participant, bo.participant
    html = page_ada.get(f"/events/{b2b.pk}/meetings/").content.decode()
    assert "Bo Srl (Bo)" in html and "Ask for a meeting" in html
    page_ada.post(f"/events/{b2b.pk}/meetings/request/{bo_p.pk}/", {"message": "Let us talk about falls"})
    request = MeetingRequest.objects.get()
    assert (request.sender, request.receiver, request.message) == (ada_p, bo_p, "Let us talk about falls")
    # Ada cannot answer Bo's request for him; Bo can.
    assert page_ada.post(f"/events/{b2b.pk}/meetings/requests/{request.pk}/accept/").status_code == 404
    page_bo.post(f"/events/{b2b.pk}/meetings/requests/{request.pk}/accept/")
    request.refresh_from_db()
    assert request.status == "accepted" and request.meeting.priority == brokerage.ACCEPTED


@pytest.mark.django_db
def test_the_board_is_the_clusters_staffs_only(as_user, client, b2b, member, outsider, observer, staff):
    urls = [f"/c/alpha/events/{b2b.pk}/board/"]
    for url in urls:
        assert client.get(url).status_code == 302
        for user in (member, outsider, observer):
            assert as_user(user).get(url).status_code == 404
        assert as_user(staff).get(url).status_code == 200
    assert as_user(outsider).post(f"/c/alpha/events/{b2b.pk}/board/run/").status_code == 404
    ws = Event.objects.create(cluster=b2b.cluster, slug="ws", title="WS", starts_at=b2b.starts_at,
                              ends_at=b2b.ends_at)
    assert as_user(staff).get(f"/c/alpha/events/{ws.pk}/board/").status_code == 404  # no board without meetings


@pytest.mark.django_db(transaction=True)
def test_staff_set_up_the_board_schedule_and_announce(as_user, b2b, staff):
    people = [brokerage.join(registered(b2b, name)) for name in ("ada", "bo", "cy")]
    page = as_user(staff)
    board = f"/c/alpha/events/{b2b.pk}/board/"
    day = timezone.localtime(b2b.starts_at).date().isoformat()
    page.post(board + "add-slots/", {"slots-session": "Morning", "slots-day": day, "slots-start": "09:00",
                                     "slots-end": "10:00", "slots-minutes": "20"})
    page.post(board + "add-tables/", {"tables-onsite": "1", "tables-online": "1"})
    assert (b2b.slots.count(), b2b.tables.count()) == (3, 2)
    page.post(board + "meetings/new/", {"participants": [p.pk for p in people], "priority": "2"})
    group = Meeting.objects.get()
    assert group.participants.count() == 3
    pair = brokerage.create_meeting(b2b, people[:2])
    # By hand: the pair where the group is, refused with the reason; elsewhere, placed.
    slot = b2b.slots.first()
    table, room = b2b.tables.get(mode="onsite"), b2b.tables.get(mode="online")
    page.post(board + f"meetings/{group.pk}/place/", {"slot": slot.pk, "table": table.pk, "lock": "on"})
    response = page.post(board + f"meetings/{pair.pk}/place/", {"slot": slot.pk, "table": room.pk}, follow=True)
    assert "Already in another meeting in this slot" in response.content.decode()
    response = page.post(board + "run/", {"keep_announced": "on"}, follow=True)
    html = response.content.decode()
    assert "2 of 2 meetings scheduled" in html and "optimal" in html
    group.refresh_from_db()
    pair.refresh_from_db()
    assert (group.slot, group.table, group.locked) == (slot, table, True)
    assert pair.slot is not None and pair.slot != slot
    mail.outbox.clear()
    page.post(board + "announce/")
    assert len(mail.outbox) == 3
    agenda = as_user(people[0].registration.user).get(f"/events/{b2b.pk}/agenda/").content.decode()
    assert "Bo Srl (Bo)" in agenda and "Cy Srl (Cy)" in agenda
    ics = as_user(people[0].registration.user).get(f"/events/{b2b.pk}/agenda.ics").content.decode()
    assert ics.count("BEGIN:VEVENT") == 2
    pdf = as_user(people[0].registration.user).get(f"/events/{b2b.pk}/agenda.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "B2B day" in text and "Bo Srl (Bo)" in text and "Cy Srl (Cy)" in text and "Table 1" in text


@pytest.mark.django_db
def test_the_marketplace_suggests_whom_to_meet_by_the_matching_engine(as_user, b2b, org_a, org_b, member):
    """Giulia looks for telemedicine sensors; of the two other participants' organisations, MedSense's directory
    profile (in Italian) is about them: it comes first, with its reasons. A member registers for the organisation
    they represent."""
    page = as_user(member)
    page.post(f"/events/{b2b.pk}/", {"name": "Member Rep", "email": "member@example.org"})
    medsense = Registration.objects.get(user=member)
    assert medsense.organisation == org_a
    brokerage.join(medsense, offers="Sensori indossabili")
    other = registered(b2b, "other")
    Registration.objects.filter(pk=other.pk).update(organisation=org_b)
    brokerage.join(Registration.objects.get(pk=other.pk), offers="Home care")
    giulia = registered(b2b, "giulia")
    me = brokerage.join(giulia, looks_for="sensori per la telemedicina a domicilio")
    sync_vocabulary()
    rebuild_index()  # the save signals index on commit, which a test's transaction never reaches
    suggested = brokerage.suggestions(me)
    assert suggested and suggested[0][0].registration == medsense
    assert any("sensori" in reason for reason in suggested[0][1])
    html = as_user(giulia.user).get(f"/events/{b2b.pk}/meetings/").content.decode()
    assert "Suggested for you" in html and "MedSense Srl (Member Rep)" in html
    # Once asked, a participant is no longer suggested.
    brokerage.request_meeting(me, suggested[0][0])
    assert medsense.participant not in [p for p, _ in brokerage.suggestions(me)]


@pytest.mark.django_db
def test_staff_move_a_scheduled_meeting_in_one_step(as_user, b2b, staff):
    people = [brokerage.join(registered(b2b, name)) for name in ("ada", "bo")]
    brokerage.add_slots(b2b, "Morning", timezone.localtime(b2b.starts_at).date(), datetime.time(9),
                        datetime.time(10), 20)
    brokerage.add_tables(b2b, 2, 0)
    s1, s2, _ = b2b.slots.all()
    t1, t2 = b2b.tables.all()
    meeting = brokerage.place(brokerage.create_meeting(b2b, people), s1, t1, lock=True)
    html = as_user(staff).get(f"/c/alpha/events/{b2b.pk}/board/").content.decode()
    assert "Move" in html
    as_user(staff).post(f"/c/alpha/events/{b2b.pk}/board/meetings/{meeting.pk}/place/",
                        {"slot": s2.pk, "table": t2.pk, "lock": "on"})
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.locked) == (s2, t2, True)
    assert set(meeting.seats.values_list("slot", flat=True)) == {s2.pk}


@pytest.mark.django_db
def test_a_participant_shows_its_organisations_opportunities_on_its_card(as_user, b2b, member, opportunity_a, org_b,
                                                                       cluster_b):
    opportunity_b = Opportunity.objects.create(organisation=org_b, cluster=cluster_b, title="Distributors",
                                               type=Opportunity.Type.BUSINESS_REQUEST, language="en")
    page = as_user(member)
    page.post(f"/events/{b2b.pk}/", {"name": "Member Rep", "email": "member@example.org"})
    form = page.get(f"/events/{b2b.pk}/meetings/").context["form"]
    assert opportunity_a in form.fields["opportunities"].queryset
    assert opportunity_b not in form.fields["opportunities"].queryset  # another organisation's
    page.post(f"/events/{b2b.pk}/meetings/", {"offers": "Sensors", "opportunities": [opportunity_a.pk]})
    me = Registration.objects.get(user=member).participant
    assert list(me.opportunities.all()) == [opportunity_a]
    # Another organisation's opportunity is never attached, whatever is posted.
    brokerage.join(me.registration, opportunities=[opportunity_b])
    assert not me.opportunities.exists()
    brokerage.join(me.registration, opportunities=[opportunity_a])
    other = registered(b2b, "other")
    brokerage.join(other)
    assert opportunity_a.title in as_user(other.user).get(f"/events/{b2b.pk}/meetings/").content.decode()


@pytest.mark.django_db
def test_the_board_refuses_malformed_input_without_an_error_page(as_user, b2b, staff):
    people = [brokerage.join(registered(b2b, name)) for name in ("ada", "bo")]
    meeting = brokerage.create_meeting(b2b, people)
    board = f"/c/alpha/events/{b2b.pk}/board/"
    page = as_user(staff)
    assert page.post(board + f"meetings/{meeting.pk}/place/", {"slot": "x", "table": "1"}).status_code == 404
    assert page.post(board + f"meetings/{meeting.pk}/fly/").status_code == 404
    response = page.post(board + "meetings/new/", {"participants": ["x", str(people[0].pk)], "priority": "9"},
                         follow=True)
    assert "A meeting needs at least two participants." in response.content.decode()
    page.post(board + "meetings/new/", {"participants": [p.pk for p in people], "priority": "-4"})
    assert Meeting.objects.order_by("-pk").first().priority == 1
