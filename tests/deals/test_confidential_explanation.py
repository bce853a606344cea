"""A match explanation shown to someone without full-text rights on a confidential need is computed from
the need's public text only: a term found only in the confidential description never appears in the
explanation, nor marked in the other side's text."""

import re

import pytest
from django.urls import reverse

from matching import services as matching_services
from matching.models import PostingKind
from mengkeju.deals import services
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

PUBLIC_SUMMARY = "寻求退役光伏组件回收技术合作。"
SECRET = "我公司需要退役光伏组件回收技术，重点是热解法剥离背板与银浆提纯，目标回收率百分之九十五。"


@pytest.fixture
def confidential(org_a, owner):
    return NeedFactory(
        organization=org_a,
        created_by=owner,
        title="光伏组件回收",
        keywords=["光伏", "回收"],
        description=SECRET,
        confidential=True,
        public_summary=PUBLIC_SUMMARY,
        cluster="new-energy",
    )


@pytest.fixture
def interest(confidential, uni_u, researcher):
    achievement = AchievementFactory(
        organization=uni_u,
        created_by=researcher,
        title="光伏组件热解剥离与银浆提纯回收工艺",
        keywords=["热解", "银浆", "背板"],
        description="太阳能光伏组件热解剥离背板，银浆提纯回收，已中试。",
        cluster="new-energy",
    )
    for kind in (PostingKind.NEED, PostingKind.ACHIEVEMENT):
        matching_services.index_refresh(kind=kind)
    return services.interest_express(user=researcher, posting=confidential, counterpart=achievement, message="")


def _explained_terms(context) -> set[str]:
    terms = context["terms"]
    return (
        {t["term"] for t in terms["shared"]}
        | {t["via"] for t in terms["synonyms"]}
        | {t["term"] for t in terms["grams"]}
    )


def _secret_only(match) -> set[str]:
    """Terms of the stored (full-text) explanation that the public text does not contain."""
    public = " ".join([match.need.title, *match.need.keywords, PUBLIC_SUMMARY])
    stored = match.explanation
    words = {t["term"] for t in stored["shared_terms"]} | {t["via"] for t in stored["synonym_terms"]}
    words |= {g["gram"] for g in stored["shared_grams"]}
    return {w for w in words if w not in public}


def test_the_requester_sees_no_term_of_the_confidential_text(client_for, researcher, interest):
    secret_terms = _secret_only(interest)
    assert secret_terms, "the matcher read the full text: the stored explanation has confidential terms"
    response = client_for(researcher).get(reverse("deals:match", args=[interest.pk]))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    shown = _explained_terms(response.context)
    assert not shown & secret_terms, shown & secret_terms
    assert "光伏" in shown or "回收" in shown  # what the public text shares is still explained
    marked = set(re.findall(r'<mark class="hl-[a-z]+">([^<]+)</mark>', response.content.decode()))
    assert not marked & secret_terms, marked & secret_terms


def test_brokers_and_the_owner_see_the_full_explanation(client_for, broker, owner, interest):
    secret_terms = _secret_only(interest)
    for user in (broker, owner):
        response = client_for(user).get(reverse("deals:match", args=[interest.pk]))
        if response.status_code == 404:  # the owner sees the match once approved
            continue
        assert secret_terms <= _explained_terms(response.context)


def test_the_matched_side_sees_the_full_explanation_only_after_the_nda(client_for, broker, owner, researcher, interest):
    services.match_approve(match=interest, user=broker)
    secret_terms = _secret_only(interest)
    response = client_for(researcher).get(reverse("deals:match", args=[interest.pk]))
    assert not response.context["full_need"]  # approved, but the NDA is not recorded yet
    assert not _explained_terms(response.context) & secret_terms
    services.deal_nda_accept(match=interest, user=owner)
    response = client_for(researcher).get(reverse("deals:match", args=[interest.pk]))
    assert response.context["full_need"]
    assert secret_terms <= _explained_terms(response.context)


def test_a_public_need_keeps_its_whole_explanation(client_for, researcher, confidential, interest):
    type(confidential).objects.filter(pk=confidential.pk).update(confidential=False)
    response = client_for(researcher).get(reverse("deals:match", args=[interest.pk]))
    assert _secret_only(interest) <= _explained_terms(response.context)


def test_the_achievement_page_panel_shows_no_confidential_term_before_the_nda(
    client_for, broker, owner, researcher, interest
):
    services.match_approve(match=interest, user=broker)
    secret_terms = _secret_only(interest)
    url = reverse("achievements:detail", args=[interest.achievement_id])

    def reasons() -> str:
        """The plain-language explanation lines of the approved-matches panel."""
        page = client_for(researcher).get(url).content.decode()
        panel = page[page.index('id="matches"') :]
        assert interest.need.title in panel  # the approved match is listed
        return panel[panel.index('class="plain-explanation"') :].split("</ul>")[0]

    # the panel lists shared words (and the achievement's side of a synonym, which is not secret)
    secret_words = {t["term"] for t in interest.explanation["shared_terms"]} & secret_terms
    assert secret_words, "the stored explanation shares words found only in the confidential text"
    assert not {t for t in secret_words if t in reasons()}
    services.deal_nda_accept(match=interest, user=owner)
    assert secret_words <= {t for t in secret_words if t in reasons()}
