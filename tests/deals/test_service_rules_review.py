"""The review services as brokers and both sides meet them: refused decisions and what they say, who is told
(in which words, with which link), the audit log, decisions of several at once, expressed interest."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import Deal, DealEvent
from mengkeju.notifications.models import Notification, NotificationKind
from mengkeju.postings.models import PostingStatus
from tests.deals import service_rules as rules
from tests.deals.service_rules import _in_english  # noqa: F401  (autouse: every test reads English)
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- review decisions --------------------------------------------------------------------------------------


def test_an_approval_introduces_both_sides_and_is_recorded(
    proposal, need, achievement, broker, colleague, outsider, org_a
):
    UserFactory(username="gone", organization=org_a, is_active=False)
    with time_machine.travel(rules.T0, tick=False):
        services.match_approve(match=proposal, user=broker, note="  方向一致 ")
    match = rules.fresh(proposal)
    assert (match.status, match.reviewed_by, match.reviewed_at, match.review_note, match.deal_stage) == (
        MatchStatus.APPROVED,
        broker,
        rules.T0,
        "方向一致",
        DealStage.INTRODUCED,
    )
    assert rules.entry("match.approve") == (broker, f"approved: {need.title} ↔ {achievement.title}", "  方向一致 ")
    assert AuditLog.objects.get(action="match.approve").data == {"score": 0.72, "source": "matcher"}
    assert rules.events(match) == [(DealEvent.Action.APPROVED, broker.pk, DealStage.INTRODUCED, "方向一致")]
    url = rules.match_url(match)
    assert rules.recipients(NotificationKind.MATCH_APPROVED) == {"owner": url, "colleague": url, "researcher": url}
    assert rules.text(NotificationKind.MATCH_APPROVED) == (
        f"A broker introduced “{need.title}” and “{achievement.title}”: you can now see each other's contact details."
    )
    assert Deal.objects.get(match=match).last_activity_at == rules.T0


def test_a_rejection_tells_only_the_requester_and_opens_no_deal(need, achievement, researcher, broker):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="愿意合作")
    services.match_reject(match=match, user=broker, note=" 不匹配 ")
    match = rules.fresh(match)
    assert (match.status, match.review_note, match.deal_stage) == (MatchStatus.REJECTED, "不匹配", "")
    assert rules.entry("match.reject") == (broker, f"rejected: {need.title} ↔ {achievement.title}", " 不匹配 ")
    assert rules.events(match)[-1] == (DealEvent.Action.REJECTED, broker.pk, "", "不匹配")
    assert rules.recipients(NotificationKind.MATCH_REJECTED) == {"researcher": rules.match_url(match)}
    assert rules.text(NotificationKind.MATCH_REJECTED) == (
        f"Your request about “{need.title}” and “{achievement.title}” was declined."
    )
    assert not Deal.objects.exists()


def test_an_approval_without_a_note_records_none(proposal, broker):
    services.match_approve(match=proposal, user=broker)
    assert (rules.fresh(proposal).review_note, rules.events(proposal)[0][3]) == ("", "")


def test_a_matcher_proposal_rejected_tells_nobody(proposal, broker):
    services.match_reject(match=proposal, user=broker, note="不匹配")
    assert not Notification.objects.exists()


def test_a_rejection_needs_a_reason_and_a_broker(proposal, broker, owner):
    with pytest.raises(ValidationError) as exc:
        services.match_reject(match=proposal, user=broker, note="  ")
    assert exc.value.message_dict == {"note": ["Say why the match is rejected."]}
    with pytest.raises(PermissionDenied) as exc:
        services.match_approve(match=proposal, user=owner)
    assert str(exc.value) == "Only technology brokers can review matches."
    assert rules.fresh(proposal).status == MatchStatus.PROPOSED


def test_the_second_reviewer_is_told_who_decided_and_when(proposal, broker, admin):
    stale = rules.fresh(proposal)
    with time_machine.travel(rules.T0, tick=False):
        services.match_approve(match=proposal, user=broker)
    with (
        time_machine.travel(rules.T0 + datetime.timedelta(hours=2), tick=False),
        pytest.raises(services.Conflict) as exc,
    ):
        services.match_reject(match=stale, user=admin, note="重复")
    assert exc.value.code == "conflict"
    assert rules.messages(exc) == [
        f"{broker} already decided this match (Approved) at 2026-03-02 17:00; nothing was changed."
    ]


def test_a_withdrawn_proposal_is_no_longer_open_for_review(proposal, broker):
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.WITHDRAWN)
    with pytest.raises(services.Conflict) as exc:
        services.match_approve(match=proposal, user=broker)
    assert rules.messages(exc) == [
        "This match is no longer open for review (it is now: Withdrawn); nothing was changed."
    ]


# --- several at once ---------------------------------------------------------------------------------------


def test_a_bulk_rejection_rejects_each_with_the_reason_and_lists_the_conflicts(proposal, two_more, broker):
    services.match_approve(match=two_more[0], user=broker)
    ids = [proposal.pk, *(m.pk for m in two_more)]
    result = services.matches_decide(match_ids=ids, user=broker, approve=False, note="领域不符")
    assert result.decided == [proposal.pk, two_more[1].pk]
    decided = rules.fresh(two_more[0])
    assert result.conflicts == [
        f"{decided}: {broker} already decided this match (Approved) at "
        f"{timezone.localtime(decided.reviewed_at):%Y-%m-%d %H:%M}; nothing was changed."
    ]
    rejected = Match.objects.filter(pk__in=result.decided)
    assert {(m.status, m.reviewed_by, m.review_note) for m in rejected} == {(MatchStatus.REJECTED, broker, "领域不符")}


def test_a_bulk_approval_needs_no_note_but_a_bulk_rejection_does(proposal, two_more, broker, owner):
    with pytest.raises(ValidationError) as exc:
        services.matches_decide(match_ids=[proposal.pk], user=broker, approve=False, note=" ")
    assert exc.value.message_dict == {"note": ["Say why the matches are rejected."]}
    with pytest.raises(PermissionDenied) as exc:
        services.matches_decide(match_ids=[proposal.pk], user=owner, approve=True)
    assert str(exc.value) == "Only technology brokers can review matches."
    result = services.matches_decide(match_ids=[proposal.pk, two_more[0].pk], user=broker, approve=True)
    assert result.decided == [proposal.pk, two_more[0].pk] and result.conflicts == []
    assert rules.fresh(proposal).review_note == ""
    assert rules.fresh(two_more[1]).status == MatchStatus.PROPOSED


# --- expressed interest ----------------------------------------------------------------------------------------


def test_interest_is_a_proposal_told_to_the_other_side_and_the_brokers(need, achievement, researcher, broker, admin):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="  可中试 ")
    assert (match.need, match.achievement, match.source, match.status, match.requested_by, match.message) == (
        need,
        achievement,
        MatchSource.INTEREST,
        MatchStatus.PROPOSED,
        researcher,
        "可中试",
    )
    assert match.pk and match.score is not None
    assert rules.events(match) == [(DealEvent.Action.REQUESTED, researcher.pk, "", "可中试")]
    assert rules.entry("match.interest") == (researcher, f"interest: {need.title} ↔ {achievement.title}", "")
    told = {n.recipient.username: n.url for n in Notification.objects.filter(kind=NotificationKind.INTEREST_RECEIVED)}
    assert told == {"owner": need.get_absolute_url(), "broker": rules.match_url(match)}
    assert rules.text(NotificationKind.INTEREST_RECEIVED) == (
        f"{researcher.organization} is interested in pairing “{need.title}” with “{achievement.title}”; "
        "a broker will review it."
    )


def test_an_enterprise_expresses_interest_in_an_achievement_with_its_need(need, achievement, owner):
    match = services.interest_express(user=owner, posting=achievement, counterpart=need, message="")
    assert (match.need, match.achievement, match.requested_by) == (need, achievement, owner)
    assert set(rules.recipients(NotificationKind.INTEREST_RECEIVED)) == {"researcher"}


def test_interest_upgrades_a_matcher_proposal_and_refuses_a_repeated_one(proposal, need, achievement, researcher):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="补充说明")
    assert match.pk == proposal.pk
    stored = rules.fresh(proposal)
    assert (stored.source, stored.status, stored.requested_by, stored.message) == (
        MatchSource.INTEREST,
        MatchStatus.PROPOSED,
        researcher,
        "补充说明",
    )
    with pytest.raises(ValidationError) as exc:
        services.interest_express(user=researcher, posting=need, counterpart=achievement, message="再次")
    assert rules.messages(exc) == ["Interest in this pair was already expressed; a broker will review it."]


def test_interest_in_a_new_pair_leaves_the_other_pairs_of_both_postings_alone(
    proposal, need, achievement, uni_u, org_a, owner, researcher
):
    other_achievement = AchievementFactory(organization=uni_u)
    other_need = NeedFactory(organization=org_a)
    by_researcher = services.interest_express(user=researcher, posting=need, counterpart=other_achievement, message="")
    by_owner = services.interest_express(user=owner, posting=achievement, counterpart=other_need, message="")
    assert {by_researcher.pk, by_owner.pk, proposal.pk} == set(Match.objects.values_list("pk", flat=True))
    assert (by_owner.need, by_owner.achievement) == (other_need, achievement)
    untouched = rules.fresh(proposal)
    assert (untouched.source, untouched.requested_by) == (MatchSource.MATCHER, None)


def test_interest_in_a_withdrawn_pair_proposes_it_again(proposal, need, achievement, researcher):
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.WITHDRAWN)
    services.interest_express(user=researcher, posting=need, counterpart=achievement, message="")
    assert rules.fresh(proposal).status == MatchStatus.PROPOSED


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (MatchStatus.APPROVED, "approved", "These two are already introduced."),
        (MatchStatus.REJECTED, "rejected", "A broker has already declined this pair."),
    ],
)
def test_interest_in_a_decided_pair_says_why_not(proposal, need, achievement, researcher, status, code, message):
    Match.objects.filter(pk=proposal.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        services.interest_express(user=researcher, posting=need, counterpart=achievement, message="")
    assert (exc.value.code, rules.messages(exc)) == (code, [message])


def test_interest_needs_an_own_published_counterpart_and_a_short_message(need, achievement, uni_u, researcher, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.interest_express(user=owner, posting=need, counterpart=achievement, message="")
    assert str(exc.value) == "You cannot express interest in this posting."
    refused = [
        AchievementFactory(organization=uni_u, status=PostingStatus.CLOSED),  # not published
        AchievementFactory(),  # another organization's
        NeedFactory(organization=need.organization),  # the same kind as the posting
    ]
    for counterpart in refused:
        with pytest.raises(ValidationError) as exc:
            services.interest_express(user=researcher, posting=need, counterpart=counterpart, message="")
        assert exc.value.message_dict == {"counterpart": ["Choose one of your organization's published postings."]}
    with pytest.raises(ValidationError) as exc:
        services.interest_express(user=researcher, posting=need, counterpart=achievement, message="长" * 1001)
    assert exc.value.message_dict == {"message": ["Keep the message under 1000 characters."]}
    services.interest_express(user=researcher, posting=need, counterpart=achievement, message=" " + "长" * 1000 + " ")
    assert Match.objects.get().message == "长" * 1000
