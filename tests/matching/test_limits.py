"""The matcher's threshold and top-k hold from both sides: a need's ranking keeps only scores above the
threshold, and publishing an achievement proposes at most top-k needs (tests for single-point bugs that
once left every metric unchanged)."""

import pytest

from matching import services
from matching.models import Match, PostingKind
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dairy(db):
    """One achievement about mastitis detection and needs that share more or fewer of its words."""
    achievement = AchievementFactory(
        title="奶牛隐性乳房炎在线检测装置",
        description="挤奶时在线检测牛奶电导率，早期发现隐性乳房炎。",
        keywords=["乳房炎", "在线检测", "挤奶"],
        cluster="agri-food",
    )
    wordings = [
        ("奶牛乳房炎早期发现", "挤奶时自动发现早期隐性乳房炎病牛。", ["乳房炎", "在线检测", "挤奶"]),
        ("乳房炎在线检测", "牧场需要乳房炎在线检测。", ["乳房炎", "在线检测"]),
        ("挤奶设备升级", "挤奶厅设备升级，希望在线检测奶量。", ["挤奶", "在线检测"]),
        ("牛奶电导率检测", "检测牛奶电导率的传感器。", ["电导率"]),
        ("牧场粪污处理", "牧场粪污资源化利用，兼顾挤奶厅废水。", ["粪污", "废水"]),
        ("牧草种植", "优质牧草种植与收获。", ["牧草"]),
    ]
    needs = [
        NeedFactory(title=title, description=text, keywords=keywords, cluster="agri-food")
        for title, text, keywords in wordings
    ]
    for kind in (PostingKind.NEED, PostingKind.ACHIEVEMENT):
        services.index_refresh(kind=kind)
    return achievement, needs


def _scores(pairs) -> list[float]:
    return [s.score for _n, _a, s in pairs]


def test_the_need_side_ranking_keeps_only_scores_above_the_threshold(dairy):
    achievement, needs = dairy
    everything = services.rank_for(kind=PostingKind.NEED, posting_id=needs[2].pk, threshold=0.0)
    assert everything and all(score > 0 for score in _scores(everything))
    best = max(_scores(everything))
    assert services.rank_for(kind=PostingKind.NEED, posting_id=needs[2].pk, threshold=best) == []
    kept = services.rank_for(kind=PostingKind.NEED, posting_id=needs[2].pk, threshold=best / 2)
    assert all(score > best / 2 for score in _scores(kept))


def test_publishing_a_need_proposes_nothing_below_the_threshold(dairy, settings):
    _achievement, needs = dairy
    settings.MATCHING_THRESHOLD = 0.99
    for need in needs:
        services.posting_match(kind=PostingKind.NEED, posting_id=need.pk)
    assert not Match.objects.exists()


def test_the_achievement_side_ranking_keeps_only_scores_above_the_threshold(dairy):
    achievement, _needs = dairy
    everything = services.rank_for(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk, threshold=0.0)
    assert len(everything) >= 3
    middle = sorted(_scores(everything))[len(everything) // 2]
    kept = services.rank_for(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk, threshold=middle)
    assert kept and all(score > middle for score in _scores(kept))
    assert len(kept) < len(everything)


@pytest.mark.parametrize("top_k", [1, 2])
def test_publishing_an_achievement_proposes_at_most_top_k_needs(dairy, settings, top_k):
    achievement, _needs = dairy
    settings.MATCHING_THRESHOLD = 0.0
    assert len(services.rank_for(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk, top_k=10)) > top_k
    settings.MATCHING_TOP_K = top_k
    services.posting_match(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk)
    assert Match.objects.filter(achievement=achievement).count() == top_k


def test_the_top_k_proposals_are_the_best_ones(dairy, settings):
    achievement, _needs = dairy
    settings.MATCHING_THRESHOLD = 0.0
    ranked = services.rank_for(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk, top_k=10)
    settings.MATCHING_TOP_K = 2
    services.posting_match(kind=PostingKind.ACHIEVEMENT, posting_id=achievement.pk)
    assert set(Match.objects.values_list("need_id", flat=True)) == {n for n, _a, _s in ranked[:2]}


def test_a_need_is_proposed_at_most_top_k_achievements(db, settings):
    need = NeedFactory(title="乳房炎在线检测", keywords=["乳房炎", "在线检测"], cluster="agri-food")
    for i in range(4):
        AchievementFactory(title=f"乳房炎在线检测装置{i}", keywords=["乳房炎", "在线检测"], cluster="agri-food")
    for kind in (PostingKind.NEED, PostingKind.ACHIEVEMENT):
        services.index_refresh(kind=kind)
    settings.MATCHING_THRESHOLD = 0.0
    settings.MATCHING_TOP_K = 3
    services.posting_match(kind=PostingKind.NEED, posting_id=need.pk)
    assert Match.objects.filter(need=need).count() == 3
