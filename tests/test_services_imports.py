import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile

from screening.formats import ImportFormatError, open_export
from screening.models import Import, Job, Record
from screening.services import imports, jobs

from .helpers.imports import ENTREZ, EMBASE_RIS, EXPORTS, PUBMED_NBIB, TWO_RIS_RECORDS, upload, upload_text

pytestmark = pytest.mark.django_db


def upload_and_check(review, carol, *files):
    check_job = imports.imports_upload(review=review, files=list(files), uploaded_by=carol)
    jobs.job_run(job_id=check_job.pk)
    return [Import.objects.get(pk=pk) for pk in check_job.params["import_ids"]]


def confirm_and_import(import_, carol, database="Embase", **extra):
    import_ = imports.import_confirm(import_=import_, database=database, platform="Embase.com", confirmed_by=carol,
                                     **extra)
    return jobs.job_run(job_id=import_.job_id)


def test_checking_a_file_stores_a_report_and_no_record(review, carol):
    [import_] = upload_and_check(review, carol, upload(EMBASE_RIS))
    report = import_.check_report
    assert report["state"] == "ok"
    assert (report["format"], report["record_count"]) == ("ris", 6)
    assert dict((name, count) for name, count, _ in report["coverage"])["title"] == 6
    assert import_.database == "Embase"  # named by the file itself
    assert Record.objects.count() == 0


def test_confirming_imports_every_record_with_its_provenance(review, carol):
    [import_] = upload_and_check(review, carol, upload(EMBASE_RIS))
    job = confirm_and_import(import_, carol, search_string="exp sleep/", searched_on=None)
    import_.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert import_.status == Import.Status.IMPORTED and import_.record_count == 6
    records = Record.objects.filter(source_import=import_).order_by("source_index")
    assert records.count() == 6
    assert all(r.title for r in records)
    assert records[0].source_import.search_string == "exp sleep/"
    assert list(records.values_list("source_index", flat=True)) == list(range(6))


def test_running_the_same_import_job_twice_stores_nothing_twice(review, carol):
    [import_] = upload_and_check(review, carol, upload(EMBASE_RIS))
    job = confirm_and_import(import_, carol)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PENDING)
    jobs.job_run(job_id=job.pk)
    assert Record.objects.filter(source_import=import_).count() == 6


def test_a_double_confirm_queues_one_import(review, carol):
    [import_] = upload_and_check(review, carol, upload(EMBASE_RIS))
    first = imports.import_confirm(import_=import_, database="Embase", confirmed_by=carol)
    second = imports.import_confirm(import_=import_, database="Embase", confirmed_by=carol)
    assert first.job_id == second.job_id
    assert Job.objects.filter(kind="import_records").count() == 1


