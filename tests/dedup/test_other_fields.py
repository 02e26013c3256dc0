"""Literature from outside medicine: computer science, information systems, social science and
engineering. Journal articles, conference papers (BibTeX ``booktitle`` as the venue), book
chapters, preprints and their published versions.

Each test is named for the pattern it guards. The records are made up for the pattern and
written as the databases write them (Scopus, Web of Science, the AIS eLibrary, dblp, arXiv).
"""
from dataclasses import replace

import pytest

from screening.dedup import DedupRecord, find_duplicates
from screening.dedup.keys import record_keys
from screening.dedup.scoring import journal_relation


def groups(records):
    return [g.ids for g in find_duplicates(records).groups]


def queued(records):
    return [(p.id_a, p.id_b) for p in find_duplicates(records).maybe_pairs]


# --- never merge: recurring columns with generic titles --------------------------------

def column(id, title, issue, **fields):
    defaults = {"authors": ("Rai, Arun",), "year": 2019, "journal": "MIS Quarterly", "volume": "43"}
    return DedupRecord(id=id, title=title, issue=issue, **(defaults | fields))


@pytest.mark.parametrize("title", [
    "Editor's Comments",
    "Remarks from the Editor",
    "Editorial: A Note from the Editor-in-Chief",
    "Introduction to the Special Issue",
    "Book Reviews",
    "Letter from the Editors",
    "Issue Information",
    "From the Editor's Desk",
])
def test_recurring_column_in_different_issues_of_one_volume_is_never_merged(title):
    records = [column(f"c{i}", title, str(i)) for i in range(1, 5)]
    assert groups(records) == []


def test_recurring_column_with_a_volume_year_and_no_issue_is_never_merged():
    # Issues unknown, pages unknown: nothing tells these four columns apart but nothing
    # shows they are one either.
    records = [column(f"c{i}", "Editor's Comments", "") for i in range(1, 5)]
    assert groups(records) == []


def test_recurring_column_in_engineering_and_social_science_journals_is_never_merged():
    ieee = [DedupRecord(id=f"e{i}", title="Message from the Editor-in-Chief", authors=("Lee, Edward A.",),
                        year=2021, journal="IEEE Transactions on Software Engineering", volume="47",
                        issue=str(i)) for i in (1, 2, 3)]
    sociology = [DedupRecord(id=f"s{i}", title="Book reviews", year=2018,
                             journal="American Journal of Sociology", volume="124", issue=str(i))
                 for i in (1, 2)]
    assert groups(ieee + sociology) == []


def test_same_column_from_two_databases_is_at_most_queued():
    scopus = column("c1", "Editor's Comments", "2", doi="10.25300/MISQ/2019/43:2.iii")
    wos = column("c2", "Editor's comments", "2", journal="MIS Quarterly: Management Information Systems",
                 doi="10.25300/misq/2019/43:2.iii")
    assert groups([scopus, wos]) == [("c1", "c2")]


# --- never merge: the same author at the same pages in different issues ---------------

@pytest.mark.parametrize("first, second", [
    ("Digital platform ecosystems and the governance of complementors",
     "Algorithmic management in the gig economy: a sociomaterial view"),
    ("A theory of trust in online marketplaces", "Measuring the value of open source software"),
    ("Collective action on social media", "The politics of municipal broadband"),
])
def test_different_articles_by_one_author_at_the_same_pages_in_two_issues_are_never_merged(first, second):
    a = DedupRecord(id="a1", title=first, authors=("Hong, Yili", "Pavlou, Paul A."), year=2020,
                    journal="Information Systems Research", volume="31", issue="1", pages="1-20")
    b = replace(a, id="a2", title=second, issue="2")
    assert groups([a, b]) == []
    assert queued([a, b]) == []


def test_different_articles_at_the_same_pages_with_issues_unknown_are_never_merged():
    a = DedupRecord(id="a1", title="Sensor fusion for autonomous underwater vehicles",
                    authors=("Nakamura, K.",), year=2016, journal="IEEE Journal of Oceanic Engineering",
                    volume="41", pages="100-112")
    b = replace(a, id="a2", title="Acoustic modem design for shallow water networks")
    assert groups([a, b]) == []


