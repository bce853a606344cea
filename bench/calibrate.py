"""Fit and check the calibration (score → probability that a broker approves) on the labeled sets.

    python bench/calibrate.py            # cross-validation report (nothing written)
    python bench/calibrate.py --write    # also refit on all sets and write matching/data/calibration.json

Rows: for every need of a set, its best ``CALIBRATED`` candidates by score with the calibrator's features
and label graded ≥ 1. Reports, for the threshold written with the model:
* leave-one-set-out: fit on one set, apply to the other (how a calibration fitted on our sets does on a
  new kind of data);
* 5-fold over needs of the pooled sets, as if the graded pairs of 4/5 of the needs were brokers'
  decisions (learning from decisions) — against the score-only Platt calibration of the same folds.
"""

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching import calibration  # noqa: E402
from matching.calibration import Calibrator, features, fit  # noqa: E402
from matching.evaluation import evaluate_in_memory, metrics, queue_metrics  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

SETS = {"dev": ROOT / "data/eval/dev", "dev-v2": ROOT / "data/eval/dev-v2"}
THRESHOLD = 0.12
NEUTRAL = Calibrator(coef=[0.0] * len(calibration.FEATURES), intercept=0.0, threshold=0.0, version="neutral")


def rows_of(result):
    """need → [(key, features, label)] in score order."""
    out = {}
    for need, ranked in result["ranked"].items():
        grades = result["qrels"].get(need, {})
        items = sorted(ranked, key=lambda s: s.components["rank"])
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
            for s in items
        ]
    return out


def apply(cal, rows, qrels, *, top_k=10):
    rankings, proposals = {}, {}
    for need, items in rows.items():
        scored = sorted(((cal.probability(x), -i, key, ev) for i, (key, x, _y, ev) in enumerate(items)), reverse=True)
        rankings[need] = [key for _p, _i, key, _e in scored[:top_k]]
        proposals[need] = [key for p, _i, key, ev in scored if p >= cal.threshold and ev >= 1][:top_k]
    return {**metrics(rankings, qrels), **queue_metrics(proposals, qrels, list(rows))}


def fit_rows(rows, *, only_score=False, version=""):
    x, y = [], []
    for items in rows.values():
        for _key, feats, label, _ev in items:
            x.append([feats[0]] + [0.0] * (len(feats) - 1) if only_score else feats)
            y.append(label)
    return fit(x, y, version=version, threshold=THRESHOLD)


def fmt(m):
    return (
        f"nDCG@10 {m['ndcg@10']:.4f} recall@10 {m['recall@10']:.4f} | queue precision {m['queue_precision']:.4f} "
        f"recall {m['queue_recall']:.4f} per-need {m['proposals_per_need']:.2f} none {m['needs_without']}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    global THRESHOLD
    if args.threshold is not None:
        THRESHOLD = args.threshold
    analyzer = Analyzer(starter_synonyms())
    data = {}
    for name, path in SETS.items():
        result = evaluate_in_memory(path, analyzer=analyzer, calibrator=NEUTRAL)
        data[name] = (rows_of(result), result["qrels"])
    print(f"threshold {THRESHOLD}")
    for train, test in (("dev", "dev-v2"), ("dev-v2", "dev")):
        cal = fit_rows(data[train][0])
        print(f"fit on {train}, applied to {test}: {fmt(apply(cal, *data[test]))}")
        cal = fit_rows(data[train][0], only_score=True)
        print(f"  score only (Platt):          {fmt(apply(cal, *data[test]))}")
    # 5-fold over needs of both sets: decisions on 4/5 of the needs, tested on the rest
    pooled = {(name, n): items for name, (rows, _q) in data.items() for n, items in rows.items()}
    qrels = {(name, n): g for name, (_r, q) in data.items() for n, g in q.items()}
    keys = sorted(pooled)
    random.Random(7).shuffle(keys)
    for label, only in (("all features (decision learning)", False), ("score only (Platt)", True)):
        per_set = {name: ({}, {}) for name in SETS}
        for fold in range(5):
            test = set(keys[fold::5])
            cal = fit_rows({k: v for k, v in pooled.items() if k not in test}, only_score=only)
            for k in test:
                per_set[k[0]][0][k[1]] = pooled[k]
        for name in SETS:
            rows = per_set[name][0]
            # refit per fold was applied above only to split; score each need with its fold's model
        results = {}
        for name in SETS:
            rows_by_fold = {}
            for fold in range(5):
                test = set(keys[fold::5])
                cal = fit_rows({k: v for k, v in pooled.items() if k not in test}, only_score=only)
                rows_by_fold[fold] = (cal, {k[1]: pooled[k] for k in test if k[0] == name})
            rankings_all, props_all = {}, {}
            for cal, rows in rows_by_fold.values():
                for need, items in rows.items():
                    scored = sorted(
                        ((cal.probability(x), -i, key, ev) for i, (key, x, _y, ev) in enumerate(items)), reverse=True
                    )
                    rankings_all[need] = [key for _p, _i, key, _e in scored[:10]]
                    props_all[need] = [key for p, _i, key, ev in scored if p >= cal.threshold and ev >= 1][:10]
            q = {n: g for (s, n), g in qrels.items() if s == name}
            results[name] = {**metrics(rankings_all, q), **queue_metrics(props_all, q, list(rankings_all))}
            print(f"5-fold {label}, {name}: {fmt(results[name])}")
    if args.write:
        cal = fit_rows(pooled, version="graded-dev+dev-v2-1")
        cal.info["fitted_on"] = "graded pairs of data/eval/dev and data/eval/dev-v2 (bench/calibrate.py)"
        with open(calibration.DATA, "w", encoding="utf-8") as fh:
            json.dump(cal.to_dict(), fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        print(f"wrote {calibration.DATA}: {cal.to_dict()}")


if __name__ == "__main__":
    main()
