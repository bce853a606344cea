"""Plain words for what pages show: relative times, amounts in 万元 / CNY, durations, audit actions, status
and sort labels, empty choices — in Chinese and in English."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import MatchRun
from mengkeju.core.templatetags.plain import ago, audit_action, seconds, status_label
from mengkeju.lib.money import wan_display, wan_range_display
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("delta", "zh", "en"),
    [
        (datetime.timedelta(seconds=5), "刚刚", "just now"),
        (datetime.timedelta(minutes=3), "3 分钟前", "3 minutes ago"),
        (datetime.timedelta(minutes=1, seconds=10), "1 分钟前", "1 minute ago"),
        (datetime.timedelta(hours=2, minutes=5), "2 小时前", "2 hours ago"),
        (datetime.timedelta(days=5), "5 天前", "5 days ago"),
    ],
)
def test_relative_times(delta, zh, en):
    when = timezone.now() - delta
    with translation.override("zh-hans"):
        assert ago(when) == zh
    with translation.override("en"):
        assert ago(when) == en


def test_old_times_are_dates_and_none_is_empty():
    when = timezone.now() - datetime.timedelta(days=90)
    assert ago(when) == timezone.localtime(when).strftime("%Y-%m-%d")
    assert ago(None) == ""


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        (Decimal("80.00"), "80 万元", "CNY 800,000"),
        (Decimal("12.50"), "12.5 万元", "CNY 125,000"),
        (Decimal("1250.5"), "1,250.5 万元", "CNY 12.5 million"),
        (Decimal("0.8"), "0.8 万元", "CNY 8,000"),
        (0, "0 万元", "CNY 0"),
    ],
)
def test_amounts_one_way(amount, zh, en):
    assert wan_display(amount, language="zh-hans") == zh
    assert wan_display(amount, language="en") == en


def test_ranges_and_missing_amounts():
    assert wan_range_display(80, 200, language="zh-hans") == "80–200 万元"
    assert wan_range_display(80, 200, language="en") == "CNY 800,000–2 million"
    assert wan_range_display(None, 50, language="zh-hans") == "≤ 50 万元"
    assert wan_range_display(None, None) == "" and wan_display(None) == ""


def test_budget_and_bounty_on_pages_read_the_same_way(client, org_a):
    need = NeedFactory(organization=org_a, budget_min_wan=80, budget_max_wan=200, title="预算需求")
    assert "80–200 万元" in client.get(need.get_absolute_url()).content.decode()
    client.cookies["django_language"] = "en"
    assert "CNY 800,000–2 million" in client.get(need.get_absolute_url()).content.decode()


def test_durations_audit_actions_and_statuses():
    with translation.override("zh-hans"):
        assert seconds(datetime.timedelta(seconds=1.42)) == "耗时 1.4 秒"
        assert seconds(75) == "耗时 1 分 15 秒"
        assert "need" not in audit_action("need.approve") and "approve" not in audit_action("need.approve")
        assert audit_action("match.deal_stage") == "对接阶段变更"
        assert audit_action("something.new") == "其他变更"
        assert status_label("published") == "已发布"
    assert seconds(None) == "—"
    with translation.override("en"):
        assert seconds(1.42) == "took 1.4 s"


def test_matching_runs_say_what_was_updated_and_how_long_it_took(admin, client_for):
    start = timezone.now() - datetime.timedelta(minutes=5)
    MatchRun.objects.create(
        kind=MatchRun.Kind.FULL,
        status=MatchRun.Status.DONE,
        proposals_updated=7,
        started_at=start,
        finished_at=start + datetime.timedelta(seconds=1.4),
    )
    html = client_for(admin).get(reverse("matching:runs")).content.decode()
    assert "耗时 1.4 秒" in html and "更新推荐" in html


def test_review_queue_sorts_and_empty_choices_say_what_they_mean(broker, client_for):
    html = client_for(broker).get(reverse("deals:queue")).content.decode()
    assert "按匹配得分，从高到低" in html and "按推荐时间，最早的在前" in html
    assert "全部产业集群" in html and "全部来源" in html and "---------" not in html
