"""Blinding: until a record is resolved, reviewer B learns nothing about reviewer A's vote on
it from any page, partial, export, count, ordering or timing.

Alice (A) votes with marker strings in her reasons and notes; Bob (B) then walks every URL of
the URL configuration, with every review and record id, as a page and as an htmx partial, and
posts to every screening URL. No marker may appear. Two records with identical content, one
that Alice voted on and one she never saw, must give Bob byte-identical responses (after
replacing the record id and CSRF tokens) with the same number of SQL queries.
"""
import re
from itertools import product

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from screening.models import Decision, Membership, Record, Review
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import fulltext

from .helpers.html import select, text_of
from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db

MARKERS = ("ALICE-REASON-7Q3", "ALICE-NOTE-K9Z")
HTMX = {"HTTP_HX_REQUEST": "true"}


def all_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete_paths(route, review_ids, record_ids):
    """Every concrete path of a route: each review id × each record id; other ids are 1."""
    reviews = review_ids if "<int:review_id>" in route else [None]
    records = record_ids if "<int:record_id>" in route else [None]
    for review_id, record_id in product(reviews, records):
        path = route
        if review_id is not None:
            path = path.replace("<int:review_id>", str(review_id))
        if record_id is not None:
            path = path.replace("<int:record_id>", str(record_id))
        path = re.sub(r"<int:\w+>", "1", path)
        path = re.sub(r"<(str|slug|path):\w+>", "x", path)
        yield "/" + path, record_id


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def scene(review, alice, bob, carol, make_user):
    """Import order, so who gets which record is known. Records 0 and 2 have the same content.
    Alice votes on 0 and 1 (with markers) and never sees 2. Bob votes exclude on 0 (a conflict
    with Alice's include), maybe on 1 (a conflict with Alice's maybe), exclude on 2 (pending:
    Alice has not voted), and holds 3 as his current record."""
    review.order = "import"
    review.save()
    records = make_records(review, 6)
    Record.objects.filter(pk=records[2].pk).update(
        title=records[0].title, abstract=records[0].abstract, authors=records[0].authors,
        journal=records[0].journal, year=records[0].year, doi=records[0].doi, pmid=records[0].pmid)
    other_review_records = make_records(
        Review.objects.create(title="Another review", created_by=carol), 2)
    queue_services.record_stages_sync(review=review)
    for verdict in ("include", "maybe"):
        record, _ = queue_services.screening_next(reviewer=alice, review=review)
        services.decision_record(reviewer=alice, review=review, record=record, verdict=verdict,
                                 reason=MARKERS[0], note=f"{MARKERS[1]} on {record.pk}")
    for verdict in ("exclude", "maybe", "exclude"):
        record, _ = queue_services.screening_next(reviewer=bob, review=review)
        services.decision_record(reviewer=bob, review=review, record=record, verdict=verdict, reason="Wrong population")
    queue_services.screening_next(reviewer=bob, review=review)
    assert set(Decision.objects.filter(reviewer=alice).values_list("record_id", flat=True)) == {records[0].pk,
                                                                                                records[1].pk}
    return {"review": review, "records": records, "other": other_review_records}


@pytest.fixture
def full_text_scene(scene, alice, carol, settings, tmp_path):
    """The scene, plus two reports at full text with identical content (records 4 and 5, which
    the lead included at title/abstract), both with a full text attached. Alice votes include
    on report 4 with a marker note; nobody has voted on report 5."""
    settings.MEDIA_ROOT = tmp_path
    review, records = scene["review"], scene["records"]
    Record.objects.filter(pk=records[5].pk).update(
        title=records[4].title, abstract=records[4].abstract, authors=records[4].authors,
        journal=records[4].journal, year=records[4].year, doi=records[4].doi, pmid=records[4].pmid)
    for record in records[4:6]:
        services.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
        fulltext.report_attach(review=review, record=record, by=carol, url="https://example.org/same.pdf")
    record, _ = queue_services.screening_next(reviewer=alice, review=review, stage="full_text")
    assert record.pk == records[4].pk
    services.decision_record(reviewer=alice, review=review, record=record, stage="full_text", verdict="include",
                             note=f"{MARKERS[1]} full text")
    return scene


