"""Faults with real processes: a broker at a closed port, and Celery workers killed with SIGKILL.

PostgreSQL + Redis + real ``celery worker`` processes (marker ``services``). The kill tests start their own
workers on a queue of their own, with a short visibility timeout (``CELERY_VISIBILITY_TIMEOUT``) so that
the redelivery of a killed worker's task happens within the test; production uses the same mechanism
with the documented defaults (docs/operations.md)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from matching import runs, services
from matching.models import Match, MatchOutbox, MatchRun, MatchRunChunk
from matching.tasks import match_outbox_flush
from mengkeju.celery import app
from mengkeju.postings import services as posting_services
from tests.conftest import TEST_QUEUE, wait_for, worker_round_trip
from tests.factories import AchievementFactory, NeedFactory
from tests.matching.conftest import dairy_achievements
from tests.notifications.test_worker import CLOSED_PORT_BROKER, broker_at

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# the kill tests' workers: a task not acknowledged 12 s after it was taken goes back to the queue
WORKER_LIMITS = {"CELERY_TASK_TIME_LIMIT": "10", "CELERY_TASK_SOFT_TIME_LIMIT": "9", "CELERY_VISIBILITY_TIMEOUT": "12"}


@contextlib.contextmanager
def redis_down():
    """This process sees Redis at a closed port, as the broker and as the result store (one REDIS_URL)."""

    def forget_backend():
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    saved = app.conf.result_backend
    with broker_at(CLOSED_PORT_BROKER):
        app.conf.result_backend = CLOSED_PORT_BROKER
        forget_backend()
        try:
            yield
        finally:
            app.conf.result_backend = saved
            forget_backend()


def dairy_need(owner, **kwargs):
    return NeedFactory(
        title="奶牛乳房炎早期发现",
        description="挤奶时在线发现早期隐性乳房炎。",
        keywords=["乳房炎", "在线检测"],
        cluster="agri-food",
        organization=owner.organization,
        **kwargs,
    )


# --- the broker is down ------------------------------------------------------------------------------


def test_approving_and_reopening_while_the_broker_is_down_succeed_at_once_and_match_when_it_is_back(
    celery_worker_process, client_for, admin, owner
):
    dairy_achievements()
    services.index_refresh(kind="achievement")
    need = dairy_need(owner, status="pending")
    with redis_down():
        started = time.monotonic()
        response = client_for(admin).post(reverse("needs:transition", args=[need.pk, "approve"]))
        approve_seconds = time.monotonic() - started
    assert response.status_code == 302
    assert approve_seconds < 5, f"approval took {approve_seconds:.1f} s with the broker down"
    need.refresh_from_db()
    assert need.status == "published"
    assert list(MatchOutbox.objects.values_list("posting_id", "status")) == [(need.pk, "pending")]
    worker_round_trip()  # anything the approval could have sent has reached the worker by now
    assert not Match.objects.filter(need=need).exists()

    # the broker is back: beat's flush (sent over Redis to the worker) does the matching once
    assert match_outbox_flush.delay(0).get(timeout=60) == 1
    assert Match.objects.filter(need=need).count() == 3
    assert MatchOutbox.objects.get().status == "done"
    assert match_outbox_flush.delay(0).get(timeout=60) == 0

    # closed and reopened while the broker is down again: the same, the owner's reopen succeeds at once
    posting_services.posting_close(posting=need, user=owner)
    assert set(Match.objects.filter(need=need).values_list("status", flat=True)) == {"withdrawn"}
    with redis_down():
        started = time.monotonic()
        response = client_for(owner).post(reverse("needs:transition", args=[need.pk, "reopen"]))
        assert time.monotonic() - started < 5
    assert response.status_code == 302
    assert MatchOutbox.objects.filter(status="pending").count() == 1
    assert match_outbox_flush.delay(0).get(timeout=60) == 1
    assert set(Match.objects.filter(need=need).values_list("status", flat=True)) == {"proposed"}


def test_a_full_run_that_cannot_be_enqueued_is_failed_with_the_reason_and_blocks_nothing(
    celery_worker_process, client_for, admin, owner
):
    dairy_achievements()
    dairy_need(owner)
    client = client_for(admin)
    with redis_down():
        started = time.monotonic()
        response = client.post(reverse("matching:run_start"), follow=True)
        assert time.monotonic() - started < 5
    run = MatchRun.objects.get()
    assert run.status == MatchRun.Status.FAILED
    assert "could not be enqueued" in run.errors[-1]["error"]
    page = response.content.decode()
    assert f"#{run.pk}" in page and ("could not be queued" in page or "无法排队" in page)

    # the broker is back: the next start is accepted and runs to the end on the worker
    client.post(reverse("matching:run_start"))
    second = MatchRun.objects.exclude(pk=run.pk).get()
    assert wait_for(lambda: MatchRun.objects.get(pk=second.pk).status == "done", timeout=120), (
        celery_worker_process.log_path.read_text()[-3000:]
    )


# --- workers killed ----------------------------------------------------------------------------------


class Workers:
    """Celery worker processes of this test, on a queue of its own (not the session worker's)."""

    def __init__(self, tmp_path, queue):
        from django.db import connection

        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        self.env = os.environ | {
            "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "DB_CONN_MAX_AGE": "0",
            **WORKER_LIMITS,
        }
        self.tmp_path, self.queue, self.processes = tmp_path, queue, []

    def start(self):
        log_path = self.tmp_path / f"worker{len(self.processes)}.log"
        command = [
            sys.executable,
            *("-m", "celery", "-A", "mengkeju", "worker", "--pool=solo", "--loglevel=INFO"),
            *("--queues", self.queue, "--hostname", f"{self.queue}-{len(self.processes)}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with open(log_path, "w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        process.log_path = log_path
        self.processes.append(process)
        assert wait_for(lambda: " ready." in log_path.read_text() or process.poll() is not None, timeout=90)
        assert process.poll() is None, log_path.read_text()[-3000:]
        return process

    def logs(self):
        return "\n".join(p.log_path.read_text()[-2000:] for p in self.processes)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path):
    queue = f"{TEST_QUEUE}-kill"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    pool = Workers(tmp_path, queue)
    try:
        yield pool
    finally:
        app.conf.task_default_queue = saved
        pool.stop()


@pytest.fixture
def corpus(owner):
    words = ["乳房炎", "粉煤灰", "稀土", "光伏", "氢能", "马铃薯", "羊绒", "煤化工", "风电", "储能"]
    for i in range(240):
        w, v = words[i % 10], words[(i * 3 + 1) % 10]
        AchievementFactory(
            title=f"{w}{v}关键技术成果{i}",
            description=f"面向{w}与{v}的工艺、装备和在线检测技术，已完成中试{i}。",
            keywords=[w, v, "在线检测"],
            cluster="agri-food",
        )
    for i in range(120):
        w, v = words[i % 10], words[(i * 7 + 3) % 10]
        NeedFactory(
            title=f"{w}{v}技术需求{i}",
            description=f"企业需要{w}和{v}方面的在线检测与工艺改进{i}。",
            keywords=[w, v],
            cluster="agri-food",
            organization=owner.organization,
        )


def unacked_tasks() -> int:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL).hlen("unacked")


def test_a_worker_killed_mid_chunk_the_next_worker_finishes_the_run_with_exact_counts(workers, corpus):
    first = workers.start()
    run = runs.match_run_start(trigger="command", chunk_size=30)  # 120 needs → 4 chunks, one worker
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).done_chunks >= 1, timeout=120), workers.logs()
    assert wait_for(lambda: unacked_tasks() > 0, timeout=10)  # it has taken the next chunk
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    killed = MatchRun.objects.get(pk=run.pk)
    assert killed.status == "running" and killed.done_chunks < killed.total_chunks == 4

    workers.start()
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == "done", timeout=150, step=0.5), workers.logs()
    recovered_in = time.monotonic() - killed_at
    run.refresh_from_db()
    assert (run.done_chunks, run.processed_items, run.total_items) == (4, 120, 120)
    assert run.proposals_created == Match.objects.count() > 0  # exact: no proposal counted twice or lost
    assert run.proposals_created == sum(MatchRunChunk.objects.filter(run=run).values_list("created", flat=True))
    assert not run.errors
    # the killed chunk went back to the queue after the visibility timeout (12 s) + one 10 s sweep
    assert recovered_in < 12 + 10 + 60, recovered_in
    print(f"run finished {recovered_in:.0f} s after the kill")


def test_a_worker_killed_during_prepare_the_next_worker_creates_the_chunks_and_finishes(workers, corpus):
    first = workers.start()
    run = runs.match_run_start(trigger="command", chunk_size=40)  # prepare indexes 360 postings first
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == "running", timeout=60), workers.logs()
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed = MatchRun.objects.get(pk=run.pk)
    workers.start()
    assert wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == "done", timeout=150, step=0.5), workers.logs()
    run.refresh_from_db()
    assert (run.total_chunks, run.done_chunks, run.processed_items) == (3, 3, 120)
    assert run.proposals_created == Match.objects.count() > 0
    print(f"killed with {killed.total_chunks} chunks written")  # 0: killed inside prepare (the usual case)
