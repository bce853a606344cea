"""The 18-character unified social credit code (统一社会信用代码), in the validator and on organizations."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from mengkeju.core.models import Organization
from mengkeju.core.services import organization_create
from mengkeju.core.validators import credit_code_check_character, validate_credit_code
from tests.factories import credit_code

VALID = [
    "91350100M000100Y43",  # the code printed on sample business licences
    "91110000802100433B",
    credit_code(1),
    credit_code(123456789, region="150200"),
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_lower_case_and_surrounding_spaces_are_accepted():
    validate_credit_code("  91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        ("91350100M000100Y4", "length", "has 17"),
        ("91350100M000100Y431", "length", "has 19"),
        ("", "length", "has 0"),
        ("91350100M000100I43", "alphabet", "I"),  # I, O, S, V, Z are never used
        ("91350100M0001O0Y43", "alphabet", "O"),
        ("9135010@M000100Y43", "alphabet", "@"),
        ("91AB0100M000100Y43", "region", "administrative division"),
        ("91350100M000100Y44", "checksum", "should be 3, not 4"),
        ("91110000802100433C", "checksum", "should be B, not C"),
    ],
)
def test_invalid_codes_are_rejected_with_a_reason(code, error, words):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error
    with translation.override("en"):
        assert words in exc.value.messages[0]


def test_every_single_character_typo_is_caught():
    code = credit_code(42)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            assert credit_code_check_character(typo[:17]) != code[17]


@pytest.mark.django_db
def test_enterprises_need_a_valid_code_universities_do_not():
    with pytest.raises(ValidationError) as exc:
        organization_create(kind=Organization.Kind.ENTERPRISE, name="无代码企业", verified=True)
    assert "credit_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        organization_create(kind=Organization.Kind.ENTERPRISE, name="错代码企业", credit_code="91350100M000100Y44")
    assert "credit_code" in exc.value.message_dict
    assert not Organization.objects.exists()

    enterprise = organization_create(kind=Organization.Kind.ENTERPRISE, name="好企业", credit_code="91350100m000100y43")
    assert enterprise.credit_code == "91350100M000100Y43"  # stored upper-case
    assert enterprise.verified is False
    university = organization_create(kind=Organization.Kind.UNIVERSITY, name="内蒙古农业大学")
    assert university.credit_code == ""
    imported = organization_create(kind=Organization.Kind.ENTERPRISE, name="导入的企业")  # e.g. from a file
    assert (imported.credit_code, imported.verified) == ("", False)


@pytest.mark.django_db
def test_an_enterprise_is_verified_only_with_its_code(admin):
    from mengkeju.core.services import organization_verify

    enterprise = organization_create(kind=Organization.Kind.ENTERPRISE, name="导入的企业")
    with pytest.raises(ValidationError) as exc:
        organization_verify(organization=enterprise, actor=admin)
    assert "credit_code" in exc.value.message_dict
    enterprise.refresh_from_db()
    assert not enterprise.verified


@pytest.mark.django_db
def test_a_credit_code_is_registered_once():
    organization_create(kind=Organization.Kind.ENTERPRISE, name="第一家", credit_code=VALID[0])
    with pytest.raises(ValidationError):
        organization_create(kind=Organization.Kind.ENTERPRISE, name="第二家", credit_code=VALID[0].lower())
    assert Organization.objects.count() == 1
