"""Stage-aware URLs: title/abstract and full text share their screening views and templates,
with URL names that differ by a "fulltext_" prefix."""
from django import template
from django.urls import reverse

register = template.Library()

FULL_TEXT = "full_text"


def stage_url_name(name, stage):
    """Return the URL name of view `name` at `stage` ("screen" -> "fulltext_screen")."""
    return f"fulltext_{name}" if stage == FULL_TEXT else name


@register.simple_tag
def stage_url(name, stage, *args):
    """{% stage_url 'screen' stage review.pk %}: the URL of a screening view at `stage`
    (title/abstract when `stage` is empty)."""
    return reverse(stage_url_name(name, stage), args=args)
