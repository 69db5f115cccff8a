"""The excellence self-assessment in the browser: the staff start an assessment, answer a criterion with its
evidence, add an improvement action and see the readiness for bronze rise each time."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import label, screenshot, sign_in
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_staff_assess_the_cluster_and_see_the_readiness_rise(page, staff, cluster_a):
    year = timezone.localdate().year
    sign_in(page, "staff", PASSWORD)
    page.goto(f"/c/{cluster_a.slug}/monitoring/assessments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Excellence self-assessment")
    page.get_by_text("Start a self-assessment").click()
    page.get_by_label(label("Label sought")).select_option(label="Silver")
    page.get_by_role("button", name="Start the assessment").click()

    expect(page.get_by_role("alert")).to_contain_text(f"The self-assessment of {year} is started.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Self-assessment {year}")
    bronze = page.locator('[data-readiness="bronze"]')
    expect(bronze).to_have_text("0 %")  # an empty cluster meets nothing yet
    expect(page.locator("#missing")).to_contain_text("Has the cluster a written strategy agreed with its members?")

    # A yes alone is not enough: the criterion needs its evidence.
    strategy = page.locator("#criterion-strategy")
    strategy.get_by_text("Answer", exact=True).click()
    strategy.get_by_label("Is it met?").select_option(label="Yes")
    strategy.get_by_label("Comment").fill("Adopted by the general assembly in March")
    strategy.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("alert")).to_contain_text("The answer is saved.")
    strategy = page.locator("#criterion-strategy")
    expect(strategy).to_contain_text("no evidence attached")
    expect(bronze).to_have_text("0 %")
    strategy.get_by_text("Add evidence").click()
    strategy.get_by_label("Title").fill("Strategy 2026-2028")
    strategy.get_by_label("or a link").fill("https://alpha.example.org/strategy")
    strategy.get_by_role("button", name="Add the evidence").click()
    expect(page.get_by_role("alert")).to_contain_text("The evidence is added.")
    expect(page.locator('[data-evidence="strategy"]')).to_contain_text("Strategy 2026-2028")
    expect(bronze).to_have_text("7 %")  # 1 of bronze's 14 criteria

    page.get_by_role("link", name="Add an improvement action").click()
    page.get_by_label(label("Area")).select_option(label="Financing")
    page.get_by_label(label("Improvement")).fill("Diversify the funding sources")
    page.get_by_label(label("Owner")).fill("Sauro Vicini")
    page.get_by_label(label("Due on")).fill(f"{year + 1}-06-30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The improvement action is saved.")
    expect(page.locator("#improvement-actions")).to_contain_text("Diversify the funding sources")
    expect(page.locator("#improvement-actions")).to_contain_text(str(year))  # found in this year's assessment

    page.locator("#improvement-actions").get_by_role("link", name=str(year)).click()
    expect(page.locator('[data-readiness="bronze"]')).to_have_text("14 %")  # and the improvement areas: 2 of 14
    expect(page.locator("#actions")).to_contain_text("Diversify the funding sources")
    screenshot(page, "excellence-self-assessment")

    page.get_by_role("link", name=re.compile("^Assessments$")).click()
    expect(page.locator("#assessments")).to_contain_text("14 %")
