"""Logging filters (settings.LOGGING)."""
import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused request (403, 404 …) is the client's doing, not a fault of the app: keep its
    one line ("Forbidden (Permission denied): /reviews/1/settings/") and drop the traceback
    Django attaches to it. Server errors (5xx) keep theirs."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
