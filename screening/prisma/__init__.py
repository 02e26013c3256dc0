"""
PRISMA 2020 flow diagram: the counts, their sums, the diagram and exports.

Pure Python, no Django; the caller builds a ``PrismaCounts`` from the
review's state.
"""

from .counts import PrismaCounts, SumMismatch, check_sums
from .svg import render_svg, svg_to_pdf, svg_to_png
from .template_csv import to_json, to_template_csv

__all__ = [
    "PrismaCounts",
    "SumMismatch",
    "check_sums",
    "render_svg",
    "svg_to_pdf",
    "svg_to_png",
    "to_json",
    "to_template_csv",
]
