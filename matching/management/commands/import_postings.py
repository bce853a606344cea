import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from matching.import_reading import ENCODINGS
from matching.importing import ImportFailed, postings_import
from mengkeju.lib.progress import progress_factory

SHOWN_ERRORS = 100


class Command(BaseCommand):
    help = (
        "Import needs or achievements from JSONL, CSV (UTF-8, GBK/GB18030 or UTF-16) or an .xlsx workbook "
        "(first sheet); upsert by external_id; all or nothing per file, errors name the line (sheet row) and field."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["need", "achievement"], required=True)
        parser.add_argument("file", help=".jsonl, .csv or .xlsx")
        parser.add_argument("--publish", action="store_true", help="publish the imported postings")
        parser.add_argument(
            "--encoding",
            choices=list(ENCODINGS),
            default="auto",
            help="encoding of a CSV or JSONL file (default: detected)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes analysing the postings (default: IMPORT_WORKERS, 0 = one per CPU; files under "
            "2,000 records are analysed in this process)",
        )

    def handle(self, *args, kind, file, publish, encoding, no_progress, workers=None, **options):
        path = Path(file)
        if workers is not None and workers < 0:
            raise CommandError(f"--workers must be 0 (one per CPU) or more, got {workers}")
        if workers == 0:
            workers = os.cpu_count() or 1
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        progress = None if no_progress else progress_factory(self.stderr._out)
        try:
            summary = postings_import(
                kind=kind, path=path, publish=publish, encoding=encoding, progress=progress, workers=workers
            )
        except ImportFailed as exc:
            shown = exc.errors[:SHOWN_ERRORS]
            more = exc.total - len(shown)
            raise CommandError(
                f"{file}: nothing imported, {exc.total} error(s):\n"
                + "\n".join(shown)
                + (f"\n… and {more} more error(s)" if more else "")
            ) from None
        except DatabaseError as exc:  # the one transaction was rolled back
            raise CommandError(f"{file}: nothing imported, the database refused the write: {exc}") from None
        ignored = ", ".join(f"{name} ×{n}" for name, n in sorted(summary.ignored_fields.items())) or "none"
        self.stdout.write(
            f"{kind}s: {summary.created} created, {summary.updated} updated, {summary.published} published; "
            f"organizations created: {summary.organizations_created}; ignored fields: {ignored}; "
            f"{summary.seconds:.1f} s"
        )
        for note in summary.notes:
            self.stdout.write(f"note: {note}")
        if summary.indexed:
            self.stdout.write(
                f"{summary.indexed} published {kind}s are in the matcher's index; no proposals were made for them "
                "yet: run `python manage.py match --all` (or start a full run on /matching/runs/) to propose matches."
            )
