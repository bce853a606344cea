#!/usr/bin/env bash
# Every figure of "Matching at scale" (docs/benchmarks.md) in one command, for a quiet machine:
#     bench/matching_at_scale.sh                      # all sizes; or: SIZES="1000 10000" bench/matching_at_scale.sh
# Needs PostgreSQL and Redis: PG_URL (default postgres://postgres@127.0.0.1:5432/bench) and REDIS_URL
# (default redis://127.0.0.1:6379/0). Each script measures its baseline in the same run and writes its
# figures to bench/results/<script>.json. Each size on each backend keeps its own database (--keepdb), so a
# second run skips the loading (the full run reuses the achievements of the same size). Several hours for
# all sizes; the kept databases (test_bench_keep_<n>, /tmp/mengkeju-bench-keep-<n>-<checkout>.sqlite3) can be dropped after.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-../.venv/bin/python}
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432/bench}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379/0}
SIZES=${SIZES:-1000 10000 100000}
uptime
for n in $SIZES 500000; do
    [[ $n == 500000 && -z ${WITH_500K:-} ]] && continue  # WITH_500K=1 adds the incremental match at 500k
    env -u DATABASE_URL "$PY" -u incremental.py --n "$n" --keepdb
    DATABASE_URL="${PG}_$n" "$PY" -u incremental.py --n "$n" --keepdb
done
for n in $SIZES; do
    env -u DATABASE_URL "$PY" -u bm25s_compare.py --n "$n" --keepdb
    DATABASE_URL="${PG}_$n" "$PY" -u bm25s_compare.py --n "$n" --keepdb
    needs=$((n / 5))
    # the same database as above: its n achievements are reused, the needs replaced
    DATABASE_URL="${PG}_$n" REDIS_URL="$REDIS" "$PY" -u full_run.py --needs "$needs" --achievements "$n" --keepdb
done
uptime
