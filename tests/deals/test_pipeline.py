"""The broker's pipeline: the responsible broker (reviewer by default, claimed, assigned), the deal board,
stalled deals and the response-time promise (escalations), the NDA step of confidential needs."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from matching.models import DealStage, Match, MatchStatus
from mengkeju.deals import permissions, services, tasks
from mengkeju.deals.models import ChallengeEntry, Deal, Escalation
from mengkeju.notifications.models import Notification, NotificationKind
from tests.factories import AchievementFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERYONE = ["anonymous", "owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker", "admin"]
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _challenge_winner(need, achievement, owner, researcher) -> Match:
    type(need).objects.filter(pk=need.pk).update(is_challenge=True)
    need.refresh_from_db()
    entry = services.challenge_enter(user=researcher, need=need, achievement=achievement, proposal="六个月完成")
    return services.challenge_choose(user=owner, entry=entry)


# --- the responsible broker ------------------------------------------------------------------------------


def test_the_reviewing_broker_is_responsible_by_default(proposal, broker):
    services.match_approve(match=proposal, user=broker)
    deal = Deal.objects.get(match=proposal)
    assert deal.broker == broker and deal.last_activity_at is not None


def test_an_admins_approval_waits_for_a_broker_to_claim_it(proposal, admin, broker):
    services.match_approve(match=proposal, user=admin)
    assert Deal.objects.get(match=proposal).broker is None
    services.deal_claim(match=Match.objects.get(pk=proposal.pk), user=broker)
    assert Deal.objects.get(match=proposal).broker == broker


def test_a_challenge_winner_waits_for_a_broker_to_claim_it(need, achievement, owner, researcher, broker, admin):
    match = _challenge_winner(need, achievement, owner, researcher)
    assert Deal.objects.get(match=match).broker is None
    services.deal_claim(match=match, user=broker)
    assert Deal.objects.get(match=match).broker == broker
    # claiming again is harmless; another broker cannot take it over
    services.deal_claim(match=Match.objects.get(pk=match.pk), user=broker)
    other = UserFactory(role="broker")
    with pytest.raises(services.Conflict, match=str(broker)):
        services.deal_claim(match=Match.objects.get(pk=match.pk), user=other)
    # the sides cannot claim
    with pytest.raises(PermissionDenied):
        services.deal_claim(match=match, user=owner)


def test_an_admin_assigns_and_the_broker_is_notified(proposal, broker, admin, owner):
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(role="broker", display_name="经纪人乙")
    services.deal_assign(match=Match.objects.get(pk=proposal.pk), user=admin, broker=other)
    assert Deal.objects.get(match=proposal).broker == other
    assert Notification.objects.filter(recipient=other, kind=NotificationKind.DEAL_ASSIGNED).count() == 1
    with pytest.raises(PermissionDenied):
        services.deal_assign(match=proposal, user=broker, broker=broker)
    with pytest.raises(services.ValidationError):
        services.deal_assign(match=proposal, user=admin, broker=owner)


def test_a_proposal_cannot_be_claimed(proposal, broker):
    with pytest.raises(services.ValidationError):
        services.deal_claim(match=proposal, user=broker)


@pytest.mark.parametrize("who", EVERYONE)
def test_claim_view(cast, client_for, need, achievement, owner, researcher, who):
    match = _challenge_winner(need, achievement, owner, researcher)
    response = client_for(cast[who]).post(reverse("deals:claim", args=[match.pk]))
    deal = Deal.objects.get(match=match)
    if who == "anonymous":
        assert is_login_redirect(response)
    elif who in ("broker", "admin"):
        assert response.status_code == 302 and deal.broker == cast[who]
    elif who in ("owner", "colleague", "researcher"):  # they see the pair, but do not hold it
        assert response.status_code == 403 and deal.broker is None
    else:
        assert response.status_code == 404 and deal.broker is None


@pytest.mark.parametrize("who", EVERYONE)
def test_assign_view(cast, client_for, proposal, broker, who):
    services.match_approve(match=proposal, user=broker)
    other = UserFactory(role="broker")
    response = client_for(cast[who]).post(reverse("deals:assign", args=[proposal.pk]), {"broker": other.pk})
    holder = Deal.objects.get(match=proposal).broker
    if who == "anonymous":
        assert is_login_redirect(response)
    elif who == "admin":
        assert response.status_code == 302 and holder == other
    else:
        assert response.status_code in (403, 404) and holder == broker
        if who in ("outsider", "researcher_outsider"):
            assert response.status_code == 404


def test_match_page_shows_the_broker_and_the_claim_button(client_for, need, achievement, owner, researcher, broker):
    match = _challenge_winner(need, achievement, owner, researcher)
    page = client_for(broker).get(reverse("deals:match", args=[match.pk])).content.decode()
    assert 'id="claim-button"' in page
    client_for(broker).post(reverse("deals:claim", args=[match.pk]))
    page = client_for(owner).get(reverse("deals:match", args=[match.pk])).content.decode()
    assert str(broker) in page and 'id="claim-button"' not in page


# --- the board ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_board_is_for_brokers_and_admins(cast, client_for, proposal, broker, who):
    services.match_approve(match=proposal, user=broker)
    response = client_for(cast[who]).get(reverse("deals:board"))
    if who == "anonymous":
        assert is_login_redirect(response)
    elif who in ("broker", "admin"):
        assert response.status_code == 200
        assert proposal.need.title in response.content.decode()
    else:
        assert response.status_code == 403


def _deals(n, *, need_org, ach_org, broker, stage=DealStage.INTRODUCED):
    matches = []
    for _i in range(n):
        match = Match.objects.create(
            need=NeedFactory(organization=need_org),
            achievement=AchievementFactory(organization=ach_org),
            score=0.5,
        )
        services.match_approve(match=match, user=broker)
        if stage != DealStage.INTRODUCED:
            services.deal_stage_move(match=Match.objects.get(pk=match.pk), user=broker, stage=stage)
        matches.append(match)
    return matches


def test_board_columns_filters_and_stalled(client_for, org_a, uni_u, broker, admin):
    other = UserFactory(role="broker", display_name="经纪人乙")
    with time_machine.travel(T0, tick=False):
        old = _deals(1, need_org=org_a, ach_org=uni_u, broker=broker)[0]
    with time_machine.travel(T0 + days(20), tick=False):
        fresh = _deals(1, need_org=org_a, ach_org=uni_u, broker=other, stage=DealStage.NEGOTIATING)[0]
        client = client_for(broker)
        page = client.get(reverse("deals:board")).content.decode()
        # six columns in stage order, with their Chinese names
        positions = [
            page.index(f'id="col-{s}"')
            for s in ("introduced", "contacted", "negotiating", "signed", "implemented", "dropped")
        ]
        assert positions == sorted(positions)
        for label in ("已引荐", "已对接", "洽谈中", "已签约", "已实施", "已终止"):
            assert label in page
        assert page.count("deal-card stalled") == 1
        assert f'data-match="{old.pk}"' in page and f'data-match="{fresh.pk}"' in page

        def cards(query):
            html = client.get(reverse("deals:board") + query).content.decode()
            return {m.pk for m in (old, fresh) if f'data-match="{m.pk}"' in html}

        assert cards("?assigned=me") == {old.pk}
        assert cards(f"?broker={other.pk}") == {fresh.pk}
        assert cards("?stage=negotiating") == {fresh.pk}
        assert cards("?stalled=on") == {old.pk}
        from mengkeju.core.models import IndustryCluster

        assert cards(f"?cluster={IndustryCluster.objects.get(code='biomedicine').pk}") == set()
        assert cards("?assigned=none") == set()
        # a bad filter value is shown as an error, not a 500
        response = client.get(reverse("deals:board") + "?stage=nonsense")
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert list(response.context["form"].errors) == ["stage"]  # on the filter that was wrong


def test_board_query_count_does_not_grow_with_rows(client_for, org_a, uni_u, broker, django_assert_max_num_queries):
    client = client_for(broker)
    _deals(2, need_org=org_a, ach_org=uni_u, broker=broker)
    client.get(reverse("deals:board"))  # warm the session and the cluster cache
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("deals:board"))
    _deals(15, need_org=org_a, ach_org=uni_u, broker=broker, stage=DealStage.CONTACTED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("deals:board"))
    assert response.content.decode().count("deal-card") >= 17


def test_my_matches_of_a_broker_and_every_approved_pair_on_the_board(client_for, org_a, uni_u, broker, admin):
    mine = _deals(1, need_org=org_a, ach_org=uni_u, broker=broker)[0]
    theirs = _deals(1, need_org=org_a, ach_org=uni_u, broker=admin)[0]
    page = client_for(broker).get(reverse("deals:mine")).content.decode()
    assert mine.need.title in page and theirs.need.title not in page
    board = client_for(broker).get(reverse("deals:board")).content.decode()
    assert mine.need.title in board and theirs.need.title in board
    # the navigation leads there
    home = client_for(broker).get("/").content.decode()
    assert reverse("deals:board") in home and reverse("deals:mine") in home


# --- stalled deals and the response-time promise ------------------------------------------------------


def test_stalled_deal_reminded_once_per_stall(proposal, broker, settings):
    settings.DEAL_STALLED_DAYS = 14
    with time_machine.travel(T0, tick=False):
        services.match_approve(match=proposal, user=broker)
    with time_machine.travel(T0 + days(13), tick=False):
        assert services.deals_watch().reminded == 0
    with time_machine.travel(T0 + days(15), tick=False):
        assert services.deals_watch().reminded == 1
        assert services.deals_watch().reminded == 0  # the same stall is reminded once
    reminders = Notification.objects.filter(recipient=broker, kind=NotificationKind.DEAL_STALLED)
    assert reminders.count() == 1 and "14" in reminders.get().text
    with time_machine.travel(T0 + days(16), tick=False):  # someone moves it on
        services.deal_stage_move(match=Match.objects.get(pk=proposal.pk), user=broker, stage=DealStage.CONTACTED)
    with time_machine.travel(T0 + days(25), tick=False):
        assert services.deals_watch().reminded == 0
    with time_machine.travel(T0 + days(31), tick=False):  # stalled again: a new reminder
        assert services.deals_watch().reminded == 1
    assert reminders.count() == 2


def test_a_stalled_deal_without_broker_reminds_the_admins(need, achievement, owner, researcher, admin, settings):
    settings.DEAL_STALLED_DAYS = 5
    with time_machine.travel(T0, tick=False):
        _challenge_winner(need, achievement, owner, researcher)
    with time_machine.travel(T0 + days(6), tick=False):
        assert services.deals_watch().reminded == 1
    assert Notification.objects.filter(recipient=admin, kind=NotificationKind.DEAL_STALLED).count() == 1


def test_signed_and_dropped_deals_are_not_stalled(proposal, broker, settings):
    settings.DEAL_STALLED_DAYS = 3
    # the need was published before the contract (a contract cannot predate its need)
    type(proposal.need).objects.filter(pk=proposal.need_id).update(published_at=T0 - days(10))
    with time_machine.travel(T0, tick=False):
        services.match_approve(match=proposal, user=broker)
        services.deal_stage_move(
            match=Match.objects.get(pk=proposal.pk),
            user=broker,
            stage=DealStage.SIGNED,
            amount_wan=50,
            signed_on=T0.date(),
        )
    with time_machine.travel(T0 + days(60), tick=False):
        assert services.deals_watch().reminded == 0


def test_review_promise_escalates_once_per_breach(proposal, admin, broker, settings):
    settings.REVIEW_PROMISE_DAYS = 3
    Match.objects.filter(pk=proposal.pk).update(created_at=T0)
    with time_machine.travel(T0 + days(2), tick=False):
        assert services.deals_watch().review_escalated == 0
    with time_machine.travel(T0 + days(4), tick=False):
        assert services.deals_watch().review_escalated == 1
        assert services.deals_watch().review_escalated == 0
        call_command("watch_deals")
        assert tasks.watch_deals.delay().get()["review_escalated"] == 0
    assert Escalation.objects.filter(match=proposal, kind=Escalation.Kind.REVIEW).count() == 1
    sent = Notification.objects.filter(kind=NotificationKind.REVIEW_OVERDUE)
    assert [n.recipient for n in sent] == [admin]
    assert "3" in sent.get().text and proposal.need.title in sent.get().text
    # brokers are not the admins: nothing for them
    assert not Notification.objects.filter(recipient=broker, kind=NotificationKind.REVIEW_OVERDUE).exists()


def test_contact_promise_escalates_unless_contacted(proposal, admin, broker, need, uni_u, settings):
    settings.CONTACT_PROMISE_DAYS = 7
    settings.REVIEW_PROMISE_DAYS = 100
    second = Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=0.5)
    with time_machine.travel(T0, tick=False):
        services.match_approve(match=proposal, user=broker)
        services.match_approve(match=second, user=broker)
    with time_machine.travel(T0 + days(3), tick=False):
        services.deal_stage_move(match=Match.objects.get(pk=second.pk), user=broker, stage=DealStage.CONTACTED)
    with time_machine.travel(T0 + days(8), tick=False):
        result = services.deals_watch()
        assert (result.contact_escalated, result.review_escalated) == (1, 0)
        assert services.deals_watch().contact_escalated == 0
    escalation = Escalation.objects.get()
    assert escalation.match_id == proposal.pk and escalation.kind == Escalation.Kind.CONTACT
    assert Notification.objects.filter(recipient=admin, kind=NotificationKind.CONTACT_OVERDUE).count() == 1


def test_watch_command_reports(capsys, proposal, settings):
    settings.REVIEW_PROMISE_DAYS = 1
    Match.objects.filter(pk=proposal.pk).update(created_at=timezone.now() - days(2))
    call_command("watch_deals")
    assert "review escalations: 1" in capsys.readouterr().out


# --- the NDA step ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_nda_step(cast, client_for, proposal, broker, who):
    need = proposal.need
    need.confidential = True
    need.public_summary = "公开摘要：光伏回收"
    need.save()
    services.match_approve(match=proposal, user=broker)
    secret = "银、铝的分离"
    researcher = cast["researcher"]
    assert secret not in client_for(researcher).get(reverse("deals:match", args=[proposal.pk])).content.decode()
    response = client_for(cast[who]).post(reverse("deals:nda", args=[proposal.pk]))
    accepted = Deal.objects.get(match=proposal).nda_accepted_at is not None
    if who == "anonymous":
        assert is_login_redirect(response)
    elif who in ("owner", "colleague"):
        assert response.status_code == 302 and accepted
        page = client_for(researcher).get(reverse("deals:match", args=[proposal.pk])).content.decode()
        assert secret in page
        assert Notification.objects.filter(recipient=researcher, kind=NotificationKind.NDA_ACCEPTED).exists()
    elif who in ("researcher", "broker", "admin"):
        assert response.status_code == 403 and not accepted
    else:
        assert response.status_code == 404 and not accepted


def test_nda_only_for_confidential_needs(proposal, broker, owner):
    services.match_approve(match=proposal, user=broker)
    with pytest.raises(services.ValidationError):
        services.deal_nda_accept(match=Match.objects.get(pk=proposal.pk), user=owner)


@pytest.mark.parametrize("confidential", [True, False])
def test_only_an_approved_pair_of_a_confidential_need_waits_for_the_nda(proposal, broker, confidential):
    need = proposal.need
    need.confidential, need.public_summary = confidential, "公开摘要：光伏回收"
    need.save()
    assert not permissions.needs_nda(proposal)  # still a proposal
    services.match_approve(match=proposal, user=broker)
    match = Match.objects.get(pk=proposal.pk)
    assert permissions.needs_nda(match) is confidential


def test_a_confidential_pair_approved_before_the_pipeline_waits_for_the_nda(proposal, broker):
    """No deal row yet (approved before the pipeline existed): the NDA step is still due, and no error."""
    need = proposal.need
    need.confidential, need.public_summary = True, "公开摘要：光伏回收"
    need.save()
    Match.objects.filter(pk=proposal.pk).update(
        status=MatchStatus.APPROVED, deal_stage=DealStage.INTRODUCED, reviewed_by=broker, reviewed_at=timezone.now()
    )
    match = Match.objects.get(pk=proposal.pk)
    assert not Deal.objects.filter(match=match).exists()
    assert permissions.needs_nda(match)


@pytest.mark.parametrize("confidential", [True, False])
def test_only_the_needs_enterprise_records_a_due_nda(proposal, broker, owner, researcher, confidential):
    need = proposal.need
    need.confidential, need.public_summary = confidential, "公开摘要：光伏回收"
    need.save()
    services.match_approve(match=proposal, user=broker)
    match = Match.objects.get(pk=proposal.pk)
    assert permissions.can_record_nda(owner, match) is confidential
    assert not permissions.can_record_nda(researcher, match)


def test_a_deal_held_by_a_broker_cannot_be_claimed_by_another(proposal, broker):
    other = UserFactory(username="broker2", role="broker")
    services.match_approve(match=proposal, user=broker)  # the reviewing broker holds it
    match = Match.objects.get(pk=proposal.pk)
    assert not permissions.can_claim_deal(other, match)
    Deal.objects.filter(match=match).update(broker=None)  # released: anyone of the brokers may take it
    assert permissions.can_claim_deal(other, Match.objects.get(pk=proposal.pk))
    # ... but none of the sides
    assert not permissions.can_claim_deal(proposal.achievement.created_by, Match.objects.get(pk=proposal.pk))


def test_only_an_approved_pair_is_claimed_or_assigned_and_only_admins_assign(proposal, broker, admin, owner):
    assert not permissions.can_claim_deal(broker, proposal)
    assert not permissions.can_assign_deal(admin, proposal)
    Match.objects.filter(pk=proposal.pk).update(  # approved before the pipeline: no deal row yet
        status=MatchStatus.APPROVED, deal_stage=DealStage.INTRODUCED, reviewed_by=broker, reviewed_at=timezone.now()
    )
    match = Match.objects.get(pk=proposal.pk)
    assert permissions.can_claim_deal(broker, match)
    assert permissions.can_assign_deal(admin, match)
    assert not permissions.can_assign_deal(owner, match) and not permissions.can_assign_deal(broker, match)


def test_a_pair_approved_before_the_pipeline_gets_its_deal(proposal, broker):
    Match.objects.filter(pk=proposal.pk).update(
        status=MatchStatus.APPROVED, deal_stage=DealStage.INTRODUCED, reviewed_by=broker, reviewed_at=timezone.now()
    )
    match = Match.objects.get(pk=proposal.pk)
    assert services.deal_claim(match=match, user=broker).broker == broker


def test_challenge_entry_status_unchanged_by_pipeline(need, achievement, owner, researcher):
    match = _challenge_winner(need, achievement, owner, researcher)
    assert ChallengeEntry.objects.get().status == ChallengeEntry.Status.CHOSEN and match.status == MatchStatus.APPROVED
