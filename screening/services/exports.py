"""Streaming exports of a review's records. Large reviews never sit whole in memory."""
import csv
import io
from itertools import islice

from ..formats.writers import CSV_COLUMNS, _csv_row, write_ris
from .imports import record_to_parsed

CHUNK = 500


def _chunks(queryset):
    iterator = queryset.iterator(chunk_size=CHUNK)
    while batch := list(islice(iterator, CHUNK)):
        yield batch


def stream_records_ris(records):
    buffer = io.StringIO()
    for batch in _chunks(records):
        write_ris((record_to_parsed(record) for record in batch), buffer)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def stream_records_csv(records, extra_columns=(), extra_values=None):
    """Yield CSV text: the importable record columns, then `extra_columns` whose values
    `extra_values(record)` returns (decisions, stage, reasons …)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(CSV_COLUMNS) + list(extra_columns))
    for batch in _chunks(records):
        for record in batch:
            row = _csv_row(record_to_parsed(record))
            if extra_values is not None:
                row += list(extra_values(record))
            writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
