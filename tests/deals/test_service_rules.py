"""The deal services as the people around a pair meet them: what a refused action says, who is told (in
which words, with which link), what the timeline and the audit log record, which rows a decision touches,
and the sweep of stalled deals and broken promises."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import ChallengeEntry, Deal, DealEvent, Escalation
from mengkeju.notifications.models import Notification, NotificationKind
from mengkeju.postings.models import PostingStatus
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Hohhot (Asia/Shanghai)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def _messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _recipients(kind) -> dict[str, str]:
    """username → link of each notification of ``kind``."""
    return {n.recipient.username: n.url for n in Notification.objects.filter(kind=kind)}


def _text(kind) -> str:
    return Notification.objects.filter(kind=kind).first().text


def _entry(action) -> tuple:
    entry = AuditLog.objects.get(action=action)
    return entry.actor, entry.summary, entry.note


def _events(match) -> list[tuple]:
    return list(DealEvent.objects.filter(match=match).order_by("id").values_list("action", "actor", "stage", "note"))


def _match_url(match) -> str:
    return reverse("deals:match", args=[match.pk])


def _fresh(match) -> Match:
    return Match.objects.get(pk=match.pk)


# --- review decisions --------------------------------------------------------------------------------------


def test_an_approval_introduces_both_sides_and_is_recorded(
    proposal, need, achievement, broker, colleague, outsider, org_a
):
    UserFactory(username="gone", organization=org_a, is_active=False)
    with time_machine.travel(T0, tick=False):
        services.match_approve(match=proposal, user=broker, note="  方向一致 ")
    match = _fresh(proposal)
    assert (match.status, match.reviewed_by, match.reviewed_at, match.review_note, match.deal_stage) == (
        MatchStatus.APPROVED,
        broker,
        T0,
        "方向一致",
        DealStage.INTRODUCED,
    )
    assert _entry("match.approve") == (broker, f"approved: {need.title} ↔ {achievement.title}", "  方向一致 ")
    assert AuditLog.objects.get(action="match.approve").data == {"score": 0.72, "source": "matcher"}
    assert _events(match) == [(DealEvent.Action.APPROVED, broker.pk, DealStage.INTRODUCED, "方向一致")]
    url = _match_url(match)
    assert _recipients(NotificationKind.MATCH_APPROVED) == {"owner": url, "colleague": url, "researcher": url}
    assert _text(NotificationKind.MATCH_APPROVED) == (
        f"A broker introduced “{need.title}” and “{achievement.title}”: you can now see each other's contact details."
    )
    assert Deal.objects.get(match=match).last_activity_at == T0


def test_a_rejection_tells_only_the_requester_and_opens_no_deal(need, achievement, researcher, broker):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="愿意合作")
    services.match_reject(match=match, user=broker, note=" 不匹配 ")
    match = _fresh(match)
    assert (match.status, match.review_note, match.deal_stage) == (MatchStatus.REJECTED, "不匹配", "")
    assert _entry("match.reject") == (broker, f"rejected: {need.title} ↔ {achievement.title}", " 不匹配 ")
    assert _events(match)[-1] == (DealEvent.Action.REJECTED, broker.pk, "", "不匹配")
    assert _recipients(NotificationKind.MATCH_REJECTED) == {"researcher": _match_url(match)}
    assert _text(NotificationKind.MATCH_REJECTED) == (
        f"Your request about “{need.title}” and “{achievement.title}” was declined."
    )
    assert not Deal.objects.exists()


def test_an_approval_without_a_note_records_none(proposal, broker):
    services.match_approve(match=proposal, user=broker)
    assert (_fresh(proposal).review_note, _events(proposal)[0][3]) == ("", "")


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
    assert _fresh(proposal).status == MatchStatus.PROPOSED


def test_the_second_reviewer_is_told_who_decided_and_when(proposal, broker, admin):
    stale = _fresh(proposal)
    with time_machine.travel(T0, tick=False):
        services.match_approve(match=proposal, user=broker)
    with time_machine.travel(T0 + datetime.timedelta(hours=2), tick=False), pytest.raises(services.Conflict) as exc:
        services.match_reject(match=stale, user=admin, note="重复")
    assert exc.value.code == "conflict"
    assert _messages(exc) == [
        f"{broker} already decided this match (Approved) at 2026-03-02 17:00; nothing was changed."
    ]


def test_a_withdrawn_proposal_is_no_longer_open_for_review(proposal, broker):
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.WITHDRAWN)
    with pytest.raises(services.Conflict) as exc:
        services.match_approve(match=proposal, user=broker)
    assert _messages(exc) == ["This match is no longer open for review (it is now: Withdrawn); nothing was changed."]


# --- several at once ---------------------------------------------------------------------------------------


@pytest.fixture
def two_more(need, uni_u):
    return [Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u)) for _ in range(2)]


def test_a_bulk_rejection_rejects_each_with_the_reason_and_lists_the_conflicts(proposal, two_more, broker):
    services.match_approve(match=two_more[0], user=broker)
    ids = [proposal.pk, *(m.pk for m in two_more)]
    result = services.matches_decide(match_ids=ids, user=broker, approve=False, note="领域不符")
    assert result.decided == [proposal.pk, two_more[1].pk]
    decided = _fresh(two_more[0])
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
    assert _fresh(proposal).review_note == ""
    assert _fresh(two_more[1]).status == MatchStatus.PROPOSED


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
    assert _events(match) == [(DealEvent.Action.REQUESTED, researcher.pk, "", "可中试")]
    assert _entry("match.interest") == (researcher, f"interest: {need.title} ↔ {achievement.title}", "")
    told = {n.recipient.username: n.url for n in Notification.objects.filter(kind=NotificationKind.INTEREST_RECEIVED)}
    assert told == {"owner": need.get_absolute_url(), "broker": _match_url(match)}
    assert _text(NotificationKind.INTEREST_RECEIVED) == (
        f"{researcher.organization} is interested in pairing “{need.title}” with “{achievement.title}”; "
        "a broker will review it."
    )


def test_an_enterprise_expresses_interest_in_an_achievement_with_its_need(need, achievement, owner):
    match = services.interest_express(user=owner, posting=achievement, counterpart=need, message="")
    assert (match.need, match.achievement, match.requested_by) == (need, achievement, owner)
    assert set(_recipients(NotificationKind.INTEREST_RECEIVED)) == {"researcher"}


def test_interest_upgrades_a_matcher_proposal_and_refuses_a_repeated_one(proposal, need, achievement, researcher):
    match = services.interest_express(user=researcher, posting=need, counterpart=achievement, message="补充说明")
    assert match.pk == proposal.pk
    stored = _fresh(proposal)
    assert (stored.source, stored.status, stored.requested_by, stored.message) == (
        MatchSource.INTEREST,
        MatchStatus.PROPOSED,
        researcher,
        "补充说明",
    )
    with pytest.raises(ValidationError) as exc:
        services.interest_express(user=researcher, posting=need, counterpart=achievement, message="再次")
    assert _messages(exc) == ["Interest in this pair was already expressed; a broker will review it."]


def test_interest_in_a_new_pair_leaves_the_other_pairs_of_both_postings_alone(
    proposal, need, achievement, uni_u, org_a, owner, researcher
):
    other_achievement = AchievementFactory(organization=uni_u)
    other_need = NeedFactory(organization=org_a)
    by_researcher = services.interest_express(user=researcher, posting=need, counterpart=other_achievement, message="")
    by_owner = services.interest_express(user=owner, posting=achievement, counterpart=other_need, message="")
    assert {by_researcher.pk, by_owner.pk, proposal.pk} == set(Match.objects.values_list("pk", flat=True))
    assert (by_owner.need, by_owner.achievement) == (other_need, achievement)
    untouched = _fresh(proposal)
    assert (untouched.source, untouched.requested_by) == (MatchSource.MATCHER, None)


def test_interest_in_a_withdrawn_pair_proposes_it_again(proposal, need, achievement, researcher):
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.WITHDRAWN)
    services.interest_express(user=researcher, posting=need, counterpart=achievement, message="")
    assert _fresh(proposal).status == MatchStatus.PROPOSED


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
    assert (exc.value.code, _messages(exc)) == (code, [message])


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


# --- deal stages ------------------------------------------------------------------------------------------------


@pytest.fixture
def introduced(proposal, broker):
    """An approved pair; its need was published on 2026-02-20 (local time)."""
    type(proposal.need).objects.filter(pk=proposal.need_id).update(published_at=T0 - 10 * DAY)
    with time_machine.travel(T0 - DAY, tick=False):
        return services.match_approve(match=_fresh(proposal), user=broker)


@pytest.mark.parametrize(
    ("stage", "targets"),
    [
        (DealStage.INTRODUCED, ["contacted", "negotiating", "signed", "dropped"]),
        (DealStage.CONTACTED, ["negotiating", "signed", "dropped"]),
        (DealStage.NEGOTIATING, ["signed", "dropped"]),
        (DealStage.SIGNED, ["implemented", "dropped"]),
        (DealStage.IMPLEMENTED, []),
        (DealStage.DROPPED, []),
    ],
)
def test_where_a_deal_can_go(introduced, stage, targets):
    introduced.deal_stage = stage
    assert services.deal_stage_targets(match=introduced) == targets


def test_a_proposal_has_no_deal_stage_to_move_to(proposal):
    proposal.deal_stage = DealStage.INTRODUCED
    assert services.deal_stage_targets(match=proposal) == []


def test_a_stage_move_is_recorded_told_to_the_others_and_keeps_the_deal_alive(introduced, owner, colleague, researcher):
    need, achievement = introduced.need, introduced.achievement
    with time_machine.travel(T0, tick=False):
        services.deal_stage_move(match=introduced, user=owner, stage=DealStage.CONTACTED, note=" 已电话联系 ")
    match = _fresh(introduced)
    assert (match.deal_stage, match.updated_at) == (DealStage.CONTACTED, T0)
    deal = Deal.objects.get(match=match)
    assert (deal.last_activity_at, deal.updated_at) == (T0, T0)
    assert _events(match)[-1] == (DealEvent.Action.STAGE, owner.pk, DealStage.CONTACTED, "已电话联系")
    assert _entry("match.deal_stage") == (
        owner,
        f"introduced → contacted: {need.title} ↔ {achievement.title}",
        "已电话联系",
    )
    url = _match_url(match)
    assert _recipients(NotificationKind.DEAL_STAGE) == {"colleague": url, "researcher": url}
    assert _text(NotificationKind.DEAL_STAGE) == f"The deal “{need.title}” ↔ “{achievement.title}” is now: Contacted."


def test_signing_records_the_amount_and_the_date(introduced, researcher):
    with time_machine.travel(T0, tick=False):
        services.deal_stage_move(
            match=introduced,
            user=researcher,
            stage=DealStage.SIGNED,
            note="首付30%",
            amount_wan=50,
            signed_on=datetime.date(2026, 2, 20),  # the day the need was published
        )
    match = _fresh(introduced)
    assert (match.deal_stage, match.contract_amount_wan, match.contract_signed_on) == (
        DealStage.SIGNED,
        50,
        datetime.date(2026, 2, 20),
    )
    assert _events(match)[-1][3] == "50 万元, 2026-02-20. 首付30%"
    assert AuditLog.objects.get(action="match.deal_stage").note == "50 万元, 2026-02-20. 首付30%"


@pytest.mark.parametrize(
    ("amount", "signed_on", "errors"),
    [
        (
            None,
            None,
            {
                "amount_wan": ["Give the contract amount (10k CNY)."],
                "signed_on": ["Give the date the contract was signed."],
            },
        ),
        (0, datetime.date(2026, 3, 2), {"amount_wan": ["Give the contract amount (10k CNY)."]}),
        (10, datetime.date(2026, 3, 3), {"signed_on": ["The signing date cannot be in the future."]}),
        (
            10,
            datetime.date(2026, 2, 19),
            {"signed_on": ["The contract cannot be signed before the need was published (2026-02-20)."]},
        ),
    ],
)
def test_a_contract_without_amount_or_with_an_impossible_date_is_refused(introduced, owner, amount, signed_on, errors):
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError) as exc:
        services.deal_stage_move(
            match=introduced, user=owner, stage=DealStage.SIGNED, amount_wan=amount, signed_on=signed_on
        )
    assert exc.value.message_dict == errors
    assert _fresh(introduced).deal_stage == DealStage.INTRODUCED


def test_a_contract_signed_today_is_accepted(introduced, owner):
    with time_machine.travel(T0, tick=False):
        services.deal_stage_move(
            match=introduced, user=owner, stage=DealStage.SIGNED, amount_wan=1, signed_on=datetime.date(2026, 3, 2)
        )
    assert _fresh(introduced).deal_stage == DealStage.SIGNED


def test_a_need_never_published_dates_from_its_creation(introduced, owner):
    type(introduced.need).objects.filter(pk=introduced.need_id).update(published_at=None, created_at=T0 - 3 * DAY)
    match = _fresh(introduced)
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError) as exc:
        services.deal_stage_move(
            match=match, user=owner, stage=DealStage.SIGNED, amount_wan=1, signed_on=datetime.date(2026, 2, 26)
        )
    assert exc.value.message_dict == {
        "signed_on": ["The contract cannot be signed before the need was published (2026-02-27)."]
    }


def test_dropping_needs_a_reason_which_is_kept(introduced, owner):
    with pytest.raises(ValidationError) as exc:
        services.deal_stage_move(match=introduced, user=owner, stage=DealStage.DROPPED, note="无")
    assert exc.value.message_dict == {"reason": ["Say why the deal was dropped."]}
    services.deal_stage_move(match=introduced, user=owner, stage=DealStage.DROPPED, note="备注", reason=" 预算取消 ")
    match = _fresh(introduced)
    assert (match.deal_stage, match.drop_reason) == (DealStage.DROPPED, "预算取消")
    assert _events(match)[-1][3] == "预算取消"


def test_a_refused_move_says_why(introduced, outsider, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_stage_move(match=introduced, user=outsider, stage=DealStage.CONTACTED)
    assert str(exc.value) == "Only the two sides and brokers move a deal on."
    with pytest.raises(ValidationError) as exc:
        services.deal_stage_move(match=introduced, user=owner, stage=DealStage.IMPLEMENTED)
    assert exc.value.message_dict == {"stage": ["A deal that is Introduced cannot move to Implemented."]}
    stale = _fresh(introduced)
    services.deal_stage_move(match=introduced, user=owner, stage=DealStage.CONTACTED)
    assert _events(introduced)[-1] == (DealEvent.Action.STAGE, owner.pk, DealStage.CONTACTED, "")
    with pytest.raises(services.Conflict) as exc:
        services.deal_stage_move(match=stale, user=owner, stage=DealStage.NEGOTIATING)
    assert exc.value.code == "conflict"
    assert _messages(exc) == ["Someone else moved this deal on in the meantime; reload the page and try again."]


def test_a_move_of_a_pair_approved_before_the_pipeline_opens_its_deal(introduced, owner):
    Deal.objects.all().delete()
    with time_machine.travel(T0, tick=False):
        services.deal_stage_move(match=_fresh(introduced), user=owner, stage=DealStage.CONTACTED)
    assert Deal.objects.get(match=introduced).last_activity_at == T0


# --- challenges -------------------------------------------------------------------------------------------------


@pytest.fixture
def challenge(need):
    type(need).objects.filter(pk=need.pk).update(is_challenge=True, deadline=timezone.localdate())
    need.refresh_from_db()
    return need


def test_a_challenge_is_open_until_its_deadline_day_and_its_winner(challenge, achievement, researcher, owner):
    assert services.challenge_is_open(challenge)
    challenge.deadline = timezone.localdate() - DAY
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
    assert _entry("challenge.enter") == (researcher, f"entry: {challenge.title}", "")
    url = reverse("deals:challenge", args=[challenge.pk])
    assert _recipients(NotificationKind.CHALLENGE_ENTRY) == {"owner": url}
    assert (
        _text(NotificationKind.CHALLENGE_ENTRY)
        == f"{researcher.organization} took on your challenge “{challenge.title}”."
    )
    with pytest.raises(ValidationError) as exc:
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="再来")
    assert (exc.value.code, _messages(exc)) == ("duplicate", ["Your organization has already taken on this challenge."])


def test_a_closed_challenge_or_a_foreign_achievement_is_refused(challenge, achievement, uni_u, researcher, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.challenge_enter(user=owner, need=challenge, achievement=achievement, proposal="")
    assert str(exc.value) == "Only researchers of another organization can take on this challenge."
    for other in (AchievementFactory(), AchievementFactory(organization=uni_u, status=PostingStatus.DRAFT)):
        with pytest.raises(ValidationError) as exc:
            services.challenge_enter(user=researcher, need=challenge, achievement=other, proposal="")
        assert exc.value.message_dict == {"achievement": ["Choose one of your organization's published achievements."]}
    type(challenge).objects.filter(pk=challenge.pk).update(deadline=timezone.localdate() - DAY)
    challenge.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.challenge_enter(user=researcher, need=challenge, achievement=achievement, proposal="")
    assert (exc.value.code, _messages(exc)) == ("closed", ["This challenge is no longer open."])


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
    with time_machine.travel(T0, tick=False):
        match = services.challenge_choose(user=owner, entry=winner, note=" 方案最优 ")
    stored = _fresh(match)
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
        T0,
        "方案最优",
    )
    states = dict(ChallengeEntry.objects.values_list("pk", "status"))
    assert states == {winner.pk: ChallengeEntry.Status.CHOSEN, rival.pk: ChallengeEntry.Status.NOT_CHOSEN}
    chosen, not_chosen = ChallengeEntry.objects.get(pk=winner.pk), ChallengeEntry.objects.get(pk=rival.pk)
    assert (chosen.match, chosen.decided_at, chosen.updated_at) == (stored, T0, T0)
    assert (not_chosen.decided_at, not_chosen.updated_at) == (T0, T0)
    assert Deal.objects.get(match=stored).broker is None
    assert _events(stored) == [(DealEvent.Action.CHOSEN, owner.pk, DealStage.INTRODUCED, "方案最优")]
    assert _entry("challenge.choose") == (
        owner,
        f"challenge winner: {challenge.title} ↔ {winner.achievement.title}",
        " 方案最优 ",
    )
    assert _recipients(NotificationKind.CHALLENGE_CHOSEN) == {"researcher": _match_url(stored)}
    assert _text(NotificationKind.CHALLENGE_CHOSEN) == f"Your entry was chosen for the challenge “{challenge.title}”."
    page = reverse("deals:challenge", args=[challenge.pk])
    assert _recipients(NotificationKind.CHALLENGE_WINNER) == {"researcher_outsider": page}
    assert _text(NotificationKind.CHALLENGE_WINNER) == (
        f"The challenge “{challenge.title}” has a winner: {researcher.organization}."
    )


def test_a_challenge_has_one_winner(entries, challenge, org_a, owner, researcher_outsider):
    winner, rival = entries
    decided_elsewhere = NeedFactory(organization=org_a, is_challenge=True)
    ChallengeEntry.objects.create(
        need=decided_elsewhere,
        achievement=rival.achievement,
        organization=rival.organization,
        submitted_by=rival.submitted_by,
        proposal="别处的挑战",
        status=ChallengeEntry.Status.CHOSEN,
    )
    assert services.challenge_is_open(challenge)  # another challenge's winner does not close this one
    assert services.challenge_choose(user=owner, entry=winner).review_note == ""
    assert not services.challenge_is_open(challenge)
    with pytest.raises(services.Conflict) as exc:
        services.challenge_choose(user=owner, entry=rival)
    assert (exc.value.code, _messages(exc)) == ("conflict", ["A winner has already been chosen for this challenge."])
    with pytest.raises(PermissionDenied) as exc:
        services.challenge_choose(user=researcher_outsider, entry=rival)
    assert str(exc.value) == "Only the enterprise that posted the challenge chooses its winner."


def test_choosing_in_one_challenge_leaves_the_other_challenges_and_pairs_alone(entries, challenge, org_a, owner):
    winner, rival = entries
    other = NeedFactory(organization=org_a, is_challenge=True, deadline=None)
    for entry, status in ((winner, ChallengeEntry.Status.CHOSEN), (rival, ChallengeEntry.Status.SUBMITTED)):
        ChallengeEntry.objects.create(
            need=other,
            achievement=entry.achievement,
            organization=entry.organization,
            submitted_by=entry.submitted_by,
            proposal="另一个挑战",
            status=status,
        )
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
    assert (exc.value.code, _messages(exc)) == ("conflict", ["This entry can no longer be chosen."])


def test_choosing_an_already_introduced_pair_keeps_its_review(entries, broker, owner):
    winner, _rival = entries
    approved = Match.objects.create(need=winner.need, achievement=winner.achievement)
    services.match_approve(match=approved, user=broker, note="经纪人推荐")
    with time_machine.travel(T0 + 30 * DAY, tick=False):
        match = services.challenge_choose(user=owner, entry=winner)
    stored = _fresh(match)
    assert (stored.pk, stored.source, stored.reviewed_by, stored.review_note) == (
        approved.pk,
        MatchSource.MATCHER,
        broker,
        "经纪人推荐",
    )
    deal = Deal.objects.get(match=stored)
    assert (deal.broker, deal.last_activity_at, deal.updated_at) == (broker, T0 + 30 * DAY, T0 + 30 * DAY)


# --- the responsible broker, the NDA ------------------------------------------------------------------------------


def test_claiming_a_deal_takes_only_that_one_and_is_recorded(proposal, two_more, admin, broker):
    for match in (proposal, *two_more):
        services.match_approve(match=match, user=admin)
    with time_machine.travel(T0, tick=False):
        deal = services.deal_claim(match=_fresh(proposal), user=broker)
    assert (deal.broker, Deal.objects.get(match=proposal).broker, Deal.objects.get(match=proposal).updated_at) == (
        broker,
        broker,
        T0,
    )
    assert set(Deal.objects.exclude(match=proposal).values_list("broker", flat=True)) == {None}
    assert _entry("deal.claim") == (broker, f"claim: {_fresh(proposal)}", "")
    assert _events(proposal)[-1] == (DealEvent.Action.BROKER, broker.pk, "", str(broker))


def test_a_claim_is_refused_with_a_reason(proposal, broker, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_claim(match=proposal, user=owner)
    assert str(exc.value) == "Only technology brokers can take on a deal."
    with pytest.raises(ValidationError) as exc:
        services.deal_claim(match=proposal, user=broker)
    assert (exc.value.code, _messages(exc)) == ("not_approved", ["Only an approved pair has a deal to follow."])
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(username="broker2", role="broker")
    with pytest.raises(services.Conflict) as exc:
        services.deal_claim(match=_fresh(proposal), user=other)
    assert exc.value.code == "conflict"
    assert _messages(exc) == [f"{broker} is already responsible for this deal; an admin can reassign it."]


def test_an_assignment_is_recorded_and_told_to_the_broker(proposal, broker, admin):
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(username="broker2", display_name="经纪人乙", role="broker")
    with time_machine.travel(T0, tick=False):
        deal = services.deal_assign(match=_fresh(proposal), user=admin, broker=other)
    stored = Deal.objects.get(match=proposal)
    assert (deal.broker, stored.broker, stored.updated_at) == (other, other, T0)
    assert _entry("deal.assign") == (admin, f"assign to broker2: {_fresh(proposal)}", "")
    assert _events(proposal)[-1] == (DealEvent.Action.BROKER, admin.pk, "", "经纪人乙")
    assert _recipients(NotificationKind.DEAL_ASSIGNED) == {"broker2": _match_url(proposal)}


def test_an_admin_who_is_a_broker_assigns_a_deal_to_themselves_without_a_notification(proposal, admin):
    admin_broker = UserFactory(username="both", role="broker")
    admin_broker.groups.add(*admin.groups.all())
    admin_broker = type(admin).objects.get(pk=admin_broker.pk)
    services.match_approve(match=proposal, user=UserFactory(username="reviewer", role="broker"))
    services.deal_assign(match=_fresh(proposal), user=admin_broker, broker=admin_broker)
    assert Deal.objects.get(match=proposal).broker == admin_broker
    assert not Notification.objects.filter(kind=NotificationKind.DEAL_ASSIGNED).exists()


def test_an_assignment_is_refused_with_a_reason(proposal, broker, admin, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_assign(match=proposal, user=broker, broker=broker)
    assert str(exc.value) == "Only platform admins assign deals to brokers."
    with pytest.raises(ValidationError) as exc:
        services.deal_assign(match=proposal, user=admin, broker=broker)
    assert (exc.value.code, _messages(exc)) == ("not_approved", ["Only an approved pair has a deal to follow."])
    services.match_approve(match=proposal, user=broker)
    retired = UserFactory(username="retired", role="broker", is_active=False)
    for user in (owner, retired):
        with pytest.raises(ValidationError) as exc:
            services.deal_assign(match=_fresh(proposal), user=admin, broker=user)
        assert exc.value.message_dict == {"broker": ["Choose a technology broker."]}


@pytest.fixture
def confidential_pair(introduced):
    type(introduced.need).objects.filter(pk=introduced.need_id).update(confidential=True, public_summary="公开摘要")
    return _fresh(introduced)


def test_the_nda_is_recorded_once_and_told_to_the_other_side(confidential_pair, owner, researcher):
    with time_machine.travel(T0, tick=False):
        deal = services.deal_nda_accept(match=confidential_pair, user=owner)
    stored = Deal.objects.get(match=confidential_pair)
    assert (deal.nda_accepted_at, stored.nda_accepted_at, stored.nda_recorded_by, stored.last_activity_at) == (
        T0,
        T0,
        owner,
        T0,
    )
    assert stored.updated_at == T0
    assert _entry("deal.nda") == (owner, f"NDA accepted: {confidential_pair}", "")
    assert _events(confidential_pair)[-1] == (DealEvent.Action.NDA, owner.pk, "", "")
    assert _recipients(NotificationKind.NDA_ACCEPTED) == {"researcher": _match_url(confidential_pair)}
    services.deal_nda_accept(match=_fresh(confidential_pair), user=owner)
    assert Deal.objects.get(match=confidential_pair).nda_accepted_at == T0
    assert DealEvent.objects.filter(action=DealEvent.Action.NDA).count() == 1


def test_the_nda_of_one_pair_is_not_the_nda_of_another(confidential_pair, uni_u, broker, owner):
    second = Match.objects.create(need=confidential_pair.need, achievement=AchievementFactory(organization=uni_u))
    services.match_approve(match=second, user=broker)
    services.deal_nda_accept(match=confidential_pair, user=owner)
    assert Deal.objects.get(match=second).nda_accepted_at is None


def test_a_pair_approved_before_the_pipeline_gets_its_deal_dated_from_its_review(introduced, broker):
    Deal.objects.all().delete()
    Match.objects.filter(pk=introduced.pk).update(updated_at=T0)  # changed since its review
    deal = services.deal_claim(match=_fresh(introduced), user=broker)
    assert (deal.broker, Deal.objects.get(match=introduced).last_activity_at) == (broker, T0 - DAY)


def test_the_nda_step_is_refused_with_a_reason(confidential_pair, introduced, researcher, owner, proposal):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_nda_accept(match=confidential_pair, user=researcher)
    assert str(exc.value) == "Only the enterprise that posted the need records its NDA."
    public = _fresh(introduced)
    type(public.need).objects.filter(pk=public.need_id).update(confidential=False)
    for match in (_fresh(introduced), Match.objects.create(need=introduced.need, achievement=AchievementFactory())):
        with pytest.raises(ValidationError) as exc:
            services.deal_nda_accept(match=match, user=owner)
        assert (exc.value.code, _messages(exc)) == (
            "no_nda",
            ["Only an introduced pair with a confidential need has an NDA step."],
        )


# --- the sweep ----------------------------------------------------------------------------------------------------


def test_the_sweep_reminds_each_stalled_deal_at_the_time_it_is_given(proposal, two_more, broker, settings):
    settings.DEAL_STALLED_DAYS = 14
    now = timezone.now()
    for match in (proposal, two_more[0]):  # the same last activity
        services.match_approve(match=match, user=broker)
    Deal.objects.update(last_activity_at=now)
    assert services.deals_watch(now=now + 13 * DAY).reminded == 0
    assert services.deals_watch(now=now + 15 * DAY).reminded == 2
    reminders = Notification.objects.filter(kind=NotificationKind.DEAL_STALLED)
    assert sorted(n.url for n in reminders) == sorted(_match_url(m) for m in (proposal, two_more[0]))


def test_the_sweep_escalates_every_broken_promise_at_the_time_it_is_given(proposal, two_more, admin, broker, settings):
    settings.REVIEW_PROMISE_DAYS, settings.CONTACT_PROMISE_DAYS, settings.DEAL_STALLED_DAYS = 3, 7, 100
    now = timezone.now()
    for match in two_more:
        services.match_approve(match=match, user=broker)
    Match.objects.filter(pk=proposal.pk).update(created_at=now)
    Match.objects.filter(pk__in=[m.pk for m in two_more]).update(reviewed_at=now)
    early = services.deals_watch(now=now + 2 * DAY)
    assert (early.review_escalated, early.contact_escalated) == (0, 0)
    late = services.deals_watch(now=now + 8 * DAY)
    assert (late.review_escalated, late.contact_escalated) == (1, 2)
    contact = Notification.objects.filter(kind=NotificationKind.CONTACT_OVERDUE)
    assert {n.url for n in contact} == {_match_url(m) for m in two_more}
    assert "more than 7 days ago" in contact.first().text
    review = Notification.objects.get(kind=NotificationKind.REVIEW_OVERDUE)
    assert (review.url, "more than 3 days" in review.text) == (_match_url(proposal), True)


def test_a_superuser_outside_the_admin_group_is_told_of_escalations(proposal, settings):
    settings.REVIEW_PROMISE_DAYS = 1
    UserFactory(username="root", role="", is_superuser=True)
    Match.objects.filter(pk=proposal.pk).update(created_at=timezone.now() - 2 * DAY)
    assert services.deals_watch().review_escalated == 1
    assert set(_recipients(NotificationKind.REVIEW_OVERDUE)) == {"root"}


def test_an_escalation_another_sweep_wrote_is_neither_counted_nor_told_again(proposal, admin):
    since = timezone.now() - 5 * DAY
    write = {"match": proposal, "kind": Escalation.Kind.REVIEW, "since": since, "days": 3, "admins": [admin]}
    assert services._escalate(**write) is True
    assert services._escalate(**write) is False
    assert Notification.objects.filter(kind=NotificationKind.REVIEW_OVERDUE).count() == 1
