"""manage.py dedup_file: any importable file in, groups in the gold-file format out."""
import csv
import io

import pytest
from django.core.management import CommandError, call_command

from .conftest import SHARED, skip_unless_ci_allows
from .helpers.dedup import EMBASE_RIS, MEDLINE_RIS

STROKE = SHARED / "data" / "dedup" / "sra_stroke"


def read_groups(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def test_it_writes_the_stroke_groups_in_the_gold_format_and_loses_no_work(tmp_path):
    if not STROKE.exists():
        skip_unless_ci_allows("the labelled dedup sets are not in ../shared/data/dedup")
    out, maybe = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    call_command("dedup_file", str(STROKE / "records_pre_merged.csv"), "--out", str(out), "--maybe", str(maybe))
    gold_text = (STROKE / "merged_record_ids.csv").read_text(encoding="utf-8")
    ours_text = out.read_text(encoding="utf-8")
    assert ours_text.splitlines()[0] == gold_text.splitlines()[0] == "merged_ids"
    assert ours_text.splitlines()[1].startswith('"id_') and ";" in ours_text.splitlines()[1]

    with open(STROKE / "records_pre_merged.csv", encoding="utf-8", newline="") as handle:
        ids = [row["ID"] for row in csv.DictReader(handle)]
    work = {i: i for i in ids}
    for members in read_groups(STROKE / "merged_record_ids.csv"):
        work.update({m: members[0] for m in members})
    ours = read_groups(out)
    assert set().union(*ours) <= set(ids)
    # Works lost: a gold work none of whose records survives. Each group keeps one record,
    # so a group spanning two gold works loses one of them.
    assert all(len({work[m] for m in members}) == 1 for members in ours)
    removable = len(ids) - len(set(work.values()))
    removed = sum(len(members) - 1 for members in ours)
    assert removed / removable >= 0.99
    with open(maybe, encoding="utf-8", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    assert pairs and set(pairs[0]) == {"id_a", "id_b", "score", "reasons", "differences"}


def test_records_without_an_id_column_are_numbered_from_1(tmp_path):
    source = tmp_path / "both.ris"
    source.write_text(MEDLINE_RIS + "\n" + EMBASE_RIS, encoding="utf-8")
    out = tmp_path / "clusters.csv"
    call_command("dedup_file", str(source), "--out", str(out))
    assert read_groups(out) == [["1", "4"]]


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("dedup_file", str(tmp_path / "nothing.ris"), "--out", str(tmp_path / "x.csv"))


@pytest.mark.django_db
def test_the_demo_review_comes_with_its_cross_database_duplicates_removed():
    import io

    from screening.models import Review

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    review = Review.objects.get(pk=int(out.getvalue().splitlines()[-1]))
    assert "Duplicates: 95 new records compared with 95: 20 merged as duplicates" in out.getvalue()
    assert review.records.duplicates().count() == 20 and review.records.in_screening().count() == 75


NOTICES_MEDLINE = """PMID- 31000001
TI  - Continuous glucose monitoring in adolescents with type 1 diabetes: a
      randomised trial.
FAU - Hartmann, Lena
DP  - 2019 Mar
JT  - Diabetes care
VI  - 42
IP  - 3
PG  - 401-409
PT  - Journal Article
PT  - Randomized Controlled Trial
EIN - Diabetes Care. 2019 Jul;42(7):1388. PMID: 31000002

PMID- 31000002
TI  - Error in Figure 2.
DP  - 2019 Jul
JT  - Diabetes care
VI  - 42
IP  - 7
PG  - 1388
PT  - Journal Article
PT  - Published Erratum
EFR - Diabetes Care. 2019 Mar;42(3):401-409. PMID: 31000001

PMID- 31000004
TI  - Insulin pump failure rates in a national registry.
FAU - Kowalczyk, Anna
DP  - 2018 May
JT  - Diabetes care
VI  - 41
PG  - 990-997
PT  - Journal Article
PT  - Retracted Publication

PMID- 31000005
TI  - Notice of Retraction: Insulin pump failure rates in a national registry.
DP  - 2020 Jan
JT  - Diabetes care
VI  - 43
PG  - 250
PT  - Retraction of Publication
"""


def test_it_writes_the_notices_linked_to_their_article_with_ids_as_in_the_groups(tmp_path):
    source = tmp_path / "pubmed.nbib"
    source.write_text(NOTICES_MEDLINE, encoding="utf-8")
    out, notices = tmp_path / "clusters.csv", tmp_path / "notices.csv"
    stdout = io.StringIO()
    call_command("dedup_file", str(source), "--out", str(out), "--notices", str(notices), stdout=stdout)
    assert read_groups(out) == []
    # The erratum's title names nothing: its publication type and the PMID in its EFR do.
    assert notices.read_text(encoding="utf-8").splitlines() == [
        "notice_id,article_id,kind", "2,1,erratum", "4,3,retraction",
    ]
    assert "2 notices linked to their article, 1 records retracted" in stdout.getvalue()


CONFERENCE_BIBTEX = """@inproceedings{hong2019a,
  author = {Hong, Yili and Wang, Chong and Pavlou, Paul A.},
  title = {Does Gamification Increase Contributions? Evidence from an Online {Q\\&A} Community},
  booktitle = {ICIS 2019 Proceedings},
  year = {2019},
  pages = {1--12}
}

@inproceedings{hong2019b,
  author = {Hong, Y. and Wang, C. and Pavlou, P. A.},
  title = {DOES GAMIFICATION INCREASE CONTRIBUTIONS - EVIDENCE FROM AN ONLINE Q\\&A COMMUNITY},
  booktitle = {International Conference on Information Systems},
  year = {2020}
}

@article{rai2019a,
  author = {Rai, Arun},
  title = {Editor's Comments},
  journal = {MIS Quarterly},
  volume = {43},
  number = {1},
  year = {2019}
}

@article{rai2019b,
  author = {Rai, Arun},
  title = {Editor's Comments},
  journal = {MIS Quarterly},
  volume = {43},
  number = {2},
  year = {2019}
}

@article{ert2016a,
  author = {Ert, Eyal and Fleischer, Aliza},
  title = {Trust and distrust in peer-to-peer accommodation platforms},
  journal = {Information \\& Management},
  volume = {55},
  number = {2},
  pages = {62--73},
  year = {2016}
}

@article{ert2016b,
  author = {Ert, E. and Fleischer, A.},
  title = {Trust and Distrust in Peer-to-Peer Accommodation Platforms},
  journal = {Information and Management},
  volume = {55},
  year = {2016}
}
"""


def test_bibtex_conference_papers_named_two_ways_merge_and_a_recurring_column_does_not(tmp_path):
    # The same ICIS paper as the AIS eLibrary and Scopus list it; "Editor's Comments" in
    # issues 1 and 2 of one volume; one article in "Information & Management" and
    # "Information and Management".
    source = tmp_path / "is.bib"
    source.write_text(CONFERENCE_BIBTEX, encoding="utf-8")
    out, maybe = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    call_command("dedup_file", str(source), "--out", str(out), "--maybe", str(maybe), stdout=io.StringIO())
    assert read_groups(out) == [["1", "2"], ["5", "6"]]
    assert maybe.read_text(encoding="utf-8").splitlines() == ["id_a,id_b,score,reasons,differences"]
