import pytest

from screening.core.textdiff import marked_words


@pytest.mark.parametrize("a, b, changed_a, changed_b", [
    ("Amber lenses: a randomized trial", "Amber lenses: a randomised trial", ["randomized"], ["randomised"]),
    ("Sleep in Shift workers", "sleep in shift workers", [], []),
    ("Journal of Sleep Research", "J Sleep Res", ["Journal", "of", "Research"], ["J", "Res"]),
    ("Part 1", "Part 2", ["1"], ["2"]),
    ("", "Only here", [], ["Only", "here"]),
])
def test_it_marks_the_words_the_other_side_lacks(a, b, changed_a, changed_b):
    side_a, side_b = marked_words(a, b)
    assert [w for w, changed in side_a if changed] == changed_a
    assert [w for w, changed in side_b if changed] == changed_b
    assert " ".join(w for w, _ in side_a) == " ".join(a.split())
