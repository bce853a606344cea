import datetime

from django.core.management.base import BaseCommand, CommandError

from matching import outbox


class Command(BaseCommand):
    help = (
        "Match the postings whose matching is still pending in the outbox (published while the task broker "
        "was down, or a task that failed); beat does the same every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age", type=int, default=0, metavar="SECONDS", help="leave rows younger than this (default 0)"
        )

    def handle(self, *args, min_age, **options):
        if min_age < 0:
            raise CommandError("--min-age must be at least 0")
        done = outbox.match_outbox_flush(min_age=datetime.timedelta(seconds=min_age))
        self.stdout.write(f"{done} pending posting(s) matched")