def lead_export_paths(review_id):
    """Every export, with concrete formats and subsets (the route walk fills <str:…> with x)."""
    paths = [f"/reviews/{review_id}/exports/records-{subset}.{fmt}"
             for subset in ("all", "included", "excluded", "conflicts") for fmt in ("csv", "ris")]
    paths += [f"/reviews/{review_id}/prisma/diagram.{fmt}" for fmt in ("svg", "png", "pdf", "csv", "json")]
    return paths + [f"/reviews/{review_id}/exports/votes.csv", f"/reviews/{review_id}/exports/agreement.csv",
                    f"/reviews/{review_id}/screening/history.csv"]


def test_bob_never_sees_alices_votes_reasons_or_notes_anywhere(client, full_text_scene, bob):
    scene = full_text_scene
    client.force_login(bob)
    review = scene["review"]
    record_ids = [r.pk for r in scene["records"] + scene["other"]]
    for path in lead_export_paths(review.pk):
        assert client.get(path).status_code == 403, path
    review_ids = [review.pk, scene["other"][0].review_id]
    fetched = 0
    for route, entry in all_routes():
        if isinstance(entry.pattern, RegexPattern) and entry.pattern.regex.groupindex:
            assert route.startswith("admin/"), route  # only the admin uses regex routes; Bob is not staff
            continue
        if route.startswith("accounts/logout"):
            continue
        for path, _ in concrete_paths(route, review_ids, record_ids):
            queries = [""]
            if path.endswith("/screen/mine/"):
                queries += ["?q=ALICE-NOTE", "?q=ALICE-REASON", "?status=open", "?verdict=include", "?verdict=maybe"]
            elif path.endswith("/screen/"):
                queries += [f"?{key}={rid}" for key in ("record", "back", "forward") for rid in record_ids]
            for query in queries:
                for headers in ({}, HTMX):
                    response = client.get(path + query, **headers)
                    fetched += 1
                    content = body(response)
                    for marker in MARKERS:
                        assert marker not in content, (path + query, headers)
    # Posts Bob can make: votes, undo, and everything a lead could (refused).
    for route, _entry in all_routes():
        if not route.startswith("reviews/"):
            continue
        for path, _ in concrete_paths(route, review_ids, record_ids):
            for headers in ({}, HTMX):
                content = body(client.post(path, {"verdict": "", "reason": "", "note": ""}, **headers))
                for marker in MARKERS:
                    assert marker not in content, path
    assert fetched > 100


def difference(first, second):
    import difflib

    return "\n".join(difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="", n=0))


def normalise(html, record_id):
    html = re.sub(r"[A-Za-z0-9]{64}", "CSRF", html)
    # Only where a record id is written (ids can be small numbers like a reason's data-key).
    return re.sub(rf'(data-record-id="|/records/|[?&](?:record|back|forward)=){record_id}(?=[/"&])',
                  r"\1RECORD", html)


def test_a_record_alice_voted_on_and_one_she_never_saw_look_the_same_to_bob(client, scene, bob):
    client.force_login(bob)
    review = scene["review"]
    voted, unseen = scene["records"][0], scene["records"][2]
    compared = 0
    for route, _ in all_routes():
        if "<int:record_id>" not in route:
            continue
        path = "/" + route.replace("<int:review_id>", str(review.pk))
        for method, headers in product(("get", "post"), ({}, HTMX)):
            seen = []
            for record in (voted, unseen):
                cache.clear()  # the cached counts would otherwise be fetched only the first time
                with CaptureQueriesContext(connection) as queries:
                    response = getattr(client, method)(path.replace("<int:record_id>", str(record.pk)), **headers)
                seen.append((response.status_code, normalise(body(response), record.pk), len(queries)))
                client.get("/")  # shows (and so clears) any flash message the request left
            assert seen[0] == seen[1], (route, method, headers, difference(seen[0][1], seen[1][1]))
            compared += 1
    # The record card itself, as a page and as a partial.
    for headers in ({}, HTMX):
        seen = []
        for record in (voted, unseen):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/reviews/{review.pk}/screen/?record={record.pk}", **headers)
            seen.append((response.status_code, normalise(body(response), record.pk), len(queries)))
        assert seen[0][0] == 200
        assert seen[0] == seen[1], (headers, difference(seen[0][1], seen[1][1]))
        compared += 1
    assert compared >= 8


