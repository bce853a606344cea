"""Import throughput: ``import_postings`` of N synthetic achievements (JSONL), on a throw-away database.

    python bench/import_throughput.py --n 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/import_throughput.py --n 20000

Measured in one run, on the same file:
1. baseline — ``import_postings`` without ``--publish``: parse, validate, upsert, search tokens (drafts are
   not indexed by the matcher);
2. ``--publish`` into an empty database — the same plus the matcher's index of every posting;
3. re-import of the same file with ``--publish`` (every row updated and re-indexed).
Prints postings per second, the ratios to the baseline and the time 100k postings would take.
"""

import argparse
import tempfile
import time
from pathlib import Path

from common import django_on_throwaway_db, synthetic_records, write_jsonl


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    vendor = django_on_throwaway_db()
    from achievements.models import Achievement
    from matching.importing import postings_import
    from matching.models import IndexedPosting, IndexTerm
    from mengkeju.lib.textanalysis import default_analyzer

    default_analyzer().tokens("预热")  # jieba's dictionary, loaded once per process
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(synthetic_records(args.n), Path(tmp) / "achievements.jsonl")
        results = {}
        for label, publish in (("baseline (drafts, no index)", False), ("--publish (with index)", True)):
            Achievement.objects.all().delete()
            IndexTerm.objects.all().delete()
            IndexedPosting.objects.all().delete()
            t = time.perf_counter()
            summary = postings_import(kind="achievement", path=path, publish=publish)
            results[label] = time.perf_counter() - t
            assert summary.created == args.n, summary
        t = time.perf_counter()
        summary = postings_import(kind="achievement", path=path, publish=True)
        results["re-import --publish (updates)"] = time.perf_counter() - t
        assert summary.updated == args.n and summary.indexed == args.n, summary

    base = results["baseline (drafts, no index)"]
    print(f"backend {vendor}, {args.n} achievements, {IndexTerm.objects.count()} index rows")
    for label, seconds in results.items():
        print(
            f"{label:32} {seconds:7.1f} s  {args.n / seconds:7.0f} postings/s  ratio {seconds / base:4.2f}x  "
            f"100k ≈ {100000 / args.n * seconds / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
