"""Shared helpers for the parser tests: where the real export corpus lives, and reading text."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

# tests/formats/conftest.py -> parents[2] is the repository; shared material sits beside it.
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXPORTS = SHARED / "data" / "exports"


def export_path(relative: str) -> Path:
    """Return the path of a corpus file such as ``"wos-ris/ASySD__wos_test.ris"``."""
    return EXPORTS / relative


def text_stream(text: str) -> io.TextIOBase:
    """Return ``text`` as the parsers receive it: a stream opened with ``newline=""``."""
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8", newline="")


def _parse_text(parser, text: str, **kwargs) -> list:
    return list(parser(text_stream(text), filename="test.txt", **kwargs))


@pytest.fixture(name="parse_text")
def parse_text_fixture():
    """Return ``parse_text(parser, text)``: every record ``parser`` reads from ``text``."""
    return _parse_text


@pytest.fixture
def exports() -> Path:
    if not EXPORTS.is_dir():
        pytest.fail(f"the shared export corpus is missing at {EXPORTS}")
    return EXPORTS


# --- added by the "tabular" helper (CSV, BibTeX, EndNote XML, PubMed XML tests) -----------


def _parse_export(parser, relative: str, **kwargs) -> list:
    from screening.formats.text import decode_stream

    path = export_path(relative)
    if not path.is_file():
        pytest.fail(f"corpus file missing: {path}")
    with path.open("rb") as binary, decode_stream(binary, filename=path.name) as stream:
        return list(parser(stream, filename=path.name, **kwargs))


@pytest.fixture(name="parse_export")
def parse_export_fixture():
    """Return ``parse_export(parser, "folder/file")``: every record read from a corpus file,
    decoded the way the app decodes uploads."""
    return _parse_export
