from django.core.management.base import BaseCommand

from mengkeju.postings.tasks import expire_due_postings


class Command(BaseCommand):
    help = "Expire published needs and achievements whose deadline has passed (the hourly beat task, synchronously)."

    def handle(self, *args, **options):
        counts = expire_due_postings()
        self.stdout.write(f"expired needs: {counts['need']}, achievements: {counts['achievement']}")
