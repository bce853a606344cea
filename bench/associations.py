"""Corpus term associations (PPMI + SVD, ``matching.associations``) on the labeled sets, in memory:

    python bench/associations.py

Learns the associations once from the platform-like corpus — every need and achievement of both labeled
sets plus the 1,200 CSL abstracts of ``data/csl`` (text only, never the grades) — prints how many words got
associations and a few examples, then for each variant (associations off; on and counted as evidence; on,
score only) the calibrated ranking and review queue **out of sample** (``matching.evaluation.out_of_sample``:
calibration refitted for the variant on one set and applied to the other, and 5-fold by need), so a variant is
not judged with a calibration fitted without it.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching.associations import learn  # noqa: E402
from matching.calibration import FEATURES, Calibrator, shipped  # noqa: E402
from matching.concepts import posting_text  # noqa: E402
from matching.evaluation import evaluate_in_memory, out_of_sample, read_jsonl  # noqa: E402
from matching.generic import general_words  # noqa: E402
from matching.ranking import Options  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

SETS = {"dev": ROOT / "data/eval/dev", "dev-v2": ROOT / "data/eval/dev-v2"}
NEUTRAL = Calibrator(coef=[0.0] * len(FEATURES), intercept=0.0, threshold=0.0, version="neutral")
EXAMPLES = ["驱虫", "马铃薯", "热泵", "奶粉", "光伏", "风机"]


def corpus(analyzer) -> list[list[str]]:
    seen, out = set(), []
    records = [r for path in SETS.values() for f in ("needs", "achievements") for r in read_jsonl(path / f"{f}.jsonl")]
    records += read_jsonl(ROOT / "data/csl/csl-dev.jsonl") + read_jsonl(ROOT / "data/csl/csl-test.jsonl")
    for r in records:
        if r["external_id"] not in seen:
            seen.add(r["external_id"])
            out.append(analyzer.tokens(posting_text(r)))
    return out


def main():
    analyzer = Analyzer(starter_synonyms())
    started = time.perf_counter()
    docs = corpus(analyzer)
    generic = general_words()
    learned = learn(docs, is_word=lambda w: len(w) >= 2 and w not in generic)
    print(f"learned {learned.info} in {time.perf_counter() - started:.1f} s")
    for word in EXAMPLES:
        print(f"  {word}: {learned.neighbours.get(word)}")
    threshold = shipped().threshold
    variants = {
        "associations off": (None, Options()),
        "associations on, as evidence": (learned, Options(associations=True)),
        "associations on, score only": (learned, Options(associations=True, association_evidence=False)),
    }
    print("| variant | measured | nDCG@10 | recall@10 | queue precision | queue recall | per need | none |")
    print("|---|---|---|---|---|---|---|---|")
    for label, (assoc, options) in variants.items():
        results = {
            name: evaluate_in_memory(path, analyzer=analyzer, calibrator=NEUTRAL, associations=assoc, options=options)
            for name, path in SETS.items()
        }
        for key, m in out_of_sample(results, threshold=threshold).items():
            print(
                f"| {label} | {key} | {m['ndcg@10']:.4f} | {m['recall@10']:.4f} | {m['queue_precision']:.4f} | "
                f"{m['queue_recall']:.4f} | {m['proposals_per_need']:.2f} | {m['needs_without']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
