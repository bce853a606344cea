"""Search-index terms: what library search stores for a posting and looks up for a query.

The approach of Elasticsearch's CJK analyser (``cjk_bigram`` with ``output_unigrams``), plus words:

* a document is indexed as its words in search mode (``Segmenter.tokens`` and their sub-words, numbers
  and stopwords kept), every Latin word whole and its parts (``316l``, ``ca19-9`` and ``ca19``, ``c++``),
  and every Chinese character and character bigram of each run of Chinese text (``在线拉曼光谱`` gives
  在 线 拉 曼 光 谱 and 在线 线拉 拉曼 曼光 光谱), so any substring of the text is found, however jieba
  cut it in context;
* a query is cut at spaces into groups; all groups must match (AND). A group's Chinese runs look up
  their bigrams (all of them), a single character its unigram; Latin words look up the whole word — so
  ``c++`` is not ``c``, ``304`` is not ``316l``, and ``304不锈钢`` needs 304 *and* 不锈 *and* 锈钢;
* synonyms widen a group: a group containing a synonym term also matches with the term replaced by
  each of its synonyms (``3d打印钛合金`` also as ``增材制造钛合金``).

Terms are stored space-separated. Characters that full-text parsers would split on (``- + . / #``)
are spelled out inside a term (``encode_term``: ``c++`` → ``cxqpxqp``), so PostgreSQL's ``simple``
parser and SQLite FTS5's ``unicode61`` tokenizer both read each term as exactly one token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .chars import HAN, LATIN
from .normalize import normalize
from .tokenize import Segmenter

__all__ = ["encode_term", "highlight_terms", "index_terms", "index_text", "query_groups", "search_tokens"]

_ENCODE = {"-": "xqh", "+": "xqp", ".": "xqd", "/": "xqs", "#": "xqn"}
_ENCODE_RE = re.compile(r"[-+./#]")
_RUN_RE = re.compile(rf"([{HAN}]+)|({LATIN})")
_LATIN_PARTS_RE = re.compile(r"[0-9a-zα-ω]+")
_EDGE_PUNCT_RE = re.compile(rf"^[^0-9a-zα-ω{HAN}]+|(?<![+#])[^0-9a-zα-ω{HAN}+#]+$")
# a group is widened by at most this many synonym variants (a query of common words stays cheap)
MAX_VARIANTS = 24


def encode_term(term: str) -> str:
    """``term`` spelled with letters, digits and Chinese only (``c++`` → ``cxqpxqp``, ``ca19-9`` →
    ``ca19xqh9``): one token for PostgreSQL's and SQLite's full-text parsers alike."""
    return _ENCODE_RE.sub(lambda m: _ENCODE[m.group()], term)


def search_tokens(segmenter: Segmenter, text: str) -> list[str]:
    """``tokens()`` plus the sub-words of each token (jieba cut_for_search style), unencoded."""
    out: list[str] = []
    for token in segmenter.tokens(text):
        out.extend(segmenter.subwords(token))
        out.append(token)
    return out


def _grams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _raw_index_terms(segmenter: Segmenter, text: str) -> list[str]:
    out: list[str] = []
    subwords = segmenter._subwords  # memoised tuples; subwords() would copy each into a list
    for word in segmenter._words(text):
        out.append(word)
        out.extend(subwords(word))
    for match in _RUN_RE.finditer(normalize(text)):
        han, latin = match.groups()
        if han:
            out.extend(han)
            out.extend(_grams(han))
        else:
            out.append(latin)
            base = latin.rstrip("+#")  # c++ and c# are words of their own, not c
            parts = _LATIN_PARTS_RE.findall(base) if base == latin else []
            if len(parts) > 1:  # ca19-9 → ca19, 9; wi-fi → wi, fi
                out.extend(parts)
    return out


def index_terms(segmenter: Segmenter, text: str) -> list[str]:
    """The encoded terms library search stores for ``text``, repeats kept (they count for ranking):
    search-mode words, Latin words and their parts, Chinese unigrams and bigrams."""
    return [encode_term(t) for t in _raw_index_terms(segmenter, text) if t]


def index_text(segmenter: Segmenter, text: str) -> str:
    """``" ".join(index_terms(segmenter, text))``, encoded in one pass over the joined text (encoding is
    per character, so this is the same string; the index of a long text has thousands of terms)."""
    return encode_term(" ".join(t for t in _raw_index_terms(segmenter, text) if t))


def _group_terms(group: str) -> list[str]:
    """The terms one query group needs (all of them), encoded, without repeats."""
    out: list[str] = []
    for match in _RUN_RE.finditer(group):
        han, latin = match.groups()
        if han:
            out.extend(_grams(han) if len(han) > 1 else [han])
        else:
            out.append(latin)
    return list(dict.fromkeys(encode_term(t) for t in out))


def _contains(group: str, term: str) -> list[int]:
    """Where ``term`` occurs in ``group``, not inside a longer Latin word."""
    starts = []
    i = group.find(term)
    while i >= 0:
        before = group[i - 1] if i else ""
        after = group[i + len(term) : i + len(term) + 1]
        if not (
            re.match(r"[0-9a-zα-ω]", term[0])
            and re.match(r"[0-9a-zα-ω]", before or " ")
            or re.match(r"[0-9a-zα-ω+#]", term[-1])
            and re.match(r"[0-9a-zα-ω+#]", after or " ")
        ):
            starts.append(i)
        i = group.find(term, i + 1)
    return starts


def _variants(group: str, synonyms: Mapping[str, Iterable[str]]) -> list[str]:
    """``group`` and its rewrites with one synonym term replaced by each of its synonyms."""
    variants = [group]
    for term in sorted(synonyms, key=lambda t: (-len(t), t)):
        if term not in group:
            continue
        for start in _contains(group, term):
            for synonym in synonyms[term]:
                variant = group[:start] + synonym + group[start + len(term) :]
                if variant not in variants:
                    variants.append(variant)
                if len(variants) >= MAX_VARIANTS:
                    return variants
    return variants


_JOIN = "\u0000"  # joins the words of a synonym phrase (heat pump) into one query group


def _phrases_joined(synonyms: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """``synonyms`` with the spaces of multi-word terms replaced by ``_JOIN`` (keys only)."""
    return {term.replace(" ", _JOIN): tuple(syns) for term, syns in synonyms.items()}


def _join_phrases(query: str, synonyms: Mapping[str, Iterable[str]]) -> str:
    """``query`` with each multi-word synonym term in it made one group (``heat pump`` → ``heat␀pump``)."""
    for key in sorted((k for k in synonyms if _JOIN in k), key=lambda k: (-len(k), k)):
        phrase = key.replace(_JOIN, " ")
        if phrase in query:
            for start in reversed(_contains(query, phrase)):
                query = query[:start] + key + query[start + len(phrase) :]
    return query


def query_groups(query: str, synonyms: Mapping[str, Iterable[str]] = {}) -> list[list[list[str]]]:  # noqa: B006
    """A query as AND of groups, each an OR of alternatives, each an AND of encoded terms:
    ``[[["颗粒", "粒硅"]], [["硅"]]]`` for ``颗粒硅 硅``. Groups without a term (punctuation) are dropped;
    ``[]`` when nothing is left. ``synonyms``: normalised term → its synonyms (``Analyzer.synonyms``)."""
    groups = []
    synonyms = _phrases_joined(synonyms)
    for group in _join_phrases(normalize(query), synonyms).split():
        alternatives = []
        for variant in _variants(group, synonyms):
            terms = _group_terms(variant)
            if terms and terms not in alternatives:
                alternatives.append(terms)
        if alternatives:
            groups.append(alternatives)
    return groups


def highlight_terms(query: str, synonyms: Mapping[str, Iterable[str]] = {}) -> list[str]:  # noqa: B006
    """Normalised strings to mark in a result for ``query``: each group's Chinese runs (and, for runs
    found only piecewise, their bigrams) and Latin words, synonyms' included; longest first."""
    out: set[str] = set()
    synonyms = _phrases_joined(synonyms)
    for group in _join_phrases(normalize(query), synonyms).split():
        for variant in _variants(group, synonyms):
            whole = _EDGE_PUNCT_RE.sub("", variant.replace(_JOIN, " "))
            if whole:  # α-淀粉酶 marked as one piece, not α and 淀粉酶
                out.add(whole)
            for match in _RUN_RE.finditer(variant):
                han, latin = match.groups()
                if han:
                    out.add(han)
                    out.update(_grams(han))
                else:
                    out.add(latin)
    return sorted(out, key=lambda t: (-len(t), t))
