"""The review's navigation: its pages grouped by the work (screening; records in; reports
out; team), each shown only to the roles that may open it, the current page marked from the
URL being served (so every page is marked, whatever its view passes), and the number of
open conflicts for a lead."""
from django import template
from django.urls import reverse

from ..access import PERMISSIONS
from ..models import RecordStage

register = template.Library()

# (group, [(label, URL name, action the page needs, URL names that count as this page)])
GROUPS = (
    ("Screening", (
        ("Screen titles and abstracts", "screen", "screen", {"screen", "decide", "screen_undo"}),
        ("My decisions", "my_decisions", "screen", {"my_decisions"}),
        ("Screen full texts", "fulltext_screen", "screen", {"fulltext_screen", "fulltext_decide",
                                                            "fulltext_screen_undo"}),
        ("My full-text decisions", "fulltext_my_decisions", "screen", {"fulltext_my_decisions"}),
        ("Conflicts", "conflicts", "resolve", {"conflicts", "fulltext_conflicts", "resolve", "fulltext_resolve"}),
        ("All records", "lead_records", "resolve", {"lead_records", "lead_record", "fulltext_lead_records",
                                                    "fulltext_lead_record"}),
        ("Pilot round", "pilot", "manage", {"pilot"}),
    )),
    ("Records in", (
        ("Import files", "import_list", "import", {"import_list", "import_upload", "import_check"}),
        ("Search PubMed", "pubmed_search", "import", {"pubmed_search", "pubmed_import", "pubmed_run"}),
        ("Duplicates", "dedup_overview", "deduplicate", {"dedup_overview", "dedup_queue", "merge_list"}),
        ("Remove before screening", "record_removal", "import", {"record_removal"}),
        ("Full texts", "fulltext_list", "screen", {"fulltext_list"}),
    )),
    ("Reports out", (
        ("PRISMA diagram", "prisma", "export", {"prisma", "prisma_previous"}),
        ("Studies", "studies", "resolve", {"studies"}),
        ("Exports", "exports", "export", {"exports"}),
    )),
    ("Team", (
        ("Members", "member_list", "manage", {"member_list"}),
        ("Settings", "review_settings", "manage", {"review_settings"}),
    )),
)


def nav_groups(role, review_id, current_url_name):
    """Return the groups `role` sees: [{"label", "current", "items": [{"label", "url",
    "current", "name"}]}]; groups with no page for the role are left out."""
    groups = []
    for label, pages in GROUPS:
        items = [{"label": page_label, "name": name, "url": reverse(name, args=[review_id]),
                  "current": current_url_name in marks}
                 for page_label, name, action, marks in pages if role in PERMISSIONS[action]]
        if items:
            groups.append({"label": label, "items": items, "current": any(i["current"] for i in items)})
    return groups


@register.inclusion_tag("partials/review_nav.html", takes_context=True)
def review_nav(context, review):
    request = context["request"]
    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    if membership is None:
        return {"review": review, "groups": [], "dashboard_current": False}
    groups = nav_groups(membership.role, review.pk, url_name)
    conflicts = 0
    if membership.role in PERMISSIONS["resolve"]:
        conflicts = RecordStage.objects.open_conflicts(review).count()
    return {"review": review, "groups": groups, "open_conflicts": conflicts,
            "dashboard_current": url_name in {"review_dashboard", "job_detail"}}
