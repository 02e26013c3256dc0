"""The engine as the app calls it: groups, review pairs, incremental runs, output files."""
import io
import random
from dataclasses import replace

import pytest

from screening.dedup import (
    DedupRecord,
    choose_primary,
    fill_missing,
    find_duplicates,
    write_clusters_csv,
    write_maybe_pairs_csv,
)

PAPER = DedupRecord(
    id="r1",
    title="Intestinal lipoprotein overproduction in insulin-resistant states",
    authors=("Adeli K", "Lewis G. F."),
    year=2008,
    journal="Curr Opin Lipidol",
    volume="19",
    issue="3",
    pages="221-8",
    doi="10.1097/MOL.0b013e3282ffaf82",
    database="MEDLINE",
)
COPY = replace(PAPER, id="r2", pages="221-228", doi="http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82",
               journal="Current opinion in lipidology", abstract="Excessive postprandial lipemia...",
               database="Embase")
OTHER = DedupRecord(id="r3", title="Linagliptin and cognitive impairment in obese mice",
                    authors=("Kim S",), year=2015, journal="Diabetologia", pages="S394")
ERRATUM = replace(PAPER, id="r4", title="Erratum: " + PAPER.title, pages="400", doi="", issue="4")


def test_it_groups_duplicates_and_says_why():
    result = find_duplicates([PAPER, COPY, OTHER])
    assert [g.ids for g in result.groups] == [("r1", "r2")]
    reason = result.groups[0].pairs[0].reasons[0]
    assert reason.rule == "same_pages_volume_year"
    assert dict(reason.scores)["title"] == 1.0


def test_it_links_an_erratum_to_its_article_instead_of_merging_or_queueing_it():
    result = find_duplicates([PAPER, ERRATUM])
    assert result.groups == [] and result.maybe_pairs == []
    [link] = result.notices
    assert (link.notice_id, link.article_id, link.kind) == ("r4", "r1", "erratum")
    assert link.evidence == ("title starts 'Erratum'", "carries its title")


def test_it_sends_an_erratum_without_a_reference_to_review():
    # A title this short names no single work, so the erratum's title is no reference.
    short = replace(PAPER, title="Lipids in mice")
    result = find_duplicates([short, replace(ERRATUM, title="Erratum: Lipids in mice")])
    assert result.groups == [] and result.notices == []
    assert [(p.id_a, p.id_b) for p in result.maybe_pairs] == [("r1", "r4")]
    assert result.maybe_pairs[0].reasons[0].rule.startswith("veto_kind")


def test_maybe_pairs_list_the_fields_that_differ():
    other_year = replace(COPY, id="r5", year=2011, doi="")
    result = find_duplicates([PAPER, other_year])
    differences = {name: (a, b) for name, a, b in result.maybe_pairs[0].differences}
    assert differences["year"] == ("2008", "2011")
    assert "title" not in differences


def test_it_gives_the_same_result_in_any_input_order():
    records = [PAPER, COPY, OTHER, ERRATUM, replace(COPY, id="r6", doi="")]
    expected = find_duplicates(records)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert find_duplicates(shuffled) == expected


def test_it_compares_only_pairs_with_a_new_record():
    old = [replace(PAPER, is_new=False), replace(COPY, is_new=False)]
    assert find_duplicates(old).groups == []
    new_copy = replace(COPY, id="r9", doi="")
    result = find_duplicates(old + [new_copy])
    assert [g.ids for g in result.groups] == [("r1", "r2", "r9")]


def test_it_refuses_to_chain_records_a_veto_keeps_apart():
    # r1 and r2 are the same article with different DOIs; a DOI-less copy matches both.
    a = replace(PAPER, doi="10.1000/aaa")
    b = replace(COPY, doi="10.1000/bbb")
    bridge = replace(PAPER, id="r0", doi="", abstract="")
    result = find_duplicates([a, b, bridge])
    for group in result.groups:
        assert not {"r1", "r2"} <= set(group.ids)
    assert any(p.reasons[0].rule.startswith("chain_guard") or p.reasons[0].rule == "veto_doi"
               for p in result.maybe_pairs)


def test_it_caps_the_size_of_a_group():
    copies = [replace(PAPER, id=f"c{i:02d}", doi="") for i in range(6)]
    result = find_duplicates(copies, max_group_size=4)
    assert max(len(g.ids) for g in result.groups) <= 4
    assert result.maybe_pairs


def test_it_reports_progress_up_to_the_total():
    records = [PAPER, COPY, OTHER]
    calls = []
    result = find_duplicates(records, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 6)  # the estimate before blocking: twice the records
    assert calls[-1] == (3 + result.candidate_pairs, 3 + result.candidate_pairs)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_it_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="unique"):
        find_duplicates([PAPER, PAPER])


def test_choose_primary_prefers_the_most_complete_record():
    assert choose_primary([PAPER, COPY]) == "r2"  # COPY has an abstract


def test_choose_primary_breaks_ties_by_database_preference_then_id():
    embase = replace(PAPER, id="r7", database="Embase")
    assert choose_primary([embase, PAPER], database_preference=("MEDLINE", "Embase")) == "r1"
    assert choose_primary([embase, PAPER], database_preference=("Embase",)) == "r7"
    assert choose_primary([embase, PAPER]) == "r1"


def test_fill_missing_takes_empty_fields_from_the_others():
    sparse = replace(PAPER, doi="", pages="221", volume="")
    filled = fill_missing(sparse, [COPY, OTHER])
    assert filled["doi"] == COPY.doi
    assert filled["abstract"] == COPY.abstract
    assert filled["volume"] == "19"
    assert filled["pages"] == "221-228"  # a full range replaces a bare start page
    assert "title" not in filled


def test_write_clusters_csv_uses_the_gold_file_format():
    out = io.StringIO()
    write_clusters_csv(find_duplicates([PAPER, COPY, OTHER]).groups, out)
    assert out.getvalue() == 'merged_ids\n"r1;r2"\n'


def test_write_maybe_pairs_csv_has_one_row_per_pair():
    out = io.StringIO()
    other_year = replace(COPY, id="r5", year=2011, doi="")
    write_maybe_pairs_csv(find_duplicates([PAPER, other_year]).maybe_pairs, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "id_a,id_b,score,reasons,differences"
    assert lines[1].startswith("r1,r5,")
    assert len(lines) == 2