# --- never merge: a preprint and a different later work --------------------------------

def test_preprint_and_a_different_later_paper_by_the_same_authors_are_never_merged():
    preprint = DedupRecord(id="p1", title="Attention is not explanation in code models",
                           authors=("Chen, Wei", "Ng, Andrew"), year=2019, journal="arXiv preprint",
                           doi="10.48550/arXiv.1902.01234")
    later = DedupRecord(id="p2", title="Explaining neural code search with counterfactual examples",
                        authors=("Chen, Wei", "Ng, Andrew"), year=2021,
                        journal="IEEE Transactions on Software Engineering", volume="47", issue="9",
                        pages="1801-1815", doi="10.1109/TSE.2021.3054321")
    assert groups([preprint, later]) == []


def test_preprint_and_a_follow_up_with_a_longer_title_are_not_merged():
    preprint = DedupRecord(id="p1", title="Gender gaps in online labour markets",
                           authors=("Adams, Abi", "Berg, Janine"), year=2018, journal="SSRN Electronic Journal",
                           doi="10.2139/ssrn.3123456")
    follow_up = DedupRecord(id="p2", title="Gender gaps in online labour markets: evidence from ten countries",
                            authors=("Adams, Abi", "Berg, Janine"), year=2022,
                            journal="Industrial Relations Journal", volume="53", pages="200-219",
                            doi="10.1111/irj.12345")
    assert groups([preprint, follow_up]) == []


# --- do merge: conference papers named differently ------------------------------------

ICIS = DedupRecord(
    id="k1",
    title="Does Gamification Increase Contributions? Evidence from an Online Q&A Community",
    authors=("Hong, Yili", "Wang, Chong", "Pavlou, Paul A."),
    year=2019, journal="ICIS 2019 Proceedings", pages="1--12",
)


@pytest.mark.parametrize("change", [
    {"title": "Does gamification increase contributions - evidence from an online Q&A community"},
    {"title": "DOES GAMIFICATION INCREASE CONTRIBUTIONS — EVIDENCE FROM AN ONLINE Q&A COMMUNITY"},
    {"authors": ("Hong, Y.", "Wang, C.", "Pavlou, P. A.")},
    {"pages": ""},
    {"year": 2020},
    {"journal": "International Conference on Information Systems"},
    {"journal": "ICIS : Transforming Society with Digital Innovation"},
    {"journal": "Proceedings of the 40th International Conference on Information Systems, Munich"},
    {"authors": ("Hong, Y.", "Wang, C.", "Pavlou, P. A."), "pages": "", "year": 2020,
     "journal": "International Conference on Information Systems",
     "title": "Does gamification increase contributions - Evidence from an online Q&A community"},
])
def test_conference_paper_listed_two_ways_is_merged(change):
    assert groups([ICIS, replace(ICIS, id="k2", **change)]) == [("k1", "k2")]


@pytest.mark.parametrize("short, long", [
    ("AMCIS 2018 Proceedings", "Americas Conference on Information Systems"),
    ("ECIS 2020", "European Conference on Information Systems"),
    ("Proc. ICSE 2021", "Proceedings of the 43rd International Conference on Software Engineering"),
    ("CHI '22", "Proceedings of the 2022 CHI Conference on Human Factors in Computing Systems"),
])
def test_conference_acronym_and_long_name_are_the_same_venue(short, long):
    a = DedupRecord(id="v1", title="Understanding developer onboarding in open source communities",
                    authors=("Steinmacher, Igor", "Gerosa, Marco Aurelio"), year=2021, journal=short)
    b = replace(a, id="v2", journal=long, authors=("Steinmacher, I.", "Gerosa, M. A."))
    assert groups([a, b]) == [("v1", "v2")]


def test_papers_of_two_different_conferences_are_not_merged():
    amcis = DedupRecord(id="v1", title="Cultural universality versus particularity in computer-mediated talk",
                        authors=("Stahl, Bernd Carsten",), year=2003,
                        journal="Americas Conference on Information Systems")
    ecis = replace(amcis, id="v2", journal="European Conference on Information Systems")
    assert groups([amcis, ecis]) == []


