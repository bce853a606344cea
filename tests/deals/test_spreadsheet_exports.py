"""Every CSV and .xlsx export neutralises cells that would start a formula (=, +, -, @, tab, CR), keeps
the UTF-8 byte-order mark on CSV, and offers the same columns as .xlsx."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from matching.models import Match
from mengkeju.deals import exports
from mengkeju.lib.spreadsheet import safe_cell, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://example.invalid","x")'


@pytest.mark.parametrize(
    "value, expected",
    [
        (EVIL, "'" + EVIL),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("普通标题", "普通标题"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_write_csv_and_xlsx_neutralise_every_cell_header_included():
    rows = [{"a": EVIL, "b": -3}, {"a": "@x", "b": "ok"}]
    text = write_csv(["a", "b"], rows)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["a", "b"],
        ["'" + EVIL, "-3"],
        ["'@x", "ok"],
    ]
    rows = [{"a": r["a"], "=b": r["b"]} for r in rows]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(["a", "=b"], rows))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [["a", "'=b"], ["'" + EVIL, -3], ["'@x", "ok"]]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.fixture
def evil_match(need, achievement, broker):
    need.title = EVIL
    need.save()
    achievement.title = "+cmd|' /C calc'!A0"
    achievement.save()
    return Match.objects.create(need=need, achievement=achievement, score=0.8)


def xlsx_rows(response) -> list[dict]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return [dict(zip(header, row, strict=True)) for row in rows]


def csv_rows(response) -> list[dict]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_web_match_exports_neutralise_formulas_in_csv_and_xlsx(client_for, admin, evil_match):
    client = client_for(admin)
    [row] = csv_rows(client.get(reverse("deals:export_matches")))
    assert row["技术需求"] == "'" + EVIL and row["科技成果"] == "'+cmd|' /C calc'!A0"
    [cells] = xlsx_rows(client.get(reverse("deals:export_matches_xlsx")))
    assert cells["技术需求"] == "'" + EVIL and list(cells) == list(row)
    assert cells["匹配得分（0–1）"] == "0.8000"
    [coded] = xlsx_rows(client.get(reverse("deals:export_matches_xlsx"), {"codes": "1"}))
    assert coded["need_title"] == "'" + EVIL and list(coded) == exports.MATCH_COLUMNS


def test_deal_export_as_xlsx_has_the_csv_columns(client_for, admin, broker, evil_match):
    from mengkeju.deals import services

    services.match_approve(match=evil_match, user=broker)
    client = client_for(admin)
    [row] = csv_rows(client.get(reverse("deals:export_deals"), {"codes": "1"}))
    [cells] = xlsx_rows(client.get(reverse("deals:export_deals_xlsx"), {"codes": "1"}))
    assert list(cells) == list(row) == exports.DEAL_COLUMNS
    assert cells["need_title"] == row["need_title"] == "'" + EVIL
    assert cells["deal_stage"] == row["deal_stage"] == "introduced"
    [row] = csv_rows(client.get(reverse("deals:export_deals")))
    [cells] = xlsx_rows(client.get(reverse("deals:export_deals_xlsx")))
    assert list(cells) == list(row) and cells["对接进展"] == row["对接进展"] == "已引荐"


def test_xlsx_exports_are_for_the_same_users_as_csv(client_for, owner, outsider):
    assert client_for(outsider).get(reverse("deals:export_matches_xlsx")).status_code in (302, 403)


def test_dashboard_downloads_as_csv_and_xlsx(client, client_for, admin):
    text = csv_rows(client.get(reverse("dashboard:csv", args=["funnel"])))
    cells = xlsx_rows(client.get(reverse("dashboard:xlsx", args=["funnel"])))
    assert [r["环节"] for r in text] == [r["环节"] for r in cells] == ["已推荐", "已通过", "已对接", "已签约"]
    coded = csv_rows(client.get(reverse("dashboard:csv", args=["funnel"]), {"codes": "1"}))
    assert [r["step"] for r in coded] == ["proposed", "approved", "contacted", "signed"]
    client.cookies["django_language"] = "en"
    text = csv_rows(client.get(reverse("dashboard:csv", args=["funnel"])))
    assert [r["Step"] for r in text] == ["Proposed", "Approved", "Contacted", "Contract signed"]
    assert client.get(reverse("dashboard:xlsx", args=["brokers"])).status_code in (302, 403)
    assert client_for(admin).get(reverse("dashboard:xlsx", args=["brokers"])).status_code == 200
    assert client.get(reverse("dashboard:xlsx", args=["nothing"])).status_code == 404


def test_dashboard_links_offer_both_formats(client):
    page = client.get(reverse("dashboard:public")).content.decode()
    assert reverse("dashboard:csv", args=["funnel"]) in page and reverse("dashboard:xlsx", args=["funnel"]) in page


def test_export_matches_command_csv_has_bom_and_neutralised_cells(tmp_path, evil_match):
    path = tmp_path / "m.csv"
    call_command("export_matches", "--format", "csv", "--output", str(path))
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    [row] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["need"] == str(evil_match.need.external_id or evil_match.need_id)
    assert row["rank"] == "1"


def test_export_matches_command_neutralises_external_ids(tmp_path, evil_match):
    need = evil_match.need
    need.external_id = "=1+1"
    need.save()
    path = tmp_path / "m.csv"
    call_command("export_matches", "--format", "csv", "--output", str(path))
    [row] = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert row["need"] == "'=1+1"
    call_command("export_matches", "--format", "xlsx", "--output", str(tmp_path / "m.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx").active
    assert [c.value for c in next(sheet.iter_rows(min_row=2))][:2] == ["'=1+1", evil_match.achievement_id]


def test_export_matches_xlsx_needs_an_output_file():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="needs --output"):
        call_command("export_matches", "--format", "xlsx")


def test_dashboard_figure_downloads_name_their_figures_in_words(client, client_for, admin):
    """No cluster slug, no ``median_days_to_approval``: the figure tables read as the dashboard does."""
    clusters = csv_rows(client.get(reverse("dashboard:csv", args=["clusters"])))
    assert list(clusters[0]) == ["产业集群", "技术需求", "科技成果"]
    assert "新能源" in {r["产业集群"] for r in clusters}
    assert "code" in csv_rows(client.get(reverse("dashboard:csv", args=["clusters"]), {"codes": "1"}))[0]
    headline = csv_rows(client.get(reverse("dashboard:csv", args=["headline"])))
    assert [r["指标"] for r in headline][0] == "合同总金额（万元）"
    staff = client_for(admin)
    staff.cookies["django_language"] = "en"
    review = xlsx_rows(staff.get(reverse("dashboard:xlsx", args=["review"])))
    assert [r["Figure"] for r in review] == [
        "open proposals in the review queue",
        "days the oldest proposal has waited",
        "median hours from proposal to decision",
    ]
