"""Rows of Django models written by PostgreSQL's ``COPY`` instead of ``bulk_create``.

Django 5.2's ``bulk_create`` binds one parameter a value, and psycopg splits that statement in Python: for
hundreds of rows of twenty or thirty columns that is most of the write (an import's postings, a full run's
proposals; docs/benchmarks.md). ``COPY`` sends the values as ``bulk_create`` prepares them; the server's
triggers, constraints and indexes apply as to any insert.
"""

from __future__ import annotations

from django.db import connection


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def insert_columns(model, *, with_pk: bool = False) -> str:
    """The quoted column list of ``model`` that ``copy_instances`` writes: every concrete field but the
    primary key (``with_pk``: the primary key first)."""
    quote = connection.ops.quote_name
    pk = [model._meta.pk.column] if with_pk else []
    return ", ".join(quote(c) for c in [*pk, *(f.column for f in _fields(model))])


def copy_instances(cursor, table: str, instances: list, *, ids: list[int] | None = None) -> None:
    """``COPY`` unsaved ``instances`` of one model into ``table`` (its quoted name: the model's own table or
    a temporary table of its columns), each value prepared as ``bulk_create`` prepares it (``pre_save``,
    which sets ``auto_now`` times, then ``get_db_prep_save``). With ``ids``, the primary key column comes
    first, from ``ids`` (one per instance). ``cursor``: a Django cursor on PostgreSQL."""
    if not instances:
        return
    model = type(instances[0])
    fields = _fields(model)
    columns = insert_columns(model, with_pk=ids is not None)
    keys = ids if ids is not None else [None] * len(instances)
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for pk, instance in zip(keys, instances, strict=True):
            values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
            copy.write_row([pk, *values] if ids is not None else values)
