"""A visitor applies to join a cluster; the cluster staff approves the application in the back office."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD

ORG = "Riabilita Games Srl"


def test_visitor_applies_and_staff_approves(page, new_page, cluster_a, staff):
    # A visitor opens the cluster's page and applies for membership.
    page.goto("/clusters/")
    page.get_by_role("link", name=cluster_a.name).first.click()
    expect(page.get_by_role("heading", level=1, name=cluster_a.name)).to_be_visible()
    page.get_by_role("link", name="Apply for membership").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply to join {cluster_a.name}")

    organisation = page.get_by_role("group", name="Your organisation")
    organisation.get_by_label(label("Organisation name")).fill(ORG)
    organisation.get_by_label(label("Kind of organisation")).select_option(label="Start-up")
    expect(organisation.get_by_label(label("Country"))).to_have_value("IT")  # the cluster's country to start with
    organisation.get_by_label(label("City")).fill("Ferrara")
    organisation.get_by_label(label("What your organisation does")).fill("Serious games for motor rehabilitation")
    you = page.get_by_role("group", name="You", exact=True)
    you.get_by_label(label("First name")).fill("Giulia")
    you.get_by_label(label("Last name")).fill("Testa")
    you.get_by_label(label("Email")).fill("giulia.testa@example.org")
    you.get_by_label("List me as a contact of my organisation in the directory").check()
    account = page.get_by_role("group", name="Your account")
    account.get_by_label(label("Username")).fill("giulia")
    account.get_by_label(label("Password")).fill(PASSWORD)
    account.get_by_label(label("Password again")).fill(PASSWORD)
    page.get_by_label(label("Message to the cluster")).fill("We would like to test our games with your hospitals.")
    page.get_by_role("button", name="Send the application").click()

    # The new representative is signed in and sees the pending application.
    expect(page.get_by_role("alert")).to_contain_text(f"The application of {ORG} to {cluster_a} awaits")
    expect(page.get_by_role("heading", level=1)).to_have_text("My organisations")
    card = page.get_by_role("region", name=ORG)
    expect(card.get_by_text("Not yet verified")).to_be_visible()
    application = card.get_by_role("row", name=cluster_a.name)
    expect(application.get_by_role("cell").first).to_have_text("Applicant")
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Giulia Testa")).to_be_visible()

    # The cluster staff signs in and opens the applicants of the back office's Members page.
    staff_page = new_page()
    sign_in(staff_page, "staff", PASSWORD)
    main_nav = staff_page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Back office").click()
    main_nav.get_by_role("link", name=str(cluster_a), exact=True).click()
    staff_page.get_by_role("navigation", name="Back office").get_by_role("link", name="Members").click()
    staff_page.get_by_role("link", name="Applicants").click()
    row = staff_page.get_by_role("row", name=ORG)
    expect(row.get_by_role("cell").nth(2)).to_have_text("Applicant")

    # It approves the application: htmx replaces the row, which now says the membership is active.
    approve = row.get_by_role("button", name=re.compile(rf"^Approve\W+{re.escape(ORG)}$"))
    approve.click()
    expect(row.get_by_role("status")).to_have_text(f"{ORG}: membership is now Active.")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Active")
    expect(approve).to_have_count(0)
    staff_page.get_by_role("link", name="Active").click()
    expect(staff_page.get_by_role("row", name=ORG)).to_be_visible()
    screenshot(staff_page, "backoffice-members")

    # The representative now sees its organisation as an active, verified member.
    page.reload()
    expect(application.get_by_role("cell").first).to_have_text("Active")
    expect(card.get_by_text("Not yet verified")).to_have_count(0)
