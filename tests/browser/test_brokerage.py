"""B2B brokerage: two registered participants fill in their profiles; one asks the other for a meeting, who
accepts; the staff add slots and tables on the board, run the scheduler and announce the agenda; the participant
finds the meeting in their agenda."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from filiera.events.models import Event, Registration
from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD, make_user


def test_participants_ask_accept_and_the_staff_schedule_the_meeting(page, new_page, staff, cluster_a):
    start = timezone.now() + datetime.timedelta(days=30)
    event = Event.objects.create(cluster=cluster_a, slug="b2b", title="Health B2B day", kind=Event.Kind.BROKERAGE,
                                 status=Event.Status.PUBLISHED, starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=8))
    for name, company in (("giulia", "MedSense Srl"), ("lars", "Odense Care ApS")):
        Registration.objects.create(event=event, user=make_user(name), name=name.title(),
                                    email=f"{name}@example.org", organisation_name=company)

    # Giulia joins the meetings with her profile.
    giulia = new_page()
    sign_in(giulia, "giulia", PASSWORD)
    giulia.goto(f"/events/{event.pk}/")
    giulia.get_by_role("link", name="One-to-one meetings").click()
    giulia.get_by_label(label("What we offer")).fill("Wearable fall sensors")
    giulia.get_by_label(label("What we look for")).fill("Care homes to pilot them")
    giulia.get_by_role("button", name="Join the meetings").click()
    expect(giulia.get_by_role("alert")).to_contain_text("Your profile is saved.")

    # Lars joins too and asks Giulia for a meeting.
    lars = new_page()
    sign_in(lars, "lars", PASSWORD)
    lars.goto(f"/events/{event.pk}/meetings/")
    lars.get_by_label(label("What we offer")).fill("Home care in Odense")
    lars.get_by_role("button", name="Join the meetings").click()
    card = lars.get_by_role("article", name="MedSense Srl (Giulia)")
    expect(card).to_contain_text("Wearable fall sensors")
    card.get_by_label("Message").fill("We would pilot your sensors")
    card.get_by_role("button", name=re.compile("Ask for a meeting")).click()
    expect(lars.get_by_role("alert")).to_contain_text("Your request is sent to MedSense Srl (Giulia).")

    # Giulia accepts.
    giulia.reload()
    received = giulia.get_by_role("region", name="Requests for you")
    request = received.get_by_role("article", name="Odense Care ApS (Lars)")
    expect(request).to_contain_text("We would pilot your sensors")
    request.get_by_role("button", name="Accept").click()
    expect(giulia.get_by_role("alert")).to_contain_text("You accepted the meeting")
    screenshot(giulia, "brokerage-marketplace")

    # The staff set up the board, run the scheduler and announce the agenda.
    sign_in(page, "staff", PASSWORD)
    page.goto(f"/c/alpha/events/{event.pk}/board/")
    slots = page.get_by_role("region", name="Add time slots")
    slots.get_by_label(label("From")).fill("09:00")
    slots.get_by_label(label("To")).fill("10:00")
    slots.get_by_role("button", name="Add the slots").click()
    expect(page.get_by_role("alert")).to_contain_text("3 slots added.")
    tables = page.get_by_role("region", name="Add tables and rooms")
    tables.get_by_label(label("On-site tables")).fill("2")
    tables.get_by_role("button", name="Add the tables").click()
    page.get_by_role("button", name="Run the scheduler").click()
    expect(page.get_by_role("alert")).to_contain_text("1 of 1 meetings scheduled")
    expect(page.get_by_test_id("board-meeting")).to_have_text("MedSense Srl (Giulia) · Odense Care ApS (Lars)")
    screenshot(page, "brokerage-board")
    page.get_by_role("button", name="Announce the agenda").click()
    expect(page.get_by_role("alert")).to_contain_text("2 participants get theirs by email")

    # Giulia finds the meeting in her agenda.
    giulia.get_by_role("link", name="My agenda").click()
    expect(giulia.get_by_role("row", name=re.compile("Odense Care ApS"))).to_contain_text("Table 1")
