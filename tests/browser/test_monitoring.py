"""Monitoring in the browser: the staff open the KPI dashboard, whose charts ECharts draws from the data embedded in
the page, set a target for the year and find its status on the dashboard."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.monitoring import conftest as monitoring_fixtures

history = monitoring_fixtures.history


def test_staff_read_the_dashboard_and_set_a_target(page, staff, history):
    year = timezone.localdate().year
    sign_in(page, "staff", PASSWORD)
    page.goto("/c/alpha/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Monitoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring")

    # The charts are drawn: ECharts puts a canvas in each container.
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    expect(page.locator('[data-chart="chart-kind"] canvas')).to_have_count(1)
    expect(page.locator('[data-chart="chart-helix"] canvas')).to_have_count(1)
    members = page.locator('tr[data-indicator="members"]')
    expect(members).to_contain_text("3")
    expect(members.locator(".badge")).to_have_count(0)  # no target yet
    screenshot(page, "monitoring-dashboard")

    page.get_by_role("link", name=f"Targets of {year}").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(f"Targets of {year}")
    page.get_by_label("Members", exact=True).fill("2")
    page.get_by_label("Events", exact=True).fill("-1")
    page.get_by_role("button", name="Save the targets").click()
    expect(page.get_by_role("alert")).to_contain_text("The targets are not saved")
    expect(page.get_by_label("Members", exact=True)).to_have_value("2")  # kept as typed
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    page.get_by_label("Events", exact=True).fill("")
    page.get_by_role("button", name="Save the targets").click()
    expect(page.get_by_role("alert")).to_contain_text(f"1 target of {year} saved.")
    screenshot(page, "monitoring-targets")

    page.get_by_role("link", name="Back to the dashboard").click()
    members = page.locator('tr[data-indicator="members"]')
    expect(members.locator(".badge")).to_have_text(re.compile("on track|met"))
    expect(members.locator("td").nth(3)).to_have_text("2")  # the target
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
