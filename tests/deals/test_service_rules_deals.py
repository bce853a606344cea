"""The deal services as the people around a pair meet them: stages and the timeline, the responsible broker,
the NDA step, and the sweep of stalled deals and broken promises."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import DealStage, Match
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import Deal, DealEvent, Escalation
from mengkeju.notifications.models import Notification, NotificationKind
from tests.deals import service_rules as rules
from tests.deals.service_rules import _in_english  # noqa: F401  (autouse: every test reads English)
from tests.factories import AchievementFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- deal stages ------------------------------------------------------------------------------------------------


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
    with time_machine.travel(rules.T0, tick=False):
        services.deal_stage_move(match=introduced, user=owner, stage=DealStage.CONTACTED, note=" 已电话联系 ")
    match = rules.fresh(introduced)
    assert (match.deal_stage, match.updated_at) == (DealStage.CONTACTED, rules.T0)
    deal = Deal.objects.get(match=match)
    assert (deal.last_activity_at, deal.updated_at) == (rules.T0, rules.T0)
    assert rules.events(match)[-1] == (DealEvent.Action.STAGE, owner.pk, DealStage.CONTACTED, "已电话联系")
    assert rules.entry("match.deal_stage") == (
        owner,
        f"introduced → contacted: {need.title} ↔ {achievement.title}",
        "已电话联系",
    )
    url = rules.match_url(match)
    assert rules.recipients(NotificationKind.DEAL_STAGE) == {"colleague": url, "researcher": url}
    assert (
        rules.text(NotificationKind.DEAL_STAGE) == f"The deal “{need.title}” ↔ “{achievement.title}” is now: Contacted."
    )


def test_signing_records_the_amount_and_the_date(introduced, researcher):
    with time_machine.travel(rules.T0, tick=False):
        services.deal_stage_move(
            match=introduced,
            user=researcher,
            stage=DealStage.SIGNED,
            note="首付30%",
            amount_wan=50,
            signed_on=datetime.date(2026, 2, 20),  # the day the need was published
        )
    match = rules.fresh(introduced)
    assert (match.deal_stage, match.contract_amount_wan, match.contract_signed_on) == (
        DealStage.SIGNED,
        50,
        datetime.date(2026, 2, 20),
    )
    assert rules.events(match)[-1][3] == "50 万元, 2026-02-20. 首付30%"
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
    with time_machine.travel(rules.T0, tick=False), pytest.raises(ValidationError) as exc:
        services.deal_stage_move(
            match=introduced, user=owner, stage=DealStage.SIGNED, amount_wan=amount, signed_on=signed_on
        )
    assert exc.value.message_dict == errors
    assert rules.fresh(introduced).deal_stage == DealStage.INTRODUCED


def test_a_contract_signed_today_is_accepted(introduced, owner):
    with time_machine.travel(rules.T0, tick=False):
        services.deal_stage_move(
            match=introduced, user=owner, stage=DealStage.SIGNED, amount_wan=1, signed_on=datetime.date(2026, 3, 2)
        )
    assert rules.fresh(introduced).deal_stage == DealStage.SIGNED


def test_a_need_never_published_dates_from_its_creation(introduced, owner):
    type(introduced.need).objects.filter(pk=introduced.need_id).update(
        published_at=None, created_at=rules.T0 - 3 * rules.DAY
    )
    match = rules.fresh(introduced)
    with time_machine.travel(rules.T0, tick=False), pytest.raises(ValidationError) as exc:
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
    match = rules.fresh(introduced)
    assert (match.deal_stage, match.drop_reason) == (DealStage.DROPPED, "预算取消")
    assert rules.events(match)[-1][3] == "预算取消"


def test_a_refused_move_says_why(introduced, outsider, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_stage_move(match=introduced, user=outsider, stage=DealStage.CONTACTED)
    assert str(exc.value) == "Only the two sides and brokers move a deal on."
    with pytest.raises(ValidationError) as exc:
        services.deal_stage_move(match=introduced, user=owner, stage=DealStage.IMPLEMENTED)
    assert exc.value.message_dict == {"stage": ["A deal that is Introduced cannot move to Implemented."]}
    stale = rules.fresh(introduced)
    services.deal_stage_move(match=introduced, user=owner, stage=DealStage.CONTACTED)
    assert rules.events(introduced)[-1] == (DealEvent.Action.STAGE, owner.pk, DealStage.CONTACTED, "")
    with pytest.raises(services.Conflict) as exc:
        services.deal_stage_move(match=stale, user=owner, stage=DealStage.NEGOTIATING)
    assert exc.value.code == "conflict"
    assert rules.messages(exc) == ["Someone else moved this deal on in the meantime; reload the page and try again."]


def test_a_move_of_a_pair_approved_before_the_pipeline_opens_its_deal(introduced, owner):
    Deal.objects.all().delete()
    with time_machine.travel(rules.T0, tick=False):
        services.deal_stage_move(match=rules.fresh(introduced), user=owner, stage=DealStage.CONTACTED)
    assert Deal.objects.get(match=introduced).last_activity_at == rules.T0


# --- the responsible broker, the NDA ------------------------------------------------------------------------------


def test_claiming_a_deal_takes_only_that_one_and_is_recorded(proposal, two_more, admin, broker):
    for match in (proposal, *two_more):
        services.match_approve(match=match, user=admin)
    with time_machine.travel(rules.T0, tick=False):
        deal = services.deal_claim(match=rules.fresh(proposal), user=broker)
    assert (deal.broker, Deal.objects.get(match=proposal).broker, Deal.objects.get(match=proposal).updated_at) == (
        broker,
        broker,
        rules.T0,
    )
    assert set(Deal.objects.exclude(match=proposal).values_list("broker", flat=True)) == {None}
    assert rules.entry("deal.claim") == (broker, f"claim: {rules.fresh(proposal)}", "")
    assert rules.events(proposal)[-1] == (DealEvent.Action.BROKER, broker.pk, "", str(broker))


def test_a_claim_is_refused_with_a_reason(proposal, broker, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_claim(match=proposal, user=owner)
    assert str(exc.value) == "Only technology brokers can take on a deal."
    with pytest.raises(ValidationError) as exc:
        services.deal_claim(match=proposal, user=broker)
    assert (exc.value.code, rules.messages(exc)) == ("not_approved", ["Only an approved pair has a deal to follow."])
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(username="broker2", role="broker")
    with pytest.raises(services.Conflict) as exc:
        services.deal_claim(match=rules.fresh(proposal), user=other)
    assert exc.value.code == "conflict"
    assert rules.messages(exc) == [f"{broker} is already responsible for this deal; an admin can reassign it."]


def test_an_assignment_is_recorded_and_told_to_the_broker(proposal, broker, admin):
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(username="broker2", display_name="经纪人乙", role="broker")
    with time_machine.travel(rules.T0, tick=False):
        deal = services.deal_assign(match=rules.fresh(proposal), user=admin, broker=other)
    stored = Deal.objects.get(match=proposal)
    assert (deal.broker, stored.broker, stored.updated_at) == (other, other, rules.T0)
    assert rules.entry("deal.assign") == (admin, f"assign to broker2: {rules.fresh(proposal)}", "")
    assert rules.events(proposal)[-1] == (DealEvent.Action.BROKER, admin.pk, "", "经纪人乙")
    assert rules.recipients(NotificationKind.DEAL_ASSIGNED) == {"broker2": rules.match_url(proposal)}


def test_an_admin_who_is_a_broker_assigns_a_deal_to_themselves_without_a_notification(proposal, admin):
    admin_broker = UserFactory(username="both", role="broker")
    admin_broker.groups.add(*admin.groups.all())
    admin_broker = type(admin).objects.get(pk=admin_broker.pk)
    services.match_approve(match=proposal, user=UserFactory(username="reviewer", role="broker"))
    services.deal_assign(match=rules.fresh(proposal), user=admin_broker, broker=admin_broker)
    assert Deal.objects.get(match=proposal).broker == admin_broker
    assert not Notification.objects.filter(kind=NotificationKind.DEAL_ASSIGNED).exists()


def test_an_assignment_is_refused_with_a_reason(proposal, broker, admin, owner):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_assign(match=proposal, user=broker, broker=broker)
    assert str(exc.value) == "Only platform admins assign deals to brokers."
    with pytest.raises(ValidationError) as exc:
        services.deal_assign(match=proposal, user=admin, broker=broker)
    assert (exc.value.code, rules.messages(exc)) == ("not_approved", ["Only an approved pair has a deal to follow."])
    services.match_approve(match=proposal, user=broker)
    retired = UserFactory(username="retired", role="broker", is_active=False)
    for user in (owner, retired):
        with pytest.raises(ValidationError) as exc:
            services.deal_assign(match=rules.fresh(proposal), user=admin, broker=user)
        assert exc.value.message_dict == {"broker": ["Choose a technology broker."]}


@pytest.fixture
def confidential_pair(introduced):
    type(introduced.need).objects.filter(pk=introduced.need_id).update(confidential=True, public_summary="公开摘要")
    return rules.fresh(introduced)


def test_the_nda_is_recorded_once_and_told_to_the_other_side(confidential_pair, owner, researcher):
    with time_machine.travel(rules.T0, tick=False):
        deal = services.deal_nda_accept(match=confidential_pair, user=owner)
    stored = Deal.objects.get(match=confidential_pair)
    assert (deal.nda_accepted_at, stored.nda_accepted_at, stored.nda_recorded_by, stored.last_activity_at) == (
        rules.T0,
        rules.T0,
        owner,
        rules.T0,
    )
    assert stored.updated_at == rules.T0
    assert rules.entry("deal.nda") == (owner, f"NDA accepted: {confidential_pair}", "")
    assert rules.events(confidential_pair)[-1] == (DealEvent.Action.NDA, owner.pk, "", "")
    assert rules.recipients(NotificationKind.NDA_ACCEPTED) == {"researcher": rules.match_url(confidential_pair)}
    services.deal_nda_accept(match=rules.fresh(confidential_pair), user=owner)
    assert Deal.objects.get(match=confidential_pair).nda_accepted_at == rules.T0
    assert DealEvent.objects.filter(action=DealEvent.Action.NDA).count() == 1


def test_the_nda_of_one_pair_is_not_the_nda_of_another(confidential_pair, uni_u, broker, owner):
    second = Match.objects.create(need=confidential_pair.need, achievement=AchievementFactory(organization=uni_u))
    services.match_approve(match=second, user=broker)
    services.deal_nda_accept(match=confidential_pair, user=owner)
    assert Deal.objects.get(match=second).nda_accepted_at is None


def test_a_pair_approved_before_the_pipeline_gets_its_deal_dated_from_its_review(introduced, broker):
    Deal.objects.all().delete()
    Match.objects.filter(pk=introduced.pk).update(updated_at=rules.T0)  # changed since its review
    deal = services.deal_claim(match=rules.fresh(introduced), user=broker)
    assert (deal.broker, Deal.objects.get(match=introduced).last_activity_at) == (broker, rules.T0 - rules.DAY)


def test_the_nda_step_is_refused_with_a_reason(confidential_pair, introduced, researcher, owner, proposal):
    with pytest.raises(PermissionDenied) as exc:
        services.deal_nda_accept(match=confidential_pair, user=researcher)
    assert str(exc.value) == "Only the enterprise that posted the need records its NDA."
    public = rules.fresh(introduced)
    type(public.need).objects.filter(pk=public.need_id).update(confidential=False)
    for match in (
        rules.fresh(introduced),
        Match.objects.create(need=introduced.need, achievement=AchievementFactory()),
    ):
        with pytest.raises(ValidationError) as exc:
            services.deal_nda_accept(match=match, user=owner)
        assert (exc.value.code, rules.messages(exc)) == (
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
    assert services.deals_watch(now=now + 13 * rules.DAY).reminded == 0
    assert services.deals_watch(now=now + 15 * rules.DAY).reminded == 2
    reminders = Notification.objects.filter(kind=NotificationKind.DEAL_STALLED)
    assert sorted(n.url for n in reminders) == sorted(rules.match_url(m) for m in (proposal, two_more[0]))


def test_the_sweep_escalates_every_broken_promise_at_the_time_it_is_given(proposal, two_more, admin, broker, settings):
    settings.REVIEW_PROMISE_DAYS, settings.CONTACT_PROMISE_DAYS, settings.DEAL_STALLED_DAYS = 3, 7, 100
    now = timezone.now()
    for match in two_more:
        services.match_approve(match=match, user=broker)
    Match.objects.filter(pk=proposal.pk).update(created_at=now)
    Match.objects.filter(pk__in=[m.pk for m in two_more]).update(reviewed_at=now)
    early = services.deals_watch(now=now + 2 * rules.DAY)
    assert (early.review_escalated, early.contact_escalated) == (0, 0)
    late = services.deals_watch(now=now + 8 * rules.DAY)
    assert (late.review_escalated, late.contact_escalated) == (1, 2)
    contact = Notification.objects.filter(kind=NotificationKind.CONTACT_OVERDUE)
    assert {n.url for n in contact} == {rules.match_url(m) for m in two_more}
    assert "more than 7 days ago" in contact.first().text
    review = Notification.objects.get(kind=NotificationKind.REVIEW_OVERDUE)
    assert (review.url, "more than 3 days" in review.text) == (rules.match_url(proposal), True)


def test_a_superuser_outside_the_admin_group_is_told_of_escalations(proposal, settings):
    settings.REVIEW_PROMISE_DAYS = 1
    UserFactory(username="root", role="", is_superuser=True)
    Match.objects.filter(pk=proposal.pk).update(created_at=timezone.now() - 2 * rules.DAY)
    assert services.deals_watch().review_escalated == 1
    assert set(rules.recipients(NotificationKind.REVIEW_OVERDUE)) == {"root"}


def test_an_escalation_another_sweep_wrote_is_neither_counted_nor_told_again(proposal, admin):
    since = timezone.now() - 5 * rules.DAY
    write = {"match": proposal, "kind": Escalation.Kind.REVIEW, "since": since, "days": 3, "admins": [admin]}
    assert services._escalate(**write) is True
    assert services._escalate(**write) is False
    assert Notification.objects.filter(kind=NotificationKind.REVIEW_OVERDUE).count() == 1
