"""Import throughput: ``import_postings`` of N generated achievements (JSONL), on a throw-away database.

    python bench/import_throughput.py --sizes 1000,10000,100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/import_throughput.py --sizes 100000

For each size, a file from ``bench/generate.py`` (seed 7) is imported four times into an emptied database:
1. baseline — without ``--publish``, in one process: parse, validate, upsert, search terms (drafts are
   not indexed by the matcher);
2. ``--publish`` in one process (``--workers 1``): the same plus the matcher's index of every posting;
3. ``--publish`` with the default workers (``IMPORT_WORKERS``: one process per CPU analyses the postings
   while the importing process writes; all in one transaction);
4. re-import of the same file with ``--publish`` and the default workers (every row updated and
   re-indexed).
Prints seconds, postings per second, the ratio to the baseline, the speed-up of the workers and the verdict
against the target (100k postings with ``--publish`` in ≤ 2 min), and the CPU seconds of the importing
process and its workers (not the database server's), the figure to compare on a shared machine; writes
``bench/results/import_throughput.json``.
``--profile`` writes a cProfile of step 3 (the importing process) to /tmp/import_throughput.prof.
``--breakdown`` prints, for each step, the wall seconds spent in each kind of database write (the new
postings' COPY, their cooperation modes' ``bulk_create``, the matcher's ``IndexedPosting`` and ``IndexTerm``
COPYs, the statistics, the closing ``ANALYZE``): time the importing process waits for PostgreSQL, plus its
own share of preparing the rows (on SQLite the postings and the ``IndexedPosting`` rows go through
``bulk_create`` and are counted in two lines).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import os
import tempfile
import time
from pathlib import Path

from common import django_on_throwaway_db
from generate import write
from results import load_average, record

TARGET_S_PER_100K = 120.0


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the import's workers), in seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextlib.contextmanager
def write_timers():
    """{label: wall seconds} of the import's database writes while the block runs (``--breakdown``)."""
    from django.db.models import QuerySet

    from matching import importing, index

    timers: dict[str, float] = {}
    patched = [
        (importing, "_create", "new postings (COPY; bulk_create on SQLite)"),
        (QuerySet, "bulk_create", "cooperation modes (bulk_create; the postings too on SQLite)"),
        (QuerySet, "bulk_update", "postings updated (bulk_update)"),
        (index, "insert_postings", "matcher IndexedPosting rows (COPY)"),
        (index, "insert_terms", "matcher IndexTerm rows (COPY)"),
        (importing.indexing.StatsDelta, "save", "index statistics (upsert)"),
        (importing, "analyze_after_bulk_write", "ANALYZE"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]

    def timed(function, label):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - started

        return wrapper

    for (owner, name, label), (_, _, function) in zip(patched, originals, strict=True):
        setattr(owner, name, timed(function, label))
    try:
        yield timers
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)


