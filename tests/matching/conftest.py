"""Matching fixtures: a tiny published corpus, and helpers to index and match it."""

import pytest

from matching import services
from matching.models import PostingKind
from tests.factories import AchievementFactory, NeedFactory


def dairy_achievements(n=3):
    """``n`` published mastitis-detection achievements (agri-food) that a 乳房炎 need matches: the corpus
    of the real-worker tests."""
    return [
        AchievementFactory(
            title=f"奶牛隐性乳房炎在线检测装置{i}",
            description="挤奶时在线检测电导率，早期发现乳房炎。",
            keywords=["乳房炎", "在线检测"],
            cluster="agri-food",
        )
        for i in range(n)
    ]


@pytest.fixture
def corpus(db):
    """One dairy need and achievements: a direct hit, a cross-cluster hit, a look-alike and noise."""
    need = NeedFactory(
        title="奶牛乳房炎早期发现",
        description="牧场存栏3000头，希望在挤奶时自动发现早期隐性乳房炎病牛。",
        keywords=["乳房炎", "在线检测", "挤奶"],
        cluster="agri-food",
        cooperation_modes=["service"],
        budget_min_wan=30,
        budget_max_wan=120,
    )
    hit = AchievementFactory(
        title="奶牛隐性乳房炎在线检测装置",
        description="挤奶时在线检测牛奶电导率，早期发现隐性乳房炎。",
        keywords=["乳房炎", "在线检测", "挤奶"],
        cluster="agri-food",
        cooperation_modes=["service"],
        price_wan=80,
    )
    cross = AchievementFactory(
        title="牛乳腺炎挤奶在线监测装置",
        description="基于电导率与近红外的乳腺炎挤奶在线检测，早期预警。",
        keywords=["乳腺炎", "在线检测", "挤奶机"],
        cluster="equipment",
        cooperation_modes=["transfer"],
        price_wan=100,
    )
    noise = [
        AchievementFactory(
            title=f"高铝粉煤灰提取氧化铝工艺{i}",
            description="以粉煤灰为原料提取氧化铝，联产硅基材料。",
            keywords=["粉煤灰", "氧化铝"],
            cluster="new-materials",
        )
        for i in range(5)
    ]
    return {"need": need, "hit": hit, "cross": cross, "noise": noise}


@pytest.fixture
def indexed(corpus):
    for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
        services.index_refresh(kind=kind)
    return corpus


@pytest.fixture
def heating_pair(db):
    """A need in symptom language (屋里冷、烧煤多) and the heat-pump achievement that answers it, plus five
    unrelated achievements: (need, achievement).  Only a problem → technology link connects the two."""
    need = NeedFactory(
        title="牧民冬天烧煤多，屋里还冷",
        description="冬天屋里冷，烧煤多，烟大。",
        keywords=["冬季取暖"],
        cluster="new-energy",
    )
    ach = AchievementFactory(
        title="严寒地区超低温空气源热泵供暖机组",
        description="超低温空气源热泵，零下三十度制热。",
        keywords=["空气源热泵", "清洁供暖"],
        cluster="new-energy",
    )
    for i in range(5):
        AchievementFactory(
            title=f"高铝粉煤灰提取氧化铝{i}", description="粉煤灰提铝。", keywords=["粉煤灰"], cluster="new-materials"
        )
    return need, ach
