"""Chromium loads the app's pages under its Content-Security-Policy and reports no violation:
every script and style is a file of this origin, htmx included."""
import pytest

from ..conftest import password_of
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "{review}/", "{review}/settings/", "{review}/members/", "{review}/imports/", "{review}/pubmed/",
         "{review}/screen/", "{review}/screen/mine/", "{review}/screening/conflicts/", "{review}/screening/records/",
         "{review}/screening/pilot/", "{review}/duplicates/", "{review}/duplicates/queue/",
         "{review}/duplicates/merges/", "{review}/records/removal/", "{review}/fulltext/", "{review}/studies/",
         "{review}/prisma/", "{review}/exports/"]


def test_the_main_pages_load_without_a_content_security_policy_violation(page_under_csp, live_server, review, carol):
    page = page_under_csp
    from screening.services import queue as queue_services

    make_records(review, 5)
    queue_services.record_stages_sync(review=review)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) => console.error("
                         "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    sign_in(page, live_server, "carol", password_of(carol))
    for path in PAGES:
        url = live_server.url + path.format(review=f"/reviews/{review.pk}")
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    # An htmx request and swap under the policy: a vote, then the next card.
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    page.get_by_role("button", name="Include").first.click()
    page.wait_for_load_state("networkidle")
    assert violations == []
    # A page that tries inline script is refused and reported: the check can see violations.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert violations and all("script-src" in text for text in violations), violations