def test_notices_and_the_retracted_flag_look_the_same_to_bob_whether_alice_voted_or_not(client, scene, bob):
    """The card's "1 erratum" and "Retracted" come from the records, never from the votes."""
    from screening.models import NoticeLink, Review

    review = scene["review"]
    voted, unseen = scene["records"][0], scene["records"][2]
    errata = make_records(review, 2, database="Embase")
    for erratum, article in zip(errata, (voted, unseen)):
        Record.objects.filter(pk=erratum.pk).update(title=f"Erratum: {article.title}", notice_of=article)
        NoticeLink.objects.create(review=review, notice=erratum, article=article, kind="erratum",
                                  evidence=["title starts 'Erratum'"])
    Record.objects.filter(pk__in=[voted.pk, unseen.pk]).update(retracted=True)
    Review.objects.filter(pk=review.pk).update(has_notices=True)
    client.force_login(bob)
    for headers in ({}, HTMX):
        seen = []
        for record in (voted, unseen):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/reviews/{review.pk}/screen/?record={record.pk}", **headers)
            seen.append((response.status_code, normalise(body(response), record.pk), len(queries)))
        assert seen[0][0] == 200
        assert "1 erratum" in seen[0][1] and ">Retracted<" in seen[0][1]
        assert seen[0] == seen[1], (headers, difference(seen[0][1], seen[1][1]))


def test_a_conflict_shows_as_open_to_bob_exactly_like_a_record_awaiting_alice(client, scene, bob):
    client.force_login(bob)
    html = client.get(f"/reviews/{scene['review'].pk}/screen/mine/").content.decode()
    cells = [cell.text for cell in select(html, "tbody td")]
    assert cells.count("Open") == 3 and "Resolved" not in text_of(html, "tbody")


def test_the_queue_order_does_not_depend_on_other_reviewers_votes(review, alice, bob):
    """With as many reviewers as votes per record, Bob's order is the same whether Alice has
    voted on everything or on nothing."""
    make_records(review, 8)
    queue_services.record_stages_sync(review=review)

    def bob_order():
        order = []
        while (pair := queue_services.screening_next(reviewer=bob, review=review))[0]:
            order.append(pair[0].pk)
            services.decision_record(reviewer=bob, review=review, record=pair[0], verdict="exclude")
        return order

    from django.db import transaction

    with transaction.atomic():
        alone = bob_order()
        transaction.set_rollback(True)
    while (pair := queue_services.screening_next(reviewer=alice, review=review))[0]:
        services.decision_record(reviewer=alice, review=review, record=pair[0], verdict="include")
    assert bob_order() == alone


def test_a_report_alice_voted_on_at_full_text_and_one_nobody_saw_look_the_same_to_bob(client, full_text_scene, bob):
    client.force_login(bob)
    review = full_text_scene["review"]
    voted, unseen = full_text_scene["records"][4], full_text_scene["records"][5]
    compared = 0
    for route, _ in all_routes():
        if "<int:record_id>" not in route:
            continue
        path = "/" + route.replace("<int:review_id>", str(review.pk))
        for method, headers in product(("get", "post"), ({}, HTMX)):
            seen = []
            for record in (voted, unseen):
                cache.clear()
                with CaptureQueriesContext(connection) as queries:
                    response = getattr(client, method)(path.replace("<int:record_id>", str(record.pk)), **headers)
                seen.append((response.status_code, normalise(body(response), record.pk), len(queries)))
                client.get("/")
            assert seen[0] == seen[1], (route, method, headers, difference(seen[0][1], seen[1][1]))
            compared += 1
    assert compared >= 8
    # Bob's full-text queue gives him either report, and his card shows nothing of Alice's vote.
    html = open_screen(client, review, "full_text").content.decode()
    assert voted.title in html and MARKERS[1] not in html


def test_the_lead_exports_no_vote_whose_blinding_is_not_over(client, full_text_scene, carol):
    """Alice's votes are on records in conflict or awaiting Bob: the lead sees them on the
    pages, but no export file carries them, the decision history included (one rule for every
    file: it may be passed on)."""
    client.force_login(carol)
    review = full_text_scene["review"]
    for path in lead_export_paths(review.pk):
        content = client.get(path).getvalue() if not path.endswith((".png", ".pdf")) else b""
        for marker in MARKERS:
            assert marker.encode() not in content, path


