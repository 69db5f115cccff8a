"""Events: the staff create a needs workshop with a question and a single seat; a visitor registers and a second one
lands on the waiting list; the first cancels from their registration page; the staff see the second confirmed,
check them in and export the list."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD


def register(page, name: str, email: str, role: str) -> None:
    page.goto("/events/")
    page.get_by_role("link", name="Fragile patients in remote areas").click()
    page.get_by_label(label("Name")).fill(name)
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("You are")).select_option(role)


def test_staff_create_an_event_and_visitors_register_wait_and_cancel(page, new_page, staff):
    # The staff create the event in their back office.
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    event = page.get_by_role("group", name="The event")
    event.get_by_label(label("Title")).fill("Fragile patients in remote areas")
    event.get_by_label(label("Slug")).fill("fragile-patients")
    event.get_by_label(label("Kind")).select_option("needs_workshop")
    event.get_by_label(label("Status")).select_option("published")
    event.get_by_label(label("Starts at")).fill("2030-03-10T09:30")
    event.get_by_label(label("Ends at")).fill("2030-03-10T13:00")
    event.get_by_label(label("Venue")).fill("Palazzo Lombardia")
    event.get_by_label(label("Capacity")).fill("1")
    first = page.get_by_role("group", name="Question 1")
    first.get_by_label(label("Question")).fill("You are")
    first.get_by_label(label("Kind")).select_option("choice")
    first.get_by_label(label("Choices")).fill("GP\nSocial worker\nSensor engineer")
    first.get_by_label(label("Required")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Attendees")).to_be_visible()

    # A GP registers and gets the seat; a social worker gets on the waiting list.
    gp = new_page()
    register(gp, "Giulia Verdi", "giulia@example.org", "GP")
    screenshot(gp, "event-registration")
    gp.get_by_role("button", name="Register").click()
    expect(gp.get_by_test_id("registration-status")).to_have_text("Confirmed")
    gp_registration = gp.url

    social = new_page()
    register(social, "Marco Neri", "marco@example.org", "Social worker")
    social.get_by_role("button", name="Join the waiting list").click()
    expect(social.get_by_test_id("registration-status")).to_have_text("On the waiting list")

    # The GP cannot come after all and cancels from their registration page: the seat moves on.
    gp.goto(gp_registration)
    gp.get_by_role("button", name="Cancel my registration").click()
    expect(gp.get_by_test_id("registration-status")).to_have_text("Cancelled")
    social.reload()
    expect(social.get_by_test_id("registration-status")).to_have_text("Confirmed")

    # At the door, the staff check the social worker in.
    page.reload()
    row = page.get_by_role("row", name=re.compile("Marco Neri"))
    row.get_by_role("button", name=re.compile("Check in")).click()
    expect(page.get_by_role("alert")).to_contain_text("Marco Neri is checked in.")
    expect(page.get_by_test_id("attendee-counts")).to_contain_text("Checked in: 1")
    screenshot(page, "event-attendees")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == "fragile-patients-attendees.csv"
