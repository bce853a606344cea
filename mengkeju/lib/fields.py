"""Model fields shared by the apps."""

from django.db import models


class JSONField(models.JSONField):
    """``models.JSONField`` that PostgreSQL bulk-inserts as one parameter per value.

    Django 5.2's ``bulk_create`` on PostgreSQL sends each column as one array (``INSERT … SELECT * FROM
    UNNEST(%s::jsonb[], …)``). psycopg writes a ``jsonb[]`` parameter in Python, escaping every double
    quote of every document with a regular expression: for the matcher's proposals (components and
    explanation, ~2 kB of JSON each) that was 8 ms of the 90 ms of an incremental match at 100k
    achievements (cProfile, docs/benchmarks.md "Matching at scale"). Django skips the UNNEST form for a
    field that defines ``get_placeholder``; the placeholder is the default one, so the SQL is the usual
    ``VALUES (…), (…)`` and nothing else changes (same column type, no database migration)."""

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"
