"""Expressed interest and challenges (揭榜挂帅) through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching import services as matching_services
from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals import permissions, selectors, services
from mengkeju.deals.models import ChallengeEntry
from mengkeju.notifications.models import Notification, NotificationKind
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_interest_creates_a_proposal_in_the_queue(need, achievement, owner):
    match = services.interest_express(user=owner, posting=achievement, counterpart=need, message="想了解中试数据")
    assert (match.source, match.status, match.requested_by, match.message) == (
        MatchSource.INTEREST,
        MatchStatus.PROPOSED,
        owner,
        "想了解中试数据",
    )
    assert list(selectors.match_review_queue(source="interest")) == [match]
    # the broker sees the matcher's judgement of the pair, as for its own proposals
    expected = matching_services.pair_score(need_id=need.pk, achievement_id=achievement.pk)
    assert match.score == expected.score > 0 and match.explanation == expected.explanation
    assert "回收" in {item["term"] for item in match.explanation["shared_terms"]}


def test_the_requesting_organization_follows_its_request_without_contacts(
    need, achievement, owner, colleague, outsider, researcher
):
    match = services.interest_express(user=owner, posting=achievement, counterpart=need, message="想了解中试数据")
    # the requester and a colleague of the same enterprise see the request; another enterprise does not
    assert permissions.can_view_match(owner, match) and permissions.can_view_match(colleague, match)
    assert not permissions.can_view_match(outsider, match)
    # the achievement's side hears of it on its posting's page, not on the request before approval
    assert not permissions.can_view_match(researcher, match)
    assert not permissions.can_see_contacts(colleague, match)


def test_interest_upgrades_an_open_matcher_proposal(proposal, need, achievement, researcher):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="")
    assert match.pk == proposal.pk and match.source == MatchSource.INTEREST
    assert match.score == matching_services.pair_score(need_id=need.pk, achievement_id=achievement.pk).score
    with pytest.raises(ValidationError):
        services.interest_express(user=researcher, posting=need, counterpart=achievement, message="again")


@pytest.mark.parametrize("status", [MatchStatus.APPROVED, MatchStatus.REJECTED])
def test_interest_in_a_decided_pair_is_refused(proposal, need, achievement, owner, status):
    Match.objects.filter(pk=proposal.pk).update(
        status=status, deal_stage=DealStage.INTRODUCED if status == MatchStatus.APPROVED else ""
    )
    with pytest.raises(ValidationError):
        services.interest_express(user=owner, posting=achievement, counterpart=need, message="")


def test_interest_needs_the_right_role_and_own_posting(need, achievement, owner, outsider, researcher, broker):
    with pytest.raises(PermissionDenied):  # a researcher does not express interest in an achievement
        services.interest_express(user=researcher, posting=achievement, counterpart=need, message="")
    with pytest.raises(PermissionDenied):
        services.interest_express(user=broker, posting=achievement, counterpart=need, message="")
    with pytest.raises(ValidationError):  # the need belongs to enterprise A, not B
        services.interest_express(user=outsider, posting=achievement, counterpart=need, message="")
    with pytest.raises(PermissionDenied):  # not in one's own posting
        services.interest_express(user=owner, posting=need, counterpart=achievement, message="")
    assert not Match.objects.exists()


@pytest.fixture
def challenge(need):
    need.is_challenge = True
    need.challenge_bounty_wan = 200
    need.deadline = timezone.localdate() + datetime.timedelta(days=10)
    need.save()
    return need


@pytest.fixture
def rival(uni_v, researcher_outsider):
    return AchievementFactory(organization=uni_v, title="另一个回收工艺")


def test_the_challenge_flow(challenge, achievement, rival, researcher, researcher_outsider, owner, colleague):
    first = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="三个月中试")
    second = services.challenge_enter(user=researcher_outsider, need=challenge, achievement=rival, proposal="半年")
    assert set(
        Notification.objects.filter(kind=NotificationKind.CHALLENGE_ENTRY).values_list("recipient__username", flat=True)
    ) == {"owner", "colleague"}
    assert list(selectors.challenge_board()) == [challenge]
    with pytest.raises(ValidationError):  # one entry per organization
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="again")

    match = services.challenge_choose(user=owner, entry=second, note="周期更合适")
    assert (match.status, match.source, match.deal_stage, match.reviewed_by) == (
        MatchStatus.APPROVED,
        MatchSource.CHALLENGE,
        DealStage.INTRODUCED,
        owner,
    )
    assert (match.need, match.achievement) == (challenge, rival)
    expected = matching_services.pair_score(need_id=challenge.pk, achievement_id=rival.pk)
    assert (match.score, match.explanation) == (expected.score, expected.explanation)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.match) == ("not_chosen", "chosen", match)
    assert AuditLog.objects.filter(action="challenge.choose", actor=owner).count() == 1
    assert list(selectors.challenge_board()) == []  # awarded: off the board
    with pytest.raises(ValidationError):
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="late")
    with pytest.raises(services.Conflict):
        services.challenge_choose(user=colleague, entry=first)
    assert set(
        Notification.objects.filter(kind=NotificationKind.CHALLENGE_CHOSEN).values_list(
            "recipient__username", flat=True
        )
    ) == {"researcher_outsider"}


def test_choosing_turns_an_existing_proposal_into_the_approved_match(
    challenge, achievement, proposal, researcher, owner
):
    entry = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="p")
    match = services.challenge_choose(user=owner, entry=entry)
    assert match.pk == proposal.pk and Match.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "researcher", "broker", "admin", "anonymous"])
def test_only_the_posting_enterprise_chooses(cast, challenge, achievement, researcher, who):
    entry = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="p")
    with pytest.raises(PermissionDenied):
        services.challenge_choose(user=cast[who], entry=entry)


@pytest.mark.parametrize("who", ["owner", "outsider", "broker", "anonymous"])
def test_only_researchers_of_other_organizations_enter(cast, challenge, achievement, who):
    with pytest.raises(PermissionDenied):
        services.challenge_enter(user=cast[who], need=challenge, achievement=achievement, proposal="p")


def test_entering_needs_an_own_published_achievement(challenge, rival, researcher):
    with pytest.raises(ValidationError):
        services.challenge_enter(user=researcher, need=challenge, achievement=rival, proposal="p")


def test_board_lists_only_open_challenges(org_a, challenge):
    past = NeedFactory(
        organization=org_a, is_challenge=True, deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    NeedFactory(organization=org_a, is_challenge=False)
    NeedFactory(
        organization=org_a, is_challenge=True, status="closed", deadline=timezone.localdate() + datetime.timedelta(1)
    )
    assert list(selectors.challenge_board()) == [challenge]
    assert not services.challenge_is_open(past)
    assert ChallengeEntry.objects.count() == 0


def test_the_enterprise_chooses_after_the_deadline(client_for, challenge, achievement, researcher, owner):
    entry = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="p")
    type(challenge).objects.filter(pk=challenge.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1), status="expired"
    )
    page = client_for(owner).get(f"/deals/challenges/{challenge.pk}/").content.decode()
    assert f"/deals/challenges/entries/{entry.pk}/choose/" in page
    assert list(selectors.challenge_board()) == []
    client_for(owner).post(f"/deals/challenges/entries/{entry.pk}/choose/")
    entry.refresh_from_db()
    assert entry.status == ChallengeEntry.Status.CHOSEN
    assert (
        f"/deals/challenges/entries/{entry.pk}/choose/"
        not in client_for(owner).get(f"/deals/challenges/{challenge.pk}/").content.decode()
    )
