"""``python manage.py watch_deals``: the beat task ``watch-deals`` by hand (or from cron)."""

from django.core.management.base import BaseCommand

from mengkeju.deals import services


class Command(BaseCommand):
    help = (
        "Remind brokers of stalled deals and escalate proposals not reviewed and pairs not contacted in time "
        "to the admins (once per pair and breach; safe to run again)."
    )

    def handle(self, *args, **options):
        result = services.deals_watch()
        self.stdout.write(
            f"stalled reminders: {result.reminded}, review escalations: {result.review_escalated}, "
            f"contact escalations: {result.contact_escalated}"
        )
