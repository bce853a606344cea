"""CSV exports of matches and deals apply the filters of the export form; they speak the reader's language,
and ``?codes=1`` keeps machine names and codes for scripts."""

import csv
import io

import pytest
from django.urls import reverse

from matching.models import DealStage, Match
from mengkeju.core.models import IndustryCluster
from mengkeju.deals import services
from tests.factories import AchievementFactory

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    """The rows of the coded (machine-readable) CSV export."""
    return words(response)


def words(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _coded(get):
    return lambda url, data=None: get(url, {"codes": "1"} | (data or {}))


@pytest.fixture
def matches(need, achievement, uni_u, broker, owner):
    bio = AchievementFactory(organization=uni_u, cluster="biomedicine", title="生物医药成果")
    low = AchievementFactory(organization=uni_u, title="低分成果")
    approved = Match.objects.create(need=need, achievement=achievement, score=0.8)
    services.match_approve(match=approved, user=broker)
    services.deal_stage_move(match=approved, user=owner, stage=DealStage.CONTACTED)
    Match.objects.create(need=need, achievement=bio, score=0.6, source="interest")
    Match.objects.create(need=need, achievement=low, score=0.2)
    return approved


def test_matches_export_with_filters(client_for, admin, matches):
    client = client_for(admin)
    url = reverse("deals:export_matches")
    client.get = _coded(client.get)
    assert len(rows(client.get(url))) == 3
    assert [r["achievement_title"] for r in rows(client.get(url, {"score_min": "0.5"}))] == [
        "太阳能电池组件绿色拆解与回收工艺",
        "生物医药成果",
    ]
    assert [r["source"] for r in rows(client.get(url, {"source": "interest"}))] == ["interest"]
    assert [r["status"] for r in rows(client.get(url, {"status": "approved"}))] == ["approved"]
    bio = IndustryCluster.objects.get(code="biomedicine")
    assert [r["achievement_title"] for r in rows(client.get(url, {"cluster": bio.pk}))] == ["生物医药成果"]
    proposed = rows(client.get(url, {"status": "proposed"}))
    assert all(r["need_contact_name"] == "王需求联系人" for r in proposed)  # admins see every contact


def test_deals_export_lists_approved_matches_with_their_stage(client_for, admin, matches):
    client = client_for(admin)
    url = reverse("deals:export_deals")
    client.get = _coded(client.get)
    [deal] = rows(client.get(url))
    assert (deal["match_id"], deal["deal_stage"], deal["days_publication_to_approval"]) == (
        str(matches.pk),
        "contacted",
        "0",
    )
    assert rows(client.get(url, {"stage": "signed"})) == []
    assert len(rows(client.get(url, {"stage": "contacted"}))) == 1


def test_exports_speak_chinese_by_default(client_for, admin, matches):
    """A download opened in Excel or WPS reads as the page does: 中文 headers, 已批准 / 已对接, no codes."""
    response = client_for(admin).get(reverse("deals:export_deals"))
    assert '.csv"' in response["Content-Disposition"] and "-codes" not in response["Content-Disposition"]
    [deal] = words(response)
    assert (deal["配对编号"], deal["对接进展"], deal["来源"]) == (str(matches.pk), "已对接", "智能匹配")
    assert deal["批准时间"] and deal["发布至批准天数"] == "0"
    assert "match_id" not in deal and "deal_stage" not in deal
    matches_rows = words(client_for(admin).get(reverse("deals:export_matches")))
    assert {r["审核状态"] for r in matches_rows} == {"已通过", "已推荐"}
    assert {r["来源"] for r in matches_rows} == {"智能匹配", "用户意向"}
    assert {r["成果所属产业集群"] for r in matches_rows} == {"新能源", "生物医药", "新材料"}
    assert all(r["推荐时间"] for r in matches_rows)


def test_exports_speak_english_when_the_interface_is_english(client_for, admin, matches):
    client = client_for(admin)
    client.cookies["django_language"] = "en"
    [deal] = words(client.get(reverse("deals:export_deals")))
    assert deal["Deal stage"] == "Contacted" and deal["Source"] == "Matcher"
    assert deal["Days from publication to approval"] == "0"
    matches_rows = words(client.get(reverse("deals:export_matches")))
    assert {r["Review status"] for r in matches_rows} == {"Approved", "Proposed"}
    assert {r["Achievement: industry cluster"] for r in matches_rows} == {"New energy", "Biomedicine", "New materials"}
    assert {r["Source"] for r in matches_rows} == {"Matcher", "Expressed interest"}


def test_coded_export_keeps_machine_names_whatever_the_language(client_for, admin, matches):
    client = client_for(admin)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("deals:export_deals"), {"codes": "1"})
    assert "mengkeju-deals-codes-" in response["Content-Disposition"]
    [deal] = rows(response)
    assert (deal["deal_stage"], deal["source"]) == ("contacted", "matcher")


def test_export_page_offers_the_coded_variant(client_for, admin):
    page = client_for(admin).get(reverse("deals:export")).content.decode()
    assert 'name="codes" value="1"' in page and "供程序读取" in page
