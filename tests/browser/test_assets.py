"""The layout's styles and scripts load: without them pages are unstyled and htmx, menus and dialogs are dead."""

from playwright.sync_api import expect


def test_pages_load_bootstrap_icons_and_htmx(page, db):
    assets = {}
    page.on("response", lambda response: assets.update({response.url: response.status}) if "/static/" in response.url
            else None)
    page.goto("/directory/")
    page.wait_for_load_state("load")
    broken = {url: status for url, status in assets.items() if status != 200}
    assert not broken, f"static files not served (is src/filiera/static in STATICFILES_DIRS?): {broken}"
    for name in ("htmx.min.js", "bootstrap.bundle.min.js", "bootstrap.min.css", "bootstrap-icons.min.css",
                 "filiera.css"):
        assert any(url.split("?")[0].endswith(name) for url in assets), f"{name} is not requested"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"
    # Bootstrap's CSS is applied: the skip link is hidden until focused, the icon font is used.
    expect(page.get_by_role("link", name="Skip to content")).to_have_css("position", "absolute")
    assert page.evaluate("getComputedStyle(document.querySelector('.bi'), '::before').fontFamily").find(
        "bootstrap-icons") >= 0
