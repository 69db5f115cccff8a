"""The satisfaction survey in the browser: the staff write a survey and send it; a member's representative opens the
personal link from the email (without signing in), forgets the overall rating and is asked for it with the rest kept,
answers, and is thanked; the staff see the answer in the survey's results."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD


def test_a_member_answers_the_survey_and_the_staff_see_the_result(page, new_page, staff, member, org_a):
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/monitoring/surveys/")
    page.get_by_role("link", name="New survey").click()
    page.get_by_label(label("Title")).fill("Members 2026")
    page.get_by_label(label("Year")).fill("2026")
    page.get_by_label(label("Introduction")).fill("Five minutes to tell us how we did this year.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The survey is saved.")
    page.get_by_role("button", name="Send to the members").click()
    expect(page.get_by_role("alert").first).to_contain_text("1 member organisation is invited")

    # The representative's email holds the organisation's personal link.
    assert [message.to for message in mail.outbox] == [["member@example.org"]]
    link = re.search(r"https?://\S+/surveys/[^/\s]+/", mail.outbox[0].body).group(0)
    path = link[link.index("/surveys/"):]

    answering = new_page()
    answering.goto(path)
    expect(answering.get_by_role("heading", level=1)).to_have_text("Members 2026")
    expect(answering.get_by_text("Alpha Health Cluster")).to_be_visible()
    expect(answering.get_by_text("On behalf of MedSense Srl")).to_be_visible()
    answering.get_by_role("group", name="Events and workshops").get_by_label("4", exact=True).check()
    answering.get_by_role("group", name=re.compile("^How likely")).get_by_label("9", exact=True).check()
    answering.get_by_label(label("What should the cluster keep, change or start doing?")).fill(
        "More matchmaking with hospitals")
    answering.get_by_role("button", name="Send our answer").click()
    expect(answering.get_by_role("alert")).to_contain_text("Please check the answers")
    expect(answering.get_by_role("group", name="Events and workshops").get_by_label("4", exact=True)).to_be_checked()
    expect(answering.get_by_label(label("What should the cluster keep, change or start doing?"))).to_have_value(
        "More matchmaking with hospitals")
    answering.get_by_label("5 – very satisfied").check()
    screenshot(answering, "survey-answer")
    answering.get_by_role("button", name="Send our answer").click()
    expect(answering.get_by_role("status")).to_contain_text("Thank you!")
    expect(answering.locator("#given-answer")).to_contain_text("More matchmaking with hospitals")

    page.reload()
    expect(page.locator("#figures")).to_contain_text("100.0 %")
    expect(page.locator("#comments")).to_contain_text("More matchmaking with hospitals")
    expect(page.locator("#answered")).to_contain_text("MedSense Srl")
    expect(page.locator("#services")).to_contain_text("Events and workshops")
    screenshot(page, "survey-results")
