"""Generic words: words that are no evidence that two postings are about the same thing — pure Python.

Two sources, both general (never lists of words of an evaluation set):

* ``general_words()`` — a documented list of the vocabulary of any technical text (``data/generic_words.txt``:
  系统, 智能, 控制, 工艺, 生产 …);
* ``generic_from_counts`` — recognised from the data: a word found in at least ``MIN_SHARE`` of all
  postings (needs and achievements together) **and** spread over at least ``MIN_CLUSTERS`` industry
  clusters (in each of them in at least ``CLUSTER_SHARE`` of the cluster's postings). A word frequent in
  one cluster only (奶牛 in dairy) stays specific; a word frequent everywhere (方法, 作为, 产物) does not.

The matcher recomputes the data part at the start of every full run (``matching.learning``) and keeps it
as a versioned ``LearnedModel`` (kind ``generic``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "generic_words.txt"
MIN_SHARE = 0.02
MIN_CLUSTERS = 4
CLUSTER_SHARE = 0.01


@cache
def general_words() -> frozenset[str]:
    with open(DATA, encoding="utf-8") as fh:
        return frozenset(w.strip() for w in fh if w.strip() and not w.startswith("#"))


def generic_from_counts(
    df: dict[str, int],
    cluster_df: dict[str, dict[str, int]],
    cluster_sizes: dict[str, int],
    total: int,
    *,
    min_share: float = MIN_SHARE,
    min_clusters: int = MIN_CLUSTERS,
    cluster_share: float = CLUSTER_SHARE,
) -> set[str]:
    """Words frequent overall and spread over many clusters. ``df``: word → postings (both sides);
    ``cluster_df``: word → cluster → postings; ``cluster_sizes``: cluster → postings; ``total``: postings."""
    if total <= 0:
        return set()
    out = set()
    for word, n in df.items():
        if n / total < min_share:
            continue
        spread = sum(
            1
            for c, k in (cluster_df.get(word) or {}).items()
            if cluster_sizes.get(c) and k / cluster_sizes[c] >= cluster_share
        )
        if spread >= min_clusters:
            out.add(word)
    return out


def generic_from_postings(postings: Iterable[tuple[str | None, Iterable[str]]], **kwargs) -> set[str]:
    """``postings``: (cluster, whole words) of every posting of both sides."""
    df: Counter[str] = Counter()
    cluster_df: dict[str, Counter[str]] = defaultdict(Counter)
    sizes: Counter[str] = Counter()
    total = 0
    for cluster, words in postings:
        words = set(words)
        total += 1
        sizes[cluster or ""] += 1
        df.update(words)
        for w in words:
            cluster_df[w][cluster or ""] += 1
    return generic_from_counts(dict(df), {w: dict(c) for w, c in cluster_df.items()}, dict(sizes), total, **kwargs)
