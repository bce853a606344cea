"""Library search latency and index size, beside a plain LIKE scan, on the current backend.

    python bench/search.py --postings 1000,10000,100000         # SQLite (FTS5 + bm25)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/search.py --postings 1000,10000,100000

For each size of ``--postings`` (the database emptied in between), loads that many published
achievements made by ``bench/generate.py`` (CSL vocabulary, 5 % traditional script, 10 % model
numbers) into a throw-away database, each with its real search terms
(``search_tokens_from``, the analyser of the application: jieba search-mode words + Chinese unigrams
and bigrams). Then, for each query of ``QUERIES`` (single characters, words, phrases, Latin model
numbers, several words, synonyms), times what the library page does — ``search()`` on the published
postings, the first page of 20 rows and the count — ``--repeat`` times, and reports p50/p95 over all
timings. The baseline in the same run: the same page with a plain ``LIKE '%word%'`` over title and
description (every space-separated word ANDed, newest first), which is what a search without an index
does. Index size: PostgreSQL's GIN index (``pg_relation_size``) and the stored ``search_vector`` and
``search_tokens`` columns; SQLite's FTS5 tables (file size before and after dropping them, VACUUMed)
and the ``search_tokens`` column. Figures go to ``bench/results/search.json`` (``bench/plot.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_on_throwaway_db, percentile  # noqa: E402
from generate import generate  # noqa: E402

QUERIES = [
    "煤", "硅", "酶", "奶", "膜",  # single characters
    "发酵", "光伏", "电池", "稀土", "疫苗", "传感器", "催化剂", "数据",  # words
    "颗粒硅", "拉曼光谱", "风电叶片", "永磁材料", "乳酸菌发酵",  # compounds, phrases
    "304不锈钢", "316L", "ISO 9001", "CA19-9", "5G", "C++", "3D打印",  # Latin and mixed
    "颗粒 硅", "发酵 工艺", "稀土 永磁 材料",  # several words (AND)
    "graphene", "battery", "碳纖維",  # synonyms, traditional script
]  # fmt: skip
PAGE = 20
SENTENCE_RE = re.compile(r"(?<=[。；;！!？?])")


def load(n: int, progress=print) -> None:
    """Publish ``n`` generated achievements with their search terms. The terms are computed per sentence
    and cached (the generator reuses CSL sentences): Chinese runs, hence bigrams and jieba's cuts, end at
    the sentence's punctuation anyway, so this gives the terms ``search_tokens_of`` stores, faster."""
    from functools import lru_cache

    from django.db import connection, transaction
    from django.utils import timezone

    from achievements.models import Achievement
    from mengkeju.core.models import IndustryCluster, Organization
    from mengkeju.postings.search import SECTION, segment_for_index

    terms = lru_cache(maxsize=None)(segment_for_index)

    def search_tokens_from(*, heading: str, body: str) -> str:
        sentences = [t for t in SENTENCE_RE.split(body) if t.strip()]
        return f" {terms(heading)} {SECTION} {' '.join(terms(t) for t in sentences)} "

    clusters = {c.name_zh: c for c in IndustryCluster.objects.all()}
    org, _ = Organization.objects.get_or_create(name="bench-search", defaults={"kind": Organization.Kind.UNIVERSITY})
    now = timezone.now()
    started = time.perf_counter()
    rows = []
    for i, r in enumerate(generate("achievement", n), 1):
        heading = " ".join([r["title"], " ".join(r["keywords"])])
        rows.append(
            Achievement(
                external_id=r["external_id"],
                title=r["title"][:200],
                description=r["description"],
                keywords=r["keywords"],
                cluster=clusters[r["cluster"]],
                organization=org,
                status="published",
                published_at=now,
                maturity="pilot",
                search_tokens=search_tokens_from(heading=heading, body=r["description"]),
            )
        )
        if len(rows) == 2000 or i == n:
            with transaction.atomic():
                Achievement.objects.bulk_create(rows, batch_size=500)
            rows = []
            progress(f"  loaded {i} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE achievements_achievement" if connection.vendor == "postgresql" else "ANALYZE")


def like_page(queryset, query: str):
    from django.db.models import Q

    for word in query.split():
        queryset = queryset.filter(Q(title__contains=word) | Q(description__contains=word))
    return queryset.order_by("-published_at", "-id")


def time_page(make) -> float:
    started = time.perf_counter()
    queryset = make()
    list(queryset[:PAGE])
    queryset.count()
    return time.perf_counter() - started


