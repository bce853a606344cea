from django.core.management.base import BaseCommand

from mengkeju.notifications.tasks import resend_pending_mail


class Command(BaseCommand):
    help = "Send e-mail left pending in the outbox (the periodic beat task, synchronously)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age", type=int, default=60, help="only rows at least this many seconds old (default 60)"
        )

    def handle(self, *args, **options):
        sent = resend_pending_mail(min_age_seconds=options["min_age"])
        self.stdout.write(f"sent: {sent}")
