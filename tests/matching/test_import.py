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


@pytest.mark.django_db
def test_missing_organizations_are_created_unverified_enterprises_for_needs_universities_for_achievements(
    tmp_path, capsys
):
    from mengkeju.core.models import Organization

    call_command("import_postings", "--kind", "need", write(tmp_path, [GOOD]))
    out = capsys.readouterr().out
    org = Organization.objects.get(name="测试牧场")
    assert (org.kind, org.verified, org.credit_code) == ("enterprise", False, "")
    assert "organizations created: 1" in out and "1 enterprise(s) created, unverified" in out
    achievement = {**GOOD, "external_id": "T-A1", "organization": "测试学院"}
    call_command("import_postings", "--kind", "achievement", write(tmp_path, [achievement], "a.jsonl"))
    assert Organization.objects.get(name="测试学院").kind == "university"
    # an existing organization is reused, whatever its kind
    call_command("import_postings", "--kind", "need", write(tmp_path, [{**GOOD, "external_id": "T-N9"}]))
    assert Organization.objects.filter(name="测试牧场").count() == 1
    assert "organizations created: 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_published_imports_enter_the_matcher_index_and_drafts_do_not(tmp_path, capsys):
    from matching.models import IndexedPosting, IndexTerm

    call_command("import_postings", "--kind", "need", write(tmp_path, [GOOD]))
    assert not IndexedPosting.objects.exists()
    assert "in the matcher's index" not in capsys.readouterr().out
    call_command(
        "import_postings", "--kind", "need", write(tmp_path, [GOOD, {**GOOD, "external_id": "T-N2"}]), "--publish"
    )
    out = capsys.readouterr().out
    ids = set(TechnicalNeed.objects.values_list("pk", flat=True))
    assert set(IndexedPosting.objects.filter(kind="need").values_list("posting_id", flat=True)) == ids
    assert IndexTerm.objects.filter(kind="need", term="乳房炎").count() == 2
    assert "2 published needs are in the matcher's index" in out and "match --all" in out
    # re-importing a published posting re-indexes its new words
    call_command("import_postings", "--kind", "need", write(tmp_path, [{**GOOD, "keywords": ["布鲁氏菌病"]}]))
    need = TechnicalNeed.objects.get(external_id="T-N1")
    assert IndexTerm.objects.filter(kind="need", term="布鲁氏菌病", posting_id=need.pk).exists()


@pytest.mark.django_db
def test_imported_postings_are_whole_rows_found_by_search_and_the_site_adds_after_them(tmp_path, org_a):
    """New postings go in by COPY on PostgreSQL (bulk_create elsewhere): every field, the times, the ids
    from the table's own sequence, the search index kept by the database."""
    from django.utils import timezone

    from mengkeju.postings.search import search
    from tests.factories import NeedFactory

    before = timezone.now()
    rows = [{**GOOD, "external_id": f"C-{i}", "title": f"奶牛乳房炎早期发现{i}", "deadline": None} for i in range(3)]
    rows[1].update(title="稀土永磁电机能效提升", description="永磁同步电机的温升控制。", budget_max_wan=80)
    call_command("import_postings", "--kind", "need", write(tmp_path, rows), "--publish")
    needs = {n.external_id: n for n in TechnicalNeed.objects.all()}
    assert sorted(needs) == ["C-0", "C-1", "C-2"]
    second = needs["C-1"]
    assert (second.title, second.description, second.budget_min_wan, second.budget_max_wan) == (
        "稀土永磁电机能效提升", "永磁同步电机的温升控制。", 30, 80
    )  # fmt: skip
    assert second.keywords == ["乳房炎"] and second.cluster.name_zh == "绿色农畜产品加工"
    assert second.created_at >= before and second.updated_at >= before and second.published_at >= before
    assert second.title_sort and "xqbody" in second.search_tokens
    assert list(second.cooperation_modes.values_list("name_zh", flat=True)) == ["技术服务"]
    published = TechnicalNeed.objects.filter(status="published")
    assert [n.external_id for n in search(published, "永磁 温升")] == ["C-1"]
    assert {n.external_id for n in search(published, "乳房炎")} == {"C-0", "C-1", "C-2"}
    later = NeedFactory(organization=org_a)  # the sequence went on past the imported ids
    assert later.pk > max(n.pk for n in needs.values())
