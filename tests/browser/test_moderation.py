"""Post-moderation: the cluster staff hides an opportunity with a note; its organisation reads the note."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD

NOTE = "Please remove the patients' names from the summary."


def test_staff_hides_opportunity_and_member_reads_the_note(page, new_page, staff, member, opportunity_a):
    title = opportunity_a.title

    # The staff opens the opportunities of its back office and hides the member's offer with a note.
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Opportunities").click()
    card = page.get_by_role("article", name=title)
    card.get_by_label(label("Note to the author (required to hide)")).fill(NOTE)
    card.get_by_role("button", name=re.compile(rf"^Hide\W+{re.escape(title)}$")).click()
    expect(page.get_by_role("alert")).to_contain_text(f"“{title}” is hidden.")
    page.get_by_role("link", name="Hidden").click()  # it left the "To review" tab
    card = page.get_by_role("article", name=title)
    expect(card).to_contain_text(NOTE)
    expect(card.get_by_role("button", name=re.compile(rf"^Publish again\W+{re.escape(title)}$"))).to_be_visible()

    # The member representative sees it hidden, with the note, on its organisation's opportunities page.
    member_page = new_page()
    sign_in(member_page, "member", PASSWORD)
    member_page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    expect(member_page.get_by_role("status")).to_contain_text("One opportunity was hidden by the cluster staff")
    member_page.get_by_role("link", name="Offers and needs").click()
    row = member_page.get_by_role("row", name=title)
    expect(row.get_by_role("rowheader")).to_contain_text(f"Note from the cluster staff: {NOTE}")
    expect(row.get_by_role("cell").nth(1)).to_have_text("Hidden by staff")
    screenshot(member_page, "moderation")

    # The public no longer finds it.
    visitor = new_page()
    visitor.goto("/opportunities/")
    expect(visitor.get_by_role("link", name=title)).to_have_count(0)
