"""Checks and headers that hold for every request: the Content-Security-Policy header, the upload
size limit read from Content-Length, and the refusal of NUL characters in user text."""
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header on every HTML page.

    The pages need no inline script, no inline style, no eval and nothing from another origin
    (htmx and the app's scripts are served from /static/), so the policy allows only this
    origin: an injected <script> or on* attribute would not run. Files (PDFs, CSV, SVG
    downloads) are not pages and are left to the browser's viewer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class UploadSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than the upload limit, before anything
    reads the body (the CSRF check would read a form's body to find its token).

    A 700 MB upload against a 512 MB limit is answered at once with 413 and a page that says
    so, instead of being received, stored in a temporary file and only then refused.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads such a body as empty
        if declared > limit:
            back = request.META.get("HTTP_REFERER", "")
            html = render_to_string("413.html", {
                "size_mb": -(-declared // (1024 * 1024)), "limit_mb": settings.IMPORT_MAX_UPLOAD_MB,
                "back": back if back.startswith(("/", f"{request.scheme}://{request.get_host()}/")) else "/",
            })
            response = HttpResponse(html, status=413)
            response["Connection"] = "close"  # the body that follows is not read
            return response
        return self.get_response(request)


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

