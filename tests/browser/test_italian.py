"""The interface speaks Italian once a visitor picks it in the navigation bar's language switcher."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_language_switcher_turns_the_interface_italian(page, org_a, org_b):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Directory")).to_be_visible()

    with page.expect_navigation():
        page.get_by_label("Language").select_option(label="Italiano")  # the switcher submits on change

    expect(page.locator("html")).to_have_attribute("lang", "it")
    nav = page.get_by_role("navigation", name="Principale")
    expect(nav.get_by_role("link", name="Elenco", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Opportunità", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    expect(nav.get_by_role("combobox", name="Lingua")).to_have_value("it")
    expect(nav.get_by_role("link", name="Directory", exact=True)).to_have_count(0)

    # The choice sticks (the language cookie) from page to page, down to the facets and the vocabulary.
    nav.get_by_role("link", name="Elenco", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elenco delle organizzazioni")
    expect(page.get_by_role("searchbox", name="Cerca organizzazioni")).to_be_visible()
    expect(page.locator("#results").get_by_role("heading", level=2)).to_have_text("2 organizzazioni")
    expect(page.get_by_role("group", name="Paese").get_by_role("checkbox", name=re.compile(r"^Italia \d+$"))) \
        .to_be_visible()
    page.get_by_role("link", name=org_a.name).click()
    expect(page.get_by_role("region", name="Dettagli")).to_contain_text("Italia")
    expect(page.get_by_role("link", name="Biomedicale")).to_be_visible()  # the value chain's Italian label
    screenshot(page, "italian")
