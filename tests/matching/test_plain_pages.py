"""What people read about matches: plain language, numbers only for brokers, help when nothing matches,
and the need form's diagnosis before submitting."""

import re

import pytest
from django.urls import reverse

from matching.models import Match, MatchStatus
from mengkeju.core.models import CooperationMode, IndustryCluster
from tests.factories import AchievementFactory, NeedFactory

INTERNAL_KEYS = re.compile(r"term_bm25|gram_bm25|verdict|budget_max|common:|price:|cluster_factor|match_score")

EXPLANATION = {
    "shared_terms": [
        {"term": "颗粒硅", "via": None, "contribution": 0.4, "kind": "word", "evidence": True},
        {"term": "作为", "via": None, "contribution": 0.1, "kind": "word", "evidence": False},
    ],
    "synonym_terms": [
        {"term": "粒状多晶硅", "via": "颗粒硅", "contribution": 0.1, "kind": "synonym", "evidence": True}
    ],
    "link_terms": [
        {
            "term": "沥青",
            "via": None,
            "contribution": 0.1,
            "kind": "link",
            "evidence": True,
            "problem": "路面、裂",
            "technology": "沥青改性",
        },
    ],
    "feedback_terms": [],
    "shared_grams": [],
    "cluster": {"need": "新材料", "achievement": "新材料", "relation": "same"},
    "compatibility": [
        {"signal": "cooperation_modes", "common": ["技术转让"], "adjustment": 0.03},
        {"signal": "budget", "price": 120.0, "budget_max": 300.0, "verdict": "within", "adjustment": 0.02},
        {"signal": "maturity", "maturity": "中试", "adjustment": 0.01},
    ],
}
COMPONENTS = {
    "probability": 0.62,
    "match_score": 0.41,
    "relative": 1.0,
    "rank": 1,
    "evidence": 3,
    "link_evidence": 1,
    "term_bm25": 0.3,
    "gram_bm25": 0.2,
    "keyword_coverage": 0.5,
    "lexical": 0.4,
    "cluster_factor": 1.0,
    "compatibility_factor": 1.06,
    "proposed": True,
    "calibration": "graded-x",
}


@pytest.fixture
def proposal(org_a, uni_u):
    need = NeedFactory(title="路面开裂维修", organization=org_a, cluster="new-materials")
    achievement = AchievementFactory(title="颗粒硅流化床制备", organization=uni_u, cluster="new-materials")
    return Match.objects.create(
        need=need, achievement=achievement, score=0.62, components=COMPONENTS, explanation=EXPLANATION
    )


@pytest.mark.django_db
def test_match_page_explains_in_plain_language_and_folds_numbers_for_brokers(proposal, broker, owner, client_for):
    url = reverse("deals:match", args=[proposal.pk])
    html = client_for(broker).get(url).content.decode()
    for sentence in (
        "共同关键词：颗粒硅",
        "近义：颗粒硅 ≈ 粒状多晶硅",
        "问题–技术关联：路面、裂 → 沥青改性",
        "合作方式一致（技术转让）",
        "报价 120 万元在预算 300 万元以内",
        "成熟度：中试",
    ):
        assert sentence in html, sentence
    assert "共同关键词：颗粒硅、作为" not in html  # a generic word is no reason given
    assert '<details class="score-details">' in html and "评分明细" in html
    assert "经纪人批准的估计概率" in html and "62%" in html
    assert not INTERNAL_KEYS.search(html)
    # the need's owner sees the match once approved: the sentences, no score details
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.APPROVED)
    html = client_for(owner).get(url).content.decode()
    assert "共同关键词：颗粒硅" in html and "score-details" not in html
    assert not INTERNAL_KEYS.search(html)


