"""Why the review queue stops at a recall of about 0.77 with precision ≥ 0.5, and what was tried against it
(issue 9's target: queue precision ≥ 0.5 **and** queue recall ≥ 0.85 on both labeled sets, out of sample).

    python bench/queue_recall.py             # where the graded pairs sit, and the out-of-sample threshold sweep
    python bench/queue_recall.py --variants  # + calibrators with more features / other model classes
    python bench/queue_recall.py --ranking   # + ranking changes (feedback, bigram share, associations)
    python bench/queue_recall.py --gated     # + corpus associations only for needs with a vocabulary gap (slow)

In memory, both labeled sets (``data/eval/dev``, ``data/eval/dev-v2``), nothing written.

1. **Where the graded pairs sit** in each need's calibrated ranking (shipped calibration): by rank, and the
   queue "the best k of every need" (k = 1…5) — how far a queue can go on today's ranking; then every
   threshold of the shipped (in-sample) probability: precision and recall of the queue it gives.
2. **Out of sample** (``matching.evaluation.out_of_sample``: fit on one set, apply to the other; 5-fold by
   need): precision and recall of the queue for thresholds 0.06–0.14; ``min`` = the worst of the four.
3. ``--variants``: the same out-of-sample measure for calibrators that know more about a pair — the share of
   the lexical score carried by specific evidence words, the largest single evidence contribution, the term
   and bigram parts, the reciprocal rank (the need's rank among the needs that have the achievement as a
   candidate, as in k-reciprocal re-ranking: Zhong et al., CVPR 2017) — and for non-linear models
   (gradient boosting, random forest; scikit-learn) on those features; and the plain BM25 rank of the pair
   (rank fusion with the baseline). Each row: the best threshold whose
   worst precision is ≥ 0.5 and the worst recall there.
4. ``--ranking``: the ranking itself changed — pseudo-relevance feedback from more achievements, more or
   heavier feedback words, a larger bigram share, corpus associations in the score — each with the
   calibration refitted out of sample (logistic, the shipped features) and its best operating point.
5. ``--gated``: corpus associations (``matching.associations``, learned from both sets + the CSL
   abstracts) switched on, score only, for needs whose own specific words are mostly unknown to the
   achievements (vocabulary gap ≥ 0.2 / 0.35 / 0.5 of their weight) — selective query expansion.
"""

import argparse
import dataclasses
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching import evaluation  # noqa: E402
from matching.calibration import FEATURES, Calibrator, features, fit, shipped  # noqa: E402
from matching.evaluation import evaluate_in_memory, metrics, out_of_sample, queue_metrics  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

SETS = {"dev": ROOT / "data/eval/dev", "dev-v2": ROOT / "data/eval/dev-v2"}
NEUTRAL = Calibrator(coef=[0.0] * len(FEATURES), intercept=0.0, threshold=0.0, version="neutral")
THRESHOLDS = (0.06, 0.08, 0.10, 0.12, 0.14)
BUCKETS = ("1", "2", "3", "4", "5", "6-10", "11-30", "not candidate")


def bucket(rank: int | None) -> str:
    if rank is None:
        return "not candidate"
    return str(rank) if rank <= 5 else ("6-10" if rank <= 10 else "11-30")


