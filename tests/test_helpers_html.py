"""The tests' HTML reader (tests/helpers/html.py) finds what a browser would, by selector."""
import pytest

from .helpers.html import attribute, select, select_one, text_of

PAGE = b"""<!doctype html><html><head><title>Conflicts</title></head><body>
<header><nav><details class="nav-menu current" name="site-menu"><summary>Review</summary>
  <a href="/reviews/1/conflicts/" aria-current="page">Conflicts <span class="count" title="Open conflicts">2</span></a>
</details></nav></header>
<main><section id="record-card" data-record-id="7"><p id="my-progress">
  <span class="badge">Full text</span>
  3 done &middot; 2 left</p><img src="x.png" alt=""><br>
<table><tbody><tr><td>Tom &amp; Jerry
<td>Open</tr>
<tr><td>Ann's
<td>Resolved</tbody></table>
<ul><li data-record-id="8">one<li data-record-id="9">two</ul></section></main></body></html>"""


def test_it_reads_text_with_entities_and_whitespace_collapsed():
    assert text_of(PAGE, "#my-progress") == "Full text 3 done \u00b7 2 left"
    assert [text_of(row) for row in select(PAGE, "tbody > tr")] == ["Tom & Jerry Open", "Ann's Resolved"]


def test_it_closes_elements_whose_end_tag_is_left_out_as_browsers_do():
    assert [cell.text for cell in select(PAGE, "tr td")] == ["Tom & Jerry", "Open", "Ann's", "Resolved"]
    assert [item.get("data-record-id") for item in select(PAGE, "ul > li")] == ["8", "9"]
    assert [image.children for image in select(PAGE, "section > img")] == [[]]  # a void element holds nothing
    assert text_of(PAGE, "main table") == "Tom & Jerry Open Ann's Resolved"


def test_it_matches_tags_ids_classes_and_attributes_in_context():
    link = select_one(PAGE, 'header details.nav-menu.current[name="site-menu"] a[aria-current=page]')
    assert link.get("href") == "/reviews/1/conflicts/"
    assert text_of(link, 'span.count[title="Open conflicts"]') == "2"
    assert attribute(PAGE, "section[data-record-id]", "data-record-id") == "7"
    assert select(PAGE, "header .badge") == [] and select(PAGE, "main > .badge") == []
    assert "Conflicts" not in text_of(PAGE, "main")


def test_it_numbers_elements_in_document_order():
    header, section, image = (select_one(PAGE, selector) for selector in ("header", "#record-card", "img"))
    assert header.position < section.position < image.position


def test_it_fails_naming_the_selector_when_not_exactly_one_element_matches():
    with pytest.raises(AssertionError, match="0 elements match '#nowhere'"):
        text_of(PAGE, "#nowhere")
    with pytest.raises(AssertionError, match="3 elements match"):
        attribute(PAGE, "[data-record-id]", "data-record-id")
    with pytest.raises(AssertionError, match="has no title attribute"):
        attribute(PAGE, "#record-card", "title")


def test_it_refuses_a_selector_it_does_not_understand():
    with pytest.raises(ValueError, match="unsupported selector"):
        select(PAGE, "li:first-child")
