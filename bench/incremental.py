"""Incremental match of one new need against N published achievements.

    python bench/incremental.py --n 10000                      # SQLite (a file, dropped at exit)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/incremental.py --n 100000

Loads N generated achievements (``bench/generate.py``) with their index rows, then publishes the 26
needs of the dev set and 24 generated needs one by one and times
``matching.services.posting_match`` (index the need, retrieve candidates from the inverted index, score
them, save the proposals) — what the Celery task runs. Baseline, measured in the same run: a brute-force
Python loop scoring every achievement with the same scorer (features already in memory). Also prints how
many of the brute-force top 10 the indexed retrieval finds (retrieval recall), and the proposals per need.
The figures go to ``bench/results/incremental.json`` (``python bench/results.py`` prints them as a table).
"""

import argparse
import itertools
import os
import statistics
import time

from common import DEV, django_on_throwaway_db, load_indexed, percentile, read_jsonl
from generate import generate
from results import record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="published achievements (default 10000)")
    parser.add_argument("--baseline-queries", type=int, default=10, help="queries timed with brute force")
    parser.add_argument(
        "--configs",
        default="",
        help="retrieval settings to compare on the same data, CANDIDATES:TERMS:PER_TERM,... "
        "(MATCHING_CANDIDATES, MATCHING_RETRIEVAL_TERMS, MATCHING_POSTINGS_PER_TERM); default: settings",
    )
    parser.add_argument("--keepdb", action="store_true", help="keep the database and reuse it next time")
    args = parser.parse_args()

    vendor = django_on_throwaway_db(keepdb=args.keepdb, keep_name=f"keep-{args.n}")
    from django.conf import settings
    from django.db import connection

    from achievements.models import Achievement
    from matching import index, services
    from matching.models import IndexedPosting, IndexTerm, Match
    from matching.scoring import Scorer, Stats
    from mengkeju.core.models import IndustryCluster, Organization
    from mengkeju.lib.textanalysis import default_analyzer
    from needs.models import TechnicalNeed

    print(f"backend {vendor}, {args.n} achievements")
    t0 = time.perf_counter()
    loaded = IndexedPosting.objects.filter(kind="achievement").count()
    if loaded != args.n:
        # a kept database stopped while loading (each batch commits with its index rows) goes on from
        # where it stopped; anything else is loaded from the start
        if loaded > args.n or Achievement.objects.count() != loaded:
            Achievement.objects.all().delete()
            IndexedPosting.objects.filter(kind="achievement").delete()
            IndexTerm.objects.filter(kind="achievement").delete()
            loaded = 0
        records = itertools.islice(generate("achievement", args.n, seed=3), loaded, None)
        load_indexed("achievement", list(records), progress=lambda m: None)
        print(f"loaded and indexed {args.n - loaded} in {time.perf_counter() - t0:.0f} s")
    if TechnicalNeed.objects.exists():  # needs of an earlier run (--keepdb)
        TechnicalNeed.objects.all().delete()
        IndexedPosting.objects.filter(kind="need").delete()
        IndexTerm.objects.filter(kind="need").delete()
        index.stats_rebuild("need")

    needs = read_jsonl(DEV / "needs.jsonl")
    needs += list(generate("need", 24, seed=99))
    clusters = {c.name_zh: c for c in IndustryCluster.objects.all()}
    org, _ = Organization.objects.get_or_create(name="bench-need-org", defaults={"kind": "enterprise"})

    def publish(record) -> TechnicalNeed:
        return TechnicalNeed.objects.create(
            external_id=record["external_id"],
            title=record["title"][:200],
            description=record["description"],
            keywords=record["keywords"],
            cluster=clusters[record["cluster"]],
            organization=org,
            budget_min_wan=record.get("budget_min_wan"),
            budget_max_wan=record.get("budget_max_wan"),
            status="published",
        )

    analyzer = default_analyzer()
    warm = publish({**needs[0], "external_id": "warm-up"})
    services.posting_match(kind="need", posting_id=warm.pk)

    # brute force: every achievement scored in Python (features and statistics in memory, not timed).
    # Streamed in slices so that 500k sides (~60 kB each as Python objects) need not fit in memory at
    # once: a first pass counts the statistics, a second scores each slice for every timed need; the
    # time of a need is the sum of its slices' scoring (what one pass over all sides in memory costs).
    def sides():
        rows = IndexedPosting.objects.filter(kind="achievement").values_list("posting_id", "features")
        for pid, f in rows.iterator(chunk_size=2000):
            yield services.side_from_features(pid, f)

    stats = Stats.from_sides(sides())
    related = services.related_clusters()
    published_needs = [publish(record) for record in needs]
    for need in published_needs:
        services.postings_index(kind="need", postings=[services.published("need").get(pk=need.pk)])
    timed = published_needs[: args.baseline_queries]
    queries, spent, spent_cpu, best = {}, {}, {}, {}
    for need in timed:
        side = services._load_sides("need", [need.pk])[need.pk]
        t, c = time.perf_counter(), time.process_time()
        expanded = analyzer.expand(side.terms)
        side.grams = analyzer.expand_grams(side.grams, expanded)
        scorer = Scorer(stats=stats, related=related)
        queries[need.pk] = (scorer, scorer.query(side, expanded))
        spent[need.pk], spent_cpu[need.pk] = time.perf_counter() - t, time.process_time() - c
        best[need.pk] = []
    n_docs, docs = 0, []
    slices = iter(sides())
    while True:
        docs = list(itertools.islice(slices, 20000))
        if not docs:
            break
        n_docs += len(docs)
        for pk, (scorer, q) in queries.items():
            t, c = time.perf_counter(), time.process_time()
            kept = [(score, d) for d in docs if (score := scorer.score_only(q, d)) > 0.0] + best[pk]
            kept.sort(key=lambda item: (-item[0], str(item[1].key)))
            best[pk] = kept[:10]
            spent[pk] += time.perf_counter() - t
            spent_cpu[pk] += time.process_time() - c
    brute, brute_cpu, expected = [], [], {}
    for pk, (scorer, q) in queries.items():
        t, c = time.perf_counter(), time.process_time()
        top = [scorer.score(q, d) for _score, d in best[pk]]
        brute.append(spent[pk] + time.perf_counter() - t)
        brute_cpu.append(spent_cpu[pk] + time.process_time() - c)
        expected[pk] = [(s.key, s.score) for s in top]
    b50 = percentile(brute, 50)
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    print(
        f"baseline brute force over {n_docs} achievements ({len(brute)} needs): p50 {ms(b50)}  "
        f"p95 {ms(percentile(brute, 95))}  CPU p50 {ms(percentile(brute_cpu, 50))}"
    )

    load = os.getloadavg()
    configs = [c.split(":") for c in args.configs.split(",") if c] or [[None, None, None]]
    for candidates, terms, per_term in configs:
        if candidates:
            settings.MATCHING_CANDIDATES = int(candidates)
            settings.MATCHING_RETRIEVAL_TERMS = int(terms)
            settings.MATCHING_POSTINGS_PER_TERM = int(per_term)
        label = (
            f"candidates {services.candidate_limit()}, terms {services.retrieval_terms()}, "
            f"postings/term {services.postings_per_term()}"
        )
        Match.objects.all().delete()
        timings, rank_timings, overlap, score_share, cpu = [], [], [], [], []
        for need in published_needs:
            t, c = time.perf_counter(), time.process_time()
            services.posting_match(kind="need", posting_id=need.pk)
            timings.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            t = time.perf_counter()
            ranked = services.rank_for(kind="need", posting_id=need.pk, everything=True)
            rank_timings.append(time.perf_counter() - t)
            if need.pk in expected and expected[need.pk]:
                best = expected[need.pk]
                found = {a for _n, a, _s in ranked}
                overlap.append(len({k for k, _ in best} & found) / len(best))
                # near-duplicates tie: also compare the scores of the two top 10s
                top = sorted((s.components["match_score"] for _n, _a, s in ranked), reverse=True)[: len(best)]
                score_share.append(sum(top) / sum(v for _k, v in best))
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        print(f"[{label}] {len(timings)} needs, {Match.objects.count()} proposals")
        print(
            f"  posting_match (index + retrieve + score + save): p50 {ms(p50)}  p95 {ms(p95)}  max {ms(max(timings))}"
        )
        print(
            f"  posting_match CPU time of this process (all of it on SQLite; PostgreSQL's own CPU not counted): "
            f"p50 {ms(percentile(cpu, 50))}  p95 {ms(percentile(cpu, 95))}"
        )
        print(
            f"  rank_for (retrieve + score): p50 {ms(percentile(rank_timings, 50))}  "
            f"p95 {ms(percentile(rank_timings, 95))}"
        )
        print(
            f"  ratio baseline p50 / posting_match p50: {b50 / p50:.1f}x; "
            f"retrieval recall of the brute-force top 10: {statistics.mean(overlap):.3f}, "
            f"score of the top 10 / brute force: {statistics.mean(score_share):.3f}"
        )
        print(f"  target p95 <= 100 ms: {'met' if p95 <= 0.1 else 'MISSED'} ({connection.vendor}, n={args.n})")
        proposals = Match.objects.count()
        print(f"  proposals per need: {proposals / len(published_needs):.1f}; load average {os.getloadavg()}")
        if not args.configs:
            record(
                "incremental",
                backend=connection.vendor,
                size=args.n,
                figures={
                    "posting match p50 ms": round(p50 * 1000, 1),
                    "posting match p95 ms": round(p95 * 1000, 1),
                    "posting match cpu p50 ms": round(percentile(cpu, 50) * 1000, 1),
                    "posting match cpu p95 ms": round(percentile(cpu, 95) * 1000, 1),
                    "rank_for p50 ms": round(percentile(rank_timings, 50) * 1000, 1),
                    "rank_for p95 ms": round(percentile(rank_timings, 95) * 1000, 1),
                    "baseline brute force p50 ms": round(b50 * 1000, 1),
                    "baseline brute force cpu p50 ms": round(percentile(brute_cpu, 50) * 1000, 1),
                    "ratio baseline over posting match p50": round(b50 / p50, 1),
                    "recall of brute force top10": round(statistics.mean(overlap), 3),
                    "proposals per need": round(proposals / len(published_needs), 2),
                    "load average at start": [round(x, 2) for x in load],
                },
            )


if __name__ == "__main__":
    main()
