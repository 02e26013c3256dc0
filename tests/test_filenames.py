"""Download names from a review's title: words kept whole."""
import pytest

from screening.core.filenames import file_stem


@pytest.mark.parametrize("title, stem", [
    ("Blue light and sleep", "blue-light-and-sleep"),
    # 50 characters would end inside "systematic": the whole word goes.
    ("Blue-light filtering and sleep quality in adults: a systematic review",
     "blue-light-filtering-and-sleep-quality-in-adults-a"),
    ("Écrans, lumière bleue et sommeil", "ecrans-lumiere-bleue-et-sommeil"),
    ("Straße und Schlaf", "strasse-und-schlaf"),
    ("  COVID-19 & vitamin D (2020–2024)  ", "covid-19-vitamin-d-2020-2024"),
])
def test_it_keeps_whole_words_within_the_limit(title, stem):
    assert file_stem(title, fallback="review-1") == stem
    assert len(stem) <= 50


def test_a_word_ending_exactly_at_the_limit_stays():
    assert file_stem("abcde fghij klmno", fallback="x", limit=11) == "abcde-fghij"


def test_only_a_first_word_longer_than_the_limit_is_cut():
    assert file_stem("Pneumonoultramicroscopicsilicovolcanoconiosis in miners", fallback="x", limit=20) == \
        "pneumonoultramicrosc"


@pytest.mark.parametrize("title", ["", "   ", "— ? —", "睡眠"])
def test_a_title_without_latin_letters_or_digits_gives_the_fallback(title):
    assert file_stem(title, fallback="review-7") == "review-7"
