"""The screening card in priority order: relevance, words and estimates labelled as estimates;
the decide + next request's fixed query budget, with and without a retrain request; the lead's
settings."""
import pytest
from django.urls import reverse

from screening.models import PriorityRank, PriorityRanking, Review
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import priority

from .helpers.html import attribute
from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    priority._IN_MEMORY.clear()


@pytest.fixture
def records(review):
    review.order = "priority"
    review.save()
    records = make_records(review, 30)
    queue_services.record_stages_sync(review=review)
    return records


def eligible(title):
    return "glasses" in title.lower() or "amber" in title.lower()


def current_record_id(response):
    return int(attribute(response, "#record-card", "data-record-id"))


def decide(client, review, record_id, verdict):
    return client.post(reverse("decide", args=[review.pk, record_id]), {"verdict": verdict}, **HTMX)


def screen_until_trained(client, review, sent, capture):
    """Vote by title until a retrain is requested, run it, and return the next card."""
    response = open_screen(client, review)
    while not sent:
        title = services.Record.objects.get(pk=current_record_id(response)).title
        with capture(execute=True):
            response = decide(client, review, current_record_id(response),
                              "include" if eligible(title) else "exclude")
    from screening.services import jobs

    jobs.job_run(job_id=sent[-1])
    record_id = current_record_id(response)
    title = services.Record.objects.get(pk=record_id).title
    return decide(client, review, record_id, "include" if eligible(title) else "exclude")


def test_the_card_says_priority_waits_for_an_include_and_an_exclude(client, review, records, alice, sent,
                                                                    django_capture_on_commit_callbacks):
    client.force_login(alice)
    html = open_screen(client, review).content.decode()
    assert "Priority order starts once you have made 1 include (or maybe) and 1 exclude" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, review, current_record_id(open_screen(client, review)),
                          "exclude")
    assert sent == [] and "random order" in response.content.decode()


def test_after_a_retrain_the_card_shows_relevance_words_and_estimates_as_estimates(
        client, review, records, alice, sent, django_capture_on_commit_callbacks):
    client.force_login(alice)
    response = screen_until_trained(client, review, sent, django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert "Predicted relevance (estimate)" in html
    assert "ranked " in html and "words that raised it" in html
    # The best-ranked record Alice has not voted on (the record she held while the ranking was
    # trained may have been ranked first, depending on record ids).
    served = current_record_id(response)
    voted = services.Decision.objects.filter(reviewer=alice).exclude(record_id=served).values("record_id")
    best = PriorityRank.objects.filter(ranking__reviewer=alice).exclude(record_id__in=voted).order_by("position")
    assert best.first().record_id == served
    assert "Estimated includes left among your" in html and "an estimate that tends to run high" in html
    assert "Stopping hint (an estimate" in html
    assert "Your ranking learned from your" in html

    review.priority_show_estimates = False
    review.save()
    html = open_screen(client, review).content.decode()
    assert "Predicted relevance" not in html and "Estimated includes" not in html
    assert "Your ranking learned from your" in html


def test_decide_and_next_in_priority_order_runs_a_fixed_number_of_queries(
        client, review, records, alice, sent, django_assert_num_queries, django_capture_on_commit_callbacks):
    client.force_login(alice)
    response = screen_until_trained(client, review, sent, django_capture_on_commit_callbacks)
    queue_services.records_in_stage_count(review)  # cached for a minute, as in production
    ranking = PriorityRanking.objects.get(reviewer=alice)
    # As in random order (test_views_screening), with: 4 my ranking row (before the
    # transaction); the claim walks my ranking (index priorityrank_walk) in the same statement
    # that random order uses for its walk, and brings the record's score and words; the vote's
    # count of my decisions is by verdict (the cold-start check needs it), and the retrain
    # check compares it with the ranking row: no query while no retrain is due.
    with django_assert_num_queries(10):
        response = decide(client, review, current_record_id(response), "exclude")
    assert "Predicted relevance" in response.content.decode()
    # When a retrain is due (every 10th decision): 11 savepoint (BEGIN in production),
    # 12 conditional UPDATE of my ranking row, 13 INSERT the job, 14 note it on the row,
    # 15 release savepoint (COMMIT); the job is enqueued after the commit, nobody waits for it.
    while ranking.requested_at_decisions + review.priority_retrain_every > alice_decided(alice) + 1:
        response = decide(client, review, current_record_id(response), "exclude")
    before = len(sent)
    with django_assert_num_queries(15):
        with django_capture_on_commit_callbacks(execute=True):
            decide(client, review, current_record_id(response), "exclude")
    assert len(sent) == before + 1


def alice_decided(alice):
    return services.Decision.objects.filter(reviewer=alice, verdict__isnull=False).count()


def test_random_order_keeps_its_query_budget_and_shows_no_ranking(client, review, records, alice,
                                                                 django_assert_num_queries):
    review.order = "random"
    review.save()
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    queue_services.records_in_stage_count(review)
    with django_assert_num_queries(9):
        response = decide(client, review, first, "include")
    assert "Priority order" not in response.content.decode()
    assert not PriorityRanking.objects.exists()


def test_the_lead_switches_a_review_to_priority_order_with_its_settings(client, review, carol):
    client.force_login(carol)
    html = client.get(reverse("review_settings", args=[review.pk])).content.decode()
    for label in ("Priority (predicted relevance)", "Retrain the ranking after every", "Includes before ranking",
                  "Excludes before ranking", "Show relevance estimates"):
        assert label in html
    form = {"title": review.title, "reviewers_per_record": 2, "blind": "on", "order": "priority",
            "priority_retrain_every": 5, "priority_min_includes": 2, "priority_min_excludes": 3}
    response = client.post(reverse("review_settings", args=[review.pk]), form)
    assert response.status_code == 302
    review = Review.objects.get(pk=review.pk)
    assert (review.order, review.priority_retrain_every, review.priority_min_includes,
            review.priority_min_excludes, review.priority_show_estimates) == ("priority", 5, 2, 3, False)


def test_priority_numbers_left_out_keep_their_value_and_zero_is_refused(client, review, carol):
    client.force_login(carol)
    form = {"title": review.title, "reviewers_per_record": 2, "blind": "on", "order": "priority"}
    assert client.post(reverse("review_settings", args=[review.pk]), form).status_code == 302
    assert Review.objects.get(pk=review.pk).priority_retrain_every == 10
    response = client.post(reverse("review_settings", args=[review.pk]), {**form, "priority_retrain_every": 0})
    assert response.status_code == 200 and "greater than or equal to 1" in response.content.decode()
    assert Review.objects.get(pk=review.pk).priority_retrain_every == 10
