"""Phase-1 evaluation without Django: python bench/eval_dev.py [DIR] [--no-synonyms] [--verbose]."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.evaluation import evaluate_in_memory, format_table  # noqa: E402
from mengkeju.lib.textanalysis import Analyzer, starter_synonyms  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parent.parent / "data" / "eval" / "dev"
    parser.add_argument("directory", nargs="?", default=str(default))
    parser.add_argument("--no-synonyms", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    analyzer = Analyzer(() if args.no_synonyms else starter_synonyms())
    started = time.perf_counter()
    result = evaluate_in_memory(args.directory, analyzer=analyzer)
    print(format_table(result))
    print(f"({result['matcher']['needs']} needs, {time.perf_counter() - started:.1f} s)")
    if args.verbose:
        from matching.evaluation import ndcg_at, recall_at

        for need, grades in sorted(result["qrels"].items()):
            ranked = result["rankings"].get(need, [])
            base = result["bm25_rankings"].get(need, [])
            missing = [f"{a}({g})" for a, g in grades.items() if a not in ranked]
            print(
                f"{need} ndcg {ndcg_at(ranked, grades):.3f} (bm25 {ndcg_at(base, grades):.3f}) "
                f"recall {recall_at(ranked, grades):.2f} (bm25 {recall_at(base, grades):.2f}) missing {missing}"
            )


if __name__ == "__main__":
    main()
