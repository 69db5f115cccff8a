"""The back office of a cluster does not exist for anybody outside it: 404, never 403."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD


def test_outsider_typing_a_back_office_address_gets_not_found(page, new_page, outsider, org_a):
    membership = org_a.memberships.get()
    sign_in(page, "outsider", PASSWORD)
    for path in ("/c/alpha/", "/c/alpha/members/", f"/c/alpha/members/{membership.pk}/", "/c/alpha/audit/"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text("Alpha")
        expect(page.locator("body")).not_to_contain_text(org_a.name)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.IGNORECASE))
    screenshot(page, "not-found")

    # Its own back office opens; an anonymous visitor is asked to sign in.
    assert page.goto("/c/beta/").status == 200
    visitor = new_page()
    visitor.goto("/c/alpha/members/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(visitor.get_by_role("status")).to_have_text("Please sign in to see this page.")
