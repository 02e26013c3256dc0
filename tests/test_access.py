"""Every URL that names a review goes through one access check: outsiders get 404,
reviewers get 403 on lead-only pages."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from screening.access import LEAD_ONLY_ACTIONS, may

pytestmark = pytest.mark.django_db


def review_url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from review_url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and "<int:review_id>" in prefix + str(entry.pattern):
            yield prefix + str(entry.pattern), entry


def fill(route, review):
    """Turn a route like reviews/<int:review_id>/jobs/<int:job_id>/ into a concrete path."""
    import re

    path = route.replace("<int:review_id>", str(review.pk))
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(str|slug):\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


def test_there_are_review_urls_to_walk():
    assert len(list(review_url_patterns())) >= 5


def test_every_review_url_is_wrapped_in_the_access_check():
    unchecked = [route for route, entry in review_url_patterns()
                 if not hasattr(entry.callback, "review_action")]
    assert unchecked == []


def test_an_outsider_gets_404_on_every_review_url(client, review, mallory):
    client.force_login(mallory)
    for route, _ in review_url_patterns():
        for method in (client.get, client.post):
            response = method(fill(route, review))
            assert response.status_code == 404, (route, method.__name__, response.status_code)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, review):
    for route, _ in review_url_patterns():
        response = client.get(fill(route, review))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], route


def test_a_reviewer_gets_403_on_every_lead_only_url(client, review, alice):
    client.force_login(alice)
    lead_only = [(route, entry) for route, entry in review_url_patterns()
                 if entry.callback.review_action in LEAD_ONLY_ACTIONS]
    assert lead_only, "expected some lead-only pages"
    for route, _ in lead_only:
        for method in (client.get, client.post):
            response = method(fill(route, review))
            assert response.status_code == 403, (route, method.__name__, response.status_code)


def test_a_reviewer_is_not_refused_on_member_pages(client, review, alice):
    client.force_login(alice)
    for route, entry in review_url_patterns():
        if entry.callback.review_action not in LEAD_ONLY_ACTIONS:
            response = client.get(fill(route, review))
            assert response.status_code not in (403,), route


def test_a_removed_member_is_an_outsider(client, review, alice):
    from screening.services.reviews import member_remove

    member_remove(membership=review.memberships.get(user=alice))
    client.force_login(alice)
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert may(alice, "view", review) is False


def test_may_answers_per_role(review, carol, alice, mallory):
    assert may(carol, "export", review) is True
    assert may(alice, "screen", review) is True
    assert may(alice, "export", review) is False
    assert may(mallory, "view", review) is False
