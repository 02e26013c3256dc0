"""
Counts for the PRISMA tests: one hand-built review and a Hypothesis
strategy that plays out random review histories.
"""

from hypothesis import strategies as st

from screening.prisma import PrismaCounts

# A hand-built updated review with other methods; every number differs from
# every other so that each one can be found in the outputs.
EXAMPLE = PrismaCounts(
    previous=True,
    other_methods=True,
    previous_studies=12,
    previous_reports=15,
    database_results=1523,
    database_specific_results=(("MEDLINE (Ovid), 1946 onwards", 911), ("Embase & <Emtree>", 612)),
    register_results=41,
    register_specific_results=(("ClinicalTrials.gov", 41),),
    duplicates=402,
    excluded_automatic=33,
    excluded_other=11,
    records_screened=1118,
    records_excluded=1004,
    records_excluded_human=951,
    records_excluded_automation=53,
    dbr_sought_reports=114,
    dbr_notretrieved_reports=7,
    dbr_assessed=107,
    dbr_excluded=(("Wrong population", 44), ("Wrong design; not randomised", 39)),
    dbr_included_reports=24,
    website_results=8,
    organisation_results=3,
    citations_results=27,
    other_sought_reports=21,
    other_notretrieved_reports=2,
    other_assessed=19,
    other_excluded=(("No control group", 13),),
    other_included_reports=6,
    new_studies=22,
    new_reports=30,
    total_studies=34,
    total_reports=45,
)

names = st.text(min_size=1, max_size=30).filter(lambda s: s.strip())


@st.composite
def partition(draw, total, labels=names, min_parts=0, max_parts=5):
    """Split total into a random list of (name, n) whose n add up to total."""
    parts = draw(st.integers(min_parts, max_parts))
    if parts == 0:
        if total == 0:
            return ()
        parts = 1
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [total])]
    return tuple((draw(labels), size) for size in sizes)


@st.composite
def review_histories(draw, previous=None, other_methods=None, with_split=None):
    """
    Return PrismaCounts of a random review in which every sum holds.

    The history is played forwards: records found per database and
    register, some removed before screening, the rest screened, some
    excluded (by a human or by automation), reports sought, some not
    retrieved, the rest assessed, some excluded for reasons, the others
    included and grouped into studies.
    """
    big = st.integers(0, 3000)
    previous = draw(st.booleans()) if previous is None else previous
    other_methods = draw(st.booleans()) if other_methods is None else other_methods
    with_split = draw(st.booleans()) if with_split is None else with_split

    databases = draw(partition(draw(big), min_parts=1))
    registers = draw(partition(draw(st.integers(0, 300)), min_parts=1))
    identified = sum(n for _, n in databases) + sum(n for _, n in registers)

    duplicates = draw(st.integers(0, identified))
    excluded_automatic = draw(st.integers(0, identified - duplicates))
    excluded_other = draw(st.integers(0, identified - duplicates - excluded_automatic))
    screened = identified - duplicates - excluded_automatic - excluded_other

    records_excluded = draw(st.integers(0, screened))
    by_automation = draw(st.integers(0, records_excluded))
    sought = screened - records_excluded
    not_retrieved = draw(st.integers(0, sought))
    assessed = sought - not_retrieved
    dbr_included = draw(st.integers(0, assessed))
    dbr_reasons = draw(partition(assessed - dbr_included))

    other = dict(
        website_results=0, organisation_results=0, citations_results=0,
        other_sought_reports=0, other_notretrieved_reports=0, other_assessed=0,
        other_excluded=(), other_included_reports=0,
    )
    if other_methods:
        websites, organisations, citations = (draw(st.integers(0, 200)) for _ in range(3))
        other_sought = draw(st.integers(0, websites + organisations + citations))
        other_not_retrieved = draw(st.integers(0, other_sought))
        other_assessed = other_sought - other_not_retrieved
        other_included = draw(st.integers(0, other_assessed))
        other = dict(
            website_results=websites,
            organisation_results=organisations,
            citations_results=citations,
            other_sought_reports=other_sought,
            other_notretrieved_reports=other_not_retrieved,
            other_assessed=other_assessed,
            other_excluded=draw(partition(other_assessed - other_included)),
            other_included_reports=other_included,
        )

    new_reports = dbr_included + other["other_included_reports"]
    # Every study has at least one report.
    new_studies = draw(st.integers(min(new_reports, 1), new_reports))
    previous_studies = draw(st.integers(0, 100)) if previous else 0
    previous_reports = previous_studies + draw(st.integers(0, 50)) if previous else 0

    return PrismaCounts(
        previous=previous,
        other_methods=other_methods,
        previous_studies=previous_studies,
        previous_reports=previous_reports,
        database_results=sum(n for _, n in databases),
        database_specific_results=databases,
        register_results=sum(n for _, n in registers),
        register_specific_results=registers,
        duplicates=duplicates,
        excluded_automatic=excluded_automatic,
        excluded_other=excluded_other,
        records_screened=screened,
        records_excluded=records_excluded,
        records_excluded_human=records_excluded - by_automation if with_split else None,
        records_excluded_automation=by_automation if with_split else None,
        dbr_sought_reports=sought,
        dbr_notretrieved_reports=not_retrieved,
        dbr_assessed=assessed,
        dbr_excluded=dbr_reasons,
        dbr_included_reports=dbr_included,
        new_studies=new_studies,
        new_reports=new_reports,
        total_studies=previous_studies + new_studies if previous else 0,
        total_reports=previous_reports + new_reports if previous else 0,
        **other,
    )
