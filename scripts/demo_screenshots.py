"""The README's screenshots of the demo's challenges, taken the way a visitor and the staff see them.

`filiera demo` is loaded into a scratch SQLite database (with the configured embeddings, as `scripts/run.sh` loads
it) and the matching index built from words and concepts (the task worker adds the vectors later on a real server);
Django's live server thread serves it, and headless Chromium (Playwright, /usr/bin/chromium or $CHROMIUM) photographs
the top of the pages in English, 1280 px wide:

- challenge-themes: the public page of "Pazienti fragili e cronici nelle aree remote" (Clust-ER Health, collecting
  solutions), its themes with their votes and needs;
- challenge-backoffice: the same challenge in the staff's back office: its themes with their votes, solutions and
  activity, and the priorities voted.

Usage: .venv/bin/python scripts/demo_screenshots.py [NAME ...]   (every screenshot when no name is given)
Writes docs/screenshots/<NAME>.png. About a minute.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 900}
CHALLENGE = "Pazienti fragili e cronici nelle aree remote"
CLUSTER = "clust-er-health"
STAFF = "staff"


def load_demo(var_dir: str) -> None:
    """Django on a scratch SQLite database in `var_dir`, migrated, with the demo and the matching index."""
    os.environ["FILIERA_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=sys.stderr)
    from filiera.matching.services import rebuild_index

    rebuild_index()


def save(page, name: str, max_height: int) -> None:
    """The top of the page, `max_height` px at most."""
    height = min(max_height, page.evaluate("document.documentElement.scrollHeight"))
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": VIEWPORT["width"],
                                                         "height": height})
    print(f"written: {path.relative_to(ROOT)} ({VIEWPORT['width']} x {height})", file=sys.stderr)


def challenge_themes(browser, url: str, challenge) -> None:
    context = browser.new_context(base_url=url, locale="en-GB", viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"/challenges/{challenge.pk}/")
    page.get_by_role("heading", name="Themes", exact=True).wait_for()
    save(page, "challenge-themes", 1800)
    context.close()


def challenge_backoffice(browser, url: str, challenge) -> None:
    from django.conf import settings

    from filiera.demo.loader import demo_password

    context = browser.new_context(base_url=url, locale="en-GB", viewport=VIEWPORT)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(STAFF)
    page.locator("#id_password").fill(demo_password())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    # Signing in speaks the user's language (the demo's staff speak Italian): back to English.
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])
    page.goto(f"/c/{CLUSTER}/challenges/{challenge.pk}/")
    page.get_by_role("heading", name="Priorities voted").wait_for()
    save(page, "challenge-backoffice", 1520)
    context.close()


SHOTS = {"challenge-themes": challenge_themes, "challenge-backoffice": challenge_backoffice}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in SHOTS]
    if unknown:
        print(f"unknown screenshots: {', '.join(unknown)} (known: {', '.join(SHOTS)})", file=sys.stderr)
        return 2
    if not os.path.exists(CHROMIUM):
        print(f"chromium not found at {CHROMIUM} (set CHROMIUM)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="filiera-screenshots-") as var_dir:
        load_demo(var_dir)
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.test.testcases import LiveServerThread
        from playwright.sync_api import sync_playwright

        from filiera.challenges.models import Challenge

        challenge = Challenge.objects.get(title=CHALLENGE)
        # Playwright's sync API keeps an event loop running in this thread, where Django then refuses database calls.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync"])
                for name in names or SHOTS:
                    SHOTS[name](browser, f"http://127.0.0.1:{server.port}", challenge)
                browser.close()
        finally:
            server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
