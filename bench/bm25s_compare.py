"""Our retrieval + scoring beside bm25s (sparse-matrix BM25) on the same corpus and the same tokens.

    python bench/bm25s_compare.py --n 10000                 # SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/bm25s_compare.py --n 100000 --keepdb

N generated achievements (``bench/generate.py``) are loaded with their index rows; 50 generated needs are
published and indexed. Both rankers see the tokens of our analyser (``Analyzer.tokens`` of keywords,
title and description):

* bm25s (Lù, "BM25S: Orders of magnitude faster lexical search via eager sparse scoring", 2024): index
  build time over the N token lists, and query time per need (one query at a time, as an incremental
  match asks);
* ours, candidate retrieval alone: the query's synonyms and concept-layer words, their document
  frequencies and the capped posting lists of its heaviest terms (``index.top_postings``) — the step that
  does what bm25s's query does (find the best-matching documents), on the database index;
* the same retrieval from memory (``matching.sparse_index.SparseIndex``: the capped posting lists read
  once; build time and query time), which returns the same candidates;
* ours, whole: ``matching.services.rank_for`` — retrieval plus scoring with synonyms, concepts, cluster
  relation, compatibility, feedback, calibration and an explanation — per need.

Prints the times, the ratios to bm25s (target: candidate retrieval within 3× of bm25s's query time) and
the top-10 agreement (share of bm25s's top 10 that our top
10 also holds; they are not meant to agree fully: ours weighs keywords above title above description and
adds synonyms and clusters).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import django_on_throwaway_db, load_indexed, percentile
from generate import generate
from results import record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="achievements (default 10000)")
    parser.add_argument("--needs", type=int, default=50, help="needs used as queries (default 50)")
    parser.add_argument("--keepdb", action="store_true", help="keep the database and reuse it next time")
    args = parser.parse_args()

    vendor = django_on_throwaway_db(keepdb=args.keepdb, keep_name=f"keep-{args.n}")
    import bm25s
    import numpy as np

    from achievements.models import Achievement
    from matching import knowledge, services
    from matching.indexing import candidate_limit, postings_per_term
    from matching.models import IndexedPosting
    from matching.sparse_index import SparseIndex
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

    t = time.perf_counter()
    memory = SparseIndex.build("achievement", postings_per_term())
    memory_build_s = time.perf_counter() - t
    print(f"in-memory posting lists: {memory.rows} rows, {len(memory.lists)} terms, built in {memory_build_s:.2f} s")
    analyzer = default_analyzer()
    ach_stats = services.side_stats("achievement")

    def query_weights(need_id: int) -> dict[str, float]:
        """What rank_for looks up before retrieving: the need's words, synonyms, concept-layer words and
        their document frequencies (read from the database, as rank_for does)."""
        own = services._load_sides("need", [need_id])[need_id]
        expanded = analyzer.expand(own.terms)
        grams = analyzer.expand_grams(own.grams, expanded)
        text = IndexedPosting.objects.filter(kind="need", posting_id=need_id).values_list("features", flat=True)[0]
        links = knowledge.concept_layer(analyzer).expansion(text=text.get("text", ""), cluster=own.cluster)
        words = {**expanded, **{w: (v, None) for w, (v, _i) in links.items() if w not in expanded}}
        df = services._df_of("achievement", words, grams)
        return services._retrieval_weights(words, grams, ach_stats, df)

    ours, bm, agreement, retrieval, in_memory, same = [], [], [], [], [], 0
    for need in needs:
        query = tokens(need)
        t = time.perf_counter()
        docs, _scores = retriever.retrieve([query], k=10, show_progress=False, n_threads=1)
        bm.append(time.perf_counter() - t)
        t = time.perf_counter()
        weights = query_weights(need.pk)
        prepare = time.perf_counter() - t
        t = time.perf_counter()
        from_db = services._candidates("achievement", weights, candidate_limit())
        retrieval.append(prepare + time.perf_counter() - t)
        t = time.perf_counter()
        best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: services.retrieval_terms()]
        from_memory = memory.top_postings(dict(best), limit=candidate_limit())
        in_memory.append(prepare + time.perf_counter() - t)
        same += from_memory == from_db
        t = time.perf_counter()
        ranked = services.rank_for(kind="need", posting_id=need.pk, top_k=10, threshold=0.0)
        ours.append(time.perf_counter() - t)
        theirs = set(ids[docs[0]].tolist())
        mine = {a for _n, a, _s in ranked[:10]}
        agreement.append(len(theirs & mine) / max(1, len(theirs)))

    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    p50 = lambda v: percentile(v, 50)  # noqa: E731
    print(f"bm25s query (baseline):             p50 {ms(p50(bm))}  p95 {ms(percentile(bm, 95))}")
    print(f"ours, candidate retrieval (DB):     p50 {ms(p50(retrieval))}  p95 {ms(percentile(retrieval, 95))}")
    print(f"ours, retrieval with lists in memory: p50 {ms(p50(in_memory))}  p95 {ms(percentile(in_memory, 95))}")
    print(f"  same candidates as the database for {same} of {len(needs)} needs")
    print(f"ours, rank_for (retrieve + score):  p50 {ms(p50(ours))}  p95 {ms(percentile(ours, 95))}")
    print(f"ratio candidate retrieval / bm25s (p50): {p50(retrieval) / p50(bm):.1f}x (target <= 3x)")
    print(f"ratio rank_for / bm25s (p50): {p50(ours) / p50(bm):.1f}x")
    print(f"top-10 agreement with bm25s: {statistics.mean(agreement):.2f}; load average {os.getloadavg()}")
    record(
        "bm25s_compare",
        backend=vendor,
        size=args.n,
        figures={
            "bm25s build s": round(build_s, 2),
            "bm25s analyse s": round(analyse_s, 1),
            "bm25s query p50 ms": round(p50(bm) * 1000, 2),
            "bm25s query p95 ms": round(percentile(bm, 95) * 1000, 2),
            "retrieval p50 ms": round(p50(retrieval) * 1000, 2),
            "retrieval p95 ms": round(percentile(retrieval, 95) * 1000, 2),
            "retrieval memory p50 ms": round(p50(in_memory) * 1000, 2),
            "memory index build s": round(memory_build_s, 2),
            "memory index rows": memory.rows,
            "rank_for p50 ms": round(p50(ours) * 1000, 2),
            "rank_for p95 ms": round(percentile(ours, 95) * 1000, 2),
            "ratio retrieval over bm25s p50": round(p50(retrieval) / p50(bm), 2),
            "ratio rank_for over bm25s p50": round(p50(ours) / p50(bm), 2),
            "top10 agreement": round(statistics.mean(agreement), 3),
            "needs": len(needs),
        },
    )


if __name__ == "__main__":
    main()