def pubmed_xml_with(articles, cut_last=False):
    blocks = []
    for name in articles:
        text = (ENTREZ / name).read_text(encoding="utf-8")
        blocks.append(re.search(r"<PubmedArticle>.*?</PubmedArticle>", text, re.S).group(0))
    if cut_last:
        blocks[-1] = blocks[-1][: len(blocks[-1]) // 2]
    return '<?xml version="1.0"?>\n<PubmedArticleSet>\n' + "\n".join(blocks) + (
        "" if cut_last else "\n</PubmedArticleSet>\n")


def test_a_file_that_fails_on_its_last_record_is_refused_at_the_check(review, carol):
    articles = ["biopython__pubmed4.xml", "biopython__pubmed5.xml", "biopython__pubmed6.xml"]
    [import_] = upload_and_check(review, carol, upload_text("efetch.xml", pubmed_xml_with(articles, cut_last=True)))
    assert import_.check_report["state"] == "error"
    assert "efetch.xml, line" in import_.check_report["error"]
    assert not imports.staged_rows_path(import_).exists()
    assert Record.objects.count() == 0


def test_an_import_that_fails_on_its_last_record_leaves_nothing_and_says_why(review, carol):
    articles = ["biopython__pubmed4.xml", "biopython__pubmed5.xml", "biopython__pubmed6.xml"]
    [import_] = upload_and_check(review, carol, upload_text("efetch.xml", pubmed_xml_with(articles)))
    assert import_.check_report["record_count"] == 3
    # Between the check and the import the staged rows lose the end of their last row (a
    # disk filling up): the first two rows reach the database before the third fails.
    staged = imports.staged_rows_path(import_)
    rows = staged.read_text(encoding="utf-8").splitlines(keepends=True)
    staged.write_text("".join(rows[:2]) + rows[2][: len(rows[2]) // 3] + "\n", encoding="utf-8")
    job = confirm_and_import(import_, carol, database="MEDLINE")
    import_.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Nothing from efetch.xml was imported.")
    assert "Check the file again" in job.error
    assert import_.status == Import.Status.FAILED and import_.error
    assert Record.objects.count() == 0


ODD_CHARACTERS_RIS = (
    # Backslashes, quotes, accents, CRLF line ends and no year: escaped by the quick path, a
    # run of fields at a time.
    'TY  - JOUR\r\nTI  - C:\\temp\\N and "quotes" in a caf\u00e9\r\nAU  - M\u00fcller, J\\rg\r\n'
    "KW  - back\\slash\r\nUR  - https://example.org/a\\b\r\nER  - \r\n"
    # A tab inside a value.
    "TY  - JOUR\nTI  - A tab\tinside\nPY  - 2020\nN1  - note\twith tab\nER  - \n"
)


def import_text(review, carol, filename, text, database="Embase"):
    """Import `text` as the file `filename`; return the import, the records as parsed and as stored."""
    [import_] = upload_and_check(review, carol, upload_text(filename, text))
    confirm_and_import(import_, carol, database=database)
    parsed = list(open_export(io.BytesIO(text.encode()), filename=filename).records())
    import_.refresh_from_db()
    return import_, parsed, list(Record.objects.filter(source_import=import_).order_by("source_index"))


def test_every_character_of_a_record_reaches_the_database(review, carol):
    _import, parsed, stored = import_text(review, carol, "odd.ris", ODD_CHARACTERS_RIS)
    assert len(stored) == len(parsed) == 2
    for record, source in zip(stored, parsed):
        assert record.title == source.title
        assert (record.authors, record.keywords, record.urls) == (
            list(source.authors), list(source.keywords), list(source.urls))
        assert record.year == source.year
    assert stored[0].authors == ["M\u00fcller, J\\rg"] and stored[0].year is None
    assert stored[1].title == "A tab inside"


def test_an_ris_record_keeps_no_copy_of_its_source_text_which_stays_in_the_stored_file(review, carol):
    import_, _parsed, stored = import_text(review, carol, "odd.ris", ODD_CHARACTERS_RIS)
    assert [record.raw for record in stored] == ["", ""]
    with import_.file.open("rb") as stored_file:
        assert stored_file.read().decode() == ODD_CHARACTERS_RIS


ODD_CHARACTERS_MEDLINE = (
    # MEDLINE keeps its source text (the dedup run reads every PT and the citing fields from
    # it): backslashes, quotes, accents and CRLF line ends reach the database, and so does a
    # tab, which the quick path cannot tell from a separator (escaped field by field).
    'PMID- 101\r\nTI  - C:\\temp\\N and "quotes" in a caf\u00e9\r\nAU  - M\u00fcller J\r\n'
    "PT  - Journal Article\r\nPT  - Published Erratum\r\n\r\n"
    "PMID- 102\nTI  - A tab\tinside\nDP  - 2020\nEIN - Lancet. 2009;373:812. PMID: 19269511\n"
)


def test_a_medline_record_keeps_its_source_text_character_for_character(review, carol):
    _import, parsed, stored = import_text(review, carol, "odd.nbib", ODD_CHARACTERS_MEDLINE, database="MEDLINE")
    assert [record.raw for record in stored] == [source.raw for source in parsed]
    assert stored[0].raw.count("\r\n") >= 4 and "\t" in stored[1].raw and "caf\u00e9" in stored[0].raw


def check_staged(import_, monkeypatch, *, in_parts):
    """Check `import_` again, in two processes or in one; return its report and the text its
    import would send to COPY."""
    monkeypatch.setattr(imports, "CHECK_IN_PARTS_FROM", 0 if in_parts else 1 << 40)
    import_ = imports.import_check(import_=import_)
    if not imports.staged_rows_path(import_).exists():
        return import_.check_report, None
    return import_.check_report, b"".join(buffer for buffers in imports._copy_batches(import_) for buffer in buffers)


@pytest.mark.parametrize("name", [
    "psycinfo-ebsco/CiteSource__gambling-harms_psycinfo_124.ris",
    "pubmed-medline/revtools__restoration_pubmed.nbib",
    "pubmed-medline/RefLib__blue-light.nbib",  # CRLF
    "embase-ris/asreview__embase.ris",  # BOM
])
def test_a_file_checked_in_two_processes_gets_the_report_and_rows_of_one(review, carol, monkeypatch, name):
    [import_] = upload_and_check(review, carol, upload(EXPORTS / name))
    assert_checked_in_two_processes_like_one(import_, carol, monkeypatch)


def assert_checked_in_two_processes_like_one(import_, carol, monkeypatch, *, child_finishes_first=False):
    whole = check_staged(import_, monkeypatch, in_parts=False)
    spawned, popen = [], imports.subprocess.Popen

    def spawn(*args, **kwargs):
        spawned.append(args)
        child = popen(*args, **kwargs)
        if child_finishes_first:  # its output of a small file fits the pipe it writes to
            child.wait()
        return child

    monkeypatch.setattr(imports.subprocess, "Popen", spawn)
    assert check_staged(import_, monkeypatch, in_parts=True) == whole
    assert len(spawned) == 1
    job = confirm_and_import(import_, carol)
    assert job.status == Job.Status.SUCCEEDED, job.error
    indexes = list(Record.objects.filter(source_import=import_).order_by("id").values_list("source_index", flat=True))
    assert indexes == list(range(import_.record_count))
    assert not imports.later_rows_path(import_).exists()
    return whole


SIX_ARTICLES = [f"biopython__pubmed{n}.xml" for n in (1, 2, 4, 5, 6, 7)]


def test_a_pubmed_xml_file_checked_in_two_processes_gets_the_report_and_rows_of_one(review, carol, monkeypatch):
    [import_] = upload_and_check(review, carol, upload_text("efetch.xml", pubmed_xml_with(SIX_ARTICLES)))
    report, _rows = assert_checked_in_two_processes_like_one(import_, carol, monkeypatch)
    assert report["record_count"] == 6
    stored = Record.objects.filter(source_import=import_).order_by("source_index")
    assert all(record.raw.startswith("<PubmedArticle>") for record in stored)


@pytest.mark.parametrize("child_finishes_first", [False, True])
def test_a_split_point_inside_a_comment_costs_a_second_reading_not_a_refusal(review, carol, monkeypatch,
                                                                             child_finishes_first):
    text = pubmed_xml_with(SIX_ARTICLES)
    after_middle = text.index("\n<PubmedArticle>", len(text) // 2)
    text = text[:after_middle] + "\n<!-- an old copy:\n<PubmedArticle>…</PubmedArticle> -->" + text[after_middle:]
    with io.BytesIO(text.encode()) as binary:
        middle = open_export(binary, filename="efetch.xml").split_point()
    assert text.encode()[:middle].endswith(b"<!-- an old copy:\n")  # the split falls inside the comment
    [import_] = upload_and_check(review, carol, upload_text("efetch.xml", text))
    # The first part is refused, the file is read again whole: one child, the report of one reading,
    # and nothing the child wrote reaches the import, whether it was stopped or had finished.
    report, _rows = assert_checked_in_two_processes_like_one(import_, carol, monkeypatch,
                                                             child_finishes_first=child_finishes_first)
    assert report["state"] == "ok" and report["record_count"] == 6


def test_rows_left_by_a_killed_check_are_never_imported(review, carol, monkeypatch):
    [import_] = upload_and_check(review, carol, upload(EMBASE_RIS))
    leftover = imports.later_rows_path(import_).with_suffix(".partial")
    leftover.write_text("a row of another check\n", encoding="utf-8")
    imports.import_check(import_=import_)
    assert not leftover.exists() and not imports.later_rows_path(import_).exists()
    job = confirm_and_import(import_, carol)
    assert job.status == Job.Status.SUCCEEDED, job.error


def test_the_check_reads_the_second_half_itself_when_its_child_process_fails(review, carol, monkeypatch):
    [import_] = upload_and_check(review, carol, upload(EXPORTS / "pubmed-medline/revtools__restoration_pubmed.nbib"))
    whole = check_staged(import_, monkeypatch, in_parts=False)
    monkeypatch.setattr(imports.sys, "executable", "/bin/false")
    assert check_staged(import_, monkeypatch, in_parts=True) == whole


def test_an_error_in_the_second_half_names_its_line(review, carol, monkeypatch):
    [import_] = upload_and_check(review, carol, upload(EXPORTS / "pubmed-medline/revtools__restoration_pubmed.nbib"))
    monkeypatch.setattr(imports, "_child_outcome", lambda child, output: ("error", ("an odd line", 4242)))
    report, _ = check_staged(import_, monkeypatch, in_parts=True)
    assert report["state"] == "error"
    assert report["error"] == "revtools__restoration_pubmed.nbib, line 4242: an odd line"
    assert not list(imports.staged_rows_path(import_).parent.glob(f"import-{import_.pk}.*"))


def test_the_same_content_uploaded_again_is_flagged(review, carol):
    [first] = upload_and_check(review, carol, upload(EMBASE_RIS))
    confirm_and_import(first, carol)
    [again] = upload_and_check(review, carol, upload(EMBASE_RIS, name="renamed.txt"))
    assert again.check_report["already_imported"]["import_id"] == first.pk


def test_a_large_upload_is_moved_into_storage_not_copied(review, carol):
    content = EMBASE_RIS.read_bytes()
    large = TemporaryUploadedFile("embase.ris", "application/x-research-info-systems", len(content), "utf-8")
    large.write(content)
    large.seek(0)
    temporary = Path(large.temporary_file_path())
    [import_] = upload_and_check(review, carol, large)
    assert not temporary.exists()  # before the request's end closes (and so deletes) it
    large.close()
    assert Path(import_.file.path).read_bytes() == content
    assert import_.check_report["record_count"] == 6


def test_an_unreadable_file_gets_a_clear_message_in_its_report(review, carol):
    [import_] = upload_and_check(review, carol, upload_text("paper.pdf", "%PDF-1.7\n%âãÏÓ\n1 0 obj\n"))
    assert import_.check_report["state"] == "error"
    assert "paper.pdf" in import_.check_report["error"]
    with pytest.raises(ImportFormatError, match="could not be read"):
        imports.import_confirm(import_=import_, database="Embase", confirmed_by=carol)
    assert Record.objects.count() == 0


def test_two_files_from_two_databases_are_counted_apart(review, carol):
    ris, nbib = upload_and_check(review, carol, upload(EMBASE_RIS), upload(PUBMED_NBIB))
    confirm_and_import(ris, carol, database="Embase")
    confirm_and_import(nbib, carol, database="MEDLINE")
    from screening.selectors.imports import import_summary

    summary = import_summary(review)
    assert {row["database"]: row["n"] for row in summary["per_database"]} == {"Embase": 6, "MEDLINE": 4}
    assert summary["record_count"] == 10


def test_exported_ris_reads_back_with_the_same_fields(review, carol):
    [import_] = upload_and_check(review, carol, upload(PUBMED_NBIB))
    confirm_and_import(import_, carol, database="MEDLINE")
    from screening.services.exports import stream_records_ris

    text = "".join(stream_records_ris(review.records.order_by("source_index")))
    back = list(open_export(io.BytesIO(text.encode()), filename="export.ris").records())
    stored = list(review.records.order_by("source_index"))
    assert len(back) == len(stored) == 4
    for parsed, record in zip(back, stored):
        assert (parsed.title, list(parsed.authors), parsed.year, parsed.doi, parsed.pmid, parsed.journal) == (
            record.title, record.authors, record.year, record.doi, record.pmid, record.journal)


def test_import_file_now_is_the_same_path_for_scripts(review, carol):
    import_ = imports.import_file_now(review=review, path=EMBASE_RIS, database="Embase", imported_by=carol)
    assert import_.status == Import.Status.IMPORTED and import_.record_count == 6


def test_exported_csv_reads_back_with_the_same_fields(review, carol):
    imports.import_file_now(review=review, path=PUBMED_NBIB, database="MEDLINE")
    from screening.services.exports import stream_records_csv

    text = "".join(stream_records_csv(review.records.order_by("source_index")))
    back = list(open_export(io.BytesIO(text.encode()), filename="export.csv").records())
    stored = list(review.records.order_by("source_index"))
    assert len(back) == len(stored) == 4
    for parsed, record in zip(back, stored):
        assert (parsed.title, parsed.abstract, list(parsed.authors), parsed.year, parsed.journal, parsed.volume,
                parsed.issue, parsed.pages, parsed.doi, parsed.pmid, list(parsed.keywords)) == (
            record.title, record.abstract, record.authors, record.year, record.journal, record.volume,
            record.issue, record.pages, record.doi, record.pmid, record.keywords)
        assert parsed.id_in_file == str(record.pk)


CUT_MEDLINE = "".join(
    f"PMID- 3100000{n}\nTI  - Blue light and sleep, cohort {n}.\nAB  - Shift workers wore amber lenses.\n"
    f"SO  - Sleep Med. 2020;{n}:1-5.\n\n" for n in range(1, 4)
) + "PMID- 31000004\nTI  - Amber lenses for insomnia.\nAB  - Forty adults were randomised to amb"


@pytest.mark.parametrize(("name", "content", "error"), [
    ("pubmed.nbib", CUT_MEDLINE.encode(),
     "pubmed.nbib, line 16: the file ends inside the record starting at line 16 (“Amber lenses for insomnia.”)"),
    ("embase.ris", (TWO_RIS_RECORDS + "TY  - JOUR\nTI  - Cut short\n").encode(),
     "embase.ris, line 14: the file ends inside the record starting at line 14 (“Cut short”)"),
    ("junk.ris", ("TY  - " + "q" * 3_000_000 + "\nER  - \n").encode(),
     "junk.ris, line 1: none of the 1 record(s) has a title or an abstract"),
])
def test_the_web_check_refuses_a_cut_off_or_unscreenable_file_and_stores_nothing(review, carol, name, content,
                                                                                   error):
    from django.core.files.uploadedfile import SimpleUploadedFile

    [import_] = upload_and_check(review, carol, SimpleUploadedFile(name, content))
    assert import_.check_report["state"] == "error"
    assert import_.check_report["error"].startswith(error)
    assert not Record.objects.filter(review=review).exists()
    assert not imports.staged_rows_path(import_).exists()


def test_the_web_check_lists_records_with_nothing_to_screen(review, carol):
    text = TWO_RIS_RECORDS + "TY  - JOUR\nAU  - Nobody, A\nPY  - 2021\nER  - \n"
    [import_] = upload_and_check(review, carol, upload_text("three.ris", text))
    [warning] = [w for w in import_.check_report["warnings"] if w["kind"] == "nothing_to_screen"]
    assert warning["lines"] == [14] and "nothing a reviewer could screen" in warning["message"]


def test_the_web_check_reads_utf16_without_a_bom(review, carol):
    from django.core.files.uploadedfile import SimpleUploadedFile

    [import_] = upload_and_check(review, carol, SimpleUploadedFile("windows.ris", TWO_RIS_RECORDS.encode("utf-16-le")))
    assert import_.check_report["state"] == "ok" and import_.check_report["record_count"] == 2
    assert import_.check_report["encoding"] == "utf-16-le"
    confirm_and_import(import_, carol)
    assert sorted(Record.objects.filter(review=review).values_list("doi", flat=True)) == ["10.1000/amber.2",
                                                                                          "10.1000/blue.1"]
