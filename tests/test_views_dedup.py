"""The duplicates pages: overview, the queue by htmx, bulk accept, undo, settings."""
import pytest

from screening.models import DuplicateCandidate, Merge, Record
from screening.services import dedup, merges

from .test_services_dedup import two_databases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deduplicated(review, two_databases):  # noqa: F811
    dedup.dedup_review(review=review)
    return review


def test_the_overview_shows_counts_per_database_and_the_overlap(client, carol, deduplicated):
    client.force_login(carol)
    page = client.get(f"/reviews/{deduplicated.pk}/duplicates/").content.decode()
    assert 'id="duplicates-removed">1<' in page
    flat = page.replace("\n", "").replace("        ", "")
    assert "<th scope=\"row\">Embase</th><td class=\"num\" data-label=\"Imported\">3</td>" in flat
    assert 'id="overlap"' in page and "Check 1 pair" in page


def test_the_dashboard_says_how_many_duplicates_were_removed(client, alice, deduplicated):
    client.force_login(alice)
    page = client.get(f"/reviews/{deduplicated.pk}/").content.decode()
    assert "<strong>1</strong> duplicate removed" in page
    assert "Check 1 pair" not in page  # the queue is for leads


def test_the_queue_shows_the_pair_side_by_side_with_the_differing_words_marked(client, carol, deduplicated):
    client.force_login(carol)
    page = client.get(f"/reviews/{deduplicated.pk}/duplicates/queue/").content.decode()
    assert "<mark>randomized</mark>" in page and "<mark>randomised</mark>" in page
    assert 'data-key="s"' in page and 'data-key="k n"' in page
    assert "1 pair left." in page


def test_deciding_by_htmx_returns_the_next_card(client, carol, deduplicated):
    client.force_login(carol)
    candidate = DuplicateCandidate.objects.get()
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/queue/{candidate.pk}/decide/",
                           {"verdict": "same"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Merged: the same work." in body and "No pairs left to check." in body
    assert Merge.objects.filter(automatic=False, decided_by=carol).count() == 1


def test_a_double_submit_decides_once(client, carol, deduplicated):
    client.force_login(carol)
    candidate = DuplicateCandidate.objects.get()
    url = f"/reviews/{deduplicated.pk}/duplicates/queue/{candidate.pk}/decide/"
    client.post(url, {"verdict": "different"})
    response = client.post(url, {"verdict": "same"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "different" and Merge.objects.filter(automatic=False).count() == 0


def test_an_unknown_verdict_is_refused(client, carol, deduplicated):
    client.force_login(carol)
    candidate = DuplicateCandidate.objects.get()
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/queue/{candidate.pk}/decide/", {"verdict": "maybe"})
    assert response.status_code == 400


def test_bulk_accept_merges_pairs_above_the_score(client, carol, deduplicated):
    client.force_login(carol)
    candidate = DuplicateCandidate.objects.get()
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/queue/accept-above/",
                           {"min_score": "0.8", "candidate": [candidate.pk]}, follow=True)
    assert "1 pair scoring 0.80 or more merged" in response.content.decode()
    assert DuplicateCandidate.objects.get().status == "same"


def test_bulk_accept_refuses_a_score_outside_0_to_1(client, carol, deduplicated):
    client.force_login(carol)
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/queue/accept-above/", {"min_score": "5"},
                           follow=True)
    assert "between 0 and 1" in response.content.decode()
    assert DuplicateCandidate.objects.get().status == "pending"


def test_the_merge_list_offers_undo_and_undo_restores_the_record(client, carol, deduplicated):
    client.force_login(carol)
    merge = Merge.objects.get()
    page = client.get(f"/reviews/{deduplicated.pk}/duplicates/merges/").content.decode()
    assert "Same page range, volume and year, and a similar title" in page
    assert "same_pages_volume_year" not in page.replace('value="same_pages_volume_year"', "")
    assert "Filled into the kept record: doi" in page
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/merges/{merge.pk}/undo/", follow=True)
    assert "is a record of its own again" in response.content.decode()
    assert Record.objects.get(pk=merge.record_id).duplicate_of is None
    undone = client.get(f"/reviews/{deduplicated.pk}/duplicates/merges/?show=undone").content.decode()
    assert "Undone by Carol Lead" in undone


def test_look_for_duplicates_now_starts_a_job(client, carol, deduplicated, django_capture_on_commit_callbacks):
    client.force_login(carol)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/reviews/{deduplicated.pk}/duplicates/run/", {"everything": "on"})
    job = deduplicated.jobs.get(kind="dedup")
    assert response["Location"] == f"/reviews/{deduplicated.pk}/jobs/{job.pk}/"
    assert not deduplicated.imports.filter(deduplicated_at__isnull=False).exists()


def test_the_settings_form_saves_the_database_preference(client, carol, review):
    client.force_login(carol)
    page = client.get(f"/reviews/{review.pk}/settings/").content.decode()
    assert "Preferred databases for duplicates" in page
    data = {"title": review.title, "reviewers_per_record": 2, "order": review.order,
            "database_preference_text": "MEDLINE\n Embase \n\nMEDLINE\n"}
    client.post(f"/reviews/{review.pk}/settings/", data)
    review.refresh_from_db()
    assert review.database_preference == ["MEDLINE", "Embase"]


def test_the_merge_list_filters_by_reason_and_by_who_merged(client, carol, deduplicated):
    client.force_login(carol)
    candidate = DuplicateCandidate.objects.get()
    merges.candidate_decide(candidate=candidate, verdict="same", decided_by=carol)
    url = f"/reviews/{deduplicated.pk}/duplicates/merges/"
    everything = client.get(url).content.decode()
    assert everything.count('class="card merge"') == 2
    assert '<option value="similar_title" >Similar title</option>' in everything
    by_person = client.get(url, {"who": "person"}).content.decode()
    assert by_person.count('class="card merge"') == 1 and "By Carol Lead" in by_person
    automatic = client.get(url, {"who": "automatic"}).content.decode()
    assert automatic.count('class="card merge"') == 1 and "Automatically" in automatic
    same_place = client.get(url, {"reason": "same_pages_volume_year"}).content.decode()
    assert same_place.count('class="card merge"') == 1 and "Same page range" in same_place


def test_the_merge_list_shows_twenty_merges_a_page(client, carol, deduplicated):
    from screening.views.dedup import MERGES_PER_PAGE

    merge = Merge.objects.get()
    others = list(Record.objects.filter(review=deduplicated, duplicate_of__isnull=True)
                  .exclude(pk=merge.primary_id))
    # Undone merges are history rows too: enough of them to need a second page.
    Merge.objects.bulk_create([
        Merge(review=deduplicated, record=others[i % len(others)], primary_id=merge.primary_id, rule="lead",
              automatic=False, decided_by=carol, undone_at=merge.created_at, undone_by=carol)
        for i in range(MERGES_PER_PAGE + 3)])
    client.force_login(carol)
    first = client.get(f"/reviews/{deduplicated.pk}/duplicates/merges/", {"show": "all"}).content.decode()
    assert MERGES_PER_PAGE == 20 and first.count('class="card merge"') == 20
    assert "Page 1 of 2" in first and "show=all&amp;page=2" in first
    second = client.get(f"/reviews/{deduplicated.pk}/duplicates/merges/", {"show": "all", "page": 2}).content.decode()
    assert second.count('class="card merge"') == 4
