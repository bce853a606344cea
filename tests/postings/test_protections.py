"""Tests written for single-point bugs that once passed the whole suite (docs/security.md, "Tests that
protect what they claim"): each fails if its bug comes back."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from matching.models import IndexedPosting, Match, MatchSource, MatchStatus, PostingKind
from mengkeju.postings import permissions, services
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

# --- can_manage checks the role, not only the organization ---------------------------------------------


@pytest.mark.parametrize("role", ["researcher", "broker", ""])
def test_a_wrong_role_member_of_the_organization_cannot_manage_its_needs(client_for, org_a, owner, role):
    member = UserFactory(username=f"wrong-{role or 'none'}", organization=org_a, role=role)
    need = NeedFactory(organization=org_a, created_by=owner, status=PostingStatus.DRAFT)
    assert not permissions.can_manage(member, need)
    assert permissions.can_manage(owner, need)
    client = client_for(member)
    assert client.get(reverse("needs:edit", args=[need.pk])).status_code in (403, 404)
    assert client.post(reverse("needs:transition", args=[need.pk, "submit"])).status_code in (403, 404)
    need.refresh_from_db()
    assert need.status == PostingStatus.DRAFT


def test_an_enterprise_member_cannot_manage_an_achievement_of_their_organization(org_a, owner):
    achievement = AchievementFactory(organization=org_a)  # misfiled: an enterprise's achievement
    assert not permissions.can_manage(owner, achievement)


# --- the public challenge page shows the public text -------------------------------------------------------

SECRET = "内部资料：现有产线良率仅百分之六十二"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "researcher"])
def test_a_confidential_challenge_shows_visitors_only_its_public_summary(client_for, cast, org_a, who):
    need = NeedFactory(
        organization=org_a,
        is_challenge=True,
        deadline=datetime.date(2099, 1, 1),
        confidential=True,
        description=SECRET,
        public_summary="公开摘要：寻求提高光伏产线良率的技术。",
    )
    response = client_for(cast[who]).get(reverse("deals:challenge", args=[need.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "公开摘要：寻求提高光伏产线良率的技术。" in page
    assert SECRET not in page and "百分之六十二" not in page
    response = client_for(cast[who]).get(reverse("deals:challenges"))
    assert SECRET not in response.content.decode()


def test_the_owner_sees_the_full_text_of_the_confidential_need(client_for, owner, org_a):
    need = NeedFactory(organization=org_a, confidential=True, description=SECRET, public_summary="公开摘要")
    assert SECRET in client_for(owner).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert SECRET not in client_for(None).get(reverse("needs:detail", args=[need.pk])).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_an_achievement_has_no_confidential_text_every_visitor_reads_it_in_full(client_for, cast, uni_u, who):
    description = "挤奶时在线检测牛奶电导率，早期发现隐性乳房炎。"
    achievement = AchievementFactory(organization=uni_u, description=description)
    assert permissions.can_read_full_text(cast[who], achievement)
    page = client_for(cast[who]).get(reverse("achievements:detail", args=[achievement.pk])).content.decode()
    assert description in page


# --- leaving "published" withdraws proposals and leaves the index -----------------------------------------


@pytest.fixture
def matched(org_a, uni_u, owner):
    need = NeedFactory(
        organization=org_a,
        created_by=owner,
        title="奶牛乳房炎早期发现",
        description="挤奶时自动发现早期隐性乳房炎病牛。",
        keywords=["乳房炎", "在线检测", "挤奶"],
        cluster="agri-food",
        deadline=timezone.localdate() + datetime.timedelta(days=31),
    )
    achievement = AchievementFactory(
        organization=uni_u,
        title="奶牛隐性乳房炎在线检测装置",
        description="挤奶时在线检测牛奶电导率，早期发现隐性乳房炎。",
        keywords=["乳房炎", "在线检测", "挤奶"],
        cluster="agri-food",
    )
    for kind in (PostingKind.NEED, PostingKind.ACHIEVEMENT):
        matching_services.index_refresh(kind=kind)
    matching_services.posting_match(kind=PostingKind.NEED, posting_id=need.pk)
    match = Match.objects.get(need=need, achievement=achievement)
    assert match.status == MatchStatus.PROPOSED and match.source == MatchSource.MATCHER
    return need, achievement, match


def _indexed(posting) -> bool:
    return IndexedPosting.objects.filter(kind=posting.kind, posting_id=posting.pk).exists()


def test_expiry_withdraws_the_proposals_and_unindexes(matched):
    need, _achievement, match = matched
    assert _indexed(need)
    after_the_deadline = timezone.now() + datetime.timedelta(days=40)
    with time_machine.travel(after_the_deadline, tick=False):
        assert services.postings_expire_due(model=TechnicalNeed) == 1
    need.refresh_from_db()
    match.refresh_from_db()
    assert need.status == PostingStatus.EXPIRED
    assert match.status == MatchStatus.WITHDRAWN
    assert not _indexed(need)


def test_an_edit_while_published_withdraws_the_proposals_and_unindexes(matched, owner):
    need, _achievement, match = matched
    services.posting_update(posting=need, user=owner, data={"title": "奶牛乳房炎早期发现（修订）"})
    need.refresh_from_db()
    match.refresh_from_db()
    assert need.status == PostingStatus.PENDING
    assert match.status == MatchStatus.WITHDRAWN
    assert not _indexed(need)


def test_closing_withdraws_and_an_approved_match_stays(matched, owner, broker):
    need, achievement, match = matched
    other = AchievementFactory(organization=achievement.organization)
    approved = Match.objects.create(need=need, achievement=other, score=0.3)
    from mengkeju.deals import services as deal_services

    deal_services.match_approve(match=approved, user=broker)
    services.posting_close(posting=need, user=owner)
    match.refresh_from_db()
    approved.refresh_from_db()
    assert match.status == MatchStatus.WITHDRAWN
    assert approved.status == MatchStatus.APPROVED
    assert not _indexed(need)
