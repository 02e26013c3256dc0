"""Playwright for Python driving Debian's Chromium (Playwright's own browser download does not
work on these machines)."""
import os
import shutil

import pytest

from ..conftest import skip_unless_ci_allows

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told that this is deliberate. The live server runs in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        skip_unless_ci_allows("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_unless_ci_allows("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # Playwright's polling waits (wait_for_function) evaluate their predicate with eval, which
    # the app's Content-Security-Policy forbids; the tests' own scripts are not the page's.
    # tests/browser/test_content_security_policy.py checks the policy with `page_under_csp`.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_under_csp(browser):
    """A desktop page that keeps the Content-Security-Policy the app sends."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def open_screen(page, url):
    """Open a screening page and wait until its card is settled. The page's GET only reads:
    when no record is claimed for me, its card claims the next one by POST as soon as it loads.
    (Locator waits: a wait_for_function string would need the 'unsafe-eval' the page forbids.)"""
    page.goto(url)
    page.locator("#record-card .start-screening").wait_for(state="detached")
    page.locator("#record-card.htmx-added").wait_for(state="detached")
