import csv
import json
import sys

from django.core.management.base import BaseCommand

from matching.models import Match, MatchStatus


class Command(BaseCommand):
    help = "Export open proposals, one line each, ranked per need (JSONL or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", default=None, help="file (default: standard output)")

    def handle(self, *args, format, output, **options):
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
        try:
            writer = csv.writer(out) if format == "csv" else None
            if writer:
                writer.writerow(["need", "achievement", "score", "rank", "explanation"])
            rows = (
                Match.objects.filter(status=MatchStatus.PROPOSED)
                .select_related("need", "achievement")
                .order_by("need_id", "-score", "achievement_id")
            )
            rank, current = 0, None
            for match in rows.iterator(chunk_size=2000):
                rank = rank + 1 if match.need_id == current else 1
                current = match.need_id
                record = {
                    "need": match.need.external_id or match.need_id,
                    "achievement": match.achievement.external_id or match.achievement_id,
                    "score": match.score,
                    "rank": rank,
                    "explanation": match.explanation,
                }
                if writer:
                    writer.writerow([*list(record.values())[:4], json.dumps(record["explanation"], ensure_ascii=False)])
                else:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
