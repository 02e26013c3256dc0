"""
Draw the PRISMA 2020 flow diagram as SVG, and convert it to PNG or PDF.

The layout follows the official PRISMA 2020 template (Page et al., BMJ
2021;372:n71): blue stage labels down the left (Identification, Screening,
Included), a yellow title over the databases-and-registers column, grey
columns for previous studies and for other methods, each shown only when
switched on in the counts.

The SVG is built from strings, not a template engine, so that the module
stays free of Django. Every piece of text goes through ``_escape``.
"""

from dataclasses import dataclass
import re

from .counts import PrismaCounts

FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', sans-serif"
FONT_SIZE = 13
LINE_HEIGHT = 17
PADDING = 9
MARGIN = 16

SIDE_WIDTH = 34
PREVIOUS_WIDTH = 230
MAIN_WIDTH = 250
SIDE_BOX_WIDTH = 270
OTHER_MAIN_WIDTH = 240
OTHER_SIDE_WIDTH = 250
COLUMN_GAP = 44
ROW_GAP = 34

YELLOW = "#ffc000"
GREY_TITLE = "#d9d9d9"
GREY_BOX = "#f2f2f2"
BLUE = "#9dc3e6"
WHITE = "#ffffff"
INK = "#000000"

FOOTNOTES = (
    "*Consider, if feasible to do so, reporting the number of records identified "
    "from each database or register searched (rather than the total number across "
    "all databases/registers).",
    "**If automation tools were used, indicate how many records were excluded by a "
    "human and how many were excluded by automation tools.",
    "From: Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an "
    "updated guideline for reporting systematic reviews. BMJ 2021;372:n71. "
    "doi: 10.1136/bmj.n71.",
)


@dataclass(frozen=True)
class Line:
    """One paragraph of a box; ``indent`` marks an item of a list."""

    text: str
    indent: bool = False