def test_the_same_minitrack_introduction_in_two_editions_is_not_merged():
    a = DedupRecord(id="h1", title="Introduction to the Minitrack on Crowdsourcing and the Gig Economy",
                    authors=("Deng, Xuefei", "Taylor, Joseph"), year=2021,
                    journal="Proceedings of the 54th Hawaii International Conference on System Sciences")
    b = replace(a, id="h2", year=2022,
                journal="Proceedings of the 55th Hawaii International Conference on System Sciences")
    assert groups([a, b]) == []


def test_a_conference_paper_and_the_later_journal_paper_are_not_merged():
    paper = DedupRecord(id="j1", title="Cultural Universality Versus Particularity in CMC",
                        authors=("Stahl, Bernd-Carsten",), year=2003,
                        journal="Americas Conference on Information Systems")
    article = replace(paper, id="j2", year=2004, authors=("Stahl, Bernd Carsten", "Elbeltagi, Ibrahim"),
                      journal="Journal of Global Information Technology Management", volume="7",
                      issue="4", pages="47--65")
    assert groups([paper, article]) == []


# --- do merge: journal names written differently ---------------------------------------

@pytest.mark.parametrize("a, b", [
    ("Information & Management", "Information and Management"),
    ("Computers & Education", "Computers and Education"),
    ("Journal of the Association for Information Systems", "J. Assoc. Inf. Syst."),
    ("Research Policy", "RESEARCH POLICY"),
    ("Transportation Research Part C: Emerging Technologies", "Transportation Research Part C - Emerging Technologies"),
    ("MIS Quarterly", "Management Information Systems Quarterly"),
    ("Journal of the AIS", "Journal of the Association for Information Systems"),
    ("Communications of the Association for Information Systems", "CAIS"),
    ("Social Science & Medicine", "Social Science and Medicine"),
])
def test_journal_written_with_ampersand_or_abbreviated_is_the_same_journal(a, b):
    first = DedupRecord(id="r1", title="Trust and distrust in peer-to-peer accommodation platforms",
                        authors=("Ert, Eyal", "Fleischer, Aliza"), year=2016, journal=a, volume="55",
                        issue="2", pages="62-73")
    second = replace(first, id="r2", journal=b, pages="", authors=("Ert, E.", "Fleischer, A."))
    assert groups([first, second]) == [("r1", "r2")]


@pytest.mark.parametrize("a, b", [
    ("Diabetes", "Diabetes Care"),
    ("Information Systems Research", "Information Systems Journal"),
    ("American Sociological Review", "American Journal of Sociology"),
])
def test_a_journal_whose_title_another_extends_is_another_journal(a, b):
    first = DedupRecord(id="r1", journal=a)
    assert journal_relation(record_keys(first), record_keys(replace(first, id="r2", journal=b))) == "conflict"


# --- do merge: a preprint and its published version -------------------------------------

@pytest.mark.parametrize("preprint_venue, preprint_doi", [
    ("arXiv preprint arXiv:2003.04567", "10.48550/arXiv.2003.04567"),
    ("arXiv", ""),
    ("SSRN Electronic Journal", "10.2139/ssrn.3567890"),
    ("SocArXiv", "10.31235/osf.io/abcd1"),
    ("TechRxiv", "10.36227/techrxiv.12345678"),
])
def test_preprint_and_its_published_version_are_merged(preprint_venue, preprint_doi):
    published = DedupRecord(id="w1", title="Remote work and productivity: evidence from a natural experiment",
                            authors=("Bloom, Nicholas", "Han, Ruobing", "Liang, James"), year=2022,
                            journal="Management Science", volume="68", issue="4", pages="2505-2530",
                            doi="10.1287/mnsc.2021.4200")
    preprint = DedupRecord(id="w2", title="Remote Work and Productivity: Evidence from a Natural Experiment",
                           authors=("Bloom, N.", "Han, R.", "Liang, J."), year=2020, journal=preprint_venue,
                           doi=preprint_doi)
    assert groups([published, preprint]) == [("w1", "w2")]


