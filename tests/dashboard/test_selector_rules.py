"""Dashboard figures at their edges, to the decimal shown: the cluster order, months across a year's end,
the review backlog and review times (overall, per broker, a reviewer without a name or deleted) and the
headline (mengkeju.dashboard.selectors). tests/dashboard/test_figures.py checks the figures on a whole
platform's rows."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from matching.models import Match
from mengkeju.core.models import IndustryCluster
from mengkeju.dashboard import selectors
from mengkeju.deals.models import DealEvent
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Hohhot


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def match(need, *, created_s: float, reviewed_s: float | None = None, **fields) -> Match:
    """A match proposed ``created_s`` seconds ago and (if given) reviewed ``reviewed_s`` seconds ago."""
    m = Match.objects.create(
        need=need,
        achievement=AchievementFactory(),
        score=0.5,
        reviewed_at=NOW - datetime.timedelta(seconds=reviewed_s) if reviewed_s is not None else None,
        **fields,
    )
    Match.objects.filter(pk=m.pk).update(created_at=NOW - datetime.timedelta(seconds=created_s))
    return m


def test_clusters_are_listed_by_their_order_then_by_code():
    IndustryCluster.objects.update(sort_order=1)
    assert [r["code"] for r in selectors.postings_by_cluster()] == sorted(
        IndustryCluster.objects.values_list("code", flat=True)
    )
    IndustryCluster.objects.filter(code="new-energy").update(sort_order=0)
    assert [r["code"] for r in selectors.postings_by_cluster()][:2] == ["new-energy", "agri-food"]


@pytest.mark.parametrize(
    "months, today, first",
    [
        (12, datetime.date(2026, 11, 15), "2025-12"),  # going back to month 0: last year's December
        (14, datetime.date(2027, 1, 10), "2025-12"),  # two years' ends
        (25, datetime.date(2027, 1, 10), "2025-01"),
        (1, datetime.date(2027, 1, 10), "2027-01"),
    ],
)
def test_the_months_shown_run_back_across_a_years_end(months, today, first):
    keys = [r["month"] for r in selectors.postings_over_time(months=months, today=today)]
    assert len(keys) == len(set(keys)) == months and keys[0] == first and keys[-1] == today.strftime("%Y-%m")
    assert keys == sorted(keys)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a naive datetime in the query would warn
@pytest.mark.parametrize("active", ["Asia/Shanghai", "UTC"])
def test_postings_are_counted_in_the_month_of_their_local_publication_within_the_window(active):
    local = datetime.timezone(datetime.timedelta(hours=8))
    for published in (
        datetime.datetime(2025, 12, 1, 0, 0, tzinfo=local),  # the window's first moment
        datetime.datetime(2025, 11, 30, 23, 59, tzinfo=local),  # just before it
        datetime.datetime(2026, 10, 31, 20, 0, tzinfo=datetime.UTC),  # 1 November in Hohhot
        datetime.datetime(2026, 11, 20, tzinfo=local),  # after the "today" asked for
    ):
        NeedFactory(published_at=published)

    def needs(months, today):
        with timezone.override(zoneinfo.ZoneInfo(active)):  # platform months, whatever time zone is active
            return {r["month"]: r["needs"] for r in selectors.postings_over_time(months=months, today=today)}

    rows = needs(11, datetime.date(2026, 10, 5))
    assert rows["2025-12"] == 1 and rows["2026-10"] == 0 and sum(rows.values()) == 1
    rows = needs(12, datetime.date(2026, 11, 5))
    assert (rows["2025-12"], rows["2026-11"], sum(rows.values())) == (1, 2, 3)


def test_the_review_backlog_counts_open_proposals_and_the_oldest_ones_age_in_days(broker):
    need = NeedFactory()
    assert selectors.review_backlog() == {"open": 0, "oldest_days": None}
    match(need, created_s=876_965, status="proposed")  # 10.15006 days
    match(need, created_s=86_400, status="proposed")
    match(need, created_s=2_000_000, reviewed_s=1_000, status="rejected", reviewed_by=broker)
    assert selectors.review_backlog() == {"open": 2, "oldest_days": 10.2}


def test_review_hours_are_over_broker_decisions_per_broker_with_a_reviewer_named_as_shown(broker):
    need = NeedFactory()
    unnamed = UserFactory(username="broker3", display_name="", first_name="红", role="broker")
    account = UserFactory(username="broker4", display_name="", role="broker")
    hour = 3600
    match(need, created_s=20 * hour, reviewed_s=10 * hour, status="approved", reviewed_by=broker)
    match(need, created_s=40 * hour, reviewed_s=10 * hour, status="rejected", reviewed_by=broker, source="interest")
    match(need, created_s=50 * hour, reviewed_s=10 * hour, status="rejected", reviewed_by=broker)
    match(need, created_s=360_185 + hour, reviewed_s=hour, status="approved", reviewed_by=unnamed)  # 100.05 h
    match(need, created_s=5 * hour, reviewed_s=4 * hour, status="approved", reviewed_by=account)
    match(need, created_s=3 * hour, reviewed_s=hour, status="rejected", reviewed_by=None)  # the reviewer deleted
    # not broker decisions: a challenge's winner, an open proposal
    match(need, created_s=900 * hour, reviewed_s=hour, status="approved", reviewed_by=broker, source="challenge")
    match(need, created_s=900 * hour, status="proposed")
    assert selectors.median_review_hours() == 20.0  # of 10, 30, 40, 100.05, 1, 2
    assert selectors.review_by_broker() == [
        {"broker": "broker4", "approved": 1, "rejected": 0, "median_hours": 1.0},
        {"broker": "—", "approved": 0, "rejected": 1, "median_hours": 2.0},
        {"broker": "技术经纪人·陈", "approved": 1, "rejected": 2, "median_hours": 30.0},
        {"broker": "红", "approved": 1, "rejected": 0, "median_hours": 100.1},
    ]


def test_the_median_review_time_is_rounded_to_a_tenth_of_an_hour(broker):
    match(NeedFactory(), created_s=360_185 + 60, reviewed_s=60, status="approved", reviewed_by=broker)
    assert selectors.median_review_hours() == 100.1  # 100.0514 hours


def test_an_introduction_counts_as_contacted_only_once_its_deal_reached_contact(broker):
    need = NeedFactory()
    requested = match(need, created_s=0, reviewed_s=0, status="approved", source="interest", deal_stage="introduced")
    DealEvent.objects.create(match=requested, action=DealEvent.Action.REQUESTED)
    DealEvent.objects.create(match=requested, action=DealEvent.Action.APPROVED, stage="introduced")
    dropped = match(need, created_s=0, reviewed_s=0, status="approved", deal_stage="dropped")
    DealEvent.objects.create(match=dropped, action=DealEvent.Action.STAGE, stage="introduced")
    assert [step["count"] for step in selectors.funnel()] == [2, 2, 0, 0]
    DealEvent.objects.create(match=dropped, action=DealEvent.Action.STAGE, stage="negotiating")
    assert [step["count"] for step in selectors.funnel()] == [2, 2, 1, 0]


def test_the_headline_gives_the_contract_value_and_both_medians(broker):
    need = NeedFactory(published_at=NOW - datetime.timedelta(days=30))
    match(need, created_s=0, reviewed_s=30 * 86_400 - 876_965, status="approved", reviewed_by=broker)  # 10.15006 d
    signed = datetime.date(2026, 11, 25)
    match(
        need,
        created_s=0,
        reviewed_s=30 * 86_400 - 876_965,
        status="approved",
        reviewed_by=broker,
        contract_signed_on=signed,
        contract_amount_wan=Decimal("12.5"),
        deal_stage="signed",
    )
    assert selectors.headline() == selectors.Headline(Decimal("12.5"), 10.2, 25.0)
