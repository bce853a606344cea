"""Fit and check the calibration (score → probability that a broker approves) on the labeled sets.

    python bench/calibrate.py                  # out-of-sample report (nothing written)
    python bench/calibrate.py --threshold 0.08 # the same report for another threshold
    python bench/calibrate.py --write          # also refit on all sets and write matching/data/calibration.json

Rows: for every need of a set, its best ``CALIBRATED`` candidates by score with the calibrator's features
and label graded ≥ 1 (``matching.evaluation.calibration_rows``). Reports (``matching.evaluation.out_of_sample``):
* in sample: fitted on the graded pairs of both sets and applied to them (what the shipped file does);
* cross-set: fit on one set, apply to the other (how a calibration fitted on our sets does on a new kind
  of data);
* 5-fold by need over the pooled sets, as if the graded pairs of 4/5 of the needs were brokers' decisions
  (learning from decisions) — and the score-only Platt calibration of the same folds;
* why the graded pairs that are not proposed are missed (``matching.evaluation.queue_misses``).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching import calibration  # noqa: E402
from matching.calibration import Calibrator  # noqa: E402
from matching.evaluation import (  # noqa: E402
    calibration_apply,
    calibration_fit_rows,
    calibration_rows,
    evaluate_in_memory,
    out_of_sample,
)
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

SETS = {"dev": ROOT / "data/eval/dev", "dev-v2": ROOT / "data/eval/dev-v2"}
NEUTRAL = Calibrator(coef=[0.0] * len(calibration.FEATURES), intercept=0.0, threshold=0.0, version="neutral")


def fmt(m):
    return (
        f"nDCG@10 {m['ndcg@10']:.4f} recall@10 {m['recall@10']:.4f} | queue precision {m['queue_precision']:.4f} "
        f"recall {m['queue_recall']:.4f} per-need {m['proposals_per_need']:.2f} none {m['needs_without']}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--threshold", type=float, default=None, help="default: the shipped calibration's")
    args = parser.parse_args()
    threshold = calibration.shipped().threshold if args.threshold is None else args.threshold
    analyzer = Analyzer(starter_synonyms())
    results = {name: evaluate_in_memory(path, analyzer=analyzer, calibrator=NEUTRAL) for name, path in SETS.items()}
    rows = {name: calibration_rows(r) for name, r in results.items()}
    print(f"threshold {threshold}")
    pooled = {(name, n): items for name, r in rows.items() for n, items in r.items()}
    cal = calibration_fit_rows(pooled, threshold=threshold)
    for name, r in results.items():
        print(f"in sample (fit on both), {name}: {fmt(calibration_apply(cal, rows[name], r['qrels']))}")
    for key, m in out_of_sample(results, threshold=threshold).items():
        print(f"out of sample {key}: {fmt(m)}")
    for name, r in results.items():
        platt = calibration_fit_rows(rows[name], threshold=threshold, only_score=True)
        print(f"score only (Platt), in sample, {name}: {fmt(calibration_apply(platt, rows[name], r['qrels']))}")
    shipped = calibration.shipped()
    for name, path in SETS.items():
        r = evaluate_in_memory(path, analyzer=analyzer, calibrator=shipped)
        print(f"graded pairs of {name} with the shipped calibration: {r['misses']}")
    if args.write:
        cal = calibration_fit_rows(pooled, threshold=threshold, version="graded-dev+dev-v2-5")
        cal.info["fitted_on"] = "graded pairs of data/eval/dev and data/eval/dev-v2 (bench/calibrate.py)"
        with open(calibration.DATA, "w", encoding="utf-8") as fh:
            json.dump(cal.to_dict(), fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        print(f"wrote {calibration.DATA}: {cal.to_dict()}")


if __name__ == "__main__":
    main()
