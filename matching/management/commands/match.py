from django.core.management.base import BaseCommand, CommandError

from matching import runs, services
from matching.models import MatchRun, PostingKind
from mengkeju.lib.progress import NullProgress, progress_factory


def run_with_progress(*, run_id: int, top_k: int | None = None, progress=None) -> MatchRun:
    """``runs.match_run_execute`` chunk by chunk, ticking ``progress`` (a factory of
    ``mengkeju.lib.progress``) by the needs each chunk processed; the same service calls, in the same order."""
    progress = progress or NullProgress.factory
    numbers = runs.match_run_prepare(run_id=run_id)
    run = MatchRun.objects.get(pk=run_id)
    done = run.processed_items
    bar = progress(desc="matching needs", total=max(run.total_items - done, 0), unit="need")
    try:
        for number in numbers:
            runs.match_run_chunk(run_id=run_id, number=number, top_k=top_k)
            now = MatchRun.objects.values_list("processed_items", flat=True).get(pk=run_id)
            bar.update(now - done)
            done = now
    finally:
        bar.close()
    return MatchRun.objects.get(pk=run_id)


class Command(BaseCommand):
    help = "Match synchronously (the code the Celery tasks run): every need, or one need or achievement."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true")
        which.add_argument("--need", type=int, metavar="ID")
        which.add_argument("--achievement", type=int, metavar="ID")
        parser.add_argument("--top-k", type=int, default=None)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")

    def handle(self, *args, all, need, achievement, top_k, no_progress, **options):
        if top_k is not None and top_k < 1:
            raise CommandError("--top-k must be at least 1")
        if all:
            try:
                run = runs.match_run_create(trigger="command")
            except runs.MatchRunActive as exc:
                raise CommandError(" ".join(exc.messages)) from None
            progress = None if no_progress else progress_factory(self.stderr._out)
            run = run_with_progress(run_id=run.pk, top_k=top_k, progress=progress)
            self.stdout.write(
                f"run #{run.pk} {run.status}: {run.processed_items}/{run.total_items} needs, "
                f"{run.proposals_created} proposals created, {run.proposals_updated} updated, "
                f"{len(run.errors)} errors, {run.duration}"
            )
            return
        kind, posting_id = (PostingKind.NEED, need) if need else (PostingKind.ACHIEVEMENT, achievement)
        if not services.MODELS[kind].objects.filter(pk=posting_id, status="published").exists():
            raise CommandError(f"no published {kind} with id {posting_id}")
        result = services.posting_match(kind=kind, posting_id=posting_id, top_k=top_k)
        self.stdout.write(f"{kind} #{posting_id}: {result.created} created, {result.updated} updated")
