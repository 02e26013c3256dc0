"""Request checks that hold for every page."""
from django.shortcuts import render

NUL = "\x00"


class RefuseNulCharacters:
    """Refuse any request whose path, query or form fields contain a NUL character (U+0000),
    with a message naming the field, before a view sees it.

    PostgreSQL text cannot hold NUL: a search, note or reason carrying one would fail in the
    database with a server error, and no legitimate text contains it, so it is refused for all
    user text here, in one place, rather than in every view. Runs at process_view, after the
    request's size checks, so it never reads a body that should not be read. An htmx request
    gets the message at the top of the page (status 422, which htmx is configured to show);
    any other request gets an error page (status 400). Nothing is saved either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        field = _field_with_nul(request)
        if field is None:
            return None
        message = (f"{field} contains a NUL character (U+0000), which no text here may contain. "
                   "Nothing was saved: remove it and try again.")
        if request.headers.get("HX-Request") == "true":
            response = render(request, "partials/refused.html", {"message": message}, status=422)
            response["HX-Retarget"] = "#main"
            response["HX-Reswap"] = "afterbegin"
            return response
        return render(request, "400.html", {"message": message}, status=400)


def _field_with_nul(request):
    """Return what holds a NUL character ("The field “q”", "The address"), or None."""
    if NUL in request.path:
        return "The address"
    sources = [request.GET]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                             "multipart/form-data"):
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values):
                return f"The field “{key.replace(NUL, '')}”"
    if len(sources) > 1:
        for key, upload in request.FILES.items():
            if NUL in (upload.name or ""):
                return f"The field “{key.replace(NUL, '')}”"
    return None

