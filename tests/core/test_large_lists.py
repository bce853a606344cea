"""Lists that can hold a whole region's postings count exactly up to ``EXACT_COUNT_UP_TO`` rows and say
"about N" above it on PostgreSQL, without counting every row (mengkeju/lib/pagination.py)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _analyze():
    """The planner's statistics as a bulk import leaves them (``mengkeju.lib.planner_stats``)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url, params).content.decode()
    return html, [q["sql"] for q in captured.captured_queries]


@pytest.mark.postgres
def test_a_library_longer_than_the_bound_says_about_and_reads_at_most_the_bound(client, settings):
    settings.EXACT_COUNT_UP_TO = 5
    settings.PAGE_SIZE = 4
    NeedFactory.create_batch(12)
    _analyze()
    html, queries = _get(client, reverse("needs:library"))
    assert "约 12 条结果" in html and "共 12 条结果" not in html
    assert "第 1 页，约 3 页" in html
    counts = [q for q in queries if "COUNT(" in q.upper() and "needs_technicalneed" in q]
    assert counts and all("LIMIT 6" in q for q in counts)  # never a count of the whole table
    # the last page is there, and English says it in English
    assert "第 3 页，约 3 页" in _get(client, reverse("needs:library"), page=3)[0]
    client.cookies["django_language"] = "en"
    html, _ = _get(client, reverse("needs:library"))
    assert "About 12 results" in html and "Page 1 of about 3" in html


@pytest.mark.postgres
def test_lists_within_the_bound_are_exact(client, settings):
    settings.EXACT_COUNT_UP_TO = 5
    NeedFactory.create_batch(9)
    NeedFactory.create_batch(3, title="马铃薯分选设备需求")
    AchievementFactory.create_batch(5)
    _analyze()
    assert "共 3 条结果" in _get(client, reverse("needs:library"), q="马铃薯")[0]
    html, _ = _get(client, reverse("achievements:library"))
    assert "共 5 条结果" in html and "约" not in html


@pytest.mark.postgres
def test_statistics_older_than_the_rows_give_an_exact_count(client, settings):
    settings.EXACT_COUNT_UP_TO = 5
    NeedFactory.create_batch(12, status=PostingStatus.DRAFT)
    _analyze()  # the planner believes no need is published …
    TechnicalNeed.objects.update(status=PostingStatus.PUBLISHED)  # … and then all twelve are
    html, queries = _get(client, reverse("needs:library"))
    assert "共 12 条结果" in html and "约" not in html


def test_sqlite_and_short_lists_count_exactly(client, settings):
    settings.EXACT_COUNT_UP_TO = 5
    NeedFactory.create_batch(7)
    html, _ = _get(client, reverse("needs:library"))
    if connection.vendor == "postgresql":
        _analyze()
        html, _ = _get(client, reverse("needs:library"))
        assert "约 7 条结果" in html
    else:
        assert "共 7 条结果" in html


@pytest.mark.postgres
def test_the_review_queue_says_about_above_the_bound(client_for, broker, settings):
    settings.EXACT_COUNT_UP_TO = 5
    need = NeedFactory()
    for achievement in AchievementFactory.create_batch(9):
        Match.objects.create(need=need, achievement=achievement, score=0.5)
    _analyze()
    html, _ = _get(client_for(broker), reverse("deals:queue"))
    assert "(约 9)" in html
    Match.objects.filter(pk__in=Match.objects.values_list("pk", flat=True)[:5]).delete()
    assert "(4)" in _get(client_for(broker), reverse("deals:queue"))[0]


@pytest.mark.parametrize(
    ("estimate", "shown"), [(12, 12), (1001, 1000), (20014, 20000), (28804, 29000), (100000, 100000)]
)
def test_an_estimate_is_shown_rounded_to_two_significant_figures(estimate, shown):
    from mengkeju.lib.pagination import _round

    assert _round(estimate) == shown


@pytest.mark.postgres
def test_rows_past_an_estimate_that_falls_short_can_still_be_paged_to(client, settings):
    settings.EXACT_COUNT_UP_TO = 5
    settings.PAGE_SIZE = 4
    NeedFactory.create_batch(12)
    drafts = NeedFactory.create_batch(48, status=PostingStatus.DRAFT)
    _analyze()  # 12 of 60 published, as the statistics have it …
    long_ago = timezone.now() - datetime.timedelta(days=400)
    TechnicalNeed.objects.filter(pk__in=[d.pk for d in drafts[:24]]).update(  # … then 24 more: 36 rows, 9 pages
        status=PostingStatus.PUBLISHED, published_at=long_ago
    )
    TechnicalNeed.objects.filter(pk=drafts[0].pk).update(title="最早的一条需求", published_at=long_ago - DAY)
    html, _ = _get(client, reverse("needs:library"))
    estimated_pages = int(re.search(r"第 1 页，约 (\d+) 页", html).group(1))
    assert estimated_pages < 9  # the estimate falls short of the rows
    html, _ = _get(client, reverse("needs:library"), page=estimated_pages)
    assert f"page={estimated_pages + 1}" in html  # yet its last page offers the next
    html, _ = _get(client, reverse("needs:library"), page=9)
    assert "最早的一条需求" in html and "page=10" not in html
    # a page past the rows shows the last page that holds any; a bad number the first
    assert "最早的一条需求" in _get(client, reverse("needs:library"), page=40)[0]
    assert "第 1 页" in _get(client, reverse("needs:library"), page="x")[0]
