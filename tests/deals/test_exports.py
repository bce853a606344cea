"""CSV exports of matches and deals apply the filters of the export form."""

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
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


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
    [deal] = rows(client.get(url))
    assert (deal["match_id"], deal["deal_stage"], deal["days_publication_to_approval"]) == (
        str(matches.pk),
        "contacted",
        "0",
    )
    assert rows(client.get(url, {"stage": "signed"})) == []
    assert len(rows(client.get(url, {"stage": "contacted"}))) == 1
