"""Metrics and an in-memory evaluation of the scorer on a labeled set — pure Python, no Django.

A labeled set is a directory with ``needs.jsonl``, ``achievements.jsonl`` (the import format) and
``qrels.tsv`` (``need_id<TAB>achievement_id<TAB>grade``, grades 1–3, unlisted pairs are 0).

* nDCG@10 — linear gains (gain = grade), ideal ranking from all graded achievements of the need.
* recall@10 — share of the need's graded (≥ 1) achievements in its top 10.
* MRR — 1 / rank of the first achievement graded ≥ 2 (0 when none is ranked).
All three are means over the needs that have at least one graded achievement.

The review queue (what a broker sees: the proposals, after the threshold — ``queue_metrics``):
* queue precision — share of proposals graded ≥ 1;
* queue recall — share of all graded pairs that are proposed;
* proposals per need (over all needs of the set) and needs with no proposal.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from .calibration import Calibrator, features, shipped
from .concepts import ConceptLayer, posting_text, starter_links
from .generic import general_words, generic_from_postings
from .ranking import DEFAULT_OPTIONS, Options, rank_need
from .scoring import ASSOCIATION, Scorer, Side, Stats, Weights, bm25_baseline_rank

# The related clusters of the seed taxonomy, by Chinese name (the database has them as IndustryCluster.related).
SEED_RELATED = [
    ("新材料", "现代化工"),
    ("新能源", "新材料"),
    ("新能源", "现代装备制造"),
    ("绿色农畜产品加工", "生物医药"),
    ("新一代信息技术", "现代装备制造"),
]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                qrels[parts[0]][parts[1]] = int(parts[2])
    return dict(qrels)


def ndcg_at(ranked: list, grades: dict, k: int = 10) -> float:
    dcg = sum(grades.get(key, 0) / math.log2(i + 2) for i, key in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list, grades: dict, k: int = 10) -> float:
    relevant = {key for key, g in grades.items() if g >= 1}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list, grades: dict, min_grade: int = 2) -> float:
    for i, key in enumerate(ranked):
        if grades.get(key, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def metrics(rankings: dict[str, list], qrels: dict[str, dict[str, int]], k: int = 10) -> dict[str, float]:
    needs = [n for n in qrels if qrels[n]]
    if not needs:
        return {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "needs": 0}
    return {
        "ndcg@10": sum(ndcg_at(rankings.get(n, []), qrels[n], k) for n in needs) / len(needs),
        "recall@10": sum(recall_at(rankings.get(n, []), qrels[n], k) for n in needs) / len(needs),
        "mrr": sum(reciprocal_rank(rankings.get(n, []), qrels[n]) for n in needs) / len(needs),
        "needs": len(needs),
    }


def queue_metrics(proposals: dict[str, list], qrels: dict[str, dict[str, int]], needs: list[str]) -> dict:
    """``proposals``: need → proposed achievements; ``needs``: every need of the set."""
    total = sum(len(proposals.get(n, [])) for n in needs)
    good = sum(1 for n in needs for a in proposals.get(n, []) if qrels.get(n, {}).get(a, 0) >= 1)
    graded = sum(1 for n in needs for g in qrels.get(n, {}).values() if g >= 1)
    return {
        "queue_precision": good / total if total else 0.0,
        "queue_recall": good / graded if graded else 0.0,
        "proposals_per_need": total / len(needs) if needs else 0.0,
        "needs_without": sum(1 for n in needs if not proposals.get(n)),
        "proposals": total,
    }


def _num(value):
    return None if value in (None, "") else float(value)


def side_from_record(analyzer, record: dict, key=None, field_weights=None) -> Side:
    keywords = record.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k for k in keywords.replace("，", ",").replace(";", ",").split(",") if k.strip()]
    text = {"keywords": keywords, "title": record.get("title", ""), "description": record.get("description", "")}
    return Side(
        key=key if key is not None else record.get("external_id"),
        cluster=record.get("cluster"),
        terms=analyzer.weighted_terms(**text, field_weights=field_weights),
        grams=analyzer.weighted_grams(**text, field_weights=field_weights),
        modes=frozenset(record.get("cooperation_modes") or ()),
        budget_min=_num(record.get("budget_min_wan")),
        budget_max=_num(record.get("budget_max_wan")),
        price=_num(record.get("price_wan")),
        maturity=record.get("maturity") or None,
        concepts=analyzer.concepts(keywords=keywords, title=text["title"]),
        head_grams=frozenset(analyzer.weighted_grams(keywords=keywords, title=text["title"], description="")),
        words=frozenset(analyzer.tokens(" ".join([" ".join(keywords), text["title"], text["description"]]))),
    )


def baseline_tokens(analyzer, record: dict) -> list[str]:
    keywords = record.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    return analyzer.tokens(" ".join([record.get("title", ""), record.get("description", ""), " ".join(keywords)]))


def evaluate_in_memory(
    directory,
    *,
    analyzer,
    weights: Weights | None = None,
    related=SEED_RELATED,
    k: int = 10,
    progress: Callable[[str], None] | None = None,
    options: Options = DEFAULT_OPTIONS,
    calibrator: Calibrator | None = None,
    generic: str = "both",
    links=None,
    background: list[dict] | None = None,
    associations=None,
) -> dict:
    """Score every need against every achievement in memory; the reference the Django command matches.

    ``generic``: "both" (general list + recognised from the data), "list", "data" or "none";
    ``links``: concept relations (default: the starter set); ``background``: extra achievement-like
    records counted for the generic words and the term associations (e.g. the CSL excerpt);
    ``associations``: an ``Associations`` to use (default: learned here from both sides and ``background``
    when ``options.associations``)."""
    directory = Path(directory)
    needs = read_jsonl(directory / "needs.jsonl")
    achievements = read_jsonl(directory / "achievements.jsonl")
    qrels = read_qrels(directory / "qrels.tsv")
    calibrator = calibrator or shipped()

    docs = [side_from_record(analyzer, a) for a in achievements]
    need_sides = {n["external_id"]: side_from_record(analyzer, n) for n in needs}
    generic_words = set()
    if generic in ("both", "list"):
        generic_words |= general_words()
    if generic in ("both", "data"):
        corpus = [(d.cluster, d.words) for d in docs] + [(s.cluster, s.words) for s in need_sides.values()]
        corpus += [(r.get("cluster"), analyzer.tokens(posting_text(r))) for r in background or ()]
        generic_words |= generic_from_postings(corpus)
    stats = Stats.from_sides(docs)
    scorer = Scorer(
        stats=stats, related=set(related), generic=generic_words, **({"weights": weights} if weights else {})
    )
    if not options.association_evidence:
        scorer.non_evidence = scorer.non_evidence | {ASSOCIATION}
    if associations is None and options.associations:
        from .associations import learn

        corpus = [d.words for d in docs] + [s.words for s in need_sides.values()]
        corpus += [analyzer.tokens(posting_text(r)) for r in background or ()]
        associations = learn(corpus, is_word=scorer.is_evidence_word)
    layer = ConceptLayer(starter_links() if links is None else links, analyzer)
    rankings, proposals, ranked_all = {}, {}, {}
    for need in needs:
        side = need_sides[need["external_id"]]
        expanded = analyzer.expand(side.terms)
        side.grams = analyzer.expand_grams(side.grams, expanded)
        need_links = layer.expansion(text=posting_text(need), cluster=need.get("cluster"))
        ranked, _q = rank_need(
            scorer,
            side,
            expanded,
            docs,
            calibrator=calibrator,
            links=need_links,
            associations=associations,
            options=options,
            top_k=k,
        )
        rankings[need["external_id"]] = [s.key for s in ranked[:k]]
        proposals[need["external_id"]] = [s.key for s in ranked if s.components["proposed"]]
        ranked_all[need["external_id"]] = ranked

    base_docs = {a["external_id"]: baseline_tokens(analyzer, a) for a in achievements}
    base_rankings = {
        n["external_id"]: [key for key, _ in bm25_baseline_rank(baseline_tokens(analyzer, n), base_docs, top_k=k)]
        for n in needs
    }
    need_ids = [n["external_id"] for n in needs]
    return {
        "matcher": {**metrics(rankings, qrels, k), **queue_metrics(proposals, qrels, need_ids)},
        "misses": queue_misses(ranked_all, qrels, threshold=calibrator.threshold),
        "bm25": metrics(base_rankings, qrels, k),
        "rankings": rankings,
        "proposals": proposals,
        "ranked": ranked_all,
        "bm25_rankings": base_rankings,
        "qrels": qrels,
    }


def format_table(result: dict) -> str:
    """The ranking metrics of the matcher and BM25, then the matcher's review queue."""
    rows = [("", "nDCG@10", "recall@10", "MRR")]
    for name in ("matcher", "bm25"):
        m = result[name]
        rows.append((name, f"{m['ndcg@10']:.4f}", f"{m['recall@10']:.4f}", f"{m['mrr']:.4f}"))
    lines = [f"{r[0]:<10}{r[1]:>10}{r[2]:>12}{r[3]:>10}" for r in rows]
    m = result["matcher"]
    if "queue_precision" in m:
        lines.append(
            f"queue: precision {m['queue_precision']:.4f}, recall {m['queue_recall']:.4f}, "
            f"{m['proposals_per_need']:.2f} proposals per need, {m['needs_without']} needs without a proposal"
        )
    if "misses" in result:
        lines.append("graded pairs: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result["misses"].items()))
    return "\n".join(lines)


# -- why graded pairs are not proposed, and the queue out of sample -------------------------------------------

MISS_CAUSES = ("proposed", "not_candidate", "no_evidence", "below_threshold", "over_cap")


def queue_misses(ranked: dict[str, list], qrels: dict[str, dict[str, int]], *, threshold: float) -> dict[str, int]:
    """Every graded (≥ 1) pair of a set by what happened to it: ``proposed``; ``not_candidate`` (not among
    the need's best ``CALIBRATED`` candidates); ``no_evidence`` (no specific shared concept); ``below_threshold``
    (calibrated probability not above ``threshold``); ``over_cap`` (beaten by ``top_k`` better proposals).
    ``ranked``: need → ``Scored`` list of ``rank_need`` (``components`` with ``proposed``, ``evidence``,
    ``probability``). The counts sum to the number of graded pairs."""
    out = dict.fromkeys(MISS_CAUSES, 0)
    for need, grades in qrels.items():
        by_key = {s.key: s.components for s in ranked.get(need, [])}
        for key, grade in grades.items():
            if grade < 1:
                continue
            c = by_key.get(key)
            if c is None:
                out["not_candidate"] += 1
            elif c["proposed"]:
                out["proposed"] += 1
            elif c["evidence"] < 1:
                out["no_evidence"] += 1
            elif c["probability"] <= threshold:
                out["below_threshold"] += 1
            else:
                out["over_cap"] += 1
    return out


def calibration_rows(result: dict) -> dict[str, list[tuple]]:
    """need → [(achievement key, calibrator features, label graded ≥ 1, evidence)] in score order, from an
    ``evaluate_in_memory`` result (best run with a neutral calibrator, so the order is the score's)."""
    out = {}
    for need, ranked in result["ranked"].items():
        grades = result["qrels"].get(need, {})
        out[need] = [
            (
                s.key,
                features(
                    {**s.components, "score": s.components["match_score"]},
                    relative=s.components["relative"],
                    rank=s.components["rank"],
                ),
                1 if grades.get(s.key, 0) >= 1 else 0,
                s.components["evidence"],
            )
            for s in sorted(ranked, key=lambda s: s.components["rank"])
        ]
    return out


def calibration_fit_rows(rows: dict[str, list[tuple]], *, threshold: float, version: str = "", only_score=False):
    """A ``Calibrator`` fitted (``matching.calibration.fit``) on the rows of ``calibration_rows``;
    ``only_score``: Platt scaling on the score alone (the other features zeroed)."""
    from .calibration import fit

    x, y = [], []
    for items in rows.values():
        for _key, feats, label, _ev in items:
            x.append([feats[0]] + [0.0] * (len(feats) - 1) if only_score else feats)
            y.append(label)
    return fit(x, y, version=version, threshold=threshold)


def calibration_apply(cals, rows: dict[str, list[tuple]], qrels: dict, *, top_k: int = 10) -> dict:
    """Ranking and queue metrics of ``rows`` re-ordered and thresholded as ``rank_need`` does (evidence ≥ 1
    and probability above the threshold, at most ``top_k``). ``cals``: one ``Calibrator`` or need → its own
    (cross-validation)."""
    rankings, proposals = {}, {}
    for need, items in rows.items():
        cal = cals[need] if isinstance(cals, dict) else cals
        scored = sorted(((cal.probability(x), -i, key, ev) for i, (key, x, _y, ev) in enumerate(items)), reverse=True)
        rankings[need] = [key for _p, _i, key, _e in scored[:top_k]]
        proposals[need] = [key for p, _i, key, ev in scored if p > cal.threshold and ev >= 1][:top_k]
    return {**metrics(rankings, qrels), **queue_metrics(proposals, qrels, list(rows))}


def out_of_sample(sets: dict[str, dict], *, threshold: float, folds: int = 5, seed: int = 7) -> dict[str, dict]:
    """The calibrated ranking and queue measured on data the calibration was not fitted on.

    ``sets``: name → ``evaluate_in_memory`` result (run with a neutral calibrator). Returns
    ``"A→B"`` (fitted on set A's graded pairs, applied to set B) for every ordered pair of sets, and
    ``"k-fold:B"`` (``folds``-fold by need over all sets pooled: each need's queue comes from a calibration
    fitted on the graded pairs of the other folds' needs — as if those were brokers' decisions)."""
    import random

    data = {name: (calibration_rows(r), r["qrels"]) for name, r in sets.items()}
    out = {}
    for train in data:
        cal = calibration_fit_rows(data[train][0], threshold=threshold)
        for test in data:
            if test != train:
                out[f"{train}→{test}"] = calibration_apply(cal, *data[test])
    pooled = {(name, n): items for name, (rows, _q) in data.items() for n, items in rows.items()}
    keys = sorted(pooled)
    random.Random(seed).shuffle(keys)
    cal_of = {}
    for fold in range(folds):
        test = set(keys[fold::folds])
        cal = calibration_fit_rows({k: v for k, v in pooled.items() if k not in test}, threshold=threshold)
        cal_of.update(dict.fromkeys(test, cal))
    for name, (rows, qrels) in data.items():
        out[f"k-fold:{name}"] = calibration_apply({n: cal_of[(name, n)] for n in rows}, rows, qrels)
    return out
