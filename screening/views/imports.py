from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import review_view
from ..core.databases import known_databases
from ..core.filenames import file_stem
from ..formats import FORMATS
from ..formats.record import ParsedRecord
from ..models import IdentifiedVia, Import
from ..services import imports as import_services
from ..selectors.imports import import_summary
from ..services.exports import stream_records_csv, stream_records_ris


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    files = forms.FileField(
        label="Export files",
        widget=MultipleFileInput(),
        help_text="RIS, MEDLINE/.nbib, PubMed XML or CSV, Web of Science, Scopus, Embase, EBSCO, "
        "Cochrane, BibTeX, EndNote XML or tagged (.enw), CSL-JSON, or any CSV/TSV. "
        "The format is read from the content.",
    )
    identified_via = forms.ChoiceField(label="These records come from", choices=IdentifiedVia.choices,
                                       initial=IdentifiedVia.DATABASE)


class ProvenanceForm(forms.Form):
    database = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"list": "known-databases", "autocomplete": "off"}),
        help_text="e.g. MEDLINE, Embase, APA PsycInfo, CINAHL. A known database's other names become its usual one.")
    platform = forms.CharField(max_length=200, required=False, help_text="e.g. PubMed, Ovid, EBSCOhost")
    searched_on = forms.DateField(label="Date searched", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    search_string = forms.CharField(label="Search string", required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    identified_via = forms.ChoiceField(choices=IdentifiedVia.choices)
    is_update = forms.BooleanField(
        label="Records from a search update", required=False,
        help_text="For an updated review: PRISMA counts only records from search updates as new.")
    import_again = forms.BooleanField(label="Import it again anyway", required=False)


class ReadAsForm(forms.Form):
    format = forms.ChoiceField(label="Read as", choices=[("", "Detect from content")] + list(FORMATS.items()),
                               required=False)


@review_view("import")
def import_list(request, review):
    form = UploadForm()
    imports = review.imports.exclude(status=Import.Status.CANCELLED).select_related("job", "created_by", "pubmed_run")
    per_database = import_summary(review)["per_database"]
    return render(request, "screening/import_list.html", {
        "review": review, "form": form, "imports": imports, "per_database": per_database,
        "max_mb": settings.IMPORT_MAX_UPLOAD_MB, "nav": "imports", "known_databases": known_databases(),
    })


@review_view("import")
@require_POST
def import_upload(request, review):
    files = request.FILES.getlist("files")
    if not files or request.POST.get("identified_via") not in IdentifiedVia.values:
        messages.error(request, "Choose at least one export file.")
        return redirect("import_list", review_id=review.pk)
    limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    too_big = [f.name for f in files if f.size > limit]
    if too_big:
        messages.error(request, f"{', '.join(too_big)}: larger than the {settings.IMPORT_MAX_UPLOAD_MB} MB limit.")
        return redirect("import_list", review_id=review.pk)
    empty = [f.name for f in files if f.size == 0]
    if empty:
        messages.error(request, f"{', '.join(empty)}: the file is empty.")
        return redirect("import_list", review_id=review.pk)
    job = import_services.imports_upload(review=review, files=files, uploaded_by=request.user,
                                         identified_via=request.POST["identified_via"])
    return redirect("import_check", review_id=review.pk, job_id=job.pk)


@review_view("import")
def import_check(request, review, job_id):
    """While the check job runs, show its progress; then one report and one provenance form
    per file, and a single Confirm."""
    job = get_object_or_404(review.jobs, pk=job_id, kind="import_check")
    imports = list(review.imports.filter(pk__in=job.params.get("import_ids", [])).order_by("pk"))
    forms_by_import = []
    for import_ in imports:
        initial = {"database": import_.database, "platform": import_.platform, "identified_via": import_.identified_via}
        form = ProvenanceForm(request.POST or None, prefix=f"i{import_.pk}", initial=initial)
        if not import_.check_report.get("already_imported"):
            del form.fields["import_again"]  # only a file imported before needs the lead's consent
        forms_by_import.append((import_, form, ReadAsForm(prefix=f"f{import_.pk}", initial={"format": import_.format})))
    if request.method == "POST" and job.is_finished:
        return _confirm(request, review, forms_by_import)
    return render(request, "screening/import_check.html", {
        "review": review, "job": job, "forms_by_import": forms_by_import, "nav": "imports",
        "known_databases": known_databases(),
        "fields": [f.name for f in ParsedRecord.__dataclass_fields__.values()
                   if f.name not in ("raw", "line", "extra")],
    })


def _confirm(request, review, forms_by_import):
    chosen = [(import_, form) for import_, form, _ in forms_by_import
              if import_.status == Import.Status.CHECKED and import_.check_report.get("state") == "ok"
              and request.POST.get(f"i{import_.pk}-include") == "on"]
    if not chosen:
        messages.error(request, "Tick at least one readable file to import.")
        return redirect(request.path)
    invalid = [import_ for import_, form in chosen if not form.is_valid()]
    needs_consent = [import_ for import_, form in chosen
                     if form.is_valid() and import_.check_report.get("already_imported")
                     and not form.cleaned_data["import_again"]]
    if invalid or needs_consent:
        for import_ in needs_consent:
            messages.warning(request, f"{import_.filename} was imported into this review before. "
                             "Tick “Import it again anyway” to import it a second time.")
        for import_ in invalid:
            messages.error(request, f"{import_.filename}: name the database it came from.")
        return render(request, "screening/import_check.html", {
            "review": review, "job": get_object_or_404(review.jobs, pk=request.resolver_match.kwargs["job_id"]),
            "forms_by_import": forms_by_import, "nav": "imports", "known_databases": known_databases(),
        })
    for import_, form in chosen:
        data = form.cleaned_data
        import_services.import_confirm(
            import_=import_, database=data["database"], platform=data["platform"], searched_on=data["searched_on"],
            search_string=data["search_string"], identified_via=data["identified_via"], is_update=data["is_update"],
            confirmed_by=request.user)
    for import_, _, _ in forms_by_import:
        if import_.status == Import.Status.CHECKED and import_ not in [c[0] for c in chosen]:
            import_services.import_cancel(import_=import_)
    messages.success(request, f"Importing {len(chosen)} file{'s' if len(chosen) != 1 else ''}. "
                     "You can leave this page; progress is shown below.")
    return redirect("import_list", review_id=review.pk)


@review_view("import")
@require_POST
def import_recheck(request, review, import_id):
    """Check one file again, read as another format or with another column mapping."""
    import_ = get_object_or_404(review.imports, pk=import_id, status=Import.Status.CHECKED)
    format = request.POST.get(f"f{import_.pk}-format") or None
    column_map = {key[len(f"map{import_.pk}-"):]: value for key, value in request.POST.items()
                  if key.startswith(f"map{import_.pk}-") and value}
    import_.column_map = column_map
    import_.save(update_fields=["column_map"])
    import_services.import_check(import_=import_, format=format, column_map=column_map or None)
    job_id = request.POST.get("job_id")
    return redirect("import_check", review_id=review.pk, job_id=job_id)


@review_view("import")
@require_POST
def import_rename_database(request, review, import_id):
    """The lead corrects the database an import's records came from; PRISMA follows."""
    import_ = get_object_or_404(review.imports, pk=import_id)
    try:
        import_services.import_rename_database(import_=import_, database=request.POST.get("database", ""),
                                               renamed_by=request.user)
    except ValueError as error:
        messages.error(request, f"{import_.filename}: {error}")
    else:
        messages.success(request, f"{import_.filename}: database is now {import_.database}.")
    return redirect("import_list", review_id=review.pk)


@review_view("import")
@require_POST
def import_cancel(request, review, import_id):
    import_ = get_object_or_404(review.imports, pk=import_id)
    import_services.import_cancel(import_=import_)
    messages.info(request, f"{import_.filename} was not imported.")
    return redirect("import_list", review_id=review.pk)


@review_view("import")
@require_POST
def import_discard(request, review, import_id):
    """Delete an upload left at the check, and its stored file."""
    import_ = get_object_or_404(review.imports, pk=import_id)
    if import_services.import_discard(import_=import_):
        messages.success(request, f"{import_.filename} was discarded: the upload and its stored file are deleted.")
    else:
        messages.error(request, f"{import_.filename} was not discarded: it is no longer awaiting confirmation.")
    job_id = request.POST.get("job_id", "")
    if job_id.isdigit() and review.jobs.filter(pk=job_id, kind="import_check").exists():
        return redirect("import_check", review_id=review.pk, job_id=job_id)
    return redirect("import_list", review_id=review.pk)


@review_view("import")
def import_progress(request, review, import_id):
    import_ = get_object_or_404(review.imports.select_related("job", "pubmed_run"), pk=import_id)
    return render(request, "screening/import_list.html#import-row", {"review": review, "import_": import_})


@review_view("export")
def records_export(request, review, file_format):
    if file_format not in ("ris", "csv"):
        raise Http404("Records export as .ris or .csv.")
    records = review.records.imported().order_by("source_import_id", "source_index")
    name = file_stem(review.title, fallback=f"review-{review.pk}")
    if file_format == "ris":
        response = StreamingHttpResponse(stream_records_ris(records),
                                         content_type="application/x-research-info-systems")
    else:
        response = StreamingHttpResponse(stream_records_csv(records), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-records.{file_format}"'
    return response