@pytest.mark.django_db
def test_english_explanations_name_modes_and_maturity_in_english(proposal, broker, client_for):
    """The values inside an explanation follow the reader's language too ("Maturity: 中试" was shown)."""
    client = client_for(broker)
    html = client.get(reverse("deals:match", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Maturity: Pilot scale" in html
    assert "Cooperation mode in common (Technology transfer)" in html
    assert "技术转让）" not in html and "Maturity: 中试" not in html


@pytest.mark.django_db
def test_review_queue_rows_say_why(proposal, broker, client_for):
    html = client_for(broker).get(reverse("deals:queue")).content.decode()
    assert "共同关键词：颗粒硅" in html and not INTERNAL_KEYS.search(html)


@pytest.mark.django_db
def test_a_need_without_any_match_tells_its_owner_how_to_be_easier_to_match(org_a, owner, outsider, client_for):
    need = NeedFactory(
        title="设备老出问题",
        description="设备老出问题。",
        keywords=["设备"],
        organization=org_a,
        cluster="equipment",
        budget_min_wan=None,
        budget_max_wan=None,
    )
    url = reverse("needs:detail", args=[need.pk])
    html = client_for(owner).get(url).content.decode()
    assert "暂无匹配" in html
    assert "至少" in html and "关键词" in html  # add keywords
    assert "预算" in html  # give a budget
    # the owner learns that the platform may simply hold no answer yet, and that waiting loses nothing
    assert "平台上暂时还没有与这条需求共享具体技术概念的成果" in html and "自动重新匹配" in html
    # the advice sits in the main column beside the description, not in the narrow side column
    main, side = html.split("<aside>", 1)
    assert 'id="matches"' in main and 'id="matches"' not in side
    assert "暂无匹配" not in client_for(outsider).get(url).content.decode()
    # a draft is not matched yet: its owner is told when it will be
    draft = NeedFactory(organization=org_a, status="draft")
    page = client_for(owner).get(reverse("needs:detail", args=[draft.pk])).content.decode()
    assert "发布（经平台审核）后，匹配算法才会为它推荐匹配" in page and "需先经技术经纪人审核" not in page
    # once the matcher proposed something, the owner is told brokers review it first instead
    Match.objects.create(need=need, achievement=AchievementFactory(), score=0.5)
    assert "暂无匹配" not in client_for(owner).get(url).content.decode()


@pytest.mark.django_db
def test_need_form_preview_shows_the_diagnosis_and_saves_nothing(owner, client_for):
    from needs.models import TechnicalNeed

    cluster = IndustryCluster.objects.get(code="new-materials")
    mode = CooperationMode.objects.first()
    data = {
        "title": "一开春路面就裂缝、坑槽",
        "cluster": cluster.pk,
        "keywords": "路面",
        "description": "县里的公路一开春就裂，坑槽多。",
        "cooperation_modes": [mode.pk],
        "preview": "1",
    }
    before = TechnicalNeed.objects.count()
    response = client_for(owner).post(reverse("needs:create"), data)
    assert response.status_code == 200 and TechnicalNeed.objects.count() == before
    html = response.content.decode()
    assert 'id="diagnosis"' in html
    assert "预算" in html  # no budget given
    assert "路面、裂" in html and "沥青改性" in html  # the concept layer understood the problem
    assert "路面" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_preview_of_a_half_filled_need_marks_no_field_red_and_keeps_what_was_typed(owner, client_for, language):
    data = {"title": "一开春路面就裂缝", "description": "县里的公路一开春就裂，坑槽多。", "preview": "1"}
    client = client_for(owner)
    client.cookies["django_language"] = language
    html = client.post(reverse("needs:create"), data).content.decode()
    assert 'id="diagnosis"' in html
    assert "errorlist" not in html and "has-error" not in html  # cluster, keywords, modes still empty
    assert 'value="一开春路面就裂缝"' in html and "县里的公路一开春就裂，坑槽多。" in html
    saved = client.post(reverse("needs:create"), {k: v for k, v in data.items() if k != "preview"})
    assert "has-error" in saved.content.decode()  # saving checks the form as always


def test_explanations_survive_any_shape():
    from matching.explain import plain_explanation, score_details

    for bad in ({}, [], "garbage", None, {"shared_terms": [{"term": None}], "cluster": "x", "compatibility": ["x"]}):
        assert isinstance(plain_explanation(bad), list)
        assert score_details(bad) == [] or isinstance(score_details(bad), list)
