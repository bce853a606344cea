"""A full run on two real Celery worker processes (PostgreSQL + Redis) matches every published need
exactly once, whatever the chunk size: each need is in one chunk, each chunk is done once, the run's
counts add up, and the proposals are those of the same run in one process."""

import re

import pytest

from matching import runs, services
from matching.models import Match, MatchRun, MatchRunChunk
from tests.conftest import TEST_QUEUE, start_celery_worker, wait_for
from tests.factories import NeedFactory
from tests.matching.conftest import dairy_achievements


@pytest.fixture(scope="module")
def second_worker(celery_worker_process, tmp_path_factory):
    """Another worker process on the same queue as ``celery_worker_process``: two workers share the run."""
    yield from start_celery_worker(tmp_path_factory.mktemp("celery2") / "worker.log", hostname=f"{TEST_QUEUE}-2")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunk_size", [1, 3, 7, 50])
def test_two_workers_match_every_need_exactly_once_for_any_chunk_size(celery_worker_process, second_worker, chunk_size):
    dairy_achievements()
    needs = [NeedFactory(title=f"乳房炎检测需求{i}", keywords=["乳房炎"], cluster="agri-food") for i in range(7)]
    services.index_refresh(kind="achievement")
    worker_logs = [celery_worker_process.log_path, second_worker.log_path]
    log_starts = [len(log.read_text()) for log in worker_logs]
    run = runs.match_run_start(trigger="test", chunk_size=chunk_size)
    logs = lambda: celery_worker_process.log_path.read_text()[-2000:] + second_worker.log_path.read_text()[-2000:]  # noqa: E731
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.DONE, timeout=180), logs()
    run.refresh_from_db()
    chunks = list(MatchRunChunk.objects.filter(run=run).order_by("number"))
    assert sorted(i for c in chunks for i in c.need_ids) == sorted(n.pk for n in needs)  # each need once
    assert all(c.done_at and c.processed == len(c.need_ids) for c in chunks)
    assert len(chunks) == -(-len(needs) // chunk_size)
    assert (run.done_chunks, run.processed_items, run.total_items, run.errors) == (len(chunks), 7, 7, [])
    by_workers = sorted(Match.objects.values_list("need_id", "achievement_id", "score"))
    assert {n for n, _a, _s in by_workers} == {n.pk for n in needs}
    assert run.proposals_created == len(by_workers)
    # the worker that did not prepare the run was sent its memory to read meanwhile, and read it
    warmed = [log.read_text()[start:] for log, start in zip(worker_logs, log_starts, strict=True)]
    assert (
        sum(
            re.findall(r"matching\.tasks\.match_run_warm\[[^]]+\] succeeded in [^:]+: True", text) != []
            for text in warmed
        )
        == 1
    ), logs()
    Match.objects.all().delete()
    runs.match_run_execute(run_id=runs.match_run_create(trigger="command").pk)
    assert sorted(Match.objects.values_list("need_id", "achievement_id", "score")) == by_workers
