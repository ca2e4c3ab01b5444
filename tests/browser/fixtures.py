"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Fixtures for every browser test (the settings pages reuse them):
  browser            one Chromium per session (skipped without /usr/bin/chromium, failed if CI is set)
  page_as(user, ...)  a fresh page logged in as ``user`` through the login form; console errors and
                     uncaught page errors collected while it lives fail the test at teardown
  regions            the administrative divisions loaded for a live-server (transactional) test
"""

import os
import shutil

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "secret-pw-1"  # tests.factories.make_user's default


def _chromium_or_skip():
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install it (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); browser tests skipped")


@pytest.fixture(scope="session")
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
                              args=FLAGS)
        yield b
        b.close()


class ConsoleErrors(list):
    """Console errors and uncaught exceptions. A page's own HTTP status (a form re-rendered with
    400, a 404 page) is what the test asserts, so the browser's "Failed to load resource" line for
    the top-level document is not counted; the same line for a script, style, font or htmx call is."""

    def attach(self, page):
        documents: set[str] = set()

        def on_response(resp):
            if resp.request.resource_type == "document":
                documents.add(resp.url)

        def on_console(msg):
            url = (msg.location or {}).get("url", "")
            if msg.type != "error" or "favicon" in url:
                return
            if msg.text.startswith("Failed to load resource") and url in documents:
                return
            self.append(f"console: {msg.text} @ {url or page.url}")

        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.append(f"pageerror: {exc} @ {page.url}"))


@pytest.fixture
def page_as(browser, live_server, transactional_db):
    """``page_as(user, width=1440, height=900, password=...)`` -> a logged-in Playwright page.

    ``page.goto_path("/customers/")`` is a shortcut for ``page.goto(live_server.url + path)``.
    """
    contexts, errors = [], ConsoleErrors()

    def make(user, *, width: int = 1440, height: int = 900, password: str = PASSWORD, login: bool = True):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        errors.attach(page)
        page.base = live_server.url
        page.goto_path = lambda path, **kw: page.goto(live_server.url + path, **kw)
        if login:
            page.goto(live_server.url + "/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("form button[type=submit]")
            assert "/accounts/login/" not in page.url, f"login as {user.username} failed"
        return page

    make.errors = errors
    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, "browser console errors:\n" + "\n".join(errors)


@pytest.fixture
def regions(transactional_db):
    """The administrative divisions for a live-server test: a transactional test's flush empties
    the table the migration filled, so load it again (and clear the lookup cache around it)."""
    from pharmcrm.core import regions as R
    from pharmcrm.core.models import Region
    from pharmcrm.core.regions_load import regions_read, regions_sync

    if not Region.objects.exists():
        regions_sync(Region, regions_read())
    R.regions_cache_clear()
    yield
    R.regions_cache_clear()
