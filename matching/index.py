"""The inverted index's SQL: statistics kept in step with the index rows, and candidate retrieval.

* ``stats_add`` — add the difference an (un)indexing made to the document frequencies
  (``IndexTermStat``) and to the totals of a kind (``IndexKindStat``), as upserts that add to the stored
  numbers (``INSERT … ON CONFLICT … DO UPDATE SET df = df + excluded.df``, SQLite and PostgreSQL), in
  sorted order so concurrent indexers lock the rows in the same order.
* ``stats_rebuild`` — recount both from ``IndexTerm`` and ``IndexedPosting`` (start of every full run).
* ``top_postings`` — candidates: for each query term the ``per_term`` postings where it weighs most
  (``matching_it_impact_idx``), summed with the query's weights in Python; one round trip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from .models import IndexedPosting, IndexKindStat, IndexTerm, IndexTermStat

K1 = 1.2  # saturation of a term's weight in a posting when summing candidates (BM25's k1)


@dataclass
class SideStats:
    n: int
    avg_length: float
    avg_gram_length: float


def _upsert(sql_table: str, columns: list[str], conflict: list[str], add: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{c} = {sql_table}.{c} + excluded.{c}" for c in add)
    sql = (
        f"INSERT INTO {sql_table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def insert_terms(rows: list[tuple[str, str, int, float]]) -> None:
    """Index rows (kind, term, posting_id, weight), in bulk: COPY on PostgreSQL, executemany elsewhere
    (several times faster than ``bulk_create`` for the ~150 rows of every posting). Written in the
    order of their term: the rows of a term then go to the same leaves of ``matching_it_impact_idx``
    one after the other instead of all over it — 25 % less time for an import's batch of 500 postings
    (97k rows) into the index of 100k (docs/benchmarks.md "Import"), for a 30 ms sort."""
    rows = sorted(rows, key=itemgetter(1))
    table = IndexTerm._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (kind, term, posting_id, weight) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} (kind, term, posting_id, weight) VALUES (%s, %s, %s, %s)"
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])


def insert_postings(entries: list[IndexedPosting]) -> None:
    """``IndexedPosting`` rows (unsaved instances) in bulk: COPY on PostgreSQL, ``bulk_create`` elsewhere.
    On PostgreSQL, Django 5.2's ``bulk_create`` sends each column as an array (``UNNEST``), and psycopg
    escapes every quote of every JSON document of that array in Python: 3.5 ms per posting, more than the
    rest of its indexing (profile of a 5,000-posting import, docs/benchmarks.md "Import")."""
    if connection.vendor != "postgresql":
        IndexedPosting.objects.bulk_create(entries, batch_size=500)
        return
    table = IndexedPosting._meta.db_table
    columns = "kind, posting_id, cluster, length, gram_length, features, analyzer_version, indexed_at"
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for e in entries:
            features = json.dumps(e.features, ensure_ascii=False, separators=(",", ":"))
            copy.write_row((e.kind, e.posting_id, e.cluster, e.length, e.gram_length, features,
                            e.analyzer_version, now))  # fmt: skip


def stats_add(kind: str, term_delta: Mapping[str, int], *, postings: int, length: float, gram_length: float):
    """Apply the change of one (un)indexing; call inside its transaction."""
    rows = [(kind, term, d) for term, d in sorted(term_delta.items()) if d]
    _upsert(IndexTermStat._meta.db_table, ["kind", "term", "df"], ["kind", "term"], ["df"], rows)
    if postings or length or gram_length:
        _upsert(
            IndexKindStat._meta.db_table,
            ["kind", "postings", "total_length", "total_gram_length"],
            ["kind"],
            ["postings", "total_length", "total_gram_length"],
            [(kind, postings, length, gram_length)],
        )


def stats_rebuild(kind: str) -> None:
    """Recount document frequencies and totals of ``kind`` from the index rows."""
    stat, term = IndexTermStat._meta.db_table, IndexTerm._meta.db_table
    with transaction.atomic():
        IndexTermStat.objects.filter(kind=kind).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {stat} (kind, term, df) SELECT kind, term, COUNT(*) FROM {term} "
                "WHERE kind = %s GROUP BY kind, term",
                [kind],
            )
        agg = IndexedPosting.objects.filter(kind=kind).aggregate(n=Count("id"), a=Sum("length"), g=Sum("gram_length"))
        IndexKindStat.objects.update_or_create(
            kind=kind,
            defaults={"postings": agg["n"] or 0, "total_length": agg["a"] or 0.0, "total_gram_length": agg["g"] or 0.0},
        )


def side_stats(kind: str) -> SideStats:
    row = IndexKindStat.objects.filter(kind=kind).values_list("postings", "total_length", "total_gram_length").first()
    if not row or row[0] <= 0:
        return SideStats(0, 1.0, 1.0)
    n, length, grams = row
    return SideStats(n, (length / n) or 1.0, (grams / n) or 1.0)


def document_frequencies(kind: str, terms: Iterable[str], max_length: int = 64) -> dict[str, int]:
    terms = sorted({t for t in terms if len(t) <= max_length})
    df: dict[str, int] = {}
    table = IndexTermStat._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter instead of hundreds
            cursor.execute(f"SELECT term, df FROM {table} WHERE kind = %s AND term = ANY(%s) AND df > 0", [kind, terms])
            df.update(cursor.fetchall())
            return df
        for start in range(0, len(terms), 500):
            chunk = terms[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT term, df FROM {table} WHERE kind = %s AND term IN ({marks}) AND df > 0", [kind, *chunk]
            )
            df.update(cursor.fetchall())
    return df


def top_postings(kind: str, weights: Mapping[str, float], *, per_term: int, limit: int) -> list[int]:
    """Postings with the highest sum of weight × saturated frequency over the query's terms, among the
    ``per_term`` heaviest postings of each term."""
    if not weights:
        return []
    table = IndexTerm._meta.db_table
    terms = sorted(weights)
    parts = [
        f"SELECT {i} AS t, posting_id, weight FROM (SELECT posting_id, weight FROM {table} "
        "WHERE kind = %s AND term = %s ORDER BY weight DESC, posting_id LIMIT %s) AS s" + str(i)
        for i in range(len(terms))
    ]
    params: list = []
    for term in terms:
        params += [kind, term, per_term]
    scores: dict[int, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for t, posting_id, weight in cursor.fetchall():
            scores[posting_id] = scores.get(posting_id, 0.0) + weights[terms[t]] * weight / (weight + K1)
    return [pid for pid, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]]
