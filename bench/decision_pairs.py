"""Could broker decisions teach the matcher term pairs (need word → achievement word)? Cross-validated on the
labeled sets, in memory:

    python bench/decision_pairs.py

5-fold by need over both sets: the graded pairs among the best 30 candidates of 4/5 of the needs are taken
as approved decisions, the other candidates of those needs as rejected ones. A term pair (a specific word of
the need, another specific word of the achievement) is learned when it appears in at least 2 approved
decisions and more than twice as often in approved as in rejected ones. On the held-out needs it prints how
many graded and how many ungraded candidates contain a learned pair: a pair worth adding to the matcher
would be found far more often in the graded ones.
"""

import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching.concepts import posting_text  # noqa: E402
from matching.evaluation import evaluate_in_memory, read_jsonl  # noqa: E402
from matching.generic import general_words  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402

SETS = {"dev": ROOT / "data/eval/dev", "dev-v2": ROOT / "data/eval/dev-v2"}


def main():
    analyzer = Analyzer(starter_synonyms())
    generic = general_words()
    words, candidates = {}, {}
    for name, path in SETS.items():
        for f in ("needs", "achievements"):
            for r in read_jsonl(path / f"{f}.jsonl"):
                tokens = analyzer.tokens(posting_text(r))
                words[(name, r["external_id"])] = {w for w in tokens if len(w) >= 2 and w not in generic}
        result = evaluate_in_memory(path, analyzer=analyzer)
        for need, ranked in result["ranked"].items():
            grades = result["qrels"].get(need, {})
            candidates[(name, need)] = [(s.key, grades.get(s.key, 0) >= 1) for s in ranked]
    keys = sorted(candidates)
    random.Random(7).shuffle(keys)
    seen = Counter()
    for fold in range(5):
        test = set(keys[fold::5])
        approved, rejected = Counter(), Counter()
        for need in keys:
            if need in test:
                continue
            for key, label in candidates[need]:
                pairs = {(a, b) for a in words[need] for b in words[(need[0], key)] if a != b}
                (approved if label else rejected).update(pairs)
        learned = {p for p, n in approved.items() if n >= 2 and n > 2 * rejected.get(p, 0)}
        for need in test:
            for key, label in candidates[need]:
                hit = any((a, b) in learned for a in words[need] for b in words[(need[0], key)])
                seen[(label, hit)] += 1
        print(f"fold {fold}: {len(learned)} term pairs learned")
    graded = seen[(True, True)] + seen[(True, False)]
    other = seen[(False, True)] + seen[(False, False)]
    print(
        f"held-out graded candidates with a learned pair: {seen[(True, True)]}/{graded} "
        f"({seen[(True, True)] / graded:.0%}); ungraded: {seen[(False, True)]}/{other} "
        f"({seen[(False, True)] / other:.0%})"
    )


if __name__ == "__main__":
    main()
