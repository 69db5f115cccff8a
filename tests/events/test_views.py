"""Event pages through the real HTTP stack: who sees which event, registering on the page (a visitor too) with the
form keeping what was typed, the private registration page and its cancel button, the iCalendar file, and the
back office (event form with questions, attendees, check-in, export), which outsiders never reach."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from filiera.core.models import AuditEntry
from filiera.events.models import Event, Registration, RegistrationQuestion


def make_event(cluster, slug: str, **extra) -> Event:
    start = timezone.now() + datetime.timedelta(days=20)
    values = dict(cluster=cluster, slug=slug, title=f"Event {slug}", status=Event.Status.PUBLISHED,
                  starts_at=start, ends_at=start + datetime.timedelta(hours=2), venue="Tecnopolo", city="Bologna")
    values.update(extra)
    return Event.objects.create(**values)


@pytest.mark.django_db
def test_the_list_and_the_pages_show_each_viewer_what_they_may_see(as_user, client, cluster_a, member, staff,
                                                                   outsider):
    public = make_event(cluster_a, "open", title="Open day")
    members = make_event(cluster_a, "members", title="Members breakfast", audience=Event.Audience.MEMBERS)
    draft = make_event(cluster_a, "draft", title="Draft summit", status=Event.Status.DRAFT)
    past = make_event(cluster_a, "past", title="Last year's fair", starts_at=timezone.now() - datetime.timedelta(
        days=30), ends_at=timezone.now() - datetime.timedelta(days=29))
    html = client.get("/events/").content.decode()
    assert "Open day" in html and "Members breakfast" not in html and "Draft summit" not in html
    assert "Last year" not in html and "Last year" in client.get("/events/?when=past").content.decode()
    assert "Members breakfast" in as_user(member).get("/events/").content.decode()
    assert "Draft summit" in as_user(staff).get("/events/").content.decode()
    assert client.get(f"/events/{members.pk}/").status_code == 404
    assert as_user(outsider).get(f"/events/{members.pk}/").status_code == 404
    assert as_user(member).get(f"/events/{draft.pk}/").status_code == 404
    assert as_user(staff).get(f"/events/{draft.pk}/").status_code == 200
    assert client.get(f"/events/{public.pk}/").status_code == 200
    assert past.pk


@pytest.mark.django_db(transaction=True)
def test_a_visitor_registers_on_the_page_and_cancels_with_the_emailed_link(client, cluster_a):
    event = make_event(cluster_a, "open", capacity=1)
    question = RegistrationQuestion.objects.create(event=event, label="You are", kind="choice", required=True,
                                                   choices=["GP", "Patient"])
    field = f"answer_{question.pk}"
    # A mistake: the page says what is wrong and keeps what was typed.
    response = client.post(f"/events/{event.pk}/", {"name": "Ada Rossi", "email": "ada@", field: ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Ada Rossi"' in html and "Enter a valid email address." in html
    assert "This field is required." in html
    assert not Registration.objects.exists()

    response = client.post(f"/events/{event.pk}/", {"name": "Ada Rossi", "email": "ada@example.org", field: "GP"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.status, registration.answers) == ("confirmed", {str(question.pk): "GP"})
    (email,) = mail.outbox
    link = re.search(r"http://\S+/events/registration/(\S+)/", email.body)
    assert link and response["Location"] == f"/events/registration/{link.group(1)}/"
    assert f"/events/{event.pk}/calendar.ics" in email.body

    # Someone else takes the waiting list; Ada cancels from her link and the seat is theirs.
    client.post(f"/events/{event.pk}/", {"name": "Bo", "email": "bo@example.org", field: "Patient"})
    page = client.get(response["Location"]).content.decode()
    assert "Confirmed" in page and "Cancel my registration" in page
    client.post(f"{response['Location']}cancel/")
    assert dict(Registration.objects.values_list("email", "status")) == {"ada@example.org": "cancelled",
                                                                          "bo@example.org": "confirmed"}
    assert client.get("/events/registration/forged:token/").status_code == 404
    assert client.post("/events/registration/forged:token/cancel/").status_code == 404


@pytest.mark.django_db
def test_a_signed_in_member_sees_their_registration_instead_of_the_form(as_user, cluster_a, member):
    event = make_event(cluster_a, "open")
    page = as_user(member)
    form = page.get(f"/events/{event.pk}/").content.decode()
    assert 'value="member@example.org"' in form  # the account's email is filled in
    page.post(f"/events/{event.pk}/", {"name": "Member Rep", "email": "member@example.org"})
    html = page.get(f"/events/{event.pk}/").content.decode()
    assert "You are registered." in html and 'name="email"' not in html
    assert Registration.objects.get().user == member


@pytest.mark.django_db
def test_the_calendar_file(client, cluster_a):
    event = make_event(cluster_a, "open", title="Needs workshop on frailty")
    response = client.get(f"/events/{event.pk}/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and "SUMMARY:Needs workshop on frailty" in body
    assert f"UID:event-{event.pk}@" in body and "LOCATION:Tecnopolo\\, Bologna" in body
    hidden = make_event(cluster_a, "members", audience=Event.Audience.MEMBERS)
    assert client.get(f"/events/{hidden.pk}/calendar.ics").status_code == 404


@pytest.mark.django_db
def test_the_back_office_is_the_clusters_staffs_only(as_user, client, cluster_a, cluster_b, member, staff, outsider,
                                                     observer):
    event = make_event(cluster_a, "open")
    other = make_event(cluster_b, "theirs")
    urls = ["/c/alpha/events/", "/c/alpha/events/new/", f"/c/alpha/events/{event.pk}/edit/",
            f"/c/alpha/events/{event.pk}/attendees/", f"/c/alpha/events/{event.pk}/attendees/export.csv"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
        for user in (member, outsider, observer):
            assert as_user(user).get(url).status_code == 404, (url, user)
        assert as_user(staff).get(url).status_code == 200, url
    # Another cluster's event is not reachable through this cluster's back office.
    assert as_user(staff).get(f"/c/alpha/events/{other.pk}/attendees/").status_code == 404
    assert as_user(outsider).get(f"/c/beta/events/{other.pk}/attendees/").status_code == 200


@pytest.mark.django_db
def test_staff_create_an_event_with_questions_and_run_the_door(as_user, cluster_a, staff):
    page = as_user(staff)
    data = {"title": "Fragile patients in remote areas", "slug": "fragile-patients", "kind": "needs_workshop",
            "audience": "public", "status": "published", "summary": "GPs, social workers and engineers",
            "description": "", "languages": ["it", "en"], "starts_at": "2027-03-10T09:30",
            "ends_at": "2027-03-10T09:00", "venue": "Palazzo Lombardia", "city": "Milano", "country": "IT",
            "online_url": "", "capacity": "2", "registration_closes_at": "",
            "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "1000",
            "texts-TOTAL_FORMS": "1", "texts-INITIAL_FORMS": "0", "texts-MIN_NUM_FORMS": "0",
            "texts-MAX_NUM_FORMS": "1000", "texts-0-language": "", "texts-0-title": "",
            "texts-0-summary": "", "texts-0-description": "",
            "questions-0-label": "You are", "questions-0-kind": "choice", "questions-0-choices": "GP\nSocial worker",
            "questions-0-required": "on", "questions-0-position": "1",
            "questions-1-label": "", "questions-1-kind": "text", "questions-1-choices": "",
            "questions-1-position": "0"}
    response = page.post("/c/alpha/events/new/", data)
    assert response.status_code == 200  # it ends before it starts: nothing saved, what was typed kept
    assert "The event cannot end before it starts." in response.content.decode()
    assert 'value="Palazzo Lombardia"' in response.content.decode()
    assert not Event.objects.exists()
    data["ends_at"] = "2027-03-10T13:00"
    response = page.post("/c/alpha/events/new/", data)
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/alpha/events/{event.pk}/attendees/"
    assert (event.cluster, event.languages, event.capacity, event.created_by) == (cluster_a, ["it", "en"], 2, staff)
    assert list(event.questions.values_list("label", "choices")) == [("You are", ["GP", "Social worker"])]
    assert AuditEntry.objects.filter(model="events.event", action="create", actor=staff).exists()

    question = event.questions.get()
    first = Registration.objects.create(event=event, name="Ada Rossi", email="ada@example.org",
                                        answers={str(question.pk): "GP"})
    waiting = Registration.objects.create(event=event, name="Bo Jensen", email="bo@example.org",
                                          status="waiting")
    html = page.get(f"/c/alpha/events/{event.pk}/attendees/").content.decode()
    assert "Ada Rossi" in html and "Bo Jensen" in html
    page.post(f"/c/alpha/events/{event.pk}/attendees/{first.pk}/check-in/")
    first.refresh_from_db()
    assert first.checked_in_at is not None
    page.post(f"/c/alpha/events/{event.pk}/attendees/{waiting.pk}/check-in/")  # not confirmed: refused
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None

    rows = list(csv.reader(io.StringIO(page.get(
        f"/c/alpha/events/{event.pk}/attendees/export.csv").content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Organisation", "Status", "Language", "Registered", "Checked in", "You are"]
    assert rows[1][:4] == ["Ada Rossi", "ada@example.org", "", "Confirmed"] and rows[1][-1] == "GP"
    sheet = load_workbook(io.BytesIO(page.get(
        f"/c/alpha/events/{event.pk}/attendees/export.xlsx").content)).active
    assert [cell.value for cell in sheet[2]][:2] == ["Ada Rossi", "ada@example.org"]
    assert page.get(f"/c/alpha/events/{event.pk}/attendees/export.pdf").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_more_seats_in_the_form_promote_the_waiting_list(as_user, cluster_a, staff):
    event = make_event(cluster_a, "open", capacity=1)
    Registration.objects.create(event=event, name="Ada", email="ada@example.org")
    waiting = Registration.objects.create(event=event, name="Bo", email="bo@example.org", status="waiting")
    page = as_user(staff)
    form = page.get(f"/c/alpha/events/{event.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if name in form.fields}
    data.update({"starts_at": event.starts_at.strftime("%Y-%m-%dT%H:%M"),
                 "ends_at": event.ends_at.strftime("%Y-%m-%dT%H:%M"), "capacity": "2", "languages": [],
                 "registration_closes_at": "", "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0",
                 "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000", "texts-TOTAL_FORMS": "0",
                 "texts-INITIAL_FORMS": "0", "texts-MIN_NUM_FORMS": "0", "texts-MAX_NUM_FORMS": "1000"})
    response = page.post(f"/c/alpha/events/{event.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"



@pytest.mark.django_db
def test_an_event_speaks_the_visitors_language_when_it_has_a_text_in_it(as_user, client, cluster_a, staff):
    event = make_event(cluster_a, "open", title="Fragile patients in remote areas", languages=["en", "it"])
    page = as_user(staff)
    form = page.get(f"/c/alpha/events/{event.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update({"starts_at": event.starts_at.strftime("%Y-%m-%dT%H:%M"),
                 "ends_at": event.ends_at.strftime("%Y-%m-%dT%H:%M"), "capacity": "", "languages": ["en", "it"],
                 "registration_closes_at": "", "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0",
                 "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000", "texts-TOTAL_FORMS": "1",
                 "texts-INITIAL_FORMS": "0", "texts-MIN_NUM_FORMS": "0", "texts-MAX_NUM_FORMS": "1000",
                 "texts-0-language": "it", "texts-0-title": "Pazienti fragili nelle aree remote",
                 "texts-0-summary": "Medici di base, assistenti sociali e ingegneri", "texts-0-description": ""})
    assert page.post(f"/c/alpha/events/{event.pk}/edit/", data).status_code == 302
    client.cookies["django_language"] = "it"
    italian = client.get(f"/events/{event.pk}/").content.decode()
    assert '<h1 class="h3" lang="it">Pazienti fragili nelle aree remote</h1>' in italian
    assert "Pazienti fragili nelle aree remote" in client.get("/events/").content.decode()
    client.cookies["django_language"] = "da"  # no Danish text: the event's own
    assert "Fragile patients in remote areas" in client.get(f"/events/{event.pk}/").content.decode()
    Registration.objects.create(event=event, name="Ada", email="ada@example.org", language="it")
    from filiera.events.notifications import send_registration_notice

    send_registration_notice(Registration.objects.get().pk)
    assert mail.outbox[-1].subject == "Iscrizione confermata: Pazienti fragili nelle aree remote"
