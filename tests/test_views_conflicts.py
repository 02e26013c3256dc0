"""One Conflicts page for both stages, and counts that agree wherever they are shown."""

import pytest
from django.urls import reverse

from screening.models import RecordStage

from .helpers.conflicts import conflicts_at_both_stages
from .helpers.html import select, text_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scene(review, alice, bob, carol):
    return conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)


def conflicts_url(review, stage=""):
    return reverse("conflicts", args=[review.pk]) + (f"?stage={stage}" if stage else "")


def test_one_page_lists_the_open_conflicts_of_both_stages(client, review, scene, carol):
    ta_conflict, ft_conflict, _ = scene
    client.force_login(carol)
    html = client.get(conflicts_url(review)).content.decode()
    assert "2 open conflicts." in html
    assert "All stages (2)" in html and "Title and abstract (1)" in html and "Full text (1)" in html
    # Title and abstract first; the full-text one listed with its stage and its own page.
    assert ta_conflict.title in text_of(html, "#record-title")
    assert reverse("fulltext_lead_record", args=[review.pk, ft_conflict.pk]) in html
    assert reverse("lead_record", args=[review.pk, ta_conflict.pk]) in html


def test_each_stage_narrows_the_queue(client, review, scene, carol):
    ta_conflict, ft_conflict, _ = scene
    client.force_login(carol)
    full_text = client.get(conflicts_url(review, "full_text")).content.decode()
    assert "1 open conflict at full text." in full_text
    assert ft_conflict.title in full_text and ta_conflict.title not in full_text
    assert reverse("fulltext_resolve", args=[review.pk, ft_conflict.pk]) in full_text
    # The full-text URL is the same page, narrowed.
    assert client.get(reverse("fulltext_conflicts", args=[review.pk])).content.decode().count(
        "1 open conflict at full text.") == 1
    title_abstract = client.get(conflicts_url(review, "title_abstract")).content.decode()
    assert ta_conflict.title in title_abstract and ft_conflict.title not in title_abstract


def test_the_dashboard_the_page_and_the_navigation_count_the_same_conflicts(client, review, scene, carol):
    client.force_login(carol)
    dashboard = client.get(reverse("review_dashboard", args=[review.pk])).content.decode()
    page = client.get(conflicts_url(review)).content.decode()
    counts = RecordStage.objects.open_conflict_counts(review)
    assert counts == {"title_abstract": 1, "full_text": 1}
    # One link per stage section, each to the page narrowed to its stage.
    links = [(link.get("href"), link.text) for link in select(dashboard, "a") if link.text.endswith("open conflict")]
    assert links == [(conflicts_url(review, "title_abstract"), "1 open conflict"),
                     (conflicts_url(review, "full_text"), "1 open conflict")]
    assert "2 open conflicts." in page
    for html in (dashboard, page):
        assert text_of(html, 'header span.count[title="Open conflicts"]') == "2"


def test_resolving_the_last_conflict_of_a_stage_shows_the_next_one_from_the_other_stage(
        client, review, scene, carol):
    ta_conflict, ft_conflict, _ = scene
    client.force_login(carol)
    response = client.post(reverse("resolve", args=[review.pk, ta_conflict.pk]),
                           {"verdict": "include", "queue_stage": ""}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "1 open conflict." in html
    assert ft_conflict.title in text_of(html, "#record-title")
    assert "included." in html  # the confirmation, inside the swapped card


def test_a_full_text_conflict_excluded_without_a_reason_is_refused_with_the_field_marked(
        client, review, scene, carol):
    _, ft_conflict, _ = scene
    client.force_login(carol)
    url = reverse("fulltext_resolve", args=[review.pk, ft_conflict.pk])
    for headers in (HTMX, {}):  # with htmx and without
        response = client.post(url, {"verdict": "exclude", "reason": "  "}, **headers)
        html = response.content.decode()
        assert response.status_code == 422
        assert 'aria-invalid="true"' in html and 'id="resolve-reason-error"' in html
        assert "Choose a reason to exclude" in html
        assert ft_conflict.title in html
    assert RecordStage.objects.get(record=ft_conflict, stage="full_text").outcome == "conflict"


def test_a_reason_not_on_the_review_list_is_refused_with_the_list_offered(client, review, scene, carol):
    _, ft_conflict, _ = scene
    client.force_login(carol)
    response = client.post(reverse("fulltext_resolve", args=[review.pk, ft_conflict.pk]),
                           {"verdict": "exclude", "reason": "Too short", "then": "record"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "is not one of this review" in html and '<option value="Wrong population"' in html


def test_no_open_conflict_says_so_for_the_stage_asked(client, review, carol, alice, bob):
    client.force_login(carol)
    html = client.get(conflicts_url(review, "full_text")).content.decode()
    assert "No open conflicts" in html and "Every conflict at full text is resolved." in html
