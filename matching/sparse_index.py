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
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection

from .index import K1
from .models import IndexTerm


class SparseIndex:
    """The ``per_term`` heaviest postings of every term of ``kind``: term → ([posting ids], [weights])."""

    def __init__(self, kind: str, per_term: int):
        self.kind, self.per_term = kind, per_term
        self.lists: dict[str, tuple[list[int], list[float]]] = {}
        self.rows = 0

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
        return out

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
