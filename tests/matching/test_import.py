import json

import pytest
from django.core.management import CommandError, call_command

from needs.models import TechnicalNeed

GOOD = {
    "external_id": "T-N1",
    "title": "奶牛乳房炎早期发现",
    "description": "挤奶时发现隐性乳房炎。",
    "keywords": ["乳房炎"],
    "cluster": "绿色农畜产品加工",
    "organization": "测试牧场",
    "cooperation_modes": ["技术服务"],
    "budget_min_wan": 30,
    "budget_max_wan": None,
    "colour": "blue",
}


def write(tmp_path, rows, name="needs.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows))
    return str(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "line 2: invalid JSON"),
        ({**GOOD, "external_id": "T-N2", "cluster": "不存在"}, "line 2, field cluster"),
        ({**GOOD, "external_id": "T-N2", "title": ""}, "line 2, field title"),
        ({**GOOD, "external_id": "T-N2", "budget_min_wan": "很多"}, "line 2, field budget_min_wan"),
        ({**GOOD, "external_id": "T-N2", "keywords": 5}, "line 2, field keywords"),
    ],
)
def test_errors_name_line_and_field_and_nothing_is_saved(tmp_path, bad, message):
    path = write(tmp_path, [GOOD, bad])
    with pytest.raises(CommandError, match=message):
        call_command("import_postings", "--kind", "need", path, "--publish")
    assert not TechnicalNeed.objects.exists()


@pytest.mark.django_db
def test_good_file_imports_and_reimport_updates_in_place(tmp_path, capsys):
    call_command("import_postings", "--kind", "need", write(tmp_path, [GOOD]), "--publish")
    out = capsys.readouterr().out
    assert "1 created" in out and "colour ×1" in out
    need = TechnicalNeed.objects.get(external_id="T-N1")
    assert need.status == "published" and need.budget_max_wan is None
    assert list(need.cooperation_modes.values_list("name_zh", flat=True)) == ["技术服务"]
    call_command("import_postings", "--kind", "need", write(tmp_path, [{**GOOD, "title": "新标题"}]))
    assert TechnicalNeed.objects.count() == 1
    assert TechnicalNeed.objects.get(external_id="T-N1").title == "新标题"


@pytest.mark.django_db
def test_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "external_id,title,description,keywords,cluster,organization,maturity,price_wan,ip\n"
        "T-A1,光伏组件清洗机器人,无水清洗,光伏组件;清洗,new-energy,测试大学,中试,,发明专利\n",
        encoding="utf-8",
    )
    call_command("import_postings", "--kind", "achievement", str(path))
    from achievements.models import Achievement

    a = Achievement.objects.get(external_id="T-A1")
    assert a.keywords == ["光伏组件", "清洗"] and a.maturity == "pilot" and a.price_wan is None
