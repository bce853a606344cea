"""Migration helpers for library search (used by needs/0005 and achievements/0006, and after migrate)."""

from __future__ import annotations


def reindex(apps, schema_editor, *, app_label: str, model_name: str, public_text) -> None:
    """Create the SQLite FTS5 index (``fts_ensure``) and recompute every row's ``search_tokens`` with
    the current analyser. ``public_text(row) -> str`` is the row's public text (historical models have
    no methods)."""
    from mengkeju.postings.search import fts_ensure, search_tokens_from

    model = apps.get_model(app_label, model_name)
    fts_ensure(schema_editor.connection, model._meta.db_table)
    rows = model.objects.using(schema_editor.connection.alias).only(
        "id", "title", "keywords", "description", *(("confidential", "public_summary") if app_label == "needs" else ())
    )
    for row in rows.iterator(chunk_size=500):
        heading = " ".join([row.title, " ".join(row.keywords or ())])
        tokens = search_tokens_from(heading=heading, body=public_text(row))
        model.objects.using(schema_editor.connection.alias).filter(pk=row.pk).update(search_tokens=tokens)


def vector_ensure(apps, schema_editor, *, app_label: str, model_name: str) -> None:
    """PostgreSQL's stored search vector, its trigger and GIN index (``pg_vector_ensure``)."""
    from mengkeju.postings.search import pg_vector_ensure

    pg_vector_ensure(schema_editor.connection, apps.get_model(app_label, model_name)._meta.db_table, force=True)


def ensure_after_migrate(using: str = "default", **kwargs) -> None:
    """post_migrate: the FTS5 triggers are dropped when a later migration rebuilds a table on SQLite;
    put them back (and refill the index if it drifted). On PostgreSQL, make sure the stored vector and
    its trigger exist (idempotent)."""
    from django.db import connections

    from mengkeju.postings.search import fts_ensure, pg_vector_ensure

    db = connections[using]
    if db.vendor not in ("sqlite", "postgresql"):
        return
    tables = set(db.introspection.table_names())
    for table in ("needs_technicalneed", "achievements_achievement"):
        if table in tables:
            fts_ensure(db, table)
            pg_vector_ensure(db, table)
