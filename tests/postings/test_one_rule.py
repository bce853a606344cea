"""One rule for what a posting may hold: the same value gets the same verdict through the need form and
through ``import_postings`` — accepted by both, or refused by both with an error naming the field (the
form) or the line and field (the import), nothing saved.  Runs on SQLite and again in the PostgreSQL pass
(jsonb keywords, tsvector search text).  Before, the import took 50 keywords of 100 characters and
drafts with past deadlines while the form took 12 of 30."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from mengkeju.core.models import CooperationMode, IndustryCluster
from mengkeju.postings.limits import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, TEXT_LIMITS
from needs.models import TechnicalNeed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False),
]

BASE = {"title": "光伏组件回收", "keywords": ["光伏", "回收"], "description": "退役光伏组件的回收利用。"}

# (field, value, accepted): values at each limit and one step beyond, and the characters PostgreSQL refuses
CASES = [
    ("keywords", [f"词{i}" for i in range(MAX_KEYWORDS)], True),
    ("keywords", [f"词{i}" for i in range(MAX_KEYWORDS + 1)], False),
    ("keywords", ["光" * MAX_KEYWORD_LENGTH], True),
    ("keywords", ["光" * (MAX_KEYWORD_LENGTH + 1)], False),
    ("keywords", ["abc\x00def"], False),
    ("keywords", ["光伏\x85回收"], False),
    ("title", "长" * 200, True),
    ("title", "长" * 201, False),
    ("title", "光伏\x00回收", False),
    ("title", "光伏\x1b[31m回收", False),
    ("description", "字" * TEXT_LIMITS["description"], True),
    ("description", "字" * (TEXT_LIMITS["description"] + 1), False),
    ("description", "第一段\r\n\t第二段", True),
    ("description", "控制\x85字符", False),
    ("description", "第一段\x00第二段", False),
    ("deadline", "2026-11-29", False),  # yesterday: could never be approved
    ("deadline", "2026-11-30", True),
    ("deadline", "2036-11-30", True),
    ("deadline", "2036-12-01", False),  # more than ten years ahead: a typo
    ("deadline", "0001-01-01", False),
    ("budget_max_wan", "100000", True),  # 10 亿元
    ("budget_max_wan", "100000.01", False),
    ("budget_max_wan", "3000000", False),  # yuan typed into a 万元 field
    ("budget_max_wan", "-1", False),
    ("budget_max_wan", "1.234", False),
]
IDS = [f"{field}-{'ok' if ok else 'refused'}-{i}" for i, (field, _v, ok) in enumerate(CASES)]


def _through_form(client, field, value) -> tuple[bool, list[str]]:
    data = {
        **BASE,
        "cluster": IndustryCluster.objects.get(code="new-energy").pk,
        "cooperation_modes": [CooperationMode.objects.first().pk],
        field: value,
    }
    data["keywords"] = "、".join(data["keywords"])
    response = client.post(reverse("needs:create"), data)
    assert response.status_code in (200, 302), response.status_code  # never a 500
    if response.status_code == 302:
        return True, []
    form = response.context["form"]
    assert not TechnicalNeed.objects.exists()
    return False, [name for name in form.errors if form.errors[name]]


def _through_import(tmp_path, field, value) -> tuple[bool, str]:
    record = {
        **BASE,
        "external_id": "ONE-1",
        "cluster": "new-energy",
        "organization": "企业A·呼和浩特绿能科技有限公司",
        field: value,
    }
    path = tmp_path / "needs.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        call_command("import_postings", "--kind", "need", str(path), "--publish")
    except CommandError as exc:
        assert not TechnicalNeed.objects.exists()
        return False, str(exc)
    return True, ""


@pytest.mark.parametrize(("field", "value", "accepted"), CASES, ids=IDS)
def test_the_form_and_the_import_give_the_same_verdict(client_for, owner, tmp_path, field, value, accepted):
    ok, form_fields = _through_form(client_for(owner), field, value)
    assert ok is accepted, form_fields
    if not ok:
        assert form_fields == [field]  # the error is on the field itself, and only there
    TechnicalNeed.objects.all().delete()

    ok, message = _through_import(tmp_path, field, value)
    assert ok is accepted, message
    if ok:
        need = TechnicalNeed.objects.get()
        stored = getattr(need, field)
        if field == "budget_max_wan":
            assert stored == Decimal(value)
        elif field == "deadline":
            assert stored == datetime.date.fromisoformat(value)
        else:
            assert stored == value
    else:
        assert f"line 1, field {field}: " in message


def test_hidden_characters_are_removed_the_same_way(client_for, owner, tmp_path):
    """A zero-width space in a title or keyword is removed by both (issue 7, item 13)."""
    assert _through_form(client_for(owner), "title", "光伏\u200b组件回收")[0]
    by_form = TechnicalNeed.objects.get()
    TechnicalNeed.objects.all().delete()
    assert _through_import(tmp_path, "title", "光伏\u200b组件回收")[0]
    by_import = TechnicalNeed.objects.get()
    assert by_form.title == by_import.title == "光伏组件回收"
