import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.formats import FORMATS, ImportFormatError, open_export
from screening.formats.report import build_check_report


class Command(BaseCommand):
    help = "Print the pre-import check report of an export file (or, with --json, its records)."
    # Reads only files: runs with no database or secret key configured.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--json", action="store_true", help="print one JSON object per record")
        parser.add_argument("--format", choices=sorted(FORMATS), help="read as this format instead of detecting it")

    def handle(self, path, json=False, format=None, **options):
        path = Path(path)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as binary:
                export = open_export(binary, filename=path.name, format=format)
                if json:
                    for record in export.records():
                        self.stdout.write(_record_json(record))
                    return
                report = build_check_report(export.records(), declared_count=export.declared_count,
                                            filename=path.name)
        except ImportFormatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"File:      {path.name}")
        self.stdout.write(f"Format:    {FORMATS[export.format]} ({export.format})")
        self.stdout.write(f"Encoding:  {export.encoding}")
        declared = f" (the file says {report.declared_count})" if report.declared_count is not None else ""
        self.stdout.write(f"Records:   {report.record_count}{declared}")
        self.stdout.write("Coverage:")
        for name, count in report.coverage:
            self.stdout.write(f"  {name:<15} {count:>7}  {report.percent(name):5.1f} %")
        self.stdout.write(f"Warnings:  {len(report.warnings) or 'none'}")
        for warning in report.warnings:
            self.stdout.write(f"  - {warning.message}")


def _record_json(record):
    data = asdict(record)
    data.pop("extra")
    data["identifiers"] = [list(pair) for pair in record.identifiers]
    return json.dumps(data, ensure_ascii=False)
