"""Deal stages: contacted → negotiating → contract signed (amount, date) → implemented, or dropped."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import DealStage, Match
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import DealEvent
from mengkeju.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def deal(proposal, broker):
    return services.match_approve(match=proposal, user=broker)


def test_the_whole_way(deal, owner, researcher, broker):
    services.deal_stage_move(match=deal, user=owner, stage=DealStage.CONTACTED, note="首次会面")
    services.deal_stage_move(match=deal, user=researcher, stage=DealStage.NEGOTIATING)
    services.deal_stage_move(
        match=deal, user=owner, stage=DealStage.SIGNED, amount_wan=Decimal("88.50"), signed_on=TODAY()
    )
    services.deal_stage_move(match=deal, user=broker, stage=DealStage.IMPLEMENTED)
    deal.refresh_from_db()
    assert deal.deal_stage == DealStage.IMPLEMENTED
    assert (deal.contract_amount_wan, deal.contract_signed_on) == (Decimal("88.50"), TODAY())
    events = list(DealEvent.objects.filter(match=deal).values_list("actor__username", "action", "stage"))
    assert events == [
        ("broker", "approved", "introduced"),
        ("owner", "stage", "contacted"),
        ("researcher", "stage", "negotiating"),
        ("owner", "stage", "signed"),
        ("broker", "stage", "implemented"),
    ]
    assert AuditLog.objects.filter(action="match.deal_stage").count() == 4
    # a final stage goes nowhere
    assert services.deal_stage_targets(match=deal) == []
    with pytest.raises(PermissionDenied):
        services.deal_stage_move(match=deal, user=owner, stage=DealStage.DROPPED, reason="x")


def test_the_other_side_is_notified_in_app(deal, owner, colleague, researcher):
    services.deal_stage_move(match=deal, user=owner, stage=DealStage.CONTACTED)
    recipients = set(
        Notification.objects.filter(kind=NotificationKind.DEAL_STAGE).values_list("recipient__username", flat=True)
    )
    assert recipients == {"colleague", "researcher"}


def test_signing_needs_amount_and_a_date_not_in_the_future(deal, owner):
    with pytest.raises(ValidationError) as exc:
        services.deal_stage_move(match=deal, user=owner, stage=DealStage.SIGNED)
    assert set(exc.value.message_dict) == {"amount_wan", "signed_on"}
    with pytest.raises(ValidationError):
        services.deal_stage_move(
            match=deal,
            user=owner,
            stage=DealStage.SIGNED,
            amount_wan=Decimal(10),
            signed_on=TODAY() + datetime.timedelta(days=1),
        )
    assert Match.objects.get(pk=deal.pk).deal_stage == DealStage.INTRODUCED


def test_implemented_only_after_signing(deal, owner):
    assert DealStage.IMPLEMENTED not in services.deal_stage_targets(match=deal)
    with pytest.raises(ValidationError):
        services.deal_stage_move(match=deal, user=owner, stage=DealStage.IMPLEMENTED)


def test_no_going_back(deal, owner):
    services.deal_stage_move(match=deal, user=owner, stage=DealStage.NEGOTIATING)
    with pytest.raises(ValidationError):
        services.deal_stage_move(match=deal, user=owner, stage=DealStage.CONTACTED)


@pytest.mark.parametrize("stage", [DealStage.INTRODUCED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED])
def test_dropped_from_any_open_stage_with_a_reason(deal, researcher, stage):
    Match.objects.filter(pk=deal.pk).update(deal_stage=stage)
    deal.refresh_from_db()
    with pytest.raises(ValidationError):
        services.deal_stage_move(match=deal, user=researcher, stage=DealStage.DROPPED, reason=" ")
    services.deal_stage_move(match=deal, user=researcher, stage=DealStage.DROPPED, reason="预算取消")
    deal.refresh_from_db()
    assert (deal.deal_stage, deal.drop_reason) == (DealStage.DROPPED, "预算取消")


@pytest.mark.parametrize("who", ["outsider", "researcher_outsider", "anonymous"])
def test_outsiders_cannot_move_a_deal(cast, deal, who):
    with pytest.raises(PermissionDenied):
        services.deal_stage_move(match=deal, user=cast[who], stage=DealStage.CONTACTED)


def test_a_stale_stage_loses(deal, owner, researcher):
    stale = Match.objects.get(pk=deal.pk)
    services.deal_stage_move(match=deal, user=owner, stage=DealStage.CONTACTED)
    with pytest.raises(services.Conflict):
        services.deal_stage_move(match=stale, user=researcher, stage=DealStage.NEGOTIATING)
    assert Match.objects.get(pk=deal.pk).deal_stage == DealStage.CONTACTED
