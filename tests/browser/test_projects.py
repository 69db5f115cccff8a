"""Projects and calls in the browser: the staff open a call, build a consortium of members for it, save the best one as
a proposal and move it along the pipeline; a member posts a partner search for the call and another cluster's member
answers it with an expression of interest."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD
from tests.projects import conftest as project_fixtures

# The project tests' fixtures, shared with these tests.
call, hospital_a, university_a = project_fixtures.call, project_fixtures.hospital_a, project_fixtures.university_a


def test_staff_build_a_consortium_for_a_call_and_move_the_proposal(page, staff, call, org_a, hospital_a,
                                                                   university_a):
    sign_in(page, "staff", PASSWORD)
    page.get_by_role("link", name="Calls").click()
    page.get_by_role("link", name=call.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(call.title)
    page.get_by_role("link", name=re.compile("Build a consortium")).click()

    page.get_by_label(label("Coordinator")).select_option(label="Università di Bologna (IT)")
    page.get_by_role("button", name="Build").click()
    best = page.get_by_role("region", name=re.compile("Alternative 1"))
    expect(best).to_contain_text("proven best")
    for name in ("MedSense Srl", "Policlinico di Sant'Orsola", "Università di Bologna"):
        expect(best).to_contain_text(name)
    expect(best).to_contain_text("Telemonitoring")
    screenshot(page, "consortium-builder")
    best.get_by_label("Acronym of the proposal").fill("FRAIL")
    best.get_by_role("button", name="Save as proposal").click()

    expect(page.get_by_role("alert")).to_contain_text("The proposal FRAIL is saved with its partners.")
    partners = page.locator("#partners")
    expect(partners).to_contain_text("Università di Bologna")
    expect(partners).to_contain_text("Coordinator")
    expect(page.locator("#eligibility")).to_contain_text("at least 3 partners (has 3)")

    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Pipeline board").click()
    card = page.locator('[data-project="FRAIL"]')
    expect(page.get_by_role("region", name=re.compile("^Proposal"))).to_contain_text("FRAIL")
    card.get_by_label("Move FRAIL to").select_option(label="Funded")
    card.get_by_role("button", name="Move").click()
    expect(page.get_by_role("alert")).to_contain_text("FRAIL is now: Funded.")
    expect(page.get_by_role("region", name=re.compile("^Funded"))).to_contain_text("FRAIL")
    screenshot(page, "projects-board")


def test_a_member_looks_for_partners_and_another_answers(new_page, call, member, outsider_member, org_a):
    poster = new_page()
    sign_in(poster, "member", PASSWORD)
    poster.goto(f"/calls/{call.pk}/")
    poster.get_by_label(label("Title")).fill("Hospital wanted for telemonitoring pilots")
    poster.get_by_label(label("Summary")).fill("We bring wearable sensors; we need a hospital to run the pilots.")
    poster.get_by_role("button", name="Post the partner search").click()
    expect(poster.get_by_role("alert")).to_contain_text("Your partner search is posted.")
    expect(poster.locator("#searches ~ .card").first).to_contain_text("Hospital wanted for telemonitoring pilots")

    answering = new_page()
    sign_in(answering, "outsidermember", PASSWORD)
    answering.goto(f"/calls/{call.pk}/")
    answering.get_by_role("button", name="Follow").click()
    expect(answering.get_by_role("alert")).to_contain_text("You follow this partner search.")
    answering.get_by_text("Express interest").click()
    answering.get_by_label(label("What your organisation would bring")).fill("Care robots for the pilots")
    answering.get_by_role("button", name="Send").click()
    expect(answering.get_by_role("alert")).to_contain_text("Your interest is sent to MedSense Srl.")
    expect(answering.get_by_text("Interest sent")).to_be_visible()
    screenshot(answering, "call-partner-searches")