def test_a_vote_on_a_record_bob_does_not_hold_answers_the_same_whether_alice_voted_or_not(client, review, alice,
                                                                                          bob, make_user):
    """The answer to a vote on a card that is no longer Bob's (it passed to another reviewer)
    is his next card with a notice, the same for a record Alice voted on (still awaiting a
    second vote) as for one nobody saw, with the same queries."""
    review.order = "import"
    review.save()
    dana = make_user("dana")
    Membership.objects.create(review=review, user=dana, role="reviewer")
    records = make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    voted, _ = queue_services.screening_next(reviewer=alice, review=review)
    services.decision_record(reviewer=alice, review=review, record=voted, verdict="include",
                             reason=MARKERS[0], note=MARKERS[1])
    assert queue_services.screening_next(reviewer=dana, review=review)[0] == voted
    held, _ = queue_services.screening_next(reviewer=bob, review=review)
    unseen = records[2]
    assert voted.pk == records[0].pk and held.pk == records[1].pk
    client.force_login(bob)
    seen = []
    for record in (voted, unseen):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/reviews/{review.pk}/screen/records/{record.pk}/decide/", {"verdict": "include"},
                                   **HTMX)
        seen.append((response.status_code, normalise(body(response), record.pk), len(queries)))
    assert seen[0][0] == 200 and "Your vote was not recorded" in seen[0][1]
    assert MARKERS[0] not in seen[0][1] and MARKERS[1] not in seen[0][1]
    assert seen[0] == seen[1], difference(seen[0][1], seen[1][1])


# --- The vote-change probe ---------------------------------------------------------------
# Bob votes on a record, then changes his vote (or takes it back and votes again) to learn
# Alice's: had the change resolved the record by agreement, his card would say so. A change
# made once every vote is in leaves the record a conflict for the lead, so what Bob sees
# afterwards is the same whether Alice agreed with his new vote, disagreed, or has not voted.

PROBES = {
    # name: (stage, Bob's first vote, Bob's changed vote, Alice's vote that disagrees with it)
    "maybe, then exclude": ("title_abstract", ("maybe", ""), ("exclude", "Wrong population"), ("include", "")),
    "include, then exclude": ("title_abstract", ("include", ""), ("exclude", ""), ("maybe", "")),
    "full text: maybe, then include": ("full_text", ("maybe", ""), ("include", ""), ("exclude", "Wrong outcome")),
    "full text: another exclusion reason": ("full_text", ("exclude", "Wrong population"),
                                            ("exclude", "Wrong outcome"), ("include", "")),
}


def normalise_page(html):
    """Replace what differs between two identical requests made moments apart."""
    html = re.sub(r"[A-Za-z0-9]{64}", "CSRF", html)
    return re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(\+\d\d:\d\d|Z)?", "TIME", html)


@pytest.fixture
def probed(review, alice, bob, carol, settings, tmp_path):
    """Return probe(stage): the record Alice and Bob both hold at `stage`, neither having
    voted (at full text, a report the lead included at title/abstract, its full text
    attached)."""
    settings.MEDIA_ROOT = tmp_path
    review.order = "import"
    review.save()
    records = make_records(review, 3)
    queue_services.record_stages_sync(review=review)

    def probe(stage):
        if stage == "full_text":
            services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="include")
            fulltext.report_attach(review=review, record=records[0], by=carol, url="https://example.org/a.pdf")
        for user in (alice, bob):
            assert queue_services.screening_next(reviewer=user, review=review, stage=stage)[0] == records[0]
        return records[0]

    return probe


def what_bob_sees_after(client, review, record, stage, change, *, undo_first):
    """Bob's change (after an undo, when `undo_first`), then every page he can reach about it:
    each response's status, normalised body and number of SQL queries."""
    prefix = f"/reviews/{review.pk}/fulltext" if stage == "full_text" else f"/reviews/{review.pk}"
    requests = []
    if undo_first:
        requests.append(("post", f"{prefix}/screen/undo/", {}, HTMX))
    requests += [("post", f"{prefix}/screen/records/{record.pk}/decide/",
                  {"verdict": change[0], "reason": change[1], "note": ""}, HTMX),
                 ("post", f"{prefix}/screen/", {}, HTMX)]  # the claim of the next record
    for path in (f"{prefix}/screen/?record={record.pk}", f"{prefix}/screen/", f"{prefix}/screen/mine/",
                 f"{prefix}/screen/mine/?status=open", f"{prefix}/screen/mine/?status=resolved"):
        requests += [("get", path, {}, {}), ("get", path, {}, HTMX)]
    for path in (f"/reviews/{review.pk}/", f"/reviews/{review.pk}/screening/progress/",
                 f"/reviews/{review.pk}/fulltext/", *lead_export_paths(review.pk)):
        requests.append(("get", path, {}, {}))
    seen = []
    for method, path, data, headers in requests:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, data, **headers)
        seen.append((path, response.status_code, normalise_page(body(response)), len(queries)))
        client.get("/")  # shows (and so clears) any flash message the request left
    return seen


