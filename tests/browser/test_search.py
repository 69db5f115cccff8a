"""A Danish visitor searches in Danish, finds an Italian hospital's need through the shared concepts, sees why it
matched, and opens "More like this"."""

import re

import pytest
from playwright.sync_api import expect

from filiera.core.vocabulary import sync_vocabulary
from filiera.directory.models import Opportunity, Visibility
from filiera.matching.services import rebuild_index
from tests.browser.conftest import screenshot


@pytest.fixture
def italian_needs(org_a, cluster_a):
    sync_vocabulary()
    need = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Cerchiamo soluzioni di telemonitoraggio per anziani a domicilio",
        summary="L'ospedale cerca una piattaforma di telemonitoraggio dei pazienti anziani fragili dopo la dimissione.",
    )
    similar = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_OFFER, language="it",
        title="Piattaforma di telemonitoraggio domiciliare",
        summary="Telemonitoraggio dei pazienti anziani a domicilio con sensori indossabili.",
    )
    hidden = Opportunity.objects.create(
        organisation=org_a, cluster=cluster_a, type=Opportunity.Type.TECHNOLOGY_REQUEST, language="it",
        title="Telemonitoraggio riservato ai soci", summary="Telemonitoraggio di anziani fragili a domicilio.",
        visibility=Visibility.MEMBERS,
    )
    rebuild_index()
    return need, similar, hidden


def test_a_danish_visitor_finds_an_italian_need_and_more_like_it(page, italian_needs, org_b):
    need, similar, hidden = italian_needs
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search organisations and opportunities")

    # Nothing typed: the form says so.
    page.locator("#search-area").get_by_role("button", name="Search").click()
    expect(page.get_by_text("Type what you are looking for, in any language.")).to_be_visible()

    page.get_by_role("searchbox", name="Search").fill("telemonitorering af ældre borgere")
    page.locator("#search-area").get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("Detected language: Danish")
    results = page.get_by_role("list", name="Results")
    result = results.get_by_role("listitem").filter(has=page.get_by_role("link", name=need.title, exact=True))
    expect(result).to_contain_text("Shared concepts:")
    expect(result).to_contain_text("Telemonitoring")
    expect(results).not_to_contain_text(hidden.title)
    expect(page).to_have_url(re.compile(r"/search/\?q=telemonitorering"))  # htmx keeps the address shareable
    screenshot(page, "search")

    result.get_by_role("link", name=re.compile(r"^More like this")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("More like this")
    expect(page.get_by_role("main")).to_contain_text(need.title)
    similar_results = page.get_by_role("list", name="Results")
    expect(similar_results.get_by_role("link", name=similar.title, exact=True)).to_be_visible()
    expect(similar_results).not_to_contain_text(hidden.title)
