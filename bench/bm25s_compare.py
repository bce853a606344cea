"""Our retrieval + scoring beside bm25s (sparse-matrix BM25) on the same corpus and the same tokens.

    python bench/bm25s_compare.py --n 10000                 # SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/bm25s_compare.py --n 100000 --keepdb

N generated achievements (``bench/generate.py``) are loaded with their index rows; 50 generated needs are
published and indexed. Both rankers see the tokens of our analyser (``Analyzer.tokens`` of keywords,
title and description):

* bm25s (Lù, "BM25S: Orders of magnitude faster lexical search via eager sparse scoring", 2024): index
  build time over the N token lists, and query time per need (one query at a time, as an incremental
  match asks);
* ours: ``matching.services.rank_for`` — candidate retrieval from the database index plus scoring with
  synonyms, concepts, cluster relation, compatibility and an explanation — per need.

Prints the times, the ratio ours / bm25s and the top-10 agreement (share of bm25s's top 10 that our top
10 also holds; they are not meant to agree fully: ours weighs keywords above title above description and
adds synonyms and clusters).
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import django_on_throwaway_db, load_indexed, percentile
from generate import generate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="achievements (default 10000)")
    parser.add_argument("--needs", type=int, default=50, help="needs used as queries (default 50)")
    parser.add_argument("--keepdb", action="store_true", help="keep the database and reuse it next time")
    args = parser.parse_args()

    vendor = django_on_throwaway_db(keepdb=args.keepdb)
    import bm25s
    import numpy as np

    from achievements.models import Achievement
    from matching import services
    from matching.models import IndexedPosting
    from mengkeju.core.models import IndustryCluster, Organization
    from mengkeju.lib.textanalysis import default_analyzer
    from needs.models import TechnicalNeed

    print(f"backend {vendor}, {args.n} achievements, {args.needs} needs")
    if IndexedPosting.objects.filter(kind="achievement").count() != args.n:
        t = time.perf_counter()
        load_indexed("achievement", list(generate("achievement", args.n, seed=3)), progress=lambda m: None)
        print(f"loaded and indexed in {time.perf_counter() - t:.0f} s")
    analyzer = default_analyzer()

    def tokens(posting) -> list[str]:
        return analyzer.tokens(" ".join([*posting.keywords, posting.title, posting.description]))

    achievements = list(Achievement.objects.filter(status="published").order_by("pk"))
    ids = np.array([a.pk for a in achievements])
    t = time.perf_counter()
    corpus = [tokens(a) for a in achievements]
    analyse_s = time.perf_counter() - t
    t = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    build_s = time.perf_counter() - t
    print(f"bm25s: analysing {len(corpus)} texts {analyse_s:.1f} s (ours does it on save); index build {build_s:.2f} s")

    TechnicalNeed.objects.filter(external_id__startswith="G-N").delete()
    clusters = {c.name_zh: c for c in IndustryCluster.objects.all()}
    org, _ = Organization.objects.get_or_create(name="bench-need-org", defaults={"kind": "enterprise"})
    needs = []
    for r in generate("need", args.needs, seed=5):
        need = TechnicalNeed.objects.create(
            external_id=r["external_id"],
            title=r["title"][:200],
            description=r["description"],
            keywords=r["keywords"],
            cluster=clusters[r["cluster"]],
            organization=org,
            status="published",
        )
        needs.append(need)
    services.postings_index(kind="need", postings=services.published("need").filter(pk__in=[n.pk for n in needs]))
    services.rank_for(kind="need", posting_id=needs[0].pk, threshold=0.0)  # warm caches

    ours, bm, agreement = [], [], []
    for need in needs:
        query = tokens(need)
        t = time.perf_counter()
        docs, _scores = retriever.retrieve([query], k=10, show_progress=False, n_threads=1)
        bm.append(time.perf_counter() - t)
        t = time.perf_counter()
        ranked = services.rank_for(kind="need", posting_id=need.pk, top_k=10, threshold=0.0)
        ours.append(time.perf_counter() - t)
        theirs = set(ids[docs[0]].tolist())
        mine = {a for _n, a, _s in ranked[:10]}
        agreement.append(len(theirs & mine) / max(1, len(theirs)))

    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    print(f"bm25s query:              p50 {ms(percentile(bm, 50))}  p95 {ms(percentile(bm, 95))}")
    print(f"ours rank_for:            p50 {ms(percentile(ours, 50))}  p95 {ms(percentile(ours, 95))}")
    print(f"ratio ours / bm25s (p50): {percentile(ours, 50) / percentile(bm, 50):.1f}x")
    print(f"top-10 agreement with bm25s: {statistics.mean(agreement):.2f}")


if __name__ == "__main__":
    main()