def where(results: dict) -> None:
    print("## Where the graded pairs sit (shipped calibration, calibrated order)")
    print("| set | graded | " + " | ".join(f"rank {b}" for b in BUCKETS) + " |")
    print("|---|---|" + "---|" * len(BUCKETS))
    for name, r in results.items():
        ranks = []
        for need, grades in r["qrels"].items():
            keys = [s.key for s in r["ranked"].get(need, [])]
            ranks += [keys.index(a) + 1 if a in keys else None for a, g in grades.items() if g >= 1]
        count = Counter(bucket(x) for x in ranks)
        print(f"| {name} | {len(ranks)} | " + " | ".join(str(count.get(b, 0)) for b in BUCKETS) + " |")
    print("\n| set | queue | precision | recall | per need |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        needs = list(r["ranked"])
        for k in range(1, 6):
            m = queue_metrics({n: [s.key for s in r["ranked"][n][:k]] for n in needs}, r["qrels"], needs)
            print(
                f"| {name} | best {k} of every need | {m['queue_precision']:.3f} | {m['queue_recall']:.3f} | "
                f"{m['proposals_per_need']:.2f} |"
            )
        for t in (0.03, 0.05, 0.08, 0.12):
            props = {
                n: [s.key for s in r["ranked"][n] if s.components["probability"] > t and s.components["evidence"] >= 1]
                for n in needs
            }
            m = queue_metrics(props, r["qrels"], needs)
            print(
                f"| {name} | probability > {t} (in sample), evidence ≥ 1 | {m['queue_precision']:.3f} | "
                f"{m['queue_recall']:.3f} | {m['proposals_per_need']:.2f} |"
            )


def sweep(results: dict, label: str) -> None:
    print(f"\n## Out of sample, {label}: threshold → precision / recall (min = worst of the four)")
    print("| threshold | dev→dev-v2 | dev-v2→dev | 5-fold: dev | 5-fold: dev-v2 | min precision | min recall |")
    print("|---|---|---|---|---|---|---|")
    for t in THRESHOLDS:
        m = out_of_sample(results, threshold=t)
        cells = [f"{v['queue_precision']:.3f} / {v['queue_recall']:.3f}" for v in m.values()]
        mp = min(v["queue_precision"] for v in m.values())
        mr = min(v["queue_recall"] for v in m.values())
        print(f"| {t} | " + " | ".join(cells) + f" | {mp:.3f} | {mr:.3f} |", flush=True)


# -- calibrators with more features or other models ---------------------------------------------------------


def evidence_parts(s) -> list[float]:
    """Share of the raw lexical score carried by specific evidence words, the largest single evidence
    contribution (× 5), the term and bigram BM25 parts."""
    c, e = s.components, s.explanation
    terms = e["shared_terms"] + e["synonym_terms"] + e["link_terms"] + e.get("association_terms", [])
    ev = [t["contribution"] for t in terms if t.get("evidence")]
    raw = c["lexical"] ** 2
    return [sum(ev) / raw if raw else 0.0, 5 * max(ev, default=0.0), c["term_bm25"], c["gram_bm25"]]


def reciprocal(results: dict) -> dict:
    """(set, need, achievement) → 1 / the need's rank among the needs that have the achievement as a candidate."""
    out = {}
    for name, r in results.items():
        by_ach: dict = {}
        for need, ranked in r["ranked"].items():
            for s in ranked:
                by_ach.setdefault(s.key, []).append((-s.components["match_score"], str(need)))
        for ach, lst in by_ach.items():
            for i, (_s, need) in enumerate(sorted(lst)):
                out[(name, need, ach)] = 1.0 / (i + 1)
    return out


def plain_bm25(analyzer) -> dict:
    """(set, need, achievement) → [1 / rank, score / best score] of plain BM25 on the same tokens (rank fusion)."""
    from matching.evaluation import baseline_tokens, read_jsonl
    from matching.scoring import bm25_baseline_rank

    out = {}
    for name, path in SETS.items():
        docs = {a["external_id"]: baseline_tokens(analyzer, a) for a in read_jsonl(path / "achievements.jsonl")}
        for need in read_jsonl(path / "needs.jsonl"):
            ranked = bm25_baseline_rank(baseline_tokens(analyzer, need), docs, top_k=len(docs))
            top = ranked[0][1] if ranked else 1.0
            for i, (key, score) in enumerate(ranked):
                out[(name, need["external_id"], key)] = [1.0 / (i + 1), score / top]
    return out


def rows(results: dict, extra) -> dict:
    out = {}
    for name, r in results.items():
        for need, ranked in r["ranked"].items():
            grades = r["qrels"].get(need, {})
            items = sorted(ranked, key=lambda s: s.components["rank"])
            out[(name, need)] = [
                (
                    s.key,
                    features(
                        {**s.components, "score": s.components["match_score"]},
                        relative=s.components["relative"],
                        rank=s.components["rank"],
                    )
                    + extra(name, need, s),
                    1 if grades.get(s.key, 0) >= 1 else 0,
                    s.components["evidence"],
                )
                for s in items
            ]
    return out


class Model:
    """A scikit-learn classifier behind ``Calibrator.probability`` (cached: rows repeat across thresholds)."""

    def __init__(self, model):
        self.model, self.cache = model, {}

    def probability(self, x):
        key = tuple(x)
        if key not in self.cache:
            self.cache[key] = float(self.model.predict_proba([x])[0][1])
        return self.cache[key]


def fitter(kind: str):
    if kind == "logistic":
        return lambda x, y: fit(x, y)
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    def make(x, y):
        if kind == "gradient boosting":
            m = HistGradientBoostingClassifier(
                max_depth=3, learning_rate=0.05, max_iter=150, min_samples_leaf=20, random_state=0
            )
        else:
            m = RandomForestClassifier(n_estimators=60, min_samples_leaf=5, random_state=0, n_jobs=1)
        return Model(m.fit(x, y))

    return make


def apply(cal_of: dict, data: dict, qrels: dict, t: float) -> dict:
    rankings, proposals = {}, {}
    for key, items in data.items():
        scored = sorted(
            ((cal_of[key].probability(x), -i, k, ev) for i, (k, x, _y, ev) in enumerate(items)), reverse=True
        )
        rankings[key[1]] = [k for _p, _i, k, _e in scored[:10]]
        proposals[key[1]] = [k for p, _i, k, ev in scored if p > t and ev >= 1][:10]
    return {**metrics(rankings, qrels), **queue_metrics(proposals, qrels, [k[1] for k in data])}


def best_operating_point(results: dict, data: dict, make, thresholds=(0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.2, 0.25)):
    """Cross-set and 5-fold (seed 7, as ``out_of_sample``); the threshold with the best worst recall among
    those whose worst precision is ≥ 0.5: (threshold, min precision, min recall, {measure: metrics})."""
    sets = list(results)

    def xy(keys):
        return [x for k in keys for _a, x, _y, _e in data[k]], [y for k in keys for _a, _x, y, _e in data[k]]

    cal_of = {}
    for train in sets:
        cal = make(*xy([k for k in data if k[0] == train]))
        cal_of.update({(f"{train}→", k): cal for k in data if k[0] != train})
    keys = sorted(data)
    random.Random(7).shuffle(keys)
    for fold in range(5):
        test = set(keys[fold::5])
        cal = make(*xy([k for k in data if k not in test]))
        cal_of.update({("k-fold", k): cal for k in test})
    best = None
    for t in thresholds:
        ms = {}
        for train in sets:
            for test in sets:
                if test != train:
                    sub = {k: v for k, v in data.items() if k[0] == test}
                    ms[f"{train}→{test}"] = apply(
                        {k: cal_of[(f"{train}→", k)] for k in sub}, sub, results[test]["qrels"], t
                    )
        for test in sets:
            sub = {k: v for k, v in data.items() if k[0] == test}
            ms[f"k-fold:{test}"] = apply({k: cal_of[("k-fold", k)] for k in sub}, sub, results[test]["qrels"], t)
        mp = min(m["queue_precision"] for m in ms.values())
        mr = min(m["queue_recall"] for m in ms.values())
        if mp >= 0.5 and (best is None or mr > best[2]):
            best = (t, mp, mr, ms)
    return best


def variants(results: dict, analyzer) -> None:
    recip = reciprocal(results)
    bm25 = plain_bm25(analyzer)
    feats = {
        "the shipped ten features": lambda name, need, s: [],
        "+ evidence share, largest evidence, term and bigram parts": lambda name, need, s: evidence_parts(s),
        "+ reciprocal rank": lambda name, need, s: [recip[(name, need, s.key)]],
        "+ both": lambda name, need, s: evidence_parts(s) + [recip[(name, need, s.key)]],
        "+ plain BM25 rank and relative score": lambda name, need, s: bm25.get((name, need, s.key), [0.0, 0.0]),
    }
    print("\n## Calibrators out of sample: best threshold with worst precision ≥ 0.5")
    print(
        "| model | features | threshold | min precision | min recall | dev→dev-v2 | dev-v2→dev | 5-fold: dev | "
        "5-fold: dev-v2 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    combos = [("logistic", f) for f in feats] + [(m, "+ both") for m in ("gradient boosting", "random forest")]
    for model, label in combos:
        best = best_operating_point(results, rows(results, feats[label]), fitter(model))
        if best is None:
            print(f"| {model} | {label} | — | < 0.5 at every threshold | | | | | |", flush=True)
            continue
        t, mp, mr, ms = best
        cells = " | ".join(f"{m['queue_precision']:.2f} / {m['queue_recall']:.3f}" for m in ms.values())
        print(f"| {model} | {label} | {t} | {mp:.3f} | {mr:.3f} | {cells} |", flush=True)


def ranking_changes(analyzer) -> None:
    from matching.ranking import Options
    from matching.scoring import Weights

    changes = {
        "none (today)": {},
        "feedback from the best 5 achievements (not 3)": {"weights": Weights(feedback_docs=5)},
        "20 feedback words (not 12)": {"weights": Weights(feedback_terms=20)},
        "feedback weight 0.8 (not 0.6)": {"weights": Weights(feedback_weight=0.8)},
        "bigram share 0.3 (not 0.2)": {"weights": Weights(gram_share=0.3)},
        "corpus associations, score only": {
            "options": Options(associations=True, association_evidence=False),
            "associations": corpus_associations(analyzer),
        },
    }
    print("\n## Ranking changes, out of sample: best threshold with worst precision ≥ 0.5 (logistic, ten features)")
    print("| change | dev nDCG@10 | dev-v2 nDCG@10 | threshold | worst precision | worst recall |")
    print("|---|---|---|---|---|---|")
    for label, kwargs in changes.items():
        results = {n: evaluate_in_memory(p, analyzer=analyzer, calibrator=NEUTRAL, **kwargs) for n, p in SETS.items()}
        best = best_operating_point(results, rows(results, lambda name, need, s: []), fitter("logistic"))
        point = f"{best[0]} | {best[1]:.3f} | {best[2]:.3f}" if best else "— | < 0.5 | —"
        print(
            f"| {label} | {results['dev']['matcher']['ndcg@10']:.4f} | {results['dev-v2']['matcher']['ndcg@10']:.4f} "
            f"| {point} |",
            flush=True,
        )


def corpus_associations(analyzer):
    """Associations learned from every need and achievement of both sets plus the CSL abstracts (text only)."""
    from matching.associations import learn
    from matching.concepts import posting_text
    from matching.evaluation import read_jsonl
    from matching.generic import general_words

    records = [r for p in SETS.values() for f in ("needs", "achievements") for r in read_jsonl(p / f"{f}.jsonl")]
    records += read_jsonl(ROOT / "data/csl/csl-dev.jsonl") + read_jsonl(ROOT / "data/csl/csl-test.jsonl")
    seen, docs = set(), []
    for r in records:
        if r["external_id"] not in seen:
            seen.add(r["external_id"])
            docs.append(analyzer.tokens(posting_text(r)))
    generic = general_words()
    return learn(docs, is_word=lambda w: len(w) >= 2 and w not in generic)


def gated(analyzer) -> None:
    from matching import ranking

    learned = corpus_associations(analyzer)
    original = ranking.rank_need

    def gap(scorer, side, expanded):
        own = {
            t: w for t, (w, src) in expanded.items() if src is None and t in side.words and scorer.is_evidence_word(t)
        }
        return sum(w for t, w in own.items() if scorer.stats.df.get(t, 0) == 0) / (sum(own.values()) or 1.0)

    for floor in (0.2, 0.35, 0.5):
        on = Counter()

        def rank(scorer, side, expanded, docs, *, options=ranking.DEFAULT_OPTIONS, floor=floor, on=on, **kw):
            use = gap(scorer, side, expanded) >= floor
            on[use] += 1
            opts = dataclasses.replace(options, associations=use, association_evidence=False)
            return original(scorer, side, expanded, docs, options=opts, **kw)

        evaluation.rank_need = rank
        try:
            results = {
                n: evaluate_in_memory(p, analyzer=analyzer, calibrator=NEUTRAL, associations=learned)
                for n, p in SETS.items()
            }
        finally:
            evaluation.rank_need = original
        print(
            f"\nassociations for needs with a vocabulary gap ≥ {floor}: {on[True]} of {sum(on.values())} needs; "
            + ", ".join(f"{n} nDCG@10 {r['matcher']['ndcg@10']:.4f}" for n, r in results.items())
        )
        sweep(results, f"gated associations (gap ≥ {floor})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--ranking", action="store_true")
    parser.add_argument("--gated", action="store_true")
    args = parser.parse_args()
    analyzer = Analyzer(starter_synonyms())
    where({n: evaluate_in_memory(p, analyzer=analyzer, calibrator=shipped()) for n, p in SETS.items()})
    neutral = {n: evaluate_in_memory(p, analyzer=analyzer, calibrator=NEUTRAL) for n, p in SETS.items()}
    sweep(neutral, "the shipped features")
    if args.variants:
        variants(neutral, analyzer)
    if args.ranking:
        ranking_changes(analyzer)
    if args.gated:
        gated(analyzer)


if __name__ == "__main__":
    main()
