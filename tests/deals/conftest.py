"""A need of enterprise A and an achievement of university U with contact details, and a proposal between them."""

import pytest
import time_machine

from matching.models import Match
from mengkeju.deals import services as deal_services
from tests.deals.service_rules import DAY, T0, fresh
from tests.factories import AchievementFactory, NeedFactory

NEED_CONTACT = {
    "contact_name": "王需求联系人",
    "contact_phone": "0471-1111111",
    "contact_email": "need-contact@a.example",
}
ACH_CONTACT = {
    "contact_name": "张成果联系人",
    "contact_phone": "0471-2222222",
    "contact_email": "ach-contact@u.example",
}
NEED_ADDRESS = "呼和浩特市赛罕区需求路1号"
ACH_ADDRESS = "呼和浩特市大学西路235号"
CONTACT_STRINGS = [*NEED_CONTACT.values(), *ACH_CONTACT.values(), NEED_ADDRESS, ACH_ADDRESS]

EXPLANATION = {
    "shared_terms": [
        {"term": "光伏", "via": None, "contribution": 0.31},
        {"term": "组件", "via": None, "contribution": 0.1},
    ],
    "synonym_terms": [{"term": "太阳能电池", "via": "光伏", "contribution": 0.12}],
    "shared_grams": [{"gram": "回收", "contribution": 0.05}],
    "cluster": {"need": "新能源", "achievement": "新能源", "relation": "same"},
    "compatibility": [
        {"signal": "cooperation_modes", "common": ["技术转让"], "adjustment": 0.05},
        {"signal": "budget", "price": 80.0, "budget_max": 100.0, "verdict": "within", "adjustment": 0.05},
    ],
}


@pytest.fixture
def need(org_a, owner):
    org_a.address = NEED_ADDRESS
    org_a.save()
    return NeedFactory(
        organization=org_a,
        created_by=owner,
        title="退役光伏组件回收技术需求",
        description="我公司需要退役光伏组件的高值化回收技术，包括硅、银、铝的分离。",
        cluster="new-energy",
        **NEED_CONTACT,
    )


@pytest.fixture
def achievement(uni_u, researcher):
    uni_u.address = ACH_ADDRESS
    uni_u.save()
    return AchievementFactory(
        organization=uni_u,
        created_by=researcher,
        title="太阳能电池组件绿色拆解与回收工艺",
        description="本成果提供太阳能电池组件的热解拆解与银、硅回收工艺，已完成中试。",
        cluster="new-energy",
        **ACH_CONTACT,
    )


@pytest.fixture
def proposal(need, achievement):
    return Match.objects.create(need=need, achievement=achievement, score=0.72, explanation=EXPLANATION)


# the deal service rules (tests/deals/test_service_rules_*.py)
@pytest.fixture
def two_more(need, uni_u):
    return [Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u)) for _ in range(2)]


@pytest.fixture
def introduced(proposal, broker):
    """An approved pair; its need was published on 2026-02-20 (local time)."""
    type(proposal.need).objects.filter(pk=proposal.need_id).update(published_at=T0 - 10 * DAY)
    with time_machine.travel(T0 - DAY, tick=False):
        return deal_services.match_approve(match=fresh(proposal), user=broker)
