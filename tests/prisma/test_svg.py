import dataclasses
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from screening.prisma import render_svg, svg_to_pdf, svg_to_png

from .histories import EXAMPLE, review_histories

SVG = "{http://www.w3.org/2000/svg}"

# Every box of the example in the template's words.
EXAMPLE_PHRASES = [
    "Previous studies",
    "Identification of new studies via databases and registers",
    "Identification of new studies via other methods",
    "Identification", "Screening", "Included",
    "Studies included in previous version of review (n = 12)",
    "Reports of studies included in previous version of review (n = 15)",
    "Records identified from*:",
    "Databases (n = 1,523)",
    "MEDLINE (Ovid), 1946 onwards (n = 911)",
    "Embase & <Emtree> (n = 612)",
    "Registers (n = 41)",
    "ClinicalTrials.gov (n = 41)",
    "Records removed before screening:",
    "Duplicate records removed (n = 402)",
    "Records marked as ineligible by automation tools (n = 33)",
    "Records removed for other reasons (n = 11)",
    "Records screened (n = 1,118)",
    "Records excluded** (n = 1,004)",
    "By a human (n = 951)",
    "By automation tools (n = 53)",
    "Reports sought for retrieval (n = 114)",
    "Reports not retrieved (n = 7)",
    "Reports assessed for eligibility (n = 107)",
    "Reports excluded (n = 83):",
    "Wrong population (n = 44)",
    "Wrong design; not randomised (n = 39)",
    "Records identified from:",
    "Websites (n = 8)",
    "Organisations (n = 3)",
    "Citation searching (n = 27)",
    "Reports sought for retrieval (n = 21)",
    "Reports not retrieved (n = 2)",
    "Reports assessed for eligibility (n = 19)",
    "Reports excluded (n = 13):",
    "No control group (n = 13)",
    "New studies included in review (n = 22)",
    "Reports of new included studies (n = 30)",
    "Total studies included in review (n = 34)",
    "Reports of total included studies (n = 45)",
]


def drawn_text(svg):
    """Return the diagram's visible text, wrapped lines joined by spaces."""
    root = ET.fromstring(svg.encode("utf-8"))
    return " ".join(element.text or "" for element in root.iter(f"{SVG}text"))


def test_it_draws_every_box_of_the_example():
    text = drawn_text(render_svg(EXAMPLE))
    for phrase in EXAMPLE_PHRASES:
        assert phrase in text, phrase


def test_it_is_accessible():
    root = ET.fromstring(render_svg(EXAMPLE, id_prefix="fig1").encode("utf-8"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "fig1-title fig1-desc"
    assert root.find(f"{SVG}title").text == "PRISMA 2020 flow diagram"
    description = root.find(f"{SVG}desc").text
    for phrase in ("Databases (n = 1,523)", "Wrong population (n = 44)", "Reports of total included studies (n = 45)"):
        assert phrase in description


@pytest.mark.parametrize(
    "previous, other_methods, present, absent",
    [
        (False, False, ["Studies included in review (n = 22)"], ["Previous studies", "Websites", "Total studies"]),
        (True, False, ["Previous studies", "Total studies included in review"], ["Websites"]),
        (False, True, ["Websites (n = 8)", "Identification of new studies via other methods"], ["Previous studies"]),
    ],
)
def test_it_draws_an_arm_only_when_it_is_switched_on(previous, other_methods, present, absent):
    text = drawn_text(render_svg(dataclasses.replace(EXAMPLE, previous=previous, other_methods=other_methods)))
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


def test_it_wraps_long_names_inside_their_box():
    long_name = "A remarkably long database name " * 6
    svg = render_svg(dataclasses.replace(EXAMPLE, database_specific_results=((long_name.strip(), 911), ("Embase",
                                                                                                        612))))
    root = ET.fromstring(svg.encode("utf-8"))
    lines = [element.text for element in root.iter(f"{SVG}text") if element.text and "remarkably" in element.text]
    assert len(lines) >= 4
    assert "A remarkably long database name " * 5 in " ".join(drawn_text(svg).split()) + " "


def test_it_escapes_text_that_would_break_the_xml():
    nasty = 'Tom & "Jerry" <script>alert(1)</script>\x00\x07'
    svg = render_svg(dataclasses.replace(EXAMPLE, dbr_excluded=((nasty, 44), ("Wrong design", 39))))
    assert "<script>" not in svg
    assert 'Tom & "Jerry" <script>alert(1)</script> (n = 44)' in drawn_text(svg)


@settings(max_examples=40, deadline=None)
@given(review_histories())
def test_it_draws_valid_xml_with_every_number_of_a_random_review(counts):
    svg = render_svg(counts)
    text = drawn_text(svg)
    shown = [
        counts.database_results, counts.register_results, counts.duplicates,
        counts.excluded_automatic, counts.excluded_other, counts.records_screened,
        counts.records_excluded, counts.dbr_sought_reports, counts.dbr_notretrieved_reports,
        counts.dbr_assessed, counts.new_studies, counts.new_reports,
    ]
    shown += [n for _, n in counts.database_specific_results + counts.register_specific_results + counts.dbr_excluded]
    if counts.previous:
        shown += [counts.previous_studies, counts.previous_reports, counts.total_studies, counts.total_reports]
    if counts.other_methods:
        shown += [
            counts.website_results, counts.organisation_results, counts.citations_results,
            counts.other_sought_reports, counts.other_notretrieved_reports, counts.other_assessed,
        ]
        shown += [n for _, n in counts.other_excluded]
    for number in shown:
        assert f"(n = {number:,})" in text


def test_it_converts_to_png_and_pdf():
    svg = render_svg(EXAMPLE)
    assert svg_to_png(svg).startswith(b"\x89PNG\r\n\x1a\n")
    assert svg_to_pdf(svg).startswith(b"%PDF-")


def test_it_says_what_the_records_removed_for_other_reasons_were_when_broken_down():
    counts = dataclasses.replace(EXAMPLE, excluded_other_reasons=(
        ("Notices linked to their article (errata, comments, retractions)", 9), ("Removed by a lead", 2)))
    text = drawn_text(render_svg(counts))
    assert "Records removed for other reasons (n = 11)" in text
    assert "of which: Notices linked to their article (errata, comments, retractions) (n = 9)" in text
    assert "of which: Removed by a lead (n = 2)" in text
    assert "of which" not in drawn_text(render_svg(EXAMPLE))
