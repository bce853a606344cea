"""Dashboard figures equal the same figures computed here, independently, from a known set of rows."""

import csv
import datetime
import io
import statistics
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from mengkeju.dashboard import selectors
from mengkeju.deals.models import DealEvent
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


# (cluster, status, published days ago or None)
NEEDS = [
    ("new-energy", "published", 100),
    ("new-energy", "published", 40),
    ("new-materials", "published", 10),
    ("new-energy", "closed", 70),
    ("new-energy", "draft", None),
]
ACHIEVEMENTS = [
    ("new-materials", "published", 200),
    ("new-materials", "published", 5),
    ("biomedicine", "published", 35),
    ("biomedicine", "expired", 400),
]
# need, achievement, status, source, created (days ago), reviewed (days ago), stage, amount, signed (days ago),
# stages passed through (deal events) for dropped deals
MATCHES = [
    dict(
        n=0,
        a=0,
        status="approved",
        source="matcher",
        created=90,
        reviewed=88,
        stage="signed",
        amount="120.5",
        signed=30,
    ),
    dict(n=0, a=1, status="approved", source="interest", created=4, reviewed=3.5, stage="contacted"),
    dict(
        n=1,
        a=0,
        status="approved",
        source="matcher",
        created=39,
        reviewed=30,
        stage="implemented",
        amount="80",
        signed=20,
    ),
    dict(n=1, a=2, status="approved", source="matcher", created=30, reviewed=29, stage="dropped", passed=["contacted"]),
    dict(n=2, a=1, status="approved", source="challenge", created=2, reviewed=2, stage="introduced"),
    dict(n=2, a=0, status="rejected", source="matcher", created=9, reviewed=8.75),
    dict(n=2, a=2, status="proposed", source="matcher", created=6),
    dict(n=3, a=0, status="proposed", source="interest", created=1),
    dict(n=3, a=1, status="withdrawn", source="matcher", created=60),
    dict(n=1, a=1, status="approved", source="matcher", created=12, reviewed=11, stage="dropped", passed=[]),
]


@pytest.fixture
def data(org_a, uni_u, broker):
    needs = [
        NeedFactory(organization=org_a, cluster=c, status=s, published_at=ago(p) if p is not None else None)
        for c, s, p in NEEDS
    ]
    achievements = [
        AchievementFactory(organization=uni_u, cluster=c, status=s, published_at=ago(p) if p is not None else None)
        for c, s, p in ACHIEVEMENTS
    ]
    other_broker = UserFactory(username="broker2", display_name="经纪人二", role="broker")
    matches = []
    for i, spec in enumerate(MATCHES):
        m = Match.objects.create(
            need=needs[spec["n"]],
            achievement=achievements[spec["a"]],
            score=0.5,
            status=spec["status"],
            source=spec["source"],
            deal_stage=spec.get("stage", ""),
            reviewed_at=ago(spec["reviewed"]) if "reviewed" in spec else None,
            reviewed_by=(broker if i % 2 == 0 else other_broker) if "reviewed" in spec else None,
            contract_amount_wan=Decimal(spec["amount"]) if "amount" in spec else None,
            contract_signed_on=timezone.localtime(ago(spec["signed"])).date() if "signed" in spec else None,
        )
        Match.objects.filter(pk=m.pk).update(created_at=ago(spec["created"]))
        for stage in spec.get("passed", []):
            DealEvent.objects.create(match=m, action="stage", stage=stage)
        matches.append(m)
    return needs, achievements, matches


def expected_funnel():
    approved = [m for m in MATCHES if m["status"] == "approved"]
    later = {"contacted", "negotiating", "signed", "implemented"}
    return [
        {"step": "proposed", "count": len(MATCHES)},
        {"step": "approved", "count": len(approved)},
        {"step": "contacted", "count": len([m for m in approved if m.get("stage") in later or m.get("passed")])},
        {"step": "signed", "count": len([m for m in approved if "signed" in m])},
    ]


def test_postings_by_cluster(data):
    rows = {r["code"]: (r["needs"], r["achievements"]) for r in selectors.postings_by_cluster()}
    for code in rows:
        needs = len([1 for c, s, _ in NEEDS if c == code and s == "published"])
        achievements = len([1 for c, s, _ in ACHIEVEMENTS if c == code and s == "published"])
        assert rows[code] == (needs, achievements), code
    assert rows["new-energy"] == (2, 0) and rows["biomedicine"] == (0, 1)