@pytest.mark.parametrize("undo_first", [False, True], ids=["change", "undo and vote again"])
@pytest.mark.parametrize("name", PROBES)
def test_changing_a_vote_tells_bob_nothing_about_alices(client, probed, review, alice, bob, carol, name, undo_first):
    from django.db import transaction

    stage, first, change, disagreeing = PROBES[name]
    record = probed(stage)
    services.decision_record(reviewer=bob, review=review, record=record, stage=stage, verdict=first[0],
                             reason=first[1])
    client.force_login(bob)
    worlds = {"Alice agreed": change, "Alice disagreed": disagreeing, "Alice has not voted": None}
    seen, outcomes = {}, {}
    for world, alices_vote in worlds.items():
        with transaction.atomic():
            if alices_vote is not None:
                services.decision_record(reviewer=alice, review=review, record=record, stage=stage,
                                         verdict=alices_vote[0], reason=alices_vote[1], note=MARKERS[1])
            seen[world] = what_bob_sees_after(client, review, record, stage, change, undo_first=undo_first)
            outcomes[world] = services.RecordStage.objects.get(record=record, stage=stage).outcome
            transaction.set_rollback(True)
    reference = seen["Alice has not voted"]
    assert reference[0][1] == 200 and "Open: you can change it" in reference[3 if undo_first else 2][2]
    for world in ("Alice agreed", "Alice disagreed"):
        for mine, theirs in zip(seen[world], reference):
            if mine != theirs:
                pytest.fail(f"{world}: {mine[0]} gives status {mine[1]} and {mine[3]} queries, "
                            f"against {theirs[1]} and {theirs[3]}:\n{difference(mine[2], theirs[2])}")
    # Once every vote is in, the change leaves the record to the lead, even when it now agrees.
    assert outcomes == {"Alice agreed": "conflict", "Alice disagreed": "conflict", "Alice has not voted": "pending"}


def test_the_second_look_and_keeping_a_record_excluded_tell_the_lead_nothing_of_open_votes(
        client, review, alice, carol, settings, tmp_path):
    """The second look is ranked from resolved outcomes only: Alice's vote on a record nobody has
    resolved leaves the ranking fresh and the page unchanged, and trying to keep that record
    excluded is refused in words identical to those for a record nobody saw."""
    from django.urls import reverse

    from screening.models import Job
    from screening.selectors import stopping as stopping_selectors
    from screening.services import jobs, priority

    settings.MEDIA_ROOT = tmp_path
    priority._IN_MEMORY.clear()
    review.order = "import"
    review.save()
    records = make_records(review, 8)
    queue_services.record_stages_sync(review=review)
    for i, record in enumerate(records[:5]):
        verdict = "include" if i in (0, 4) else "exclude"
        services.outcome_resolve(lead=carol, review=review, record=record, verdict=verdict)
    client.force_login(carol)
    client.post(reverse("second_look_rank", args=[review.pk]))
    jobs.job_run(job_id=Job.objects.get(review=review, kind="second_look").pk)

    def page():
        html = client.get(reverse("second_look", args=[review.pk])).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", html)

    def digest():
        return stopping_selectors.second_look_digest(review, stopping_selectors.second_look_resolved(review))

    before, digest_before = page(), digest()
    voted, _ = queue_services.screening_next(reviewer=alice, review=review)
    services.decision_record(reviewer=alice, review=review, record=voted, verdict="exclude", reason=MARKERS[0])
    assert voted == records[5]
    assert page() == before and "as they are now" in before
    assert digest() == digest_before
    refusals = []
    for record in (records[5], records[6]):  # Alice voted exclude; nobody saw it
        response = client.post(reverse("second_look_keep", args=[review.pk, record.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        refusals.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()))
    assert refusals[0] == refusals[1] and MARKERS[0] not in refusals[0]
