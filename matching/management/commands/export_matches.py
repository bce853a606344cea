import json
import sys

from django.core.management.base import BaseCommand, CommandError

from matching.models import Match, MatchStatus
from mengkeju.lib import spreadsheet

COLUMNS = ["need", "achievement", "score", "rank", "explanation"]


class Command(BaseCommand):
    help = (
        "Export open proposals, one line each, ranked per need: JSONL, CSV (UTF-8 with BOM, cells that would "
        "start a formula neutralised) or .xlsx (needs --output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
        parser.add_argument("--output", default=None, help="file (default: standard output)")

    def records(self):
        rows = (
            Match.objects.filter(status=MatchStatus.PROPOSED)
            .select_related("need", "achievement")
            .order_by("need_id", "-score", "achievement_id")
        )
        rank, current = 0, None
        for match in rows.iterator(chunk_size=2000):
            rank = rank + 1 if match.need_id == current else 1
            current = match.need_id
            yield {
                "need": match.need.external_id or match.need_id,
                "achievement": match.achievement.external_id or match.achievement_id,
                "score": match.score,
                "rank": rank,
                "explanation": match.explanation,
            }

    def handle(self, *args, format, output, **options):
        if format == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs --output FILE (a workbook is not written to a terminal)")
            rows = ({**r, "explanation": json.dumps(r["explanation"], ensure_ascii=False)} for r in self.records())
            content = spreadsheet.write_xlsx(COLUMNS, rows, sheet="matches")
            with open(output, "wb") as out:
                out.write(content)
            return
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
        try:
            if format == "csv":
                rows = ({**r, "explanation": json.dumps(r["explanation"], ensure_ascii=False)} for r in self.records())
                spreadsheet.write_csv(COLUMNS, rows, out=out)
            else:
                for record in self.records():
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