def index_size() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_relation_size('achievements_achievement_search_vector_gin'), "
                "sum(pg_column_size(search_vector)), sum(pg_column_size(search_tokens)), "
                "sum(pg_column_size(title) + pg_column_size(description)) FROM achievements_achievement"
            )
            gin, vector, column, text = cursor.fetchone()
            return {
                "GIN index": gin,
                "search_vector column": vector,
                "search_tokens column": column,
                "title+description": text,
            }
        cursor.execute("SELECT sum(length(CAST(title || description AS BLOB))) FROM achievements_achievement")
        text = cursor.fetchone()[0]
        cursor.execute("SELECT sum(length(search_tokens)) FROM achievements_achievement")
        column = cursor.fetchone()[0]
        path = connection.settings_dict["NAME"]
        cursor.execute("VACUUM")
        before = os.path.getsize(path)
        cursor.execute("DROP TABLE achievements_achievement_fts")
        cursor.execute("VACUUM")
        after = os.path.getsize(path)
        return {"FTS5 index": before - after, "search_tokens column": column, "title+description": text}


def measure(n: int, repeat: int, like_repeat: int) -> dict:
    """Load ``n`` achievements into the emptied database and time the queries; returns the figures."""
    from django.db import connection
    from import_throughput import empty

    from achievements.models import Achievement
    from mengkeju.postings.search import fts_ensure, search

    empty("achievement")
    started = time.perf_counter()
    load(n)
    load_s = time.perf_counter() - started
    published = Achievement.objects.filter(status="published")
    for q in QUERIES:  # warm: the analyser, the synonym list, the database cache
        time_page(lambda q=q: search(published, q))
    time_page(lambda: like_page(published, QUERIES[0]))
    timings = {"search": [], "like": []}
    for i in range(max(repeat, like_repeat)):
        for q in QUERIES:
            if i < repeat:
                timings["search"].append(time_page(lambda q=q: search(published, q)))
            if i < like_repeat:
                timings["like"].append(time_page(lambda q=q: like_page(published, q)))
    hits = {q: (search(published, q).count(), like_page(published, q).count()) for q in QUERIES}
    size = index_size()
    fts_ensure(connection, Achievement._meta.db_table)  # SQLite: index_size dropped it to weigh it
    ms = {name: [t * 1000 for t in values] for name, values in timings.items()}
    return {
        "load_s": load_s,
        "search": (percentile(ms["search"], 50), percentile(ms["search"], 95)),
        "like": (percentile(ms["like"], 50), percentile(ms["like"], 95)),
        "size": size,
        "hits": hits,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", default="10000", help="comma-separated sizes, e.g. 1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--like-repeat", type=int, default=None, help="repeats of the LIKE baseline (default --repeat)")
    args = parser.parse_args(argv)
    vendor = django_on_throwaway_db()
    from results import load_average, record

    like_repeat = args.repeat if args.like_repeat is None else args.like_repeat
    for n in [int(x) for x in args.postings.split(",")]:
        m = measure(n, args.repeat, like_repeat)
        (s50, s95), (l50, l95) = m["search"], m["like"]
        print(
            f"\n{vendor}: {n} achievements, loaded in {m['load_s']:.0f} s; {len(QUERIES)} queries x "
            f"{args.repeat} (LIKE x {like_repeat}); load average {load_average()}"
        )
        print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}")
        print(f"{'search (index)':24}{s50:10.1f}{s95:10.1f}")
        print(f"{'LIKE scan baseline':24}{l50:10.1f}{l95:10.1f}")
        print(f"ratio LIKE / search: p50 {l50 / s50:.1f}x, p95 {l95 / s95:.1f}x")
        print("index size: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in m["size"].items()))
        print("hits (search / LIKE): " + ", ".join(f"{q} {a}/{b}" for q, (a, b) in m["hits"].items()))
        out = record(
            "search",
            backend=vendor,
            size=n,
            figures={"search p50 ms": s50, "search p95 ms": s95, "LIKE p50 ms": l50, "LIKE p95 ms": l95},
            notes={
                "index MB": {k: round(v / 1e6, 2) for k, v in m["size"].items()},
                "load s": round(m["load_s"], 1),
                "hits (search, LIKE)": m["hits"],
                "queries": len(QUERIES),
                "repeat": args.repeat,
                "LIKE repeat": like_repeat,
            },
        )
        print(f"figures written to {out}")


if __name__ == "__main__":
    main()
