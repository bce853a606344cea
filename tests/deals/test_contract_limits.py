"""A contract needs an amount above 0 万元 and a signing date between the need's publication and today;
refused on the field concerned, in the form, the service and through the page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import DealStage, Match
from mengkeju.deals import services
from mengkeju.deals.forms import StageForm

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def deal(proposal, broker):
    need = proposal.need
    type(need).objects.filter(pk=need.pk).update(published_at=datetime.datetime(2026, 6, 1, 2, 0, tzinfo=datetime.UTC))
    proposal.need.refresh_from_db()
    return services.match_approve(match=proposal, user=broker)


def _sign(deal, user, amount, signed_on):
    return services.deal_stage_move(
        match=deal, user=user, stage=DealStage.SIGNED, amount_wan=amount, signed_on=signed_on
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("amount", [Decimal(0), Decimal("0.00"), Decimal(-5)])
def test_a_contract_of_zero_or_less_is_refused_by_the_service(deal, owner, amount):
    with pytest.raises(ValidationError) as caught:
        _sign(deal, owner, amount, TODAY)
    assert set(caught.value.message_dict) == {"amount_wan"}
    assert Match.objects.get(pk=deal.pk).deal_stage == DealStage.INTRODUCED


@pytest.mark.parametrize(
    ("amount", "ok"), [("0", False), ("-1", False), ("0.00", False), ("0.01", True), ("88.5", True)]
)
def test_the_stage_form_refuses_a_zero_amount(amount, ok):
    form = StageForm(
        {"stage": DealStage.SIGNED, "amount_wan": amount, "signed_on": "2026-11-30"}, targets=[DealStage.SIGNED]
    )
    assert form.is_valid() is ok
    if not ok:
        assert list(form.errors) == ["amount_wan"]


@time_machine.travel(NOW, tick=False)
def test_a_contract_of_zero_through_the_page_is_refused(client_for, owner, deal):
    response = client_for(owner).post(
        reverse("deals:stage", args=[deal.pk]),
        {"stage": DealStage.SIGNED, "amount_wan": "0", "signed_on": "2026-11-30"},
    )
    assert response.status_code == 302
    assert Match.objects.get(pk=deal.pk).deal_stage == DealStage.INTRODUCED


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("signed_on", "ok"),
    [
        (datetime.date(1, 1, 1), False),
        (datetime.date(2026, 5, 31), False),  # before the need was published
        (datetime.date(2026, 6, 1), True),  # the day it was published (Asia/Shanghai)
        (TODAY, True),
        (TODAY + datetime.timedelta(days=1), False),  # in the future
    ],
)
def test_the_signing_date_lies_between_the_need_and_today(deal, owner, signed_on, ok):
    if ok:
        _sign(deal, owner, Decimal("12.5"), signed_on)
        assert Match.objects.get(pk=deal.pk).contract_signed_on == signed_on
    else:
        with pytest.raises(ValidationError) as caught:
            _sign(deal, owner, Decimal("12.5"), signed_on)
        assert set(caught.value.message_dict) == {"signed_on"}
