"""Generic words: words that are no evidence that two postings are about the same thing — pure Python.

Three sources, all general (never lists of words of an evaluation set):

* ``general_words()`` — a documented list of the vocabulary of any technical text (``data/generic_words.txt``:
  系统, 智能, 控制, 工艺, 生产 …);
* ``generic_from_counts`` — recognised from the data: a word found in at least ``MIN_SHARE`` of all
  postings (needs and achievements together) **and** spread over at least ``MIN_CLUSTERS`` industry
  clusters (in each of them in at least ``CLUSTER_SHARE`` of the cluster's postings). A word frequent in
  one cluster only (奶牛 in dairy) stays specific; a word frequent everywhere (方法, 作为, 产物) does not;
* ``is_function_word`` — a word written only with characters of the closed word classes of Chinese grammar
  (negation, numerals and measure words, comparison and degree, position, prepositions, particles, modal
  verbs: ``FUNCTION_CHARS``): 低于, 不到, 每份, 以上, 多次, 大量 name no thing, however rare they are. The
  segmenter cuts such words out of phrases (招不到 → 招 / 不到), and a newcomer's walk found them shown as
  "understood" words and as shared keywords.

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


# closed-class characters of Modern Chinese: negation 不没无未非; numerals 一…亿两半; measure words 份个次种些
# 量; quantifiers and demonstratives 每各该此其; comparison and degree 高低大小多少更最很太超达约近比; position
# 上下前后内外中间; prepositions and conjunctions 于以到对向从自由按把被让使给及与或并而且; particles and
# aspect 的地得了着过们; adverbs 再又也都就才还已将共总仅只均等; copula, modal verbs and verdicts 是有在为可能会要需应
# 够足行好
FUNCTION_CHARS = frozenset(
    "不没无未非一二三四五六七八九十百千万亿两半份个次种些量每各该此其高低大小多少更最很太超达约近比"
    "上下前后内外中间于以到对向从自由按把被让使给及与或并而且的地得了着过们再又也都就才还已将共总仅只均等"
    "是有在为可能会要需应够足行好"
)


def is_function_word(word: str) -> bool:
    """True for a word made only of ``FUNCTION_CHARS`` (低于, 不到, 每份): no evidence of a shared topic."""
    return bool(word) and FUNCTION_CHARS.issuperset(word)


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
