"""Fresh planner statistics after bulk writes (PostgreSQL).

PostgreSQL plans every query from per-table statistics (row counts, value distributions) that only
``ANALYZE`` refreshes. Autovacuum runs it some time after a table has changed by 10 % — or never, where
autovacuum is off. Until then a table that has just grown from 50 to 100,000 rows is planned as if it held
50: measured on the need library after importing 100k achievements and 20k needs, the list query took
1.5 s (a nested loop over 20,000 × 3,000 rows, planned for 64) instead of 85 ms after ``ANALYZE``
(docs/benchmarks.md, "Pages"). PostgreSQL's manual recommends running ``ANALYZE`` after loading data
("Populating a Database", §14.4.9 "Run ANALYZE Afterwards"); the bulk writers of this project do it.
"""

from __future__ import annotations

import logging
import time

from django.db import connection

logger = logging.getLogger(__name__)

# below this many written rows, autovacuum's own schedule is soon enough
BULK_ROWS = 1000


def analyze_after_bulk_write(tables: list[str], *, rows: int) -> bool:
    """Run ``ANALYZE`` on ``tables`` (database table names) when ``rows`` ≥ ``BULK_ROWS`` rows were just
    written and the database is PostgreSQL; returns whether it ran. Call it after the transaction that
    wrote them has committed (``ANALYZE`` inside it would see the rows, but other sessions would plan
    from statistics of rows they cannot see yet). SQLite is left alone: its planner uses statistics only
    once ``ANALYZE`` has run there, and its library pages were not found to need them.
    Takes seconds at most: ``ANALYZE`` reads a sample of 30,000 rows per table, whatever its size."""
    if connection.vendor != "postgresql" or rows < BULK_ROWS or not tables:
        return False
    quote = connection.ops.quote_name
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(table) for table in tables))
    logger.info("ANALYZE %s after %d rows written: %.1f s", ", ".join(tables), rows, time.perf_counter() - started)
    return True
