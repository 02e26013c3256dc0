from screening.core.highlight import compile_keywords, highlight, parse_keywords


def test_it_marks_include_keywords_green_and_exclude_keywords_red():
    html = highlight("A randomised trial in mice", include=["trial"], exclude=["mice"])
    assert html == 'A randomised <mark class="kw-include">trial</mark> in <mark class="kw-exclude">mice</mark>'


def test_it_is_case_insensitive_and_keeps_the_original_case():
    assert highlight("TRIAL and Trial", include=["trial"]) == (
        '<mark class="kw-include">TRIAL</mark> and <mark class="kw-include">Trial</mark>')


def test_it_matches_whole_words_only():
    assert highlight("A trialist and a mistrial", include=["trial"]) == "A trialist and a mistrial"


def test_it_matches_plurals_and_common_endings_of_a_plain_keyword():
    html = highlight("Two trials, one child; the children", include=["trial", "child"])
    assert '<mark class="kw-include">trials</mark>' in html
    assert '<mark class="kw-include">child</mark>' in html
    assert "children" in html and '<mark class="kw-include">children' not in html


def test_a_trailing_star_matches_every_word_with_that_stem():
    html = highlight("randomised, randomized and randomly", include=["randomi*"])
    assert html.count('<mark class="kw-include">') == 2
    assert "randomly" in html and '<mark class="kw-include">randomly' not in html


def test_it_matches_a_phrase_across_any_white_space():
    html = highlight("a controlled\n trial", include=["controlled trial"])
    assert html == 'a <mark class="kw-include">controlled\n trial</mark>'


def test_the_longer_keyword_wins_and_exclude_wins_a_tie():
    assert highlight("animal study", include=["study"], exclude=["animal study"]) == (
        '<mark class="kw-exclude">animal study</mark>')
    assert highlight("rats", include=["rat"], exclude=["rat"]) == '<mark class="kw-exclude">rats</mark>'


def test_it_escapes_html_in_the_text_and_the_keyword():
    html = highlight("<script>x</script> a<b", include=["a<b"])
    assert "<script>" not in html
    assert '<mark class="kw-include">a&lt;b</mark>' in html


def test_it_returns_escaped_text_without_keywords():
    assert highlight("Tom & Jerry") == "Tom &amp; Jerry"
    assert compile_keywords([], []) is None


def test_it_reads_keyword_lists_from_settings_text():
    assert parse_keywords("trial\n  rct , trial\n\nrandomi*") == ["trial", "rct", "randomi*"]
    assert parse_keywords("") == []
