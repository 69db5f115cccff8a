"""The issue's main journey: a member representative keeps its profile and posts an offer; a visitor finds both."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD

NEW_TITLE = "Wearable ECG patch with open data interface"


def htmx_response(path: str):
    """A predicate for page.expect_response: the htmx request (not a full page load) to `path`."""
    return lambda response: (
        response.url.split("?")[0].endswith(path) and response.request.headers.get("hx-request") == "true"
    )


def test_member_edits_profile_posts_offer_and_visitor_finds_them(page, new_page, member, opportunity_a, org_b):
    # The representative signs in and opens its organisation from the navigation bar.
    sign_in(page, "member", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    expect(page.get_by_role("heading", name="MedSense Srl")).to_be_visible()
    page.get_by_role("link", name="Edit profile").click()

    # It changes the city and the description, and saves.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit profile")
    page.get_by_label(label("City")).fill("Imola")
    page.get_by_label(label("Description")).fill("Cerotti con sensori per il monitoraggio cardiaco a domicilio")
    page.get_by_role("button", name="Save the profile").click()

    # The public profile shows the change.
    expect(page.get_by_role("alert")).to_contain_text("The profile of MedSense Srl is saved.")
    expect(page.get_by_role("heading", level=1, name="MedSense Srl")).to_be_visible()
    expect(page.get_by_role("region", name="About")).to_contain_text("monitoraggio cardiaco a domicilio")
    expect(page.get_by_role("region", name="Details")).to_contain_text("Imola")
    screenshot(page, "profile")

    # From its organisation's opportunities page it posts a technology offer and publishes it.
    page.get_by_role("main").get_by_role("link", name="Opportunities").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Opportunities")
    page.get_by_role("link", name="Post an offer or a need").click()
    page.get_by_label(label("Type")).select_option(label="Technology offer")
    page.get_by_label(label("Title")).fill(NEW_TITLE)
    page.get_by_label(label("Summary")).fill("A disposable patch records a one-lead ECG for two weeks.")
    page.get_by_label(label("Description")).fill("CE-marked; data exported as open HL7 FHIR resources.")
    page.get_by_role("radio", name="Published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(f"“{NEW_TITLE}” is saved (Published).")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    screenshot(page, "opportunity")

    # An anonymous visitor searches the public opportunities by the title; htmx replaces the results.
    visitor = new_page()
    visitor.goto("/opportunities/")
    results = visitor.locator("#opportunity-results")
    expect(results.get_by_role("heading", name="2 opportunities")).to_be_visible()
    with visitor.expect_response(htmx_response("/opportunities/")):
        visitor.get_by_role("searchbox", name="Search opportunities").fill("ECG patch")
    expect(results.get_by_role("heading", name="1 opportunity")).to_be_visible()
    expect(results.get_by_role("link", name=NEW_TITLE)).to_be_visible()
    expect(results.get_by_role("link", name=opportunity_a.title)).to_have_count(0)
    expect(visitor.get_by_role("status")).to_have_text("1 opportunity found")
    expect(visitor).to_have_url(re.compile(r"\?q=ECG(\+|%20)patch$"))  # in the address, for sharing and going back

    # The visitor finds the organisation in the directory by text: the new city is searchable.
    visitor.goto("/directory/")
    results = visitor.locator("#results")
    expect(results.get_by_role("heading", name="2 organisations")).to_be_visible()
    search = visitor.get_by_role("searchbox", name="Search organisations")
    with visitor.expect_response(htmx_response("/directory/")):
        search.fill("Imola")
    expect(results.get_by_role("heading", name="1 organisation")).to_be_visible()
    expect(results.get_by_role("link", name="MedSense Srl")).to_be_visible()
    expect(results).to_contain_text("monitoraggio cardiaco")

    # ... and by ticking a facet, after clearing the search.
    with visitor.expect_response(htmx_response("/directory/")):
        search.fill("")
    expect(results.get_by_role("heading", name="2 organisations")).to_be_visible()
    country = visitor.get_by_role("group", name="Country")
    with visitor.expect_response(htmx_response("/directory/")):
        country.get_by_role("checkbox", name=re.compile(r"^Italy \d+$")).check()
    expect(results.get_by_role("heading", name="1 organisation")).to_be_visible()
    expect(results.get_by_role("link", name="MedSense Srl")).to_be_visible()
    expect(results.get_by_role("link", name=org_b.name)).to_have_count(0)
    expect(results.get_by_role("link", name="Remove filter Country: Italy")).to_be_visible()
    expect(country.get_by_role("checkbox", name=re.compile(r"^Italy \d+$"))).to_be_checked()  # swapped facets
    expect(visitor).to_have_url(re.compile(r"[?&]country=IT(&|$)"))
    screenshot(visitor, "directory")
