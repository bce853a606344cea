import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import setup_databases, teardown_databases

from mengkeju.lib.progress import progress_factory

from .match import run_with_progress


class Command(BaseCommand):
    help = (
        "Load a labeled set (needs.jsonl, achievements.jsonl, qrels.tsv) into a throw-away database, "
        "match, and print nDCG@10, recall@10 and MRR of the matcher and of a plain BM25 baseline, and the "
        "matcher's review queue: precision (share of proposals graded >= 1), recall (share of graded pairs "
        "proposed), proposals per need and needs without a proposal."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")

    def handle(self, *args, directory, no_progress=False, **options):
        path = Path(directory)
        for name in ("needs.jsonl", "achievements.jsonl", "qrels.tsv"):
            if not (path / name).is_file():
                raise CommandError(f"{path / name}: missing")
        started = time.perf_counter()
        old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        try:
            result = evaluate(path, progress=None if no_progress else progress_factory(self.stderr._out))
        finally:
            teardown_databases(old_config, verbosity=0)
        from matching.evaluation import format_table

        self.stdout.write(format_table(result))
        self.stdout.write(
            f"({result['matcher']['needs']} needs, {result['achievements']} achievements, "
            f"{time.perf_counter() - started:.1f} s; metrics: nDCG@10 with linear gains, recall@10 of grade >= 1, "
            f"MRR of the first grade >= 2; queue = the proposals saved by the full run)"
        )
        self.result = result


def evaluate(path: Path, progress=None) -> dict:
    """Import, publish, run the full matcher through the services, and read the proposals back.
    ``progress``: a factory of ``mengkeju.lib.progress`` trackers for the import and the run (optional)."""
    from matching import runs, services
    from matching.evaluation import baseline_tokens, metrics, queue_metrics, read_qrels
    from matching.importing import postings_import
    from matching.models import Match, MatchStatus
    from matching.scoring import bm25_baseline_rank
    from mengkeju.lib.textanalysis import default_analyzer, reset_default_analyzer

    reset_default_analyzer()  # synonyms of the throw-away database
    postings_import(kind="achievement", path=path / "achievements.jsonl", publish=True, progress=progress)
    postings_import(kind="need", path=path / "needs.jsonl", publish=True, progress=progress)
    qrels = read_qrels(path / "qrels.tsv")
    run = runs.match_run_create(trigger="evaluate")
    run_with_progress(run_id=run.pk, top_k=10, progress=progress)

    from achievements.models import Achievement
    from needs.models import TechnicalNeed

    # the queue: what the full run proposed
    proposals: dict[str, list[str]] = {}
    rows = (
        Match.objects.filter(status=MatchStatus.PROPOSED)
        .order_by("need_id", "-score", "achievement_id")
        .values_list("need__external_id", "achievement__external_id")
    )
    for need, achievement in rows:
        proposals.setdefault(need, []).append(achievement)
    # the ranking (for nDCG@10 and recall@10): the calibrated order before the threshold
    ids = dict(Achievement.objects.values_list("pk", "external_id"))
    rankings: dict[str, list[str]] = {}
    for pk, external_id in TechnicalNeed.objects.filter(status="published").values_list("pk", "external_id"):
        ranked = services.rank_for(kind="need", posting_id=pk, top_k=10, everything=True)
        rankings[external_id] = [ids[a] for _n, a, _s in ranked[:10]]

    analyzer = default_analyzer()
    docs = {
        a.external_id: baseline_tokens(analyzer, a.matching_text())
        for a in Achievement.objects.filter(status="published")
    }
    base = {
        n.external_id: [k for k, _ in bm25_baseline_rank(baseline_tokens(analyzer, n.matching_text()), docs)]
        for n in TechnicalNeed.objects.filter(status="published")
    }
    need_ids = list(TechnicalNeed.objects.filter(status="published").values_list("external_id", flat=True))
    return {
        "matcher": {**metrics(rankings, qrels), **queue_metrics(proposals, qrels, need_ids)},
        "proposals": proposals,
        "bm25": metrics(base, qrels),
        "rankings": rankings,
        "bm25_rankings": base,
        "achievements": len(docs),
    }