def render_svg(counts: PrismaCounts, *, id_prefix: str = "prisma") -> str:
    """
    Return the flow diagram as a standalone SVG document.

    Text is wrapped to the width of its box and boxes grow to fit it; every
    number is printed with thousands separators, as "(n = 1,234)". The
    ``<title>`` and ``<desc>`` repeat every box in words for screen
    readers. ``id_prefix`` keeps element ids unique when several diagrams
    share a page.
    """
    return _Diagram(counts, id_prefix).render()


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """Return the SVG as PNG bytes, ``scale`` times its size in pixels."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, background_color="white")


def svg_to_pdf(svg: str) -> bytes:
    """Return the SVG as a one-page PDF."""
    import cairosvg

    return cairosvg.svg2pdf(bytestring=svg.encode("utf-8"))


def n(value: int) -> str:
    """Return "(n = 1,234)"."""
    return f"(n = {value:,})"


def box_texts(counts: PrismaCounts) -> dict[str, list[Line]]:
    """
    Return the wording of every box shown for these counts, keyed by the
    template's box name (box1 ... box16).
    """
    c = counts
    boxes = {}
    if c.previous:
        boxes["box1"] = [
            Line(f"Studies included in previous version of review {n(c.previous_studies)}"),
            Line(f"Reports of studies included in previous version of review {n(c.previous_reports)}"),
        ]
    identified = [Line("Records identified from*:"), Line(f"Databases {n(c.database_results)}")]
    identified += [Line(f"{name} {n(value)}", indent=True) for name, value in c.database_specific_results]
    identified.append(Line(f"Registers {n(c.register_results)}"))
    identified += [Line(f"{name} {n(value)}", indent=True) for name, value in c.register_specific_results]
    boxes["box2"] = identified
    boxes["box3"] = [
        Line("Records removed before screening:"),
        Line(f"Duplicate records removed {n(c.duplicates)}", indent=True),
        Line(f"Records marked as ineligible by automation tools {n(c.excluded_automatic)}", indent=True),
        Line(f"Records removed for other reasons {n(c.excluded_other)}", indent=True),
    ]
    boxes["box3"] += [Line(f"of which: {name} {n(value)}", indent=True) for name, value in c.excluded_other_reasons]
    boxes["box4"] = [Line(f"Records screened {n(c.records_screened)}")]
    excluded = [Line(f"Records excluded** {n(c.records_excluded)}")]
    if c.records_excluded_human is not None:
        excluded.append(Line(f"By a human {n(c.records_excluded_human)}", indent=True))
    if c.records_excluded_automation is not None:
        excluded.append(Line(f"By automation tools {n(c.records_excluded_automation)}", indent=True))
    boxes["box5"] = excluded
    boxes["box6"] = [Line(f"Reports sought for retrieval {n(c.dbr_sought_reports)}")]
    boxes["box7"] = [Line(f"Reports not retrieved {n(c.dbr_notretrieved_reports)}")]
    boxes["box8"] = [Line(f"Reports assessed for eligibility {n(c.dbr_assessed)}")]
    boxes["box9"] = _reasons_box(c.dbr_excluded)
    if c.previous:
        boxes["box10"] = [
            Line(f"New studies included in review {n(c.new_studies)}"),
            Line(f"Reports of new included studies {n(c.new_reports)}"),
        ]
        boxes["box16"] = [
            Line(f"Total studies included in review {n(c.total_studies)}"),
            Line(f"Reports of total included studies {n(c.total_reports)}"),
        ]
    else:
        boxes["box10"] = [
            Line(f"Studies included in review {n(c.new_studies)}"),
            Line(f"Reports of included studies {n(c.new_reports)}"),
        ]
    if c.other_methods:
        boxes["box11"] = [
            Line("Records identified from:"),
            Line(f"Websites {n(c.website_results)}", indent=True),
            Line(f"Organisations {n(c.organisation_results)}", indent=True),
            Line(f"Citation searching {n(c.citations_results)}", indent=True),
        ]
        boxes["box12"] = [Line(f"Reports sought for retrieval {n(c.other_sought_reports)}")]
        boxes["box13"] = [Line(f"Reports not retrieved {n(c.other_notretrieved_reports)}")]
        boxes["box14"] = [Line(f"Reports assessed for eligibility {n(c.other_assessed)}")]
        boxes["box15"] = _reasons_box(c.other_excluded)
    return boxes


def _reasons_box(reasons):
    if not reasons:
        return [Line(f"Reports excluded {n(0)}")]
    total = sum(value for _, value in reasons)
    lines = [Line(f"Reports excluded {n(total)}:")]
    lines += [Line(f"{reason} {n(value)}", indent=True) for reason, value in reasons]
    return lines


class _Diagram:
    """Lay out the boxes on a grid of columns and rows, then draw them."""

    def __init__(self, counts, id_prefix):
        self.counts = counts
        self.id_prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "prisma"
        self.texts = box_texts(counts)
        self.parts = []

    # Layout ------------------------------------------------------------

    def columns(self):
        """Return {column name: (x, width)}."""
        x = MARGIN
        columns = {"side": (x, SIDE_WIDTH)}
        x += SIDE_WIDTH + COLUMN_GAP / 2
        if self.counts.previous:
            columns["previous"] = (x, PREVIOUS_WIDTH)
            x += PREVIOUS_WIDTH + COLUMN_GAP
        columns["main"] = (x, MAIN_WIDTH)
        x += MAIN_WIDTH + COLUMN_GAP
        columns["main_side"] = (x, SIDE_BOX_WIDTH)
        x += SIDE_BOX_WIDTH
        if self.counts.other_methods:
            x += COLUMN_GAP * 1.5
            columns["other"] = (x, OTHER_MAIN_WIDTH)
            x += OTHER_MAIN_WIDTH + COLUMN_GAP
            columns["other_side"] = (x, OTHER_SIDE_WIDTH)
            x += OTHER_SIDE_WIDTH
        columns["end"] = (x + MARGIN, 0)
        return columns

    # Which box sits in which (row, column).
    GRID = {
        "identification": {"previous": "box1", "main": "box2", "main_side": "box3", "other": "box11"},
        "screened": {"main": "box4", "main_side": "box5"},
        "sought": {"main": "box6", "main_side": "box7", "other": "box12", "other_side": "box13"},
        "assessed": {"main": "box8", "main_side": "box9", "other": "box14", "other_side": "box15"},
        "included": {"previous": "box16", "main": "box10"},
    }

    def render(self):
        columns = self.columns()
        width = columns["end"][0]
        wrapped = {}
        for cells in self.GRID.values():
            for column, box in cells.items():
                if box in self.texts and column in columns:
                    wrapped[box] = _wrap_lines(self.texts[box], columns[column][1] - 2 * PADDING)

        titles = self.titles(columns)
        y = MARGIN
        title_height = max(_block_height(lines) for _, _, _, lines in titles)
        for x, w, fill, lines in titles:
            self.rect(x, y, w, title_height, fill, rounded=True)
            self.text_block(x, y, w, title_height, [(line, False) for line in lines], bold=True, centre=True)
        y += title_height + ROW_GAP * 0.75

        boxes = {}
        rows = {}
        for row, cells in self.GRID.items():
            present = [box for column, box in cells.items() if box in wrapped]
            height = max(_block_height(wrapped[box]) for box in present)
            if row in ("identification", "included"):
                # Leave room for the rotated stage label beside the row.
                height = max(height, _width(row.title(), bold=True) + 2 * PADDING)
            rows[row] = (y, height)
            for column, box in cells.items():
                if box not in wrapped:
                    continue
                x, w = columns[column]
                boxes[box] = (x, y, w, height)
            y += height + ROW_GAP

        for box, (x, by, w, h) in boxes.items():
            grey = box in ("box1", "box16") or box in ("box11", "box12", "box13", "box14", "box15")
            self.rect(x, by, w, h, GREY_BOX if grey else WHITE)
            self.text_block(x, by, w, h, wrapped[box])

        self.stage_labels(columns, rows)
        self.arrows(boxes, columns, rows)

        y -= ROW_GAP / 2
        note_width = width - 2 * MARGIN
        for note in FOOTNOTES:
            lines = _wrap(note, note_width, size=FONT_SIZE - 2)
            for line in lines:
                y += LINE_HEIGHT - 2
                self.parts.append(
                    f'<text x="{MARGIN}" y="{y:.1f}" font-size="{FONT_SIZE - 2}">{_escape(line)}</text>'
                )
            y += 3
        height = y + MARGIN
        return self.document(width, height)

    def titles(self, columns):
        titles = []
        if self.counts.previous:
            x, w = columns["previous"]
            titles.append((x, w, GREY_TITLE, _wrap("Previous studies", w - 2 * PADDING, bold=True)))
        x = columns["main"][0]
        w = columns["main_side"][0] + columns["main_side"][1] - x
        titles.append(
            (x, w, YELLOW, _wrap("Identification of new studies via databases and registers",
                                 w - 2 * PADDING, bold=True))
        )
        if self.counts.other_methods:
            x = columns["other"][0]
            w = columns["other_side"][0] + columns["other_side"][1] - x
            titles.append(
                (x, w, GREY_TITLE, _wrap("Identification of new studies via other methods",
                                         w - 2 * PADDING, bold=True))
            )
        return titles

    def stage_labels(self, columns, rows):
        x, w = columns["side"]
        stages = (
            ("Identification", rows["identification"][0], sum(rows["identification"])),
            ("Screening", rows["screened"][0], sum(rows["assessed"])),
            ("Included", rows["included"][0], sum(rows["included"])),
        )
        for label, top, bottom in stages:
            self.rect(x, top, w, bottom - top, BLUE, rounded=True)
            cx, cy = x + w / 2, (top + bottom) / 2
            self.parts.append(
                f'<text x="{cx:.1f}" y="{cy + FONT_SIZE * 0.35:.1f}" text-anchor="middle" '
                f'font-weight="bold" transform="rotate(-90 {cx:.1f} {cy:.1f})">{_escape(label)}</text>'
            )

    def arrows(self, boxes, columns, rows):
        def bottom(box):
            x, y, w, h = boxes[box]
            return x + w / 2, y + h

        def top(box):
            x, y, w, h = boxes[box]
            return x + w / 2, y

        def right_of(box):
            x, y, w, h = boxes[box]
            return x + w, y + h / 2

        def left_of(box):
            x, y, w, h = boxes[box]
            return x, y + h / 2

        def down(a, b):
            self.arrow([bottom(a), top(b)])

        def across(a, b):
            start = right_of(a)
            end = left_of(b)
            self.arrow([start, (end[0], start[1])])

        down("box2", "box4")
        across("box2", "box3")
        down("box4", "box6")
        across("box4", "box5")
        down("box6", "box8")
        across("box6", "box7")
        down("box8", "box10")
        across("box8", "box9")
        if self.counts.other_methods:
            down("box11", "box12")
            across("box12", "box13")
            down("box12", "box14")
            across("box14", "box15")
            # Reports included via other methods join the included box.
            sx, sy = bottom("box14")
            ex, ey = right_of("box10")
            self.arrow([(sx, sy), (sx, ey), (ex, ey)])
        if self.counts.previous:
            down("box1", "box16")
            start = left_of("box10")
            end = right_of("box16")
            self.arrow([start, (end[0], start[1])])

    # Drawing -----------------------------------------------------------

    def rect(self, x, y, w, h, fill, rounded=False):
        radius = ' rx="8"' if rounded else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"{radius} '
            f'fill="{fill}" stroke="{INK}" stroke-width="1.2"/>'
        )

    def text_block(self, x, y, w, h, lines, bold=False, centre=False):
        """Draw wrapped lines, vertically centred in the box."""
        top = y + (h - len(lines) * LINE_HEIGHT) / 2
        weight = ' font-weight="bold"' if bold else ""
        for i, (text, indent) in enumerate(lines):
            baseline = top + i * LINE_HEIGHT + LINE_HEIGHT * 0.75
            if centre:
                self.parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{baseline:.1f}" text-anchor="middle"{weight}>'
                    f"{_escape(text)}</text>"
                )
            else:
                tx = x + PADDING + (INDENT if indent else 0)
                self.parts.append(f'<text x="{tx:.1f}" y="{baseline:.1f}"{weight}>{_escape(text)}</text>')

    def arrow(self, points):
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        self.parts.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.4"/>')
        (x1, y1), (x2, y2) = points[-2], points[-1]
        self.parts.append(_arrow_head(x1, y1, x2, y2))

    def document(self, width, height):
        title_id = f"{self.id_prefix}-title"
        desc_id = f"{self.id_prefix}-desc"
        description = " ".join(
            " ".join(line.text for line in lines) + "." for lines in self.texts.values()
        )
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'role="img" aria-labelledby="{title_id} {desc_id}">\n'
            f'<title id="{title_id}">PRISMA 2020 flow diagram</title>\n'
            f'<desc id="{desc_id}">{_escape(description)}</desc>\n'
            f'<rect width="100%" height="100%" fill="{WHITE}"/>\n'
            f'<g font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{INK}">\n'
        )
        return head + "\n".join(self.parts) + "\n</g>\n</svg>\n"


INDENT = 12


def _arrow_head(x1, y1, x2, y2, size=8):
    """Return a filled triangle pointing from (x1, y1) to the tip (x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x2 - ux * size, y2 - uy * size
    px, py = -uy * size / 2, ux * size / 2
    return (
        f'<polygon points="{x2:.1f},{y2:.1f} {bx + px:.1f},{by + py:.1f} '
        f'{bx - px:.1f},{by - py:.1f}" fill="{INK}"/>'
    )


def _block_height(lines):
    return len(lines) * LINE_HEIGHT + 2 * PADDING


def _wrap_lines(lines, width):
    """Return [(text, indent)] with every Line wrapped to width pixels."""
    wrapped = []
    for line in lines:
        available = width - (INDENT if line.indent else 0)
        for part in _wrap(line.text, available):
            # Continuation lines of a list item line up with its first line.
            wrapped.append((part, line.indent))
    return wrapped


def _wrap(text, width, size=FONT_SIZE, bold=False):
    """
    Return text broken into lines no wider than ``width`` pixels, by an
    estimate of Helvetica's glyph widths. A word wider than the line is
    cut.
    """
    words = _words(text)
    if not words:
        return [""]
    lines = []
    current = ""
    for word in words:
        while _width(word, size, bold) > width:
            # Cut an over-long word (a URL, a long database name).
            cut = len(word)
            while cut > 1 and _width(word[:cut], size, bold) > width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if _width(candidate, size, bold) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _words(text):
    """Split text at spaces, keeping each "(n = 1,234)" in one piece."""
    words = []
    for word in text.split():
        if len(words) >= 2 and words[-2] == "(n" and words[-1] == "=":
            words[-2:] = [f"(n = {word}"]
        else:
            words.append(word)
    return words


_NARROW = set("iljI.,;:'|!()[]{} ")
_SEMI = set("frt-/\\\"*")
_WIDE = set("mwMW@%")


def _width(text, size=FONT_SIZE, bold=False):
    """Return an estimate of the rendered width of text in pixels."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.28
        elif ch in _SEMI:
            em += 0.36
        elif ch in _WIDE:
            em += 0.86
        elif ch.isupper():
            em += 0.68
        elif ch.isdigit():
            em += 0.56
        elif ord(ch) > 0x2E7F:
            # CJK and other wide scripts.
            em += 1.0
        else:
            em += 0.56
    return em * size * (1.08 if bold else 1.0)


# Characters XML 1.0 forbids; they cannot even be escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text):
    """Return text safe inside an XML element or a double-quoted attribute."""
    text = _INVALID_XML.sub("", str(text))
    # Lone surrogates cannot be encoded as UTF-8.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