def test_preprint_and_a_published_version_by_other_authors_are_not_merged():
    published = DedupRecord(id="w1", title="A survey of graph neural networks for recommendation",
                            authors=("Wu, Shiwen", "Sun, Fei"), year=2022, journal="ACM Computing Surveys",
                            volume="55", pages="1-37", doi="10.1145/3535101")
    preprint = DedupRecord(id="w2", title="A survey of graph neural networks for recommendation",
                           authors=("Gao, Chen", "Li, Yong"), year=2021, journal="arXiv",
                           doi="10.48550/arXiv.2109.12843")
    assert groups([published, preprint]) == []


# --- book chapters ---------------------------------------------------------------------

def test_book_chapter_listed_with_and_without_pages_is_merged():
    chapter = DedupRecord(id="b1", title="Qualitative methods in information systems research",
                          authors=("Myers, Michael D.",), year=2013,
                          journal="The Oxford Handbook of Management Information Systems", pages="45-67")
    copy = replace(chapter, id="b2", pages="", journal="Oxford Handbook of Management Information Systems",
                   authors=("Myers, M. D.",))
    assert groups([chapter, copy]) == [("b1", "b2")]


def test_two_chapters_by_one_author_in_one_book_are_not_merged():
    first = DedupRecord(id="b1", title="Introduction", authors=("Myers, Michael D.",), year=2013,
                        journal="Qualitative Research in Business and Management", pages="1-14")
    second = replace(first, id="b2", title="Introduction", pages="233-240")
    third = replace(first, id="b3", title="Case study research in organisations", pages="75-92")
    assert groups([first, second, third]) == []


# --- do merge: one article at one place, under two names of its journal -----------------

@pytest.mark.parametrize("journal_a, journal_b, pages_a, pages_b, year_b", [
    # A journal and its section, the section's page prefix dropped in one database.
    ("Nephron", "Nephron - Clinical Practice", "c37-c42", "37-42", 2010),
    # A journal's former and current names, the online year in one record, the print year in the other.
    ("Journal of Computer-Mediated Communication", "Journal of Computer Mediated Communication Online",
     "211-230", "211-230", 2008),
    # A translated journal under its original and its English name.
    ("Zhongguo Dianji Gongcheng Xuebao", "Proceedings of the Chinese Society of Electrical Engineering",
     "1-9", "1-9", 2009),
])
def test_one_article_at_the_same_volume_issue_and_pages_is_merged_whatever_its_journal_is_called(
        journal_a, journal_b, pages_a, pages_b, year_b):
    first = DedupRecord(id="p1", title="Load forecasting with recurrent networks for district heating",
                        authors=("Zhang, Wei", "Liu, Yang", "Chen, Hao"), year=2009, journal=journal_a,
                        volume="118", issue="1", pages=pages_a)
    second = replace(first, id="p2", journal=journal_b, pages=pages_b, year=year_b,
                     authors=("Zhang, W.", "Liu, Y.", "Chen, H."))
    assert groups([first, second]) == [("p1", "p2")]


def test_same_title_at_the_same_pages_of_another_issue_is_not_merged_across_journals():
    first = DedupRecord(id="p1", title="Introduction to the special section on platform governance",
                        authors=("Tiwana, Amrit",), year=2015, journal="Information Systems Research",
                        volume="26", issue="2", pages="266-281")
    other_issue = replace(first, id="p2", journal="Information Systems Journal", issue="3")
    assert groups([first, other_issue]) == []


def test_a_one_page_item_with_the_same_title_in_a_renamed_journal_is_not_merged_on_its_place_alone():
    # A one-page item (a notice, an abstract) does not fix a place the way a page range does.
    first = DedupRecord(id="p1", title="Measuring digital government maturity",
                        authors=("Janowski, Tomasz",), year=2015, journal="Government Information Quarterly",
                        volume="32", issue="3", pages="221")
    second = replace(first, id="p2", journal="Information Polity", year=2016)
    assert groups([first, second]) == []
    with_range = [replace(r, pages="221-230") for r in (first, second)]
    assert groups(with_range) == [("p1", "p2")]


