"""A paginator for lists that can hold a whole region's postings: exact counts up to a bound, an estimate
above it.

Counting 100,000 published achievements costs PostgreSQL a scan of them all on every library request (50 ms
alone, 235 ms at the p95 of 20 concurrent clients on two cores — docs/benchmarks.md "Pages"). A person
reading "约 100,000 条结果" loses nothing that "100,012 条结果" gives. So ``LargePaginator`` counts at most
``settings.EXACT_COUNT_UP_TO`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT n)``, a bounded read); a list
longer than that is sized by the planner's estimate (``EXPLAIN``, as the planner's statistics stand: kept
fresh after bulk imports by ``mengkeju.lib.planner_stats``) and flagged ``estimated`` for the templates,
which then say "about". The same technique as PostgreSQL's wiki "Count estimate" and the Django admin's
``show_full_result_count = False``.

Paging does not trust the estimate: each page of an estimated list reads one row more to know whether a
next page follows, and a page past the estimated last one is served while it holds rows.

SQLite counts its libraries fast enough (an index-only count) and has no row estimate: there, and for
anything that is not a queryset, the count is exact.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def planner_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns (its ``EXPLAIN`` top node), or None where
    the database gives none (not PostgreSQL)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class LargePaginator(Paginator):
    """``Paginator`` whose ``count`` is exact up to ``exact_up_to`` rows (default
    ``settings.EXACT_COUNT_UP_TO``) and, above that on PostgreSQL, the planner's estimate to two significant
    figures ("约 29,000", never "约 28,804": a person reads that as exact); an estimate
    below the rows already counted shows statistics older than the table, and then every row is counted.
    ``estimated`` says which."""

    estimated = False

    def __init__(self, object_list, per_page, *, exact_up_to: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.exact_up_to = exact_up_to

    def validate_number(self, number) -> int:
        """As ``Paginator``'s, but past the estimated last page too: an estimate may fall short of the rows,
        and no row may become unreachable (``page`` decides whether the page holds any)."""
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.estimated or int(number) < 1:
                raise
            return int(number)

    def get_page(self, number) -> Page:
        """A page that holds rows, whatever ``number`` is: page 1 for a bad number, the last page for one
        beyond it (for an estimated list, the last page that holds rows, by an exact count)."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        try:
            return self.page(number)
        except EmptyPage:  # beyond the rows of an estimated list
            return self.page(self.exact_last_page())

    def page(self, number) -> Page:
        """Rows ``(number - 1) × per_page`` onwards. For an estimated count, one row more is read, so the
        page knows whether another follows (``has_next``) without trusting the estimate."""
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return EstimatedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def exact_last_page(self) -> int:
        """The last page that holds rows, by an exact count (only when an estimate overshot)."""
        return max(1, -(-self.object_list.count() // self.per_page))

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        bound = self.exact_up_to or settings.EXACT_COUNT_UP_TO
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        counted = queryset.order_by()[: bound + 1].count()
        if counted <= bound:
            return counted
        estimate = planner_rows(queryset) or 0
        if estimate <= counted:  # statistics older than the rows (a bulk write not analysed yet): count them
            return super().count
        self.estimated = True
        return _round(estimate)


def _round(n: int) -> int:
    """``n`` to two significant figures (28,804 → 29,000; 20,014 → 20,000): an estimate read as one."""
    return round(n, 2 - len(str(n))) if n >= 100 else n


class EstimatedPage(Page):
    """A page of an estimated list: it has a next page when a row follows it, whatever the estimate says."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)
