"""A full run through Celery with one and then two worker processes (PostgreSQL + Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/full_run.py --needs 2000 --achievements 10000

Loads generated needs and achievements (``bench/generate.py``, with their index rows) into a throw-away
database (``--keepdb`` keeps it and reuses the achievements), then for 1 and 2 workers (``celery worker
--pool=solo`` processes on a private queue): deletes the proposals, starts a full run with
``match_run_start`` and waits until it is done; the time is the run's own ``finished_at - started_at``.
Baseline: one worker, in the same run; printed as a ratio (the ideal with two workers on two cores is
2.0x). ``--retrieval database,memory`` also runs each worker count with the candidates from the database
(``MATCHING_RUN_MEMORY_INDEX=0``) beside the workers' in-memory posting lists, printed as a ratio.
Also printed: proposals per need, each worker's resident memory (largest ``VmRSS`` seen, sampled
every 0.5 s), the CPU time of the workers against the wall time (a shared machine shows as CPU < wall ×
workers), and the index's size on disk per 100k postings (``pg_total_relation_size`` of the matcher's
index tables). The figures go to ``bench/results/full_run.json``.
"""

import argparse
import os
import subprocess
import sys
import time
from urllib.parse import quote

from common import ROOT, django_on_throwaway_db, load_indexed
from generate import generate
from results import record

QUEUE = f"mengkeju-bench-{os.getpid()}"


def start_workers(count: int, database_url: str, memory_index: int | None = None) -> list[subprocess.Popen]:
    env = os.environ | {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "60"}
    if memory_index is not None:  # MATCHING_RUN_MEMORY_INDEX of the workers (else the settings' default)
        env["MATCHING_RUN_MEMORY_INDEX"] = str(memory_index)
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


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (``VmRSS`` of /proc), 0 when it has ended."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return next((int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:")), 0.0)
    except OSError:
        return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (seconds), from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def index_size_mb() -> float:
    """The matcher's index on disk: tables, indexes and TOAST of its index tables (MB)."""
    from django.db import connection

    from matching.models import IndexedPosting, IndexKindStat, IndexTerm, IndexTermStat

    tables = [m._meta.db_table for m in (IndexedPosting, IndexTerm, IndexTermStat, IndexKindStat)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) AS t", [tables])
        return float(cursor.fetchone()[0]) / 2**20


def stop_workers(workers) -> None:
    for w in workers:
        w.terminate()  # warm shutdown: a worker finishes its chunk first
    for w in workers:
        try:
            w.wait(timeout=60)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=2000)
    parser.add_argument("--achievements", type=int, default=10000)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--retrieval",
        default="memory",
        help="comma-separated: memory (the workers' capped posting lists, the default of real workers) and/or "
        "database (MATCHING_RUN_MEMORY_INDEX=0); each worker count is run with each",
    )
    parser.add_argument("--keepdb", action="store_true", help="keep the database and reuse its achievements")
    args = parser.parse_args()
    modes = [m for m in args.retrieval.split(",") if m]
    if not modes or not set(modes) <= {"database", "memory"}:
        parser.error(f"--retrieval: database and/or memory, not {args.retrieval!r}")
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed (the workers take their tasks from Redis)")
    # the same kept database as bench/incremental.py at this size: its achievements (same seed) are reused
    vendor = django_on_throwaway_db(keepdb=args.keepdb, keep_name=f"keep-{args.achievements}")
    if vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL server (worker processes share the database)")
    from django.db import connection

    from matching import runs
    from matching.models import IndexedPosting, IndexTerm, Match, MatchRun
    from mengkeju.celery import app
    from needs.models import TechnicalNeed

    app.conf.task_default_queue = QUEUE
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    t = time.perf_counter()
    if IndexedPosting.objects.filter(kind="achievement").count() != args.achievements:
        load_indexed("achievement", list(generate("achievement", args.achievements, seed=3)), progress=lambda m: None)
    if IndexedPosting.objects.filter(kind="need").count() != args.needs:
        MatchRun.objects.all().delete()
        TechnicalNeed.objects.all().delete()
        IndexedPosting.objects.filter(kind="need").delete()
        IndexTerm.objects.filter(kind="need").delete()
        load_indexed("need", list(generate("need", args.needs, seed=11)), progress=lambda m: None)
    print(f"{vendor}: {args.needs} needs × {args.achievements} achievements loaded in {time.perf_counter() - t:.0f} s")
    size = index_size_mb()
    postings = args.needs + args.achievements
    print(f"matcher index on disk: {size:.0f} MB for {postings} postings ({size * 100000 / postings:.0f} MB per 100k)")
    load = os.getloadavg()
    times, figures = {}, {}
    for count, mode in [(int(c), m) for c in args.workers.split(",") for m in modes]:
        Match.objects.all().delete()
        workers = start_workers(count, database_url, memory_index=0 if mode == "database" else 10**9)
        peak = dict.fromkeys(w.pid for w in workers)
        try:
            time.sleep(8)  # workers connect and load jieba lazily; the first chunk pays for the dictionary
            cpu0 = {w.pid: cpu_seconds(w.pid) for w in workers}
            run = runs.match_run_start(trigger="command", chunk_size=args.chunk_size)
            while MatchRun.objects.get(pk=run.pk).status in MatchRun.ACTIVE_STATUSES:
                for pid in peak:
                    peak[pid] = max(peak[pid] or 0.0, rss_mb(pid))
                time.sleep(0.5)
            cpu = sum(cpu_seconds(pid) - cpu0[pid] for pid in peak)
        finally:
            stop_workers(workers)
        run.refresh_from_db()
        seconds = run.duration.total_seconds()
        if mode == modes[-1]:
            times[count] = seconds
        rss = max(peak.values())
        label = f"workers {count}" + ("" if mode == "memory" else f" {mode}")
        print(
            f"{count} worker(s), candidates from {mode}: {run.status}, {run.total_chunks} chunks, "
            f"{run.processed_items} needs, "
            f"{run.proposals_created} proposals ({run.proposals_created / max(1, run.processed_items):.1f} per need), "
            f"{len(run.errors)} errors, {seconds:.1f} s ({run.processed_items / seconds:.0f} needs/s); "
            f"workers' CPU {cpu:.0f} s over {seconds:.0f} s wall; largest worker RSS {rss:.0f} MB"
        )
        figures[f"{label} s"] = round(seconds, 1)
        figures[f"{label} cpu s"] = round(cpu, 1)
        figures[f"{label} rss MB"] = round(rss)
        figures["proposals per need"] = round(run.proposals_created / max(1, run.processed_items), 2)
        figures["errors"] = len(run.errors)
    if 1 in times:
        for count, seconds in times.items():
            print(f"speed-up with {count} worker(s) over 1 (baseline), {modes[-1]}: {times[1] / seconds:.2f}x")
            figures[f"speed up {count}"] = round(times[1] / seconds, 2)
    for count in {int(c) for c in args.workers.split(",")}:
        if {"database", "memory"} <= set(modes):
            ratio = figures[f"workers {count} database s"] / figures[f"workers {count} s"]
            print(f"{count} worker(s): candidates from memory {ratio:.2f}x faster than from the database (baseline)")
            figures[f"memory over database {count}"] = round(ratio, 2)
    figures |= {
        "needs": args.needs,
        "chunk size": args.chunk_size,
        "index MB per 100k postings": round(size * 100000 / postings, 1),
        "load average at start": [round(x, 2) for x in load],
        "load average at end": [round(x, 2) for x in os.getloadavg()],
    }
    record("full_run", backend=vendor, size=args.achievements, figures=figures)
    print(f"load average at start {load}, at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
