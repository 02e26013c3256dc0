"""Names of downloaded files. Pure: no Django."""
import re
import unicodedata


def file_stem(title, *, fallback, limit=50):
    """Return a file name stem for `title`: its words in lower-case ASCII joined by hyphens,
    at most `limit` characters, cut between two words, never inside one. Only a first word
    longer than `limit` is cut. `fallback` when the title has no letter or digit."""
    # Accents go (é -> e, ß -> ss); any other character outside a-z and 0-9 separates words.
    decomposed = unicodedata.normalize("NFKD", (title or "").casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", letters)
    stem = ""
    for word in words:
        longer = f"{stem}-{word}" if stem else word
        if len(longer) > limit:
            break
        stem = longer
    if not stem and words:
        stem = words[0][:limit]
    return stem or fallback
