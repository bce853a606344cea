from django.core.management.base import BaseCommand, CommandError

from matching import services
from matching.models import PostingKind


class Command(BaseCommand):
    help = "Match synchronously (the code the Celery tasks run): every need, or one need or achievement."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true")
        which.add_argument("--need", type=int, metavar="ID")
        which.add_argument("--achievement", type=int, metavar="ID")
        parser.add_argument("--top-k", type=int, default=None)

    def handle(self, *args, all, need, achievement, top_k, **options):
        if top_k is not None and top_k < 1:
            raise CommandError("--top-k must be at least 1")
        if all:
            run = services.match_run_create(trigger="command")
            run = services.match_run_execute(run_id=run.pk, top_k=top_k)
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
