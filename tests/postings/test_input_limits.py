"""Bad input on the posting forms gets an error on the field concerned — never a 500, nothing saved:
NUL and control characters, oversized text, absurd dates; the same limits hold for services and the
admin (model validation).  The NUL keyword and the 2 MB description broke PostgreSQL (jsonb, tsvector):
those run on both backends, and again in the ``postgres`` variants below."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from mengkeju.core.models import CooperationMode, IndustryCluster
from mengkeju.postings import services
from mengkeju.postings.limits import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, STORED_DEADLINE_RANGE, TEXT_LIMITS
from needs.models import TechnicalNeed
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)
# 2 MB of text as typed or pasted (the request itself stays under DATA_UPLOAD_MAX_MEMORY_SIZE)
TWO_MB = ("photovoltaic module recycling " * 80_000)[: 2 * 1024 * 1024]


def _form(**extra) -> dict:
    return {
        "title": "光伏组件回收",
        "cluster": IndustryCluster.objects.get(code="new-energy").pk,
        "keywords": "光伏、回收",
        "description": "退役光伏组件的回收利用。",
        "cooperation_modes": [CooperationMode.objects.first().pk],
        **extra,
    }


def _post(client, **extra):
    response = client.post(reverse("needs:create"), _form(**extra))
    assert response.status_code in (200, 302)  # never a 500
    return response


def _field_errors(response, field) -> list[str]:
    assert response.status_code == 200, "the bad input was accepted"
    return response.context["form"].errors.get(field, [])


BAD_TEXT = [
    pytest.param("keywords", "abc\x00def", id="nul-keyword"),
    pytest.param("keywords", "光伏\x07回收", id="bell-keyword"),
    pytest.param("title", "光伏\x00回收", id="nul-title"),
    pytest.param("title", "光伏\x1b[31m回收", id="escape-title"),
    pytest.param("description", "第一段\x00第二段", id="nul-description"),
    pytest.param("description", "控制\x85字符", id="c1-description"),
    pytest.param("region_code", "呼和浩特\x00", id="nul-region"),  # the region is picked from a list
    pytest.param("contact_name", "王\x0b经理", id="vt-contact"),
    pytest.param("public_summary", "摘要\x00", id="nul-summary"),
]


@pytest.mark.parametrize(("field", "value"), BAD_TEXT)
def test_control_characters_are_refused_on_the_field(client_for, owner, field, value):
    extra = {field: value}
    if field == "public_summary":
        extra["confidential"] = "on"
    errors = _field_errors(_post(client_for(owner), **extra), field)
    assert errors, f"no error on {field}"
    assert not TechnicalNeed.objects.exists()


def test_tabs_and_line_breaks_are_text(client_for, owner):
    assert _post(client_for(owner), description="第一段\r\n\t第二段").status_code == 302


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("description", TWO_MB, id="2MB-description"),
        pytest.param("description", "字" * (TEXT_LIMITS["description"] + 1), id="description-one-over"),
        pytest.param("public_summary", "字" * (TEXT_LIMITS["public_summary"] + 1), id="summary-one-over"),
        pytest.param("title", "字" * 201, id="title-one-over"),
        pytest.param("keywords", "、".join(f"词{i}" for i in range(MAX_KEYWORDS + 1)), id="too-many-keywords"),
        pytest.param("keywords", "字" * (MAX_KEYWORD_LENGTH + 1), id="keyword-one-over"),
        pytest.param("region_code", "区" * 101, id="region-one-over"),
    ],
)
def test_oversized_text_is_refused_on_the_field(client_for, owner, field, value):
    extra = {field: value}
    if field == "public_summary":
        extra["confidential"] = "on"
    assert _field_errors(_post(client_for(owner), **extra), field)
    assert not TechnicalNeed.objects.exists()


def test_text_at_the_limit_is_accepted(client_for, owner):
    response = _post(
        client_for(owner),
        description="字" * TEXT_LIMITS["description"],
        keywords="、".join(f"词{i}" for i in range(MAX_KEYWORDS)),
    )
    assert response.status_code == 302
    assert len(TechnicalNeed.objects.get().description) == TEXT_LIMITS["description"]


@time_machine.travel(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    ("deadline", "ok"),
    [
        ("0001-01-01", False),
        ("1999-12-31", False),
        ("2026-11-29", False),  # yesterday
        ("2026-11-30", True),  # today
        ("2036-11-30", True),
        ("2037-01-01", False),  # more than ten years ahead
        ("9999-12-31", False),
    ],
)
def test_the_deadline_is_today_or_later_and_not_absurd(client_for, owner, deadline, ok):
    response = _post(client_for(owner), deadline=deadline)
    if ok:
        assert response.status_code == 302
    else:
        assert _field_errors(response, "deadline")


@time_machine.travel(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_a_past_deadline_must_be_extended_when_editing(client_for, owner, org_a):
    need = NeedFactory(organization=org_a, created_by=owner, status="draft", deadline=datetime.date(2026, 11, 1))
    response = client_for(owner).post(
        reverse("needs:edit", args=[need.pk]),
        _form(title="改个标题", deadline="2026-11-01"),
    )
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
    response = client_for(owner).post(reverse("needs:edit", args=[need.pk]), _form(deadline="2026-12-31"))
    assert response.status_code == 302


def test_services_and_the_admin_apply_the_same_limits(owner, org_a):
    need = NeedFactory(organization=org_a, created_by=owner, status="draft")
    cases = {
        "keywords": ["abc\x00def"],
        "description": TWO_MB,
        "deadline": datetime.date(1, 1, 1),
        "title": "标题\x00",
    }
    for field, value in cases.items():
        with pytest.raises(ValidationError) as caught:
            services.posting_update(posting=need, user=owner, data={field: value})
        assert field in caught.value.message_dict, (field, caught.value.message_dict)
    assert STORED_DEADLINE_RANGE[0] <= TODAY <= STORED_DEADLINE_RANGE[1]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("field", "value"),
    [("keywords", "abc\x00def"), ("description", TWO_MB), ("title", "光伏\x00回收")],
    ids=["nul-keyword", "2MB-description", "nul-title"],
)
def test_what_broke_postgresql_is_a_field_error(client_for, owner, field, value):
    assert _field_errors(_post(client_for(owner), **{field: value}), field)
    assert not TechnicalNeed.objects.exists()


@pytest.mark.postgres
def test_a_description_at_the_limit_is_indexed_on_postgresql(client_for, owner):
    from mengkeju.postings.search import search

    text = ("退役光伏组件回收，热解剥离背板与银浆提纯。" * 2000)[: TEXT_LIMITS["description"]]
    assert _post(client_for(owner), description=text).status_code == 302
    assert list(search(TechnicalNeed.objects.all(), "银浆")) == [TechnicalNeed.objects.get()]


def test_services_refuse_more_keywords_than_the_form_takes(owner, org_a):
    need = NeedFactory(organization=org_a, created_by=owner, status="draft")
    services.posting_update(posting=need, user=owner, data={"keywords": [f"词{i}" for i in range(MAX_KEYWORDS)]})
    with pytest.raises(ValidationError) as caught:
        services.posting_update(
            posting=need, user=owner, data={"keywords": [f"词{i}" for i in range(MAX_KEYWORDS + 1)]}
        )
    assert list(caught.value.message_dict) == ["keywords"]
    need.refresh_from_db()
    assert len(need.keywords) == MAX_KEYWORDS
