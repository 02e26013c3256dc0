"""A refused request logs one line; a server error keeps its traceback."""
import io
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reviewapp.logfilters import ClientErrorWithoutTraceback


def a_record(status_code):
    try:
        raise PermissionDenied("Only a lead of this review can do this.")
    except PermissionDenied:
        import sys

        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s",
                                   ("/reviews/1/settings/",), sys.exc_info())
    record.status_code = status_code
    return record


@pytest.mark.parametrize("status_code", [403, 404, 410])
def test_a_refused_request_keeps_its_line_and_loses_the_traceback(status_code):
    record = a_record(status_code)
    assert ClientErrorWithoutTraceback().filter(record) is True
    assert record.exc_info is None
    assert logging.Formatter().format(record) == "Forbidden (Permission denied): /reviews/1/settings/"


def test_a_server_error_keeps_its_traceback():
    record = a_record(500)
    ClientErrorWithoutTraceback().filter(record)
    assert "Traceback" in logging.Formatter().format(record)


def test_a_record_from_anything_else_passes_unchanged():
    record = logging.LogRecord("screening", logging.ERROR, __file__, 1, "job failed", (), None)
    assert ClientErrorWithoutTraceback().filter(record) is True and record.msg == "job failed"


@pytest.mark.django_db
def test_a_reviewer_opening_the_settings_logs_one_line_without_a_traceback(client, review, alice):
    """Through the handlers settings.LOGGING configures, as the console shows them."""
    console = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers  # the console handler, not pytest's own
                if any(isinstance(f, ClientErrorWithoutTraceback) for f in h.filters)]
    assert handlers
    previous = [h.setStream(console) for h in handlers]
    try:
        client.force_login(alice)
        assert client.get(reverse("review_settings", args=[review.pk])).status_code == 403
    finally:
        for handler, stream in zip(handlers, previous):
            handler.setStream(stream)
    assert console.getvalue().count("Forbidden (Permission denied): ") == 1, console.getvalue()
    assert "Traceback" not in console.getvalue()
