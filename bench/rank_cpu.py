"""CPU time of ``rank_for`` per need, with the matching code of any commit, on a database kept by
``bench/incremental.py --keepdb`` (a profile's before → after on the same data):

    python bench/incremental.py --n 10000 --keepdb                # loads /tmp/mengkeju-bench-keep-10000.sqlite3
    git archive 97a3e33 | tar -x -C /tmp/before
    python bench/rank_cpu.py --code /tmp/before --n 10000        # the code of that commit
    python bench/rank_cpu.py --n 10000                           # this checkout

Ranks the kept needs (at most 40) twice each after one warm-up and prints the CPU time per need
(``time.process_time``: on SQLite all of the work; on PostgreSQL the server's share is not counted) and the
wall time with the load average, so a loaded machine shows as wall ≫ CPU.

``--full-run`` ranks as a full run's worker does (this checkout only): inside ``in_memory`` of the
achievements' lists, statistics and sides (``matching.runs.achievement_lists`` with both memory limits
raised) and ``knowledge.held()``. ``--needs N`` ranks N kept needs once each instead; ``--profile`` prints
the 25 functions with the most cumulative time (cProfile). The profile of docs/benchmarks.md ("Third
round"), on the database kept by ``bench/full_run.py --achievements 100000 --keepdb``::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench MATCHING_RUN_MEMORY_SIDES=0 \
        python bench/rank_cpu.py --n 100000 --full-run --needs 300 --profile     # without the sides
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        python bench/rank_cpu.py --n 100000 --full-run --needs 300 --profile     # after
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent, help="a source tree")
    parser.add_argument("--n", type=int, default=10000, help="the size the kept database was loaded with")
    parser.add_argument("--side-cache", type=int, help="MATCHING_SIDE_CACHE for this run (0: every candidate parsed)")
    parser.add_argument("--full-run", action="store_true", help="rank as a full run's worker (memory, held knowledge)")
    parser.add_argument("--needs", type=int, default=0, help="rank this many kept needs once each (default: 40 twice)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed ranking")
    args = parser.parse_args()
    root = args.code.resolve()
    sys.path.insert(0, str(root / "bench"))
    os.chdir(root / "bench")
    from common import django_on_throwaway_db

    if "keep_name" in django_on_throwaway_db.__code__.co_varnames:
        django_on_throwaway_db(keepdb=True, keep_name=f"keep-{args.n}")
    else:  # older trees kept one file: point it at this size's
        keep = Path("/tmp/mengkeju-bench-keep.sqlite3")
        keep.unlink(missing_ok=True)
        keep.symlink_to(f"/tmp/mengkeju-bench-keep-{args.n}.sqlite3")
        django_on_throwaway_db(keepdb=True)
    from django.conf import settings

    from matching import services
    from matching.models import IndexedPosting

    if args.side_cache is not None:
        settings.MATCHING_SIDE_CACHE = args.side_cache

    needs = IndexedPosting.objects.filter(kind="need").order_by("posting_id").values_list("posting_id", flat=True)
    ids = list(needs[: args.needs + 1]) if args.needs else list(needs[:40])
    achievements = IndexedPosting.objects.filter(kind="achievement").count()
    if len(ids) < 2:
        sys.exit("no kept needs: run bench/incremental.py --n N --keepdb first")
    with contextlib.ExitStack() as stack:
        if args.full_run:
            from matching import knowledge, runs
            from matching.sparse_index import in_memory

            settings.MATCHING_RUN_MEMORY_INDEX = int(os.environ.get("MATCHING_RUN_MEMORY_INDEX", 10**9))
            settings.MATCHING_RUN_MEMORY_SIDES = int(os.environ.get("MATCHING_RUN_MEMORY_SIDES", 10**9))
            t = time.perf_counter()
            memory = runs.achievement_lists()
            sides = "with" if memory is not None and memory.sides is not None else "without"
            print(f"worker memory read in {time.perf_counter() - t:.1f} s ({sides} sides)")
            stack.enter_context(in_memory(memory))
            stack.enter_context(knowledge.held())
        services.rank_for(kind="need", posting_id=ids[0])
        profile = cProfile.Profile() if args.profile else None
        wall, cpu = [], []
        for posting_id in ids[1:] if args.needs else ids[1:] * 2:
            t, c = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            services.rank_for(kind="need", posting_id=posting_id)
            if profile:
                profile.disable()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    print(
        f"{root}: {len(cpu)} rankings of {len(ids) - 1} needs against {achievements} achievements; rank_for per need: "
        f"CPU p50 {ms(statistics.median(cpu))}, mean {ms(statistics.mean(cpu))}; "
        f"wall p50 {ms(statistics.median(wall))}; "
        f"load average {os.getloadavg()}"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
