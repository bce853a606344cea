"""A full run through Celery with one and then two worker processes (PostgreSQL + Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/full_run.py --needs 2000 --achievements 10000

Loads synthetic needs and achievements (bench/common.py) into a throw-away database, then for 1 and 2
workers (``celery worker --pool=solo`` processes on a private queue): deletes the proposals, starts a
full run with ``match_run_start`` and waits until it is done; the time is the run's own
``finished_at - started_at``. Baseline: one worker, in the same run; printed as a ratio (the ideal with
two workers on two cores is 2.0x).
"""

import argparse
import os
import subprocess
import sys
import time
from urllib.parse import quote

from common import ROOT, django_on_throwaway_db, load_indexed, synthetic_records

QUEUE = f"mengkeju-bench-{os.getpid()}"


def start_workers(count: int, database_url: str) -> list[subprocess.Popen]:
    env = os.environ | {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "60"}
    workers = []
    for i in range(count):
        log = open(f"/tmp/{QUEUE}-{i}.log", "w")  # noqa: SIM115
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "celery", "-A", "mengkeju", "worker", "--pool=solo", "--loglevel=WARNING"),
                    *("--queues", QUEUE, "--hostname", f"{QUEUE}-{i}@%h"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        )
    return workers


def stop_workers(workers) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        w.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=2000)
    parser.add_argument("--achievements", type=int, default=10000)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed (the workers take their tasks from Redis)")
    vendor = django_on_throwaway_db()
    if vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL server (worker processes share the database)")
    from django.db import connection

    from matching import runs
    from matching.models import Match, MatchRun
    from mengkeju.celery import app

    app.conf.task_default_queue = QUEUE
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    t = time.perf_counter()
    load_indexed("achievement", synthetic_records(args.achievements), progress=lambda m: None)
    needs = synthetic_records(args.needs, seed=11, prefix="B-N")
    for i, r in enumerate(needs):
        r.update(budget_min_wan=10, budget_max_wan=50 + i % 200)
    load_indexed("need", needs, progress=lambda m: None)
    print(f"{vendor}: {args.needs} needs × {args.achievements} achievements loaded in {time.perf_counter() - t:.0f} s")

    times = {}
    for count in [int(c) for c in args.workers.split(",")]:
        Match.objects.all().delete()
        workers = start_workers(count, database_url)
        try:
            time.sleep(8)  # workers connect and load jieba lazily; the first chunk pays for the dictionary
            run = runs.match_run_start(trigger="command", chunk_size=args.chunk_size)
            while MatchRun.objects.get(pk=run.pk).status in MatchRun.ACTIVE_STATUSES:
                time.sleep(0.5)
        finally:
            stop_workers(workers)
        run.refresh_from_db()
        times[count] = run.duration.total_seconds()
        print(
            f"{count} worker(s): {run.status}, {run.total_chunks} chunks, {run.processed_items} needs, "
            f"{run.proposals_created} proposals, {len(run.errors)} errors, {times[count]:.1f} s "
            f"({run.processed_items / times[count]:.0f} needs/s)"
        )
    if 1 in times:
        for count, seconds in times.items():
            print(f"speed-up with {count} worker(s) over 1 (baseline): {times[1] / seconds:.2f}x")


if __name__ == "__main__":
    main()
