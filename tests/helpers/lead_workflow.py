"""A review as a lead meets it half way: every stage walked (tests/helpers/prisma.py), then a
late import with a merge, a pair for the duplicate queue, and one open conflict at each
stage (title/abstract and full text)."""
from django.db import transaction

from screening.models import DuplicateCandidate
from screening.services import fulltext
from screening.services import queue as queue_services
from screening.services.merges import groups_join

from .prisma import add_import, screen_all, walk_review


def build(review, *, alice, bob, carol):
    """Walk `review` through every stage and leave it with open conflicts at both stages;
    return the late records (late[0]: open title/abstract conflict, late[1]: open full-text
    conflict, late[4]: merged into late[3])."""
    walk_review(review, alice=alice, bob=bob, carol=carol)
    late = add_import(review, 5, database="Scopus", label="Scopus late")
    with transaction.atomic():
        groups_join(review=review, record_a=late[3].pk, record_b=late[4].pk, rule="same_doi", decided_by=carol)
    DuplicateCandidate.objects.create(
        review=review, record_a=late[1], record_b=late[2], score=0.82, rule="same_title_year",
        differences=[["doi", late[1].doi, late[2].doi]])
    include, exclude = ("include", ""), ("exclude", "")
    queue_services.record_stages_sync(review=review)
    alice_plan = {late[0].pk: include, late[1].pk: include, late[2].pk: include, late[3].pk: include}
    bob_plan = {**alice_plan, late[0].pk: exclude}
    screen_all(review, "title_abstract", alice, alice_plan)
    screen_all(review, "title_abstract", bob, bob_plan)
    for record in late[1:4]:
        fulltext.report_attach(review=review, record=record, by=alice, url=f"https://example.org/{record.pk}.pdf")
    alice_plan = {late[1].pk: ("exclude", "Wrong population"), late[2].pk: include, late[3].pk: include}
    bob_plan = {**alice_plan, late[1].pk: include}
    screen_all(review, "full_text", alice, alice_plan)
    screen_all(review, "full_text", bob, bob_plan)
    return late
