from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.importing import ImportFailed, postings_import


class Command(BaseCommand):
    help = "Import needs or achievements from JSONL or CSV (upsert by external_id; all or nothing per file)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["need", "achievement"], required=True)
        parser.add_argument("file")
        parser.add_argument("--publish", action="store_true", help="publish the imported postings")

    def handle(self, *args, kind, file, publish, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            summary = postings_import(kind=kind, path=path, publish=publish)
        except ImportFailed as exc:
            raise CommandError(
                f"{file}: nothing imported, {len(exc.errors)} error(s):\n" + "\n".join(exc.errors)
            ) from None
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
