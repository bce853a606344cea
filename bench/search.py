"""Library search latency and index size, beside a plain LIKE scan, on the current backend.

    python bench/search.py --postings 10000                     # SQLite (FTS5 + bm25)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/search.py --postings 10000

Loads ``--postings`` published achievements made by ``bench/generate.py`` (CSL vocabulary, 5 %
traditional script, 10 % model numbers) into a throw-away database, each with its real search terms
(``search_tokens_from``, the analyser of the application: jieba search-mode words + Chinese unigrams
and bigrams). Then, for each query of ``QUERIES`` (single characters, words, phrases, Latin model
numbers, several words, synonyms), times what the library page does — ``search()`` on the published
postings, the first page of 20 rows and the count — ``--repeat`` times, and reports p50/p95 over all
timings. The baseline in the same run: the same page with a plain ``LIKE '%word%'`` over title and
description (every space-separated word ANDed, newest first), which is what a search without an index
does. Index size: PostgreSQL's GIN index (``pg_relation_size``) and the stored ``search_vector`` and
``search_tokens`` columns; SQLite's FTS5 tables (file size before and after dropping them, VACUUMed)
and the ``search_tokens`` column.
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--like-repeat", type=int, default=None, help="repeats of the LIKE baseline (default --repeat)")
    args = parser.parse_args(argv)
    vendor = django_on_throwaway_db()

    from achievements.models import Achievement
    from mengkeju.postings.search import search

    started = time.perf_counter()
    load(args.postings)
    load_s = time.perf_counter() - started
    published = Achievement.objects.filter(status="published")
    like_repeat = args.repeat if args.like_repeat is None else args.like_repeat
    for q in QUERIES:  # warm: the analyser, the synonym list, the database cache
        time_page(lambda q=q: search(published, q))
    time_page(lambda: like_page(published, QUERIES[0]))
    timings = {"search": [], "like": []}
    hits = {}
    for i in range(max(args.repeat, like_repeat)):
        for q in QUERIES:
            if i < args.repeat:
                timings["search"].append(time_page(lambda q=q: search(published, q)))
            if i < like_repeat:
                timings["like"].append(time_page(lambda q=q: like_page(published, q)))
    for q in QUERIES:
        hits[q] = (search(published, q).count(), like_page(published, q).count())
    size = index_size()
    print(
        f"\n{vendor}: {args.postings} achievements, loaded in {load_s:.0f} s; {len(QUERIES)} queries x "
        f"{args.repeat} (LIKE x {like_repeat})"
    )
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}")
    for name, label in (("search", "search (index)"), ("like", "LIKE scan baseline")):
        values = [t * 1000 for t in timings[name]]
        print(f"{label:24}{percentile(values, 50):10.1f}{percentile(values, 95):10.1f}")
    print("index size: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in size.items()))
    print("hits (search / LIKE): " + ", ".join(f"{q} {a}/{b}" for q, (a, b) in hits.items()))


if __name__ == "__main__":
    main()
