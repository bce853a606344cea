"""Recovery of a full run from a worker killed mid-chunk, with the production settings, end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/recovery.py --needs 200 --achievements 1000

Imports synthetic needs and achievements (bench/generate.py) with ``import_postings --publish`` (the real
analyser and index, so needs get proposals) into a throw-away PostgreSQL database and uses
real ``celery worker --pool=solo`` processes on a private queue with the settings a deployment has
(``CELERY_VISIBILITY_TIMEOUT`` 120 s, task limits 100/90 s, unacked sweep every 10 s; the script refuses
other values unless ``--any-settings``).

1. baseline — one worker runs the full run undisturbed: its duration and its proposals;
2. kill — the proposals are deleted, a worker starts the same full run; once it has finished a chunk and
   holds the next one (a task unacknowledged in Redis), it is killed with SIGKILL; a new worker is
   started at once; the run must finish with exact counters: every chunk done once, every need counted
   once, ``proposals_created`` equal to the proposals in the database and to the baseline's.

Printed: the time from the kill to the run's end, from the new worker's start to the run's end, and the
ratio of the killed run's duration to the baseline's.  Expected: the killed chunk is redelivered at most
visibility timeout + 10 s after it was taken (docs/operations.md), so the run ends within about 130 s +
the rest of the run after the kill.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from common import ROOT, django_on_throwaway_db
from generate import write

QUEUE = f"mengkeju-recovery-{os.getpid()}"
PRODUCTION = {"CELERY_VISIBILITY_TIMEOUT": 120, "CELERY_TASK_TIME_LIMIT": 100, "CELERY_TASK_SOFT_TIME_LIMIT": 90}


def start_worker(number: int, database_url: str) -> subprocess.Popen:
    """A worker process on QUEUE, returned once it says it is ready (it has swept for unacked tasks)."""
    env = os.environ | {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "60"}
    path = f"/tmp/{QUEUE}-{number}.log"
    with open(path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "mengkeju", "worker", "--pool=solo", "--loglevel=INFO"),
                *("--queues", QUEUE, "--hostname", f"{QUEUE}-{number}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    process.log_path = path
    deadline = time.monotonic() + 120
    while " ready." not in Path(path).read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"worker {number} did not start; see {path}")
        time.sleep(0.2)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def held(broker) -> int:
    """Tasks of QUEUE taken by a worker and not yet acknowledged (kombu's ``unacked`` hash in Redis)."""
    return sum(1 for raw in broker.hvals("unacked") if json.loads(raw)[-1] == QUEUE)


def wait_until(predicate, timeout: float, what: str, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(step)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=200)
    parser.add_argument("--achievements", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=40)
    parser.add_argument("--any-settings", action="store_true", help="run with non-production Celery settings")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed (the workers take their tasks from Redis)")
    vendor = django_on_throwaway_db()
    if vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL server (worker processes share the database)")
    import redis
    from django.conf import settings
    from django.db import connection

    from matching import runs
    from matching.models import Match, MatchRun, MatchRunChunk
    from mengkeju.celery import app

    used = {name: getattr(settings, name) for name in PRODUCTION}
    if used != PRODUCTION and not args.any_settings:
        sys.exit(f"not the production settings: {used} (expected {PRODUCTION}); pass --any-settings to go on")
    sweep = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("unacked_restore_interval")
    print(f"settings: {used}, unacked sweep every {sweep} s")

    app.conf.task_default_queue = QUEUE
    broker = redis.Redis.from_url(settings.REDIS_URL)
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    t = time.perf_counter()
    from matching.importing import postings_import

    for kind, count in (("achievement", args.achievements), ("need", args.needs)):
        path = Path(f"/tmp/{QUEUE}-{kind}s.jsonl")
        write(kind, count, path)
        postings_import(kind=kind, path=path, publish=True)
        path.unlink()
    print(f"{vendor}: {args.needs} needs × {args.achievements} achievements loaded in {time.perf_counter() - t:.0f} s")

    def finished(run_pk) -> bool:
        return MatchRun.objects.get(pk=run_pk).status not in MatchRun.ACTIVE_STATUSES

    # 1. baseline: one worker, undisturbed
    worker = start_worker(0, database_url)
    try:
        baseline = runs.match_run_start(trigger="command", chunk_size=args.chunk_size)
        wait_until(lambda: finished(baseline.pk), 3600, "the baseline run ends", step=0.5)
    finally:
        stop(worker)
    baseline.refresh_from_db()
    base_seconds = baseline.duration.total_seconds()
    print(
        f"baseline: {baseline.status}, {baseline.total_chunks} chunks, {baseline.processed_items} needs, "
        f"{baseline.proposals_created} proposals, {base_seconds:.1f} s"
    )

    # 2. kill a worker mid-chunk, start another
    Match.objects.all().delete()
    first = start_worker(1, database_url)
    second = None
    try:
        run = runs.match_run_start(trigger="command", chunk_size=args.chunk_size)
        wait_until(lambda: MatchRun.objects.get(pk=run.pk).done_chunks >= 1, 3600, "a first chunk is done")
        wait_until(lambda: held(broker) > 0, 60, "the worker holds its next chunk")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        at_kill = MatchRun.objects.get(pk=run.pk)
        print(f"killed worker 1 (SIGKILL) at {at_kill.done_chunks}/{at_kill.total_chunks} chunks")
        second = start_worker(2, database_url)
        started_at = time.monotonic()
        wait_until(lambda: finished(run.pk), 3600, "the killed run ends", step=0.5)
        ended_at = time.monotonic()
    finally:
        stop(first)
        if second is not None:
            stop(second)
    run.refresh_from_db()
    in_db = Match.objects.count()
    chunk_sum = sum(MatchRunChunk.objects.filter(run=run).values_list("created", flat=True))
    exact = (
        baseline.proposals_created > 0
        and run.status == "done"
        and run.done_chunks == run.total_chunks == baseline.total_chunks
        and run.processed_items == run.total_items == baseline.processed_items
        and run.proposals_created == in_db == chunk_sum == baseline.proposals_created
        and not run.errors
    )
    killed_seconds = run.duration.total_seconds()
    print(
        f"killed run: {run.status}, {run.done_chunks}/{run.total_chunks} chunks, "
        f"{run.processed_items}/{run.total_items} needs, {run.proposals_created} proposals counted, "
        f"{in_db} in the database, {chunk_sum} summed over chunks, baseline {baseline.proposals_created}: "
        f"{'exact' if exact else 'NOT EXACT'}"
    )
    print(
        f"run finished {ended_at - killed_at:.1f} s after the kill, "
        f"{ended_at - started_at:.1f} s after the new worker started"
    )
    print(f"killed run {killed_seconds:.1f} s vs baseline {base_seconds:.1f} s: {killed_seconds / base_seconds:.2f}x")
    broker.delete(QUEUE)
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
