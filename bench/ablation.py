"""Ablations of the matcher on the labeled sets, in memory:

    python bench/ablation.py [--sets dev dev-v2]

Each row switches one part off (everything else on) and prints nDCG@10, recall@10 and the review queue
(precision, recall, proposals per need, needs without a proposal) beside plain BM25 on the same tokens:

* full — concept layer, pseudo-relevance feedback (corpus associations), generic words (list + data),
  evidence rule, shipped calibration;
* no concept layer; no feedback; generic words: none / list only / data only; no evidence rule;
* decision learning: see bench/calibrate.py (cross-validated: graded pairs of 4/5 of the needs used as
  brokers' decisions, tested on the rest, against a score-only calibration).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching.evaluation import evaluate_in_memory, read_jsonl  # noqa: E402
from matching.ranking import Options  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

VARIANTS = {
    "full": {},
    "no concept layer": {"options": Options(links=False)},
    "no feedback (corpus associations)": {"options": Options(feedback=False)},
    "no concept layer, no feedback": {"options": Options(links=False, feedback=False)},
    "generic words: none": {"generic": "none"},
    "generic words: list only": {"generic": "list"},
    "generic words: data only": {"generic": "data"},
    "no evidence rule": {"options": Options(require_evidence=False)},
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=["dev", "dev-v2"])
    parser.add_argument("--csl-background", action="store_true", help="count data/csl/csl-test.jsonl for generic words")
    args = parser.parse_args()
    analyzer = Analyzer(starter_synonyms())
    background = read_jsonl(ROOT / "data/csl/csl-test.jsonl") if args.csl_background else None
    print("| set | variant | nDCG@10 | recall@10 | queue precision | queue recall | per need | none |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.sets:
        bm25 = None
        for label, kwargs in VARIANTS.items():
            started = time.perf_counter()
            r = evaluate_in_memory(ROOT / "data/eval" / name, analyzer=analyzer, background=background, **kwargs)
            m = r["matcher"]
            bm25 = r["bm25"]
            print(
                f"| {name} | {label} | {m['ndcg@10']:.4f} | {m['recall@10']:.4f} | {m['queue_precision']:.4f} | "
                f"{m['queue_recall']:.4f} | {m['proposals_per_need']:.2f} | {m['needs_without']} |",
                flush=True,
            )
            del started
        print(f"| {name} | BM25 (same tokens) | {bm25['ndcg@10']:.4f} | {bm25['recall@10']:.4f} | — | — | 10 | — |")


if __name__ == "__main__":
    main()
