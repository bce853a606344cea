"""The 揭榜挂帅 services: entering a challenge, choosing a winner, closing it, and what each side is told."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.deals import services
from mengkeju.deals.models import ChallengeEntry, Deal, DealEvent
from mengkeju.notifications.models import Notification, NotificationKind
from mengkeju.postings.models import PostingStatus
from tests.deals import service_rules as rules
from tests.deals.service_rules import _in_english  # noqa: F401  (autouse: every test reads English)
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


# --- challenges -------------------------------------------------------------------------------------------------


@pytest.fixture
def challenge(need):
    type(need).objects.filter(pk=need.pk).update(is_challenge=True, deadline=timezone.localdate())
    need.refresh_from_db()
    return need


def test_a_challenge_is_open_until_its_deadline_day_and_its_winner(challenge, achievement, researcher, owner):
    assert services.challenge_is_open(challenge)
    challenge.deadline = timezone.localdate() - rules.DAY
    assert not services.challenge_is_open(challenge)
    challenge.deadline = None
    assert services.challenge_is_open(challenge)
    challenge.status = PostingStatus.CLOSED
    assert not services.challenge_is_open(challenge)
    challenge.status, challenge.is_challenge = PostingStatus.PUBLISHED, False
    assert not services.challenge_is_open(challenge)


def test_taking_on_a_challenge_is_told_to_the_enterprise(challenge, achievement, researcher, owner):
    entry = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="六个月")
    stored = ChallengeEntry.objects.get()
    assert (stored.pk, stored.achievement, stored.organization, stored.submitted_by, stored.proposal) == (
        entry.pk,
        achievement,
        researcher.organization,
        researcher,
        "六个月",
    )
    assert rules.entry("challenge.enter") == (researcher, f"entry: {challenge.title}", "")
    url = reverse("deals:challenge", args=[challenge.pk])
    assert rules.recipients(NotificationKind.CHALLENGE_ENTRY) == {"owner": url}
    assert (
        rules.text(NotificationKind.CHALLENGE_ENTRY)
        == f"{researcher.organization} took on your challenge “{challenge.title}”."
    )
    with pytest.raises(ValidationError) as exc:
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="再来")
    assert (exc.value.code, rules.messages(exc)) == (
        "duplicate",
        ["Your organization has already taken on this challenge."],
    )


def test_a_closed_challenge_or_a_foreign_achievement_is_refused(challenge, achievement, uni_u, researcher, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.challenge_enter(user=owner, need=challenge, achievement=achievement, proposal="")
    assert str(exc.value) == "Only researchers of another organization can take on this challenge."
    for other in (AchievementFactory(), AchievementFactory(organization=uni_u, status=PostingStatus.DRAFT)):
        with pytest.raises(ValidationError) as exc:
            services.challenge_enter(user=researcher, need=challenge, achievement=other, proposal="")
        assert exc.value.message_dict == {"achievement": ["Choose one of your organization's published achievements."]}
    type(challenge).objects.filter(pk=challenge.pk).update(deadline=timezone.localdate() - rules.DAY)
    challenge.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="")
    assert (exc.value.code, rules.messages(exc)) == ("closed", ["This challenge is no longer open."])


@pytest.fixture
def entries(challenge, achievement, researcher, researcher_outsider):
    winner = services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="中试线")
    rival_achievement = AchievementFactory(organization=researcher_outsider.organization)
    rival = services.challenge_enter(
        user=researcher_outsider, need=challenge, achievement=rival_achievement, proposal="小试"
    )
    Notification.objects.all().delete()
    return winner, rival


def test_choosing_a_winner_approves_its_pair_and_tells_every_entrant(entries, challenge, owner, researcher):
    winner, rival = entries
    with time_machine.travel(rules.T0, tick=False):
        match = services.challenge_choose(user=owner, entry=winner, note=" 方案最优 ")
    stored = rules.fresh(match)
    assert (stored.need, stored.achievement, stored.source, stored.status, stored.deal_stage) == (
        challenge,
        winner.achievement,
        MatchSource.CHALLENGE,
        MatchStatus.APPROVED,
        DealStage.INTRODUCED,
    )
    assert (stored.requested_by, stored.message, stored.reviewed_by, stored.reviewed_at, stored.review_note) == (
        researcher,
        "中试线",
        owner,
        rules.T0,
        "方案最优",
    )
    states = dict(ChallengeEntry.objects.values_list("pk", "status"))
    assert states == {winner.pk: ChallengeEntry.Status.CHOSEN, rival.pk: ChallengeEntry.Status.NOT_CHOSEN}
    chosen, not_chosen = ChallengeEntry.objects.get(pk=winner.pk), ChallengeEntry.objects.get(pk=rival.pk)
    assert (chosen.match, chosen.decided_at, chosen.updated_at) == (stored, rules.T0, rules.T0)
    assert (not_chosen.decided_at, not_chosen.updated_at) == (rules.T0, rules.T0)
    assert Deal.objects.get(match=stored).broker is None
    assert rules.events(stored) == [(DealEvent.Action.CHOSEN, owner.pk, DealStage.INTRODUCED, "方案最优")]
    assert rules.entry("challenge.choose") == (
        owner,
        f"challenge winner: {challenge.title} ↔ {winner.achievement.title}",
        " 方案最优 ",
    )
    assert rules.recipients(NotificationKind.CHALLENGE_CHOSEN) == {"researcher": rules.match_url(stored)}
    assert (
        rules.text(NotificationKind.CHALLENGE_CHOSEN) == f"Your entry was chosen for the challenge “{challenge.title}”."
    )
    page = reverse("deals:challenge", args=[challenge.pk])
    assert rules.recipients(NotificationKind.CHALLENGE_WINNER) == {"researcher_outsider": page}
    assert rules.text(NotificationKind.CHALLENGE_WINNER) == (
        f"The challenge “{challenge.title}” has a winner: {researcher.organization}."
    )


def _same_entry_in(challenge, entry, *, proposal, status):
    """The same achievement, organisation and submitter as ``entry``, entered in another ``challenge``."""
    return ChallengeEntry.objects.create(
        need=challenge,
        achievement=entry.achievement,
        organization=entry.organization,
        submitted_by=entry.submitted_by,
        proposal=proposal,
        status=status,
    )


def test_a_challenge_has_one_winner(entries, challenge, org_a, owner, researcher_outsider):
    winner, rival = entries
    decided_elsewhere = NeedFactory(organization=org_a, is_challenge=True)
    _same_entry_in(decided_elsewhere, rival, proposal="别处的挑战", status=ChallengeEntry.Status.CHOSEN)
    assert services.challenge_is_open(challenge)  # another challenge's winner does not close this one
    assert services.challenge_choose(user=owner, entry=winner).review_note == ""
    assert not services.challenge_is_open(challenge)
    with pytest.raises(services.Conflict) as exc:
        services.challenge_choose(user=owner, entry=rival)
    assert (exc.value.code, rules.messages(exc)) == (
        "conflict",
        ["A winner has already been chosen for this challenge."],
    )
    with pytest.raises(PermissionDenied) as exc:
        services.challenge_choose(user=researcher_outsider, entry=rival)
    assert str(exc.value) == "Only the enterprise that posted the challenge chooses its winner."


def test_choosing_in_one_challenge_leaves_the_other_challenges_and_pairs_alone(entries, challenge, org_a, owner):
    winner, rival = entries
    other = NeedFactory(organization=org_a, is_challenge=True, deadline=None)
    for entry, status in ((winner, ChallengeEntry.Status.CHOSEN), (rival, ChallengeEntry.Status.SUBMITTED)):
        _same_entry_in(other, entry, proposal="另一个挑战", status=status)
    same_achievement = Match.objects.create(need=other, achievement=winner.achievement)
    same_need = Match.objects.create(need=challenge, achievement=AchievementFactory())
    match = services.challenge_choose(user=owner, entry=winner)
    assert match.pk not in (same_achievement.pk, same_need.pk)
    assert ChallengeEntry.objects.get(need=other, organization=rival.organization).status == "submitted"
    assert set(Match.objects.filter(pk__in=[same_achievement.pk, same_need.pk]).values_list("status", flat=True)) == {
        MatchStatus.PROPOSED
    }


def test_an_entry_no_longer_submitted_cannot_be_chosen(entries, owner):
    winner, _rival = entries
    ChallengeEntry.objects.filter(pk=winner.pk).update(status=ChallengeEntry.Status.NOT_CHOSEN)
    with pytest.raises(services.Conflict) as exc:
        services.challenge_choose(user=owner, entry=winner)
    assert (exc.value.code, rules.messages(exc)) == ("conflict", ["This entry can no longer be chosen."])


def test_choosing_an_already_introduced_pair_keeps_its_review(entries, broker, owner):
    winner, _rival = entries
    approved = Match.objects.create(need=winner.need, achievement=winner.achievement)
    services.match_approve(match=approved, user=broker, note="经纪人推荐")
    with time_machine.travel(rules.T0 + 30 * rules.DAY, tick=False):
        match = services.challenge_choose(user=owner, entry=winner)
    stored = rules.fresh(match)
    assert (stored.pk, stored.source, stored.reviewed_by, stored.review_note) == (
        approved.pk,
        MatchSource.MATCHER,
        broker,
        "经纪人推荐",
    )
    deal = Deal.objects.get(match=stored)
    assert (deal.broker, deal.last_activity_at, deal.updated_at) == (
        broker,
        rules.T0 + 30 * rules.DAY,
        rules.T0 + 30 * rules.DAY,
    )
