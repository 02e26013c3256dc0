"""The databases and registers reviews search, with the names export files give them.

PRISMA counts records per database, so one database must have one name whatever file it came
in: Web of Science plain text and tab-delimited, an Embase RIS that says "Embase" and a CSV
that says "EMBASE", a Cochrane RIS that says nothing. A name a file gives is looked up here
(case, punctuation and spacing aside); what is not a known database is kept as written, since
a review may search a database this list does not hold. Providers and platforms ("NLM",
"Elsevier", "Ovid") are not databases.

Pure Python, no Django.
"""
from __future__ import annotations

import re

# canonical name -> other names seen in exports and in search reports
DATABASES: dict[str, tuple[str, ...]] = {
    "MEDLINE": ("Medline", "MEDLINE(R)", "Ovid MEDLINE", "Ovid MEDLINE(R)", "MEDLINE ALL", "Ovid MEDLINE(R) ALL",
                "Medline (Ovid)", "MEDLINE (EBSCOhost)"),
    "PubMed": ("PubMed.gov", "NCBI PubMed", "PubMed (NLM)"),
    "PubMed Central": ("PMC", "PubMed Central (PMC)"),
    "Embase": ("EMBASE", "Embase.com", "Ovid Embase", "Embase Classic+Embase", "Embase (Elsevier)", "Embase Medline"),
    "APA PsycInfo": ("PsycInfo", "PsycINFO", "APA PsycINFO", "Ovid PsycINFO", "psyh"),
    "APA PsycArticles": ("PsycArticles", "PsycARTICLES", "pdh"),
    "CINAHL": ("CINAHL Plus", "CINAHL Plus with Full Text", "CINAHL Complete", "CINAHL with Full Text",
               "rzh", "ccm", "cin20"),
    "Web of Science Core Collection": ("Web of Science", "WoS", "WOS", "Web of Knowledge", "ISI Web of Science",
                                       "Web of Science Core Collection (Clarivate)", "Science Citation Index Expanded",
                                       "Social Sciences Citation Index", "WoS Core Collection"),
    "Scopus": ("Elsevier Scopus",),
    "Cochrane CENTRAL": ("CENTRAL", "Cochrane Central Register of Controlled Trials",
                         "Cochrane Central Register of Controlled Trials (CENTRAL)", "Trials", "Cochrane Trials"),
    "Cochrane Database of Systematic Reviews": ("CDSR", "Cochrane Reviews",
                                                "Cochrane Database of Systematic Reviews (CDSR)"),
    "ERIC": ("Education Resources Information Center", "ERIC (Ovid)", "eric"),
    "ProQuest Dissertations & Theses": ("ProQuest Dissertations and Theses", "PQDT", "PQDT Global",
                                        "ProQuest Dissertations & Theses Global", "Dissertations & Theses"),
    "ClinicalTrials.gov": ("ClinicalTrials", "clinicaltrials.gov", "CT.gov", "ctgov"),
    "WHO ICTRP": ("ICTRP", "WHO International Clinical Trials Registry Platform",
                  "International Clinical Trials Registry Platform"),
    "EU Clinical Trials Register": ("EUCTR", "EU CTR", "EudraCT"),
    "Academic Search Premier": ("aph", "Academic Search Complete", "asn"),
    "EconLit": ("ecn",),
    "Criminal Justice Abstracts": ("i3h",),
    "SPORTDiscus": ("s3h", "SPORTDiscus with Full Text"),
    "AMED": ("Allied and Complementary Medicine", "Allied and Complementary Medicine Database"),
    "LILACS": ("Literatura Latino-Americana e do Caribe em Ciências da Saúde",),
    "Global Health": ("CAB Global Health",),
    "CAB Abstracts": ("CABI", "CAB Direct"),
    "Zoological Record": ("ZOOREC",),
    "BIOSIS Previews": ("BIOSIS",),
    "Google Scholar": ("Scholar",),
    "Dimensions": ("Dimensions.ai",),
    "Lens.org": ("The Lens", "Lens"),
    "SciELO": ("SciELO Citation Index",),
    "IEEE Xplore": ("IEEE",),
    "ACM Digital Library": ("ACM DL",),
    "Epistemonikos": (),
    "OpenAlex": (),
    "medRxiv": (),
    "bioRxiv": (),
    "Europe PMC": ("EuropePMC",),
}

# Companies and platforms that files name where a database belongs.
PROVIDERS = frozenset(_.lower() for _ in (
    "NLM", "National Library of Medicine", "NCBI", "Elsevier", "Elsevier B.V.", "Clarivate", "Clarivate Analytics",
    "Thomson Reuters", "EBSCO", "EBSCOhost", "EBSCO Publishing", "Ovid", "Ovid Technologies", "Wolters Kluwer",
    "ProQuest", "Wiley", "John Wiley & Sons", "Cochrane Library", "The Cochrane Library", "Rayyan", "Covidence",
    "EndNote", "Zotero", "Mendeley", "Embase.com platform",
))

_NOISE = re.compile(r"[^0-9a-z&+]+")


def _key(name: str) -> str:
    return _NOISE.sub(" ", name.lower()).strip()


_BY_KEY: dict[str, str] = {}
for _canonical, _aliases in DATABASES.items():
    for _name in (_canonical, *_aliases):
        _BY_KEY.setdefault(_key(_name), _canonical)


# Ovid appends the segment searched: "APA PsycInfo <2021>", "ERIC <1992 to June 2024>".
_SEGMENT = re.compile(r"\s*<[^<>]*>\s*$")


def canonical_database(name: str) -> str:
    """The canonical name of the database ``name`` names, or ``name`` tidied when it is no
    database this list knows; "" for a provider or platform, which names no database."""
    name = " ".join((name or "").split())
    if not name or is_provider(name):
        return ""
    return _BY_KEY.get(_key(name)) or _BY_KEY.get(_key(_SEGMENT.sub("", name))) or name


# What an accession number's kind (see formats.text.identifier_kind) says of the database a
# record was exported from, when the file names none (Cochrane and Web of Science RIS).
DATABASE_OF_IDENTIFIER = {
    "central": "Cochrane CENTRAL", "wos": "Web of Science Core Collection", "scopus_eid": "Scopus",
    "embase": "Embase", "psycinfo": "APA PsycInfo", "eric": "ERIC", "zoorec": "Zoological Record",
}


def database_of_records(named: list[str], identifier_kinds: list[list[str]]) -> str:
    """The database a file's records came from: the name most of them give (canonical, providers
    left out), else the kind of accession number most of them carry; "" when neither tells.

    ``named`` holds each record's own database name ("" when none), ``identifier_kinds`` each
    record's identifier kinds. Embase exports mark the records Embase took from MEDLINE as
    such ("DB - Medline"), while a MEDLINE export never names Embase: a file in which any
    record names Embase is an Embase export.
    """
    counts: dict[str, int] = {}
    for name in named:
        if canonical := canonical_database(name):
            counts[canonical] = counts.get(canonical, 0) + 1
    if "Embase" in counts:
        return "Embase"
    if counts:
        return max(sorted(counts), key=counts.get)
    for kinds in identifier_kinds:
        for kind in kinds:
            if kind in DATABASE_OF_IDENTIFIER:
                counts[DATABASE_OF_IDENTIFIER[kind]] = counts.get(DATABASE_OF_IDENTIFIER[kind], 0) + 1
    return max(sorted(counts), key=counts.get) if counts else ""


def is_provider(name: str) -> bool:
    return name.strip().lower() in PROVIDERS


def known_databases() -> list[str]:
    """The canonical names, for the import form's suggestions."""
    return list(DATABASES)
