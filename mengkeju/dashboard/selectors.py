"""The dashboard's figures, each computed by one function over the current database.

Definitions (the tests compute the same figures independently from known rows):

* postings by cluster — *published* needs and achievements per industry cluster;
* new postings over time — needs and achievements by the month of their ``published_at`` (platform
  time zone), whatever their status now, for the last ``months`` months;
* funnel — proposed: every match ever put forward (any status); approved: matches approved now;
  contacted: approved matches that reached "contacted" or a later stage (a deal dropped after contact
  still counts); signed: approved matches with a contract signing date;
* total contract value — sum of ``contract_amount_wan`` over signed matches;
* median days from a need's publication to approval (``reviewed_at``, fractional days) and to
  signature (``contract_signed_on`` minus the local publication date, whole days);
* review backlog — open proposals; median review time — hours from proposal to decision over matches
  decided by brokers (approved or rejected, source matcher or interest).
"""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from achievements.models import Achievement
from matching.models import Match, MatchSource, MatchStatus
from mengkeju.core.models import IndustryCluster
from mengkeju.deals.models import DealEvent
from mengkeju.deals.services import CONTACTED_OR_LATER
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed


def postings_by_cluster() -> list[dict]:
    # two grouped counts (one per side) rather than one query joining both sides to the clusters
    counts = {
        field: dict(
            model.objects.filter(status=PostingStatus.PUBLISHED)
            .order_by()
            .values_list("cluster")
            .annotate(n=Count("id"))
        )
        for model, field in ((TechnicalNeed, "needs"), (Achievement, "achievements"))
    }
    return [
        {
            "code": c.code,
            "cluster": c.name,
            "needs": counts["needs"].get(c.pk, 0),
            "achievements": counts["achievements"].get(c.pk, 0),
        }
        for c in IndustryCluster.objects.order_by("sort_order", "code")
    ]


def _month_start(day: datetime.date, back: int) -> datetime.date:
    year, month = day.year, day.month - back
    while month <= 0:
        month += 12
        year -= 1
    return datetime.date(year, month, 1)


def postings_over_time(*, months: int = 12, today: datetime.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    first = _month_start(today, months - 1)
    since = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    keys = [_month_start(today, back).strftime("%Y-%m") for back in range(months - 1, -1, -1)]
    rows = {key: {"month": key, "needs": 0, "achievements": 0} for key in keys}
    for model, field in ((TechnicalNeed, "needs"), (Achievement, "achievements")):
        counts = (
            model.objects.filter(published_at__gte=since)
            .annotate(month=TruncMonth("published_at", tzinfo=tz))
            .values("month")
            .annotate(n=Count("id"))
            .values_list("month", "n")
        )
        for month, n in counts:
            key = month.strftime("%Y-%m")
            if key in rows:
                rows[key][field] += n
    return list(rows.values())


def funnel() -> list[dict]:
    reached_contact = Exists(DealEvent.objects.filter(match=OuterRef("pk"), stage__in=CONTACTED_OR_LATER))
    approved = Match.objects.filter(status=MatchStatus.APPROVED)
    counts = [
        ("proposed", Match.objects.count()),
        ("approved", approved.count()),
        ("contacted", approved.filter(Q(deal_stage__in=CONTACTED_OR_LATER) | Q(reached_contact)).count()),
        ("signed", approved.filter(contract_signed_on__isnull=False).count()),
    ]
    return [{"step": step, "count": n} for step, n in counts]


def contract_value() -> Decimal:
    total = Match.objects.filter(status=MatchStatus.APPROVED, contract_signed_on__isnull=False).aggregate(
        total=Sum("contract_amount_wan")
    )["total"]
    return total or Decimal("0")


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def median_days_to_approval() -> float | None:
    pairs = Match.objects.filter(
        status=MatchStatus.APPROVED, reviewed_at__isnull=False, need__published_at__isnull=False
    ).values_list("need__published_at", "reviewed_at")
    return _median([(reviewed - published).total_seconds() / 86400 for published, reviewed in pairs])


def median_days_to_signature() -> float | None:
    pairs = Match.objects.filter(
        status=MatchStatus.APPROVED, contract_signed_on__isnull=False, need__published_at__isnull=False
    ).values_list("need__published_at", "contract_signed_on")
    return _median([(signed - timezone.localtime(published).date()).days for published, signed in pairs])


def _broker_decided():
    return Match.objects.filter(
        status__in=(MatchStatus.APPROVED, MatchStatus.REJECTED),
        reviewed_at__isnull=False,
        source__in=(MatchSource.MATCHER, MatchSource.INTEREST),
    )


def review_backlog() -> dict:
    open_ = Match.objects.filter(status=MatchStatus.PROPOSED)
    oldest = open_.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "open": open_.count(),
        "oldest_days": round((timezone.now() - oldest).total_seconds() / 86400, 1) if oldest else None,
    }


def median_review_hours() -> float | None:
    pairs = _broker_decided().values_list("created_at", "reviewed_at")
    return _median([(reviewed - created).total_seconds() / 3600 for created, reviewed in pairs])


def review_by_broker() -> list[dict]:
    rows: dict = {}
    for name, display, username, status, created, reviewed in _broker_decided().values_list(
        "reviewed_by__display_name",
        "reviewed_by__first_name",
        "reviewed_by__username",
        "status",
        "created_at",
        "reviewed_at",
    ):
        key = name or display or username or "—"
        row = rows.setdefault(key, {"broker": key, "approved": 0, "rejected": 0, "hours": []})
        row[status] += 1
        row["hours"].append((reviewed - created).total_seconds() / 3600)
    result = []
    for row in sorted(rows.values(), key=lambda r: r["broker"]):
        hours = row.pop("hours")
        result.append(row | {"median_hours": _median(hours)})
    return result


@dataclass
class Headline:
    contract_value_wan: Decimal
    median_days_to_approval: float | None
    median_days_to_signature: float | None


def headline() -> Headline:
    return Headline(contract_value(), median_days_to_approval(), median_days_to_signature())
