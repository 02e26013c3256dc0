"""Response headers Django 5.2 does not set itself."""
from django.conf import settings
from django.http import HttpResponse
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