@pytest.mark.parametrize("conference, journal", [
    ("Proceedings of the 2017 CHI Conference on Human Factors in Computing Systems",
     "ACM Transactions on Computer-Human Interaction"),
    ("International Conference on Software Engineering", "IEEE Transactions on Software Engineering"),
    ("Proceedings of the 2019 ACM SIGIR Conference", "ACM Transactions on Information Systems"),
])
def test_a_conference_paper_and_a_journal_article_the_acronym_seems_to_name_are_not_merged(conference, journal):
    # Same title, authors and year: the conference's acronym spells words of the journal's
    # name, but a journal is never its conference.
    paper = DedupRecord(id="v1", title="Eye tracking the reading of code reviews",
                        authors=("Sharif, Bonita", "Maletic, Jonathan"), year=2019, journal=conference)
    article = replace(paper, id="v2", journal=journal, volume="26", issue="3", pages="1-29")
    assert journal_relation(record_keys(paper), record_keys(article)) == "conflict"
    assert groups([paper, article]) == []


# --- never merge: a proceedings paper and the journal article that extends it ----------

@pytest.mark.parametrize("venue, journal, volume, pages", [
    ("Americas Conference on Information Systems", "Journal of Global Information Technology Management",
     "7", "47--65"),
    ("Advances in Neural Information Processing Systems 32 (NeurIPS 2019)", "Journal of Machine Learning Research",
     "22", "1-48"),
    ("2018 IEEE International Conference on Robotics and Automation (ICRA)", "IEEE Transactions on Robotics",
     "36", "1120-1135"),
    ("Proceedings of the 2017 CHI Conference on Human Factors in Computing Systems",
     "ACM Transactions on Computer-Human Interaction", "25", "12:1-12:30"),
])
def test_a_journal_extension_with_authors_added_is_neither_merged_nor_queued(venue, journal, volume, pages):
    paper = DedupRecord(id="c1", title="Learning to coordinate under partial observability",
                        authors=("Okafor, Chidi", "Berg, Maja"), year=2018, journal=venue)
    article = replace(paper, id="c2", year=2020, journal=journal, volume=volume, pages=pages,
                      authors=("Okafor, Chidi", "Berg, Maja", "Tanaka, Ren"))
    assert groups([paper, article]) == []
    assert queued([paper, article]) == []


def test_a_journal_version_by_the_same_authors_is_queued_for_a_person():
    # Same authors: it may be the proceedings indexed under a journal-like series.
    paper = DedupRecord(id="c1", title="Learning to coordinate under partial observability",
                        authors=("Okafor, Chidi", "Berg, Maja"), year=2018,
                        journal="International Conference on Autonomous Agents and Multiagent Systems")
    article = replace(paper, id="c2", year=2019, journal="Autonomous Agents and Multi-Agent Systems",
                      volume="33", pages="401-430")
    assert queued([paper, article]) == [("c1", "c2")]


def test_a_congress_abstract_in_a_journal_supplement_and_the_full_article_stay_queued():
    # Medicine's conference abstracts carry the journal's volume: not a proceedings paper.
    abstract = DedupRecord(id="m1", title="Eculizumab in atypical haemolytic uraemic syndrome after transplantation",
                           authors=("Davin, J. C.",), year=2011,
                           journal="Pediatric Transplantation. Conference: 6th Congress of the IPTA",
                           volume="15", issue="Suppl. 1", pages="22")
    article = replace(abstract, id="m2", year=2012, journal="American Journal of Transplantation",
                      volume="12", issue="4", pages="1046-1051", authors=("Davin, J. C.", "Groothoff, J. W."))
    assert find_duplicates([abstract, article]).groups == []
    assert veto_rule(abstract, article) != "veto_journal_version"


def test_a_journal_article_older_than_the_proceedings_paper_is_not_taken_for_its_extension():
    article = DedupRecord(id="c1", title="Learning to coordinate under partial observability",
                          authors=("Okafor, Chidi", "Berg, Maja", "Tanaka, Ren"), year=2016,
                          journal="IEEE Transactions on Robotics", volume="32", pages="10-25")
    paper = replace(article, id="c2", year=2018, volume="", pages="", authors=("Okafor, Chidi",),
                    journal="2018 IEEE International Conference on Robotics and Automation (ICRA)")
    assert veto_rule(article, paper) != "veto_journal_version"


def veto_rule(a, b):
    from screening.dedup.scoring import compare
    return compare(record_keys(a), record_keys(b)).rule
