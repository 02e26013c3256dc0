"""The lead removes records before screening, for a stated reason: marked ineligible by an
automation tool, or removed for another reason. PRISMA counts the two apart."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from ..access import review_view
from ..models import Record
from ..services import records as record_services

SUGGESTED_REASONS = ("Retracted", "Conference abstract only", "Published before the search period",
                     "Not in a language the team reads", "Not a primary study (automation classifier)")


@review_view("import")
def record_removal(request, review):
    """Remove records before screening (POST action "remove") or bring removed ones back
    ("restore"); list the records that may still be removed, and the removed ones."""
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("record") if i.isdigit()]
        try:
            if request.POST.get("action") == "restore":
                count = record_services.records_restore(review=review, record_ids=ids, restored_by=request.user)
                messages.success(request, f"{count} record{'s' if count != 1 else ''} back in screening.")
            else:
                count = record_services.records_remove(
                    review=review, record_ids=ids, reason=request.POST.get("reason", ""),
                    by_automation=request.POST.get("by_automation") == "on", removed_by=request.user)
                messages.success(request, f"{count} record{'s' if count != 1 else ''} removed before screening.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.get_full_path())
    removable = Record.objects.removable_before_screening().filter(review=review).order_by("id")
    query = request.GET.get("q", "").strip()
    if query:
        removable = removable.filter(Q(title__icontains=query) | Q(journal__icontains=query))
    removed = (Record.objects.imported().filter(review=review, duplicate_of__isnull=True)
               .exclude(removed_reason="").order_by("removed_by_automation", "removed_reason", "id"))
    counts = removed.aggregate(automation=Count("id", filter=Q(removed_by_automation=True)),
                               other=Count("id", filter=Q(removed_by_automation=False)))
    return render(request, "screening/record_removal.html", {
        "review": review, "page": Paginator(removable, 50).get_page(request.GET.get("page")), "q": query,
        "removed": removed[:500], "counts": counts, "suggested": SUGGESTED_REASONS, "nav": "removal",
    })
