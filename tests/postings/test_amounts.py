"""Amounts in 万元 have one plausibility rule for forms, models and import: yuan typed into a 万元 field
(3,000,000 for 300 万元) and 14-digit amounts are refused with a message naming the unit, on both backends."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from achievements.forms import AchievementForm
from mengkeju.deals.forms import StageForm
from mengkeju.postings.models import MAX_AMOUNT_WAN, amount_wan_problem, validate_amount_wan
from needs.forms import NeedForm
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value, problem",
    [
        (Decimal("3000000"), "looks like yuan; the field is in 万元"),
        (Decimal("12345678901234"), "looks like yuan"),
        (Decimal("100000.01"), "looks like yuan"),
        (Decimal("1e999999999"), "looks like yuan"),
        (Decimal("-0.01"), "must not be negative"),
        (Decimal("1.005"), "at most 2 decimal places"),
        (Decimal("NaN"), "must be a number"),
    ],
)
def test_implausible_amounts_are_named(value, problem):
    assert problem in amount_wan_problem(value)


@pytest.mark.parametrize("value", ["0", "0.01", "300", "12.5", str(MAX_AMOUNT_WAN)])
def test_plausible_amounts_pass(value):
    assert amount_wan_problem(Decimal(value)) is None
    validate_amount_wan(Decimal(value))


def test_the_validator_message_names_the_unit_and_keeps_huge_values_short():
    with pytest.raises(ValidationError) as info:
        validate_amount_wan(Decimal("1e999999999"))
    [message] = info.value.messages
    assert "万元" in message and len(message) < 300


@pytest.mark.parametrize("field", ["budget_min_wan", "budget_max_wan", "challenge_bounty_wan"])
@pytest.mark.parametrize("value", ["3000000", "12345678901234", "-1"])
def test_need_form_refuses_the_amount_on_its_field(field, value):
    form = NeedForm(data={field: value})
    assert not form.is_valid()
    assert field in form.errors
    if value == "3000000":
        assert form.errors.as_data()[field][0].code == "looks_like_yuan"


def test_achievement_form_refuses_yuan_in_the_price():
    form = AchievementForm(data={"price_wan": "3000000"})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["price_wan"]] == ["looks_like_yuan"]


def test_model_validation_refuses_it_on_both_backends(org_a, uni_u):
    need = NeedFactory(organization=org_a)
    need.budget_max_wan = Decimal("3000000")
    with pytest.raises(ValidationError) as info:
        need.full_clean()
    assert "budget_max_wan" in info.value.message_dict
    achievement = AchievementFactory(organization=uni_u)
    achievement.price_wan = Decimal("12345678901234")
    with pytest.raises(ValidationError) as info:
        achievement.full_clean()
    assert "price_wan" in info.value.message_dict


def test_contract_amount_is_bounded_too():
    form = StageForm(data={"stage": "signed", "amount_wan": "3000000"}, targets=["signed"])
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["amount_wan"]] == ["looks_like_yuan"]
