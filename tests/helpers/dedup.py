"""Two small exports of one search run in two databases, with known duplicates.

- The blue-light trial is in both, complete enough to merge automatically; MEDLINE has
  its abstract but no DOI, Embase its DOI but no abstract.
- The amber-lens trial is in both with a slightly different title and few details: a
  pair for the lead's queue.
- Each file also has one record of its own.
"""
from .imports import upload_text

MEDLINE_RIS = """TY  - JOUR
TI  - Blue-light blocking glasses improve sleep in shift workers: a randomised trial
AU  - Smith, Anna
AU  - Rossi, Marco
PY  - 2020
JO  - Journal of Sleep Research
VL  - 29
IS  - 4
SP  - 123
EP  - 130
AB  - Shift workers wore blue-light blocking glasses for two weeks. Sleep improved.
ER  - 

TY  - JOUR
TI  - Amber lenses for insomnia: a randomized controlled trial
AU  - Novak, Petra
AU  - Haddad, Omar
PY  - 2019
JO  - Sleep Medicine
VL  - 54
SP  - 88
EP  - 95
ER  - 

TY  - JOUR
TI  - Evening screen use and sleep onset latency in adolescents
AU  - Kowalski, Jan
PY  - 2018
JO  - Sleep Health
VL  - 4
SP  - 10
EP  - 17
ER  - 
"""

EMBASE_RIS = """TY  - JOUR
TI  - Blue-light blocking glasses improve sleep in shift workers: a randomised trial
AU  - Smith, A.
AU  - Rossi, M.
PY  - 2020
JO  - J Sleep Res
VL  - 29
IS  - 4
SP  - 123
EP  - 30
DO  - 10.1000/blue.1
ER  - 

TY  - JOUR
TI  - Amber lenses for insomnia: a randomised controlled trial
AU  - Novak, P.
AU  - Haddad, O.
PY  - 2019
ER  - 

TY  - JOUR
TI  - Mindfulness training for insomnia severity in nurses
AU  - Dubois, Claire
PY  - 2021
JO  - Journal of Clinical Sleep Medicine
VL  - 17
SP  - 200
EP  - 208
ER  - 
"""


def medline_upload():
    return upload_text("medline.ris", MEDLINE_RIS)


def embase_upload():
    return upload_text("embase.ris", EMBASE_RIS)
