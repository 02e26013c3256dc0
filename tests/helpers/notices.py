"""A small MEDLINE export with notices about its articles, and a stand-in for the engine's
notice detection, so the app's side is tested whatever the detection decides.

- The blue-light trial, with its published erratum ("Erratum: <title>", citing the trial's
  DOI) and a comment on it.
- An amber-lens trial that a retraction notice retracts; the trial's own record does not
  say so.
- A melatonin trial whose own record says it is retracted (publication type and title).
- An unrelated cohort study.
"""
from dataclasses import replace

from screening.dedup.records import NoticeLink as EngineNoticeLink
from screening.services import dedup, imports

NOTICES_MEDLINE = """PMID- 31000001
TI  - Blue-light blocking glasses improve sleep in shift workers: a randomised trial.
AB  - Shift workers wore blue-light blocking glasses for two weeks. Sleep efficiency improved.
AU  - Smith A
AU  - Rossi M
DP  - 2020 Aug
TA  - J Sleep Res
JT  - Journal of sleep research
VI  - 29
IP  - 4
PG  - 123-130
LID - 10.1000/blue.1 [doi]
PT  - Journal Article
PT  - Randomized Controlled Trial
EIN - J Sleep Res. 2021 Feb;30(1):e13001. PMID: 31000002

PMID- 31000002
TI  - Erratum: Blue-light blocking glasses improve sleep in shift workers: a randomised trial.
DP  - 2021 Feb
TA  - J Sleep Res
JT  - Journal of sleep research
VI  - 30
IP  - 1
PG  - e13001
LID - 10.1000/blue.1.err [doi]
AB  - In the article with DOI 10.1000/blue.1 the second author's name was misspelled.
PT  - Published Erratum
EFR - J Sleep Res. 2020 Aug;29(4):123-130. doi: 10.1000/blue.1. PMID: 31000001

PMID- 31000003
TI  - Comment on: Blue-light blocking glasses improve sleep in shift workers.
AU  - Okafor C
DP  - 2021 Jan
TA  - J Sleep Res
JT  - Journal of sleep research
VI  - 30
IP  - 1
PG  - e13002
PT  - Comment
PT  - Letter
CON - J Sleep Res. 2020 Aug;29(4):123-130. PMID: 31000001

PMID- 31000004
TI  - Amber lenses shorten sleep onset in insomnia: a randomised controlled trial.
AB  - Adults with insomnia wore amber lenses each evening for three weeks.
AU  - Novak P
DP  - 2019
TA  - Sleep Med
JT  - Sleep medicine
VI  - 54
PG  - 88-95
LID - 10.1000/amber.7 [doi]
PT  - Journal Article

PMID- 31000005
TI  - Retraction notice to: Amber lenses shorten sleep onset in insomnia: a randomised controlled trial.
DP  - 2022
TA  - Sleep Med
JT  - Sleep medicine
VI  - 91
PG  - 200
AB  - This article (doi 10.1000/amber.7) has been retracted at the request of the editors.
PT  - Retraction of Publication
ROF - Sleep Med. 2019;54:88-95. doi: 10.1000/amber.7. PMID: 31000004

PMID- 31000006
TI  - RETRACTED: Melatonin before bed doubles sleep time in older adults.
AB  - Older adults took 5 mg melatonin for a month.
AU  - Vidal R
DP  - 2018
TA  - Sleep Health
JT  - Sleep health
VI  - 4
PG  - 300-305
LID - 10.1000/melatonin.3 [doi]
PT  - Journal Article
PT  - Retracted Publication

PMID- 31000007
TI  - Evening light exposure and sleep timing in a population cohort.
AB  - A cohort of 2,000 adults wore light sensors for one week.
AU  - Kowalski J
DP  - 2017
TA  - Sleep
JT  - Sleep
VI  - 40
PG  - 1-9
LID - 10.1000/cohort.2 [doi]
PT  - Journal Article
"""

ARTICLE = "Blue-light blocking glasses improve sleep"
ERRATUM = "Erratum: Blue-light"
COMMENT = "Comment on: Blue-light"
AMBER = "Amber lenses"
RETRACTION = "Retraction notice to"
MELATONIN = "RETRACTED: Melatonin"
COHORT = "Evening light"

# What the stand-in detects: (notice, article, kind, evidence), by title starts.
LINKS = [
    (ERRATUM, ARTICLE, "erratum", ("title starts 'Erratum'", "cites its DOI")),
    (COMMENT, ARTICLE, "comment", ("publication type 'Comment'", "MEDLINE CON cites its PMID")),
    (RETRACTION, AMBER, "retraction", ("publication type 'Retraction of Publication'", "cites its DOI")),
]
# Flagged retracted: the melatonin trial by its own record, the amber trial by the notice.
RETRACTED = [MELATONIN, AMBER]


def import_notices_file(review, tmp_path, text=NOTICES_MEDLINE, database="MEDLINE"):
    path = tmp_path / "notices.nbib"
    path.write_text(text, encoding="utf-8")
    return imports.import_file_now(review=review, path=path, database=database)


class Detection:
    """Stands in for the engine's notice detection: the real engine's groups and pairs,
    plus the links and retraction flags a test names by title start."""

    def __init__(self, links=LINKS, retracted=RETRACTED):
        self.links, self.retracted = list(links), list(retracted)
        self.real = dedup.find_duplicates

    def __call__(self, records, progress=None):
        result = self.real(records, progress=progress)

        def id_of(start):
            return next(r.id for r in records if r.title.startswith(start))

        notices = [EngineNoticeLink(id_of(n), id_of(a), kind, evidence) for n, a, kind, evidence in self.links
                   if any(r.title.startswith(n) for r in records)]
        retracted = frozenset(id_of(t) for t in self.retracted if any(r.title.startswith(t) for r in records))
        return replace(result, notices=notices, retracted=retracted)
