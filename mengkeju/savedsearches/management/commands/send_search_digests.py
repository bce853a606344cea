from django.core.management.base import BaseCommand

from mengkeju.savedsearches.tasks import send_search_digests


class Command(BaseCommand):
    help = "Send the daily and weekly digests of saved searches that are due (the beat task, synchronously)."

    def handle(self, *args, **options):
        totals = send_search_digests()
        self.stdout.write(
            f"searches checked: {totals['searches']}, digests sent: {totals['digests']}, "
            f"postings sent: {totals['postings']}"
        )
