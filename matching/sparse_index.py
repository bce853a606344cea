"""Candidate retrieval from memory: the inverted index's capped posting lists, read once per process.

``index.top_postings`` asks the database, for each of a need's (at most ``MATCHING_RETRIEVAL_TERMS``)
query terms, for the ``per_term`` postings where the term weighs most, and sums weight × saturated
frequency in Python. A full run asks this for every published need against an index that does not change
during the run (``match_run_prepare`` refreshes it first), so a worker can read those capped lists once —
one ordered scan of ``matching_it_impact_idx`` — and answer every need from memory.

``SparseIndex.top_postings`` returns exactly what ``index.top_postings`` returns (same cap per term, same
order of ties, same sums in the same order), so switching between them never changes a ranking
(``tests/matching/test_sparse_index.py``). Memory: one (posting id, impact) pair per row kept, at most
``per_term`` per term (CPython: ~70 bytes a pair); ``bench/bm25s_compare.py`` prints the build time and
the query time beside the database's and bm25s's.

The same object also holds what else every need of a full run asks the database for: the document
frequencies of the kind's terms (``IndexTermStat``, recounted at the start of the run; a few tens of
thousands of rows) and, when ``read_sides`` was called, every posting's parsed features (``Side``). A
profile of ``rank_for`` at 100k achievements (docs/benchmarks.md) spent 40 % of its time fetching and
parsing candidates' features — 96 of ~100 candidates a need missed the per-process cache of 5,000 — and a
quarter of its queries on document frequencies and the knowledge's version checks.

``in_memory(index)`` makes an index the one retrieval, document frequencies and candidate sides are read
from inside the block (``matching.retrieval``, ``matching.side_cache``); None changes nothing.
"""

from __future__ import annotations

import contextvars
import gc
import sys
from collections.abc import Mapping
from contextlib import contextmanager

from django.db import connection

from .index import K1
from .models import IndexedPosting, IndexTerm, IndexTermStat

# the index the ranking inside ``in_memory`` reads from; None: the database
_current: contextvars.ContextVar = contextvars.ContextVar("matching_memory_index", default=None)


@contextmanager
def in_memory(index):
    """Inside this block, retrieval, document frequencies and (when read) candidate sides of ``index.kind``
    come from ``index`` instead of the database: the same values, as long as the index has not changed
    since it was read — the caller's responsibility (``matching.runs`` checks it per chunk)."""
    token = _current.set(index)
    try:
        yield
    finally:
        _current.reset(token)


def current(kind: str):
    """The ``SparseIndex`` of ``kind`` in use (inside ``in_memory``), else None."""
    index = _current.get()
    return index if index is not None and index.kind == kind else None


class SparseIndex:
    """The ``per_term`` heaviest postings of every term of ``kind``: term → ([posting ids], [weights])."""

    def __init__(self, kind: str, per_term: int):
        self.kind, self.per_term = kind, per_term
        self.lists: dict[str, tuple[list[int], list[float]]] = {}
        self.rows = 0
        self.df: dict[str, int] = {}
        self.df_run: int | None = None  # the full run whose prepare step counted ``df`` (None: not known)
        self.sides: dict | None = None  # posting id → Side, once ``read_sides`` ran

    @classmethod
    def build(cls, kind: str, per_term: int) -> SparseIndex:
        """Read the capped posting lists of ``kind`` from ``IndexTerm`` (one query, streamed)."""
        out = cls(kind, per_term)
        table = IndexTerm._meta.db_table
        sql = (
            "SELECT term, posting_id, weight FROM (SELECT term, posting_id, weight, ROW_NUMBER() OVER "
            "(PARTITION BY term ORDER BY weight DESC, posting_id) AS r "
            f"FROM {table} WHERE kind = %s) AS ranked WHERE r <= %s ORDER BY term, weight DESC, posting_id"
        )
        current, ids, weights = None, [], []
        with connection.cursor() as cursor:
            cursor.execute(sql, [kind, per_term])
            while rows := cursor.fetchmany(50000):
                for term, posting_id, weight in rows:
                    if term != current:
                        if current is not None:
                            out.lists[current] = (ids, weights)
                        current, ids, weights = term, [], []
                    ids.append(posting_id)
                    weights.append(weight)
                out.rows += len(rows)
        if current is not None:
            out.lists[current] = (ids, weights)
        out.read_df()
        return out

    def read_df(self) -> None:
        """Read the document frequencies of the kind's terms (``IndexTermStat``) again: a full run's prepare
        step recounts them after the lists may have been read (``matching.runs.match_run_warm``)."""
        rows = IndexTermStat.objects.filter(kind=self.kind, df__gt=0).values_list("term", "df")
        self.df = dict(rows.iterator(10000))

    def read_sides(self, since=None) -> None:
        """Parse every indexed posting's features of this kind into ``self.sides`` (one streamed query), or
        with ``since`` (a time) only those indexed at or after it into the sides already there. The words and
        weights are interned — one string object per distinct word or value, shared by all sides — which
        halves the memory: ~30 kB a generated achievement instead of ~57 kB (tracemalloc, 100k bench
        corpus)."""
        import orjson

        from .indexing import side_from_features
        from .side_cache import frozen_side

        numbers: dict = {}

        def shared(mapping: dict) -> dict:  # the same dict, its keys and values shared with the other sides
            values = mapping.values()
            return dict(zip(map(sys.intern, mapping), map(numbers.setdefault, values, values), strict=True))

        sides = self.sides if since is not None and self.sides is not None else {}
        where, params = ("kind = %s AND indexed_at >= %s", [self.kind, since]) if since else ("kind = %s", [self.kind])
        table = IndexedPosting._meta.db_table
        column = "features::text" if connection.vendor == "postgresql" else "features"
        collecting = gc.isenabled()
        gc.disable()  # millions of new containers, none in a cycle: the collector would walk them again and again
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT posting_id, {column} FROM {table} WHERE {where}", params)
                while rows := cursor.fetchmany(2000):
                    for posting_id, text in rows:
                        f = text if isinstance(text, dict) else orjson.loads(text)
                        f["terms"], f["grams"] = shared(f["terms"]), shared(f["grams"])
                        f["words"], f["head_grams"] = map(sys.intern, f.get("words") or ()), ()
                        f["concepts"] = [shared(c) for c in f.get("concepts") or ()]
                        sides[posting_id] = frozen_side(side_from_features(posting_id, f))
        finally:
            if collecting:
                gc.enable()
        self.sides = sides
        # they live as long as the index is unchanged: keep every later full collection from walking them
        # (they are still freed by reference counting when the index is read again; a worker process only)
        gc.freeze()

    def document_frequencies(self, terms) -> dict[str, int]:
        """As ``matching.index.document_frequencies(self.kind, terms)``, from memory."""
        df = self.df
        return {t: df[t] for t in terms if t in df}

    def top_postings(self, weights: Mapping[str, float], *, limit: int) -> list[int]:
        """As ``matching.index.top_postings(kind, weights, per_term=self.per_term, limit=limit)``."""
        scores: dict[int, float] = {}
        for term in sorted(weights):
            hit = self.lists.get(term)
            if hit is None:
                continue
            w = weights[term]
            for posting_id, weight in zip(*hit, strict=True):
                scores[posting_id] = scores.get(posting_id, 0.0) + w * weight / (weight + K1)
        return [pid for pid, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]]
