"""Import errors name the line of the file (not the number of the data row) and negative numbers are
refused — tests for single-point bugs that once passed the whole suite."""

import json

import pytest
from django.core.management import CommandError, call_command

from achievements.models import Achievement
from needs.models import TechnicalNeed

pytestmark = pytest.mark.django_db

HEADER = "external_id,title,description,keywords,cluster,organization,maturity,price_wan,ip\n"


def _csv(tmp_path, body: str) -> str:
    path = tmp_path / "achievements.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def _import(kind: str, path: str):
    call_command("import_postings", "--kind", kind, path)


def test_a_csv_error_names_the_line_of_the_file_after_a_multi_line_cell(tmp_path):
    # the first record spans file lines 2–4 (a quoted description with line breaks); the bad one is line 5
    path = _csv(
        tmp_path,
        'T-A1,光伏组件清洗机器人,"无水清洗\n第二段\n第三段",光伏,new-energy,测试大学,中试,,发明专利\n'
        "T-A2,稀土抛光粉回收,酸浸萃取,稀土,不存在的集群,测试大学,中试,,发明专利\n",
    )
    with pytest.raises(CommandError, match=r"line 5\b[^\n]*cluster"):
        _import("achievement", path)
    assert not Achievement.objects.exists()


def test_a_csv_error_on_the_first_record_is_line_2(tmp_path):
    path = _csv(tmp_path, "T-A1,光伏组件清洗机器人,无水清洗,光伏,不存在的集群,测试大学,中试,,发明专利\n")
    with pytest.raises(CommandError, match=r"line 2\b[^\n]*cluster"):
        _import("achievement", path)


def test_a_jsonl_error_after_blank_lines_names_the_file_line(tmp_path):
    good = {
        "external_id": "T-N1",
        "title": "奶牛乳房炎早期发现",
        "description": "挤奶时发现隐性乳房炎。",
        "keywords": ["乳房炎"],
        "cluster": "绿色农畜产品加工",
        "organization": "测试牧场",
    }
    bad = good | {"external_id": "T-N2", "cluster": "不存在"}
    path = tmp_path / "needs.jsonl"
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), "", "", json.dumps(bad, ensure_ascii=False)]))
    with pytest.raises(CommandError, match=r"line 4\b[^\n]*cluster"):
        _import("need", str(path))
    assert not TechnicalNeed.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("budget_min_wan", -5), ("budget_max_wan", "-0.01")],
)
def test_negative_amounts_of_a_need_are_refused(tmp_path, field, value):
    row = {
        "external_id": "T-N1",
        "title": "奶牛乳房炎早期发现",
        "description": "挤奶时发现隐性乳房炎。",
        "keywords": ["乳房炎"],
        "cluster": "绿色农畜产品加工",
        "organization": "测试牧场",
        field: value,
    }
    path = tmp_path / "needs.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False))
    with pytest.raises(CommandError, match=rf"line 1\b[^\n]*{field}"):
        _import("need", str(path))
    assert not TechnicalNeed.objects.exists()


def test_a_negative_price_in_a_csv_is_refused(tmp_path):
    path = _csv(tmp_path, "T-A1,光伏组件清洗机器人,无水清洗,光伏,new-energy,测试大学,中试,-80,发明专利\n")
    with pytest.raises(CommandError, match=r"line 2\b[^\n]*price_wan"):
        _import("achievement", path)
    assert not Achievement.objects.exists()


def test_zero_is_a_valid_amount(tmp_path):
    path = _csv(tmp_path, "T-A1,光伏组件清洗机器人,无水清洗,光伏,new-energy,测试大学,中试,0,发明专利\n")
    _import("achievement", path)
    assert Achievement.objects.get().price_wan == 0