def test_postings_over_time(data):
    rows = selectors.postings_over_time(months=12)
    assert len(rows) == 12 and rows[-1]["month"] == timezone.localdate().strftime("%Y-%m")
    window = {r["month"] for r in rows}

    def per_month(specs):
        counts = {}
        for _c, _s, p in specs:
            if p is None:
                continue
            key = timezone.localtime(ago(p)).strftime("%Y-%m")
            if key in window:
                counts[key] = counts.get(key, 0) + 1
        return counts

    needs, achievements = per_month(NEEDS), per_month(ACHIEVEMENTS)
    for r in rows:
        assert (r["needs"], r["achievements"]) == (needs.get(r["month"], 0), achievements.get(r["month"], 0))
    assert sum(r["achievements"] for r in rows) == 3  # the 400-day-old one is outside the window


def test_funnel_and_contract_value(data):
    assert selectors.funnel() == expected_funnel()
    assert selectors.contract_value() == sum(Decimal(m["amount"]) for m in MATCHES if "amount" in m)


def test_median_days(data):
    approved = [m for m in MATCHES if m["status"] == "approved"]
    to_approval = [NEEDS[m["n"]][2] - m["reviewed"] for m in approved]
    assert selectors.median_days_to_approval() == round(statistics.median(to_approval), 1)
    to_signature = [
        (timezone.localtime(ago(m["signed"])).date() - timezone.localtime(ago(NEEDS[m["n"]][2])).date()).days
        for m in approved
        if "signed" in m
    ]
    assert selectors.median_days_to_signature() == round(statistics.median(to_signature), 1)


def test_review_backlog_and_time(data):
    backlog = selectors.review_backlog()
    proposed = [m for m in MATCHES if m["status"] == "proposed"]
    assert backlog["open"] == len(proposed)
    assert backlog["oldest_days"] == pytest.approx(max(m["created"] for m in proposed), abs=0.1)
    decided = [m for m in MATCHES if m["status"] in ("approved", "rejected") and m["source"] in ("matcher", "interest")]
    hours = [(m["created"] - m["reviewed"]) * 24 for m in decided]
    assert selectors.median_review_hours() == pytest.approx(round(statistics.median(hours), 1))
    per_broker = {r["broker"]: (r["approved"], r["rejected"]) for r in selectors.review_by_broker()}
    assert sum(a + r for a, r in per_broker.values()) == len(decided)


def test_empty_platform():
    assert selectors.funnel() == [{"step": s, "count": 0} for s in ("proposed", "approved", "contacted", "signed")]
    assert selectors.contract_value() == 0
    assert selectors.median_days_to_approval() is None and selectors.median_review_hours() is None


CODES = {"codes": "1"}  # the machine-readable variant: figure names and steps as codes


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_pages_and_csv_show_the_same_figures(client_for, data, anonymous, owner, broker, admin):
    client = client_for(anonymous)
    page = client.get(reverse("dashboard:public")).content.decode()
    assert "<svg" in page and "200.5" in page
    funnel = read_csv(client.get(reverse("dashboard:csv", args=["funnel"]), CODES))
    assert [(r["step"], int(r["count"])) for r in funnel] == [(s["step"], s["count"]) for s in expected_funnel()]
    clusters = read_csv(client.get(reverse("dashboard:csv", args=["clusters"]), CODES))
    assert {r["code"]: int(r["needs"]) for r in clusters}["new-energy"] == 2
    months = read_csv(client.get(reverse("dashboard:csv", args=["postings-over-time"]), CODES))
    assert len(months) == 12
    headline = {
        r["figure"]: r["value"] for r in read_csv(client.get(reverse("dashboard:csv", args=["headline"]), CODES))
    }
    assert Decimal(headline["contract_value_wan"]) == Decimal("200.5")
    assert client.get(reverse("dashboard:csv", args=["nonsense"])).status_code == 404

    # the admin view and its CSVs: brokers and admins only
    assert "/accounts/login/" in client.get(reverse("dashboard:admin"))["Location"]
    assert client_for(owner).get(reverse("dashboard:admin")).status_code == 403
    for name in ("review", "brokers"):
        assert client_for(owner).get(reverse("dashboard:csv", args=[name])).status_code == 403
        assert client.get(reverse("dashboard:csv", args=[name])).status_code == 403
    for user in (broker, admin):
        assert client_for(user).get(reverse("dashboard:admin")).status_code == 200
    review = {
        r["figure"]: r["value"]
        for r in read_csv(client_for(broker).get(reverse("dashboard:csv", args=["review"]), CODES))
    }
    assert int(review["open_proposals"]) == 2
    brokers = read_csv(client_for(admin).get(reverse("dashboard:csv", args=["brokers"]), CODES))
    assert {r["broker"] for r in brokers} == {str(broker), "经纪人二"}


def test_dashboard_renders_in_english(client_for, data):
    response = client_for(None).get(reverse("dashboard:public"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "From proposal to contract" in response.content.decode()
