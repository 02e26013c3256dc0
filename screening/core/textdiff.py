"""Word-level differences between two values, for showing a candidate pair side by side."""
from difflib import SequenceMatcher


def marked_words(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Split both values into words and flag, on each side, the words the other lacks.

    Case is ignored when matching words, so "Randomised" and "randomised" are not marked.
    """
    words_a, words_b = str(a).split(), str(b).split()
    matcher = SequenceMatcher(a=[w.casefold() for w in words_a], b=[w.casefold() for w in words_b],
                              autojunk=False)
    side_a, side_b = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        side_a.extend((word, changed) for word in words_a[i1:i2])
        side_b.extend((word, changed) for word in words_b[j1:j2])
    return side_a, side_b
