"""Needs without an answer: how many proposals does a need get when the platform holds nothing relevant?

    python bench/no_answer.py            # in memory, both labeled sets, ~1 min

The labeled sets hold only needs that have relevant achievements, so their queue figures cannot show what
issue 9 asks for a need with nothing relevant ("no proposals, and say so"). This simulates such needs:
for every need, its graded achievements are withheld and the rest of its candidates re-ranked (relative
score and rank recomputed); every proposal it then gets is a false alarm. Printed per threshold, for the
calibration as shipped (fitted on the graded pairs) and for one also fitted on the simulated needs
(their candidates as extra negatives — "augmented"), in sample and across sets:
queue precision / recall on the real needs, and proposals per simulated need and the share of simulated
needs left without any. Pessimistic: the sets' candidates include hard negatives written to be close to
each need, closer than what a platform's unrelated achievements usually are.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calibrate import NEUTRAL, SETS  # noqa: E402  (the same sets and neutral calibrator as bench/calibrate.py)

from matching.calibration import Calibrator, features  # noqa: E402
from matching.evaluation import (  # noqa: E402
    calibration_apply,
    calibration_fit_rows,
    calibration_rows,
    evaluate_in_memory,
)
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

THRESHOLDS = (0.04, 0.06, 0.08, 0.11)


def withheld(result: dict) -> dict:
    """need → calibration rows of its candidates with the graded achievements removed (all labelled 0)."""
    out = {}
    for need, ranked in result["ranked"].items():
        grades = result["qrels"].get(need, {})
        rest = [s for s in sorted(ranked, key=lambda s: s.components["rank"]) if grades.get(s.key, 0) < 1]
        if not rest:
            continue
        best = max(s.components["match_score"] for s in rest) or 1.0
        out[need] = [
            (
                s.key,
                features(
                    {**s.components, "score": s.components["match_score"]},
                    relative=s.components["match_score"] / best,
                    rank=i + 1,
                ),
                0,
                s.components["evidence"],
            )
            for i, s in enumerate(rest)
        ]
    return out


def false_alarms(cal: Calibrator, rows: dict) -> tuple[float, float]:
    """(proposals per simulated need, share of simulated needs without a proposal)."""
    counts = [
        sum(1 for _k, x, _y, ev in items if cal.probability(x) > cal.threshold and ev >= 1) for items in rows.values()
    ]
    return sum(counts) / len(counts), sum(1 for c in counts if c == 0) / len(counts)


def main():
    analyzer = Analyzer(starter_synonyms())
    results = {name: evaluate_in_memory(path, analyzer=analyzer, calibrator=NEUTRAL) for name, path in SETS.items()}
    rows = {name: calibration_rows(r) for name, r in results.items()}
    empty = {name: withheld(r) for name, r in results.items()}

    def fit(names, augmented, threshold):
        pooled = {(n, k): v for n in names for k, v in rows[n].items()}
        if augmented:
            pooled.update({(n, k, "withheld"): v for n in names for k, v in empty[n].items()})
        return calibration_fit_rows(pooled, threshold=threshold)

    print(
        "| calibration | threshold | measured on | queue precision / recall | proposals per need without an answer | "
        "share of them without a proposal |"
    )
    print("|---|---|---|---|---|---|")
    for augmented in (False, True):
        label = "graded pairs + simulated needs (augmented)" if augmented else "graded pairs (the shipped kind)"
        for threshold in THRESHOLDS:
            both = fit(list(SETS), augmented, threshold)
            cases = [(f"in sample: {n}", both, n) for n in SETS]
            cases += [
                (f"{a}→{b}", fit([a], augmented, threshold), b) for a, b in (("dev", "dev-v2"), ("dev-v2", "dev"))
            ]
            for where, cal, name in cases:
                m = calibration_apply(cal, rows[name], results[name]["qrels"])
                per, none = false_alarms(cal, empty[name])
                print(
                    f"| {label} | {threshold} | {where} | {m['queue_precision']:.3f} / {m['queue_recall']:.3f} | "
                    f"{per:.2f} | {none:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
