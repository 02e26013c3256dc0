def wants_partial(request):
    """True when htmx asked for a fragment rather than a whole page (and did not ask to
    replace the whole body by boosting)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
