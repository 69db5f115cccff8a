"""Browser tests: Playwright driving Debian's headless chromium against pytest-django's live server.

The live server answers from another thread, so these tests run with `transactional_db` (pytest-django switches the
`db` fixtures of tests/conftest.py to it whenever a test uses `live_server`, which the `page` fixtures do).

Fixtures: `browser` (one chromium per session), `page` (a fresh English-speaking browser context on the live server)
and `new_page()` for a second person in the same test (e.g. an anonymous visitor, or the staff after a member).
Every page fails its test on a JavaScript error, on a static file that does not load, or on anything the
Content-Security-Policy blocks.
Set FILIERA_SCREENSHOTS=1 to save the screenshots of `screenshot(page, name)` under docs/screenshots/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT_MS = 15_000  # the machine is shared with other test runs


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses database calls from a
    # thread with a running loop; the tests still create their data synchronously. Only while a browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems:
    """What went wrong in the pages of one test that no assertion looks at: script errors, missing assets."""

    def __init__(self):
        self.problems: list[str] = []

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on("response", self._check_asset)
        page.on("console", lambda message: self._check_console(page, message))

    def _check_console(self, page, message) -> None:
        # Something the Content-Security-Policy blocked (an inline script or style, eval) is a broken page.
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation on {page.url}: {message.text}")

    def _check_asset(self, response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a page in a new browser context (its own cookies: another person), English unless `locale`."""
    contexts = []
    problems = PageProblems()

    def open_page(locale: str = "en-GB"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems.problems, "\n".join(problems.problems)


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, username: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would, and wait until the site greets the user."""
    page.goto("/accounts/login/")
    page.get_by_label(label("Username")).fill(username)
    page.get_by_label(label("Password")).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot as docs/screenshots/<name>.png, only when FILIERA_SCREENSHOTS=1."""
    if os.environ.get("FILIERA_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def label(text: str) -> re.Pattern:
    """A form label exactly `text`, with or without the "* (required)" mark that required fields add."""
    return re.compile(rf"^{re.escape(text)}(\s*\*\s*\([^)]*\))?$")


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser/ is a browser test (run in its own pass by scripts/test.sh)."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
