"""A full run on two real Celery worker processes (PostgreSQL + Redis) matches every published need
exactly once, whatever the chunk size: each need is in one chunk, each chunk is done once, the run's
counts add up, and the proposals are those of the same run in one process."""

import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from matching import runs, services
from matching.models import Match, MatchRun, MatchRunChunk
from tests.conftest import TEST_QUEUE
from tests.factories import AchievementFactory, NeedFactory


@pytest.fixture(scope="module")
def second_worker(celery_worker_process, tmp_path_factory):
    """Another worker process on the same queue as ``celery_worker_process``: two workers share the run."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    log_path = tmp_path_factory.mktemp("celery2") / "worker.log"
    command = [
        sys.executable,
        *("-m", "celery", "-A", "mengkeju", "worker", "--pool=solo", "--loglevel=INFO"),
        *("--queues", TEST_QUEUE, "--hostname", f"{TEST_QUEUE}-2@%h"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    import os

    env = os.environ | {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "0"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=Path(__file__).resolve().parents[2]
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the second Celery worker did not start:\n{log_path.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.2)
        process.log_path = log_path
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(predicate, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunk_size", [1, 3, 7, 50])
def test_two_workers_match_every_need_exactly_once_for_any_chunk_size(celery_worker_process, second_worker, chunk_size):
    for i in range(3):
        AchievementFactory(
            title=f"奶牛隐性乳房炎在线检测装置{i}",
            description="挤奶时在线检测电导率，早期发现乳房炎。",
            keywords=["乳房炎", "在线检测"],
            cluster="agri-food",
        )
    needs = [NeedFactory(title=f"乳房炎检测需求{i}", keywords=["乳房炎"], cluster="agri-food") for i in range(7)]
    services.index_refresh(kind="achievement")
    run = runs.match_run_start(trigger="test", chunk_size=chunk_size)
    logs = lambda: celery_worker_process.log_path.read_text()[-2000:] + second_worker.log_path.read_text()[-2000:]  # noqa: E731
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == MatchRun.Status.DONE), logs()
    run.refresh_from_db()
    chunks = list(MatchRunChunk.objects.filter(run=run).order_by("number"))
    assert sorted(i for c in chunks for i in c.need_ids) == sorted(n.pk for n in needs)  # each need once
    assert all(c.done_at and c.processed == len(c.need_ids) for c in chunks)
    assert len(chunks) == -(-len(needs) // chunk_size)
    assert (run.done_chunks, run.processed_items, run.total_items, run.errors) == (len(chunks), 7, 7, [])
    by_workers = sorted(Match.objects.values_list("need_id", "achievement_id", "score"))
    assert {n for n, _a, _s in by_workers} == {n.pk for n in needs}
    assert run.proposals_created == len(by_workers)
    Match.objects.all().delete()
    runs.match_run_execute(run_id=runs.match_run_create(trigger="command").pk)
    assert sorted(Match.objects.values_list("need_id", "achievement_id", "score")) == by_workers
