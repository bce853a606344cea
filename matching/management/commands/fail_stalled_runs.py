from django.core.management.base import BaseCommand

from matching import runs


class Command(BaseCommand):
    help = (
        "Fail every queued or running full run without progress for longer than MATCHING_RUN_STALL_SECONDS "
        "(beat does the same every 5 minutes)."
    )

    def handle(self, *args, **options):
        failed = runs.match_runs_fail_stalled()
        self.stdout.write(
            f"{len(failed)} stalled run(s) failed" + (f": {', '.join(f'#{i}' for i in failed)}" if failed else "")
        )