def empty(kind: str = "achievement") -> None:
    """Remove every posting of ``kind`` and the matcher's index, fast (TRUNCATE / FTS delete-all)."""
    from django.db import connection, transaction

    from achievements.models import Achievement
    from matching.models import IndexedPosting, IndexKindStat, IndexTerm, IndexTermStat
    from mengkeju.core.models import Organization
    from mengkeju.postings.search import fts_ensure
    from needs.models import TechnicalNeed

    model = {"achievement": Achievement, "need": TechnicalNeed}[kind]
    table = model._meta.db_table
    through = model.cooperation_modes.through._meta.db_table
    index_tables = [m._meta.db_table for m in (IndexTerm, IndexedPosting, IndexTermStat, IndexKindStat)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}, {', '.join(index_tables)} CASCADE")
        else:
            fts = f"{table}_fts"
            cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'delete-all\')')
            cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_ad"')
            for name in [through, table, *index_tables]:
                cursor.execute(f'DELETE FROM "{name}"')
            fts_ensure(connection, table)
    Organization.objects.filter(name__startswith="生成").delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000", help="comma-separated numbers of achievements (default 10000)")
    parser.add_argument("--skip-one-process", action="store_true", help="skip step 2 (--publish, one process)")
    parser.add_argument("--skip-reimport", action="store_true", help="skip step 4 (re-import)")
    parser.add_argument("--profile", action="store_true", help="cProfile step 3 to /tmp/import_throughput.prof")
    parser.add_argument("--breakdown", action="store_true", help="wall seconds of each kind of database write")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    vendor = django_on_throwaway_db()
    from django.conf import settings

    from matching.importing import import_workers, postings_import
    from matching.models import IndexTerm
    from mengkeju.lib.textanalysis import default_analyzer

    default_analyzer().tokens("预热")  # jieba's dictionary, loaded once per process
    for n in sizes:
        workers = import_workers(n)
        steps = [("baseline: drafts, 1 process", False, 1, True)]
        if not args.skip_one_process:
            steps.append(("--publish, 1 process", True, 1, True))
        steps.append((f"--publish, {workers} workers", True, None, True))
        if not args.skip_reimport:
            steps.append((f"re-import --publish, {workers} workers", True, None, False))
        results: dict[str, float] = {}
        loads, cpus = {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "achievements.jsonl"
            write("achievement", n, path, seed=7)
            for label, publish, step_workers, fresh in steps:
                if fresh:
                    empty()
                profiler = (
                    cProfile.Profile() if args.profile and label.startswith("--publish") and not step_workers else None
                )
                t, cpu = time.perf_counter(), cpu_seconds()
                if profiler:
                    profiler.enable()
                with write_timers() if args.breakdown else contextlib.nullcontext({}) as timers:
                    summary = postings_import(kind="achievement", path=path, publish=publish, workers=step_workers)
                if profiler:
                    profiler.disable()
                    profiler.dump_stats("/tmp/import_throughput.prof")
                results[label] = time.perf_counter() - t
                cpus[label] = cpu_seconds() - cpu
                loads[label] = load_average()
                assert (summary.created if fresh else summary.updated) == n, summary
                assert summary.indexed == (n if publish else 0), summary
                print(
                    f"  {label}: {results[label]:.1f} s, CPU {cpus[label]:.1f} s (load average {loads[label]})",
                    flush=True,
                )
                for what, seconds in sorted(timers.items(), key=lambda item: -item[1]):
                    print(f"    {what:52} {seconds:7.1f} s", flush=True)
        rows = IndexTerm.objects.count()
        base = results[steps[0][0]]
        print(
            f"\nbackend {vendor}, {n} achievements, {rows} index rows ({rows / n:.0f} per posting), "
            f"{os.cpu_count()} CPUs, IMPORT_WORKERS={settings.IMPORT_WORKERS or 'one per CPU'}"
        )
        for label, seconds in results.items():
            print(
                f"{label:36} {seconds:7.1f} s  {n / seconds:7.0f} postings/s  ratio {seconds / base:4.2f}x  "
                f"100k ≈ {100000 / n * seconds / 60:.1f} min  CPU {cpus[label]:.1f} s"
            )
        parallel = results[steps[2 if not args.skip_one_process else 1][0]]
        if not args.skip_one_process:
            print(f"speed-up of {workers} workers over 1 process: {results['--publish, 1 process'] / parallel:.2f}x")
        verdict = "met" if parallel * 100000 / n <= TARGET_S_PER_100K else "MISSED"
        print(f"target: 100k --publish ≤ 2 min: {verdict} ({parallel * 100000 / n / 60:.1f} min at this rate)")
        figures = {"baseline (drafts) s": base, "--publish s": parallel}
        if not args.skip_one_process:
            figures["--publish 1 process s"] = results["--publish, 1 process"]
        if not args.skip_reimport:
            figures["re-import --publish s"] = results[steps[-1][0]]
        out = record(
            "import_throughput",
            backend=vendor,
            size=n,
            figures=figures,
            notes={
                "workers": workers,
                "index rows": rows,
                "load averages": loads,
                "CPU seconds (this process and its workers, not the database server)": cpus,
            },
        )
        print(f"figures written to {out}")


if __name__ == "__main__":
    main()
