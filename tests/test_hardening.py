"""Hardening: the Content-Security-Policy on every page, and uploads over the limit refused
from their Content-Length, unread."""
import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_policy_that_allows_no_inline_script_or_style(client, review, carol):
    client.force_login(carol)
    for url in ["/", f"/reviews/{review.pk}/", f"/reviews/{review.pk}/members/", "/accounts/login/"]:
        policy = client.get(url, follow=True)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script_style_or_event_handler():
    import re

    from django.conf import settings

    templates = [path for folder in [settings.BASE_DIR / "templates", settings.BASE_DIR / "screening"]
                 for path in folder.rglob("*.html")]
    assert len(templates) > 30
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)
    offenders = [f"{path.name}: {match.group(0)}" for path in templates for match in inline.finditer(path.read_text())]
    assert offenders == []


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@override_settings(IMPORT_MAX_UPLOAD_MB=5)
def test_an_upload_over_the_limit_is_refused_from_its_content_length_before_its_body_is_read(client, review,
                                                                                                carol):
    client.force_login(carol)
    response = client.generic(
        "POST", f"/reviews/{review.pk}/imports/upload/", b"", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(7 * 1024 * 1024), HTTP_REFERER=f"http://testserver/reviews/{review.pk}/imports/",
        **{"wsgi.input": UnreadableBody()})
    assert response.status_code == 413
    page = response.content.decode()
    assert "This upload is 7 MB; the limit is 5 MB for one upload" in page and "Nothing was received" in page
    assert f'href="http://testserver/reviews/{review.pk}/imports/"' in page
    assert review.imports.count() == 0


@override_settings(IMPORT_MAX_UPLOAD_MB=5)
def test_an_upload_under_the_limit_goes_through(client, review, carol):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers.imports import TWO_RIS_RECORDS

    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/imports/upload/",
                           {"files": SimpleUploadedFile("two.ris", TWO_RIS_RECORDS.encode()),
                            "identified_via": "database"})
    assert response.status_code == 302 and review.imports.count() == 1
