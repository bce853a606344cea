"""After a bulk write PostgreSQL plans from fresh statistics (``mengkeju.lib.planner_stats``): an import of
a thousand postings or more runs ANALYZE on what it wrote, so the library's first page is read from its
index instead of being planned for the handful of rows the table held before (1.5 s → 40 ms at 20k needs,
docs/benchmarks.md). This machine's PostgreSQL runs without autovacuum, so nothing else refreshes them."""

import pytest
from django.db import connection

from achievements.models import Achievement
from matching import importing
from mengkeju.lib import planner_stats
from tests.matching.test_import_parallel import records, write

pytestmark = pytest.mark.django_db


def analyze_now(table: str) -> None:
    """Statistics of the table as this test finds it (ANALYZE writes them in place: a test's rollback keeps
    those of an earlier test, so each test starts from its own)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def estimated_rows(table: str) -> float:
    """PostgreSQL's idea of the table's size (``pg_class.reltuples``; -1 or 0 before any ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_large_import_leaves_the_planner_knowing_the_new_rows(tmp_path):
    table = Achievement._meta.db_table
    analyze_now(table)
    assert estimated_rows(table) < 1
    summary = importing.postings_import(kind="achievement", path=write(tmp_path, records(1200)), workers=1)
    assert summary.created == 1200
    assert estimated_rows(table) == pytest.approx(1200, rel=0.05)
    assert estimated_rows("core_organization") >= 4  # the organisations the file brought
    # the library's first page then reads its 20 rows from the library index, newest first
    with connection.cursor() as cursor:
        sql, params = (
            Achievement.objects.filter(status="draft").order_by("-published_at", "-id")[:20].query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "achievement_lib_idx" in plan and "Seq Scan on achievements_achievement" not in plan, plan


@pytest.mark.postgres
def test_a_small_import_leaves_it_to_autovacuum(tmp_path):
    analyze_now(Achievement._meta.db_table)
    importing.postings_import(kind="achievement", path=write(tmp_path, records(12)), workers=1)
    assert estimated_rows(Achievement._meta.db_table) < 1


def test_analyze_runs_only_on_postgresql_and_only_after_a_bulk_write():
    table = [Achievement._meta.db_table]
    assert planner_stats.analyze_after_bulk_write(table, rows=planner_stats.BULK_ROWS - 1) is False
    assert planner_stats.analyze_after_bulk_write([], rows=10**6) is False
    ran = planner_stats.analyze_after_bulk_write(table, rows=planner_stats.BULK_ROWS)
    assert ran is (connection.vendor == "postgresql")
