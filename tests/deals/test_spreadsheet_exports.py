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
    assert row["need_title"] == "'" + EVIL and row["achievement_title"] == "'+cmd|' /C calc'!A0"
    [cells] = xlsx_rows(client.get(reverse("deals:export_matches_xlsx")))
    assert cells["need_title"] == "'" + EVIL and list(cells) == exports.MATCH_COLUMNS
    assert cells["score"] == "0.8000"


def test_deal_export_as_xlsx_has_the_csv_columns(client_for, admin, broker, evil_match):
    from mengkeju.deals import services

    services.match_approve(match=evil_match, user=broker)
    client = client_for(admin)
    [row] = csv_rows(client.get(reverse("deals:export_deals")))
    [cells] = xlsx_rows(client.get(reverse("deals:export_deals_xlsx")))
    assert list(cells) == list(row) == exports.DEAL_COLUMNS
    assert cells["need_title"] == row["need_title"] == "'" + EVIL


def test_xlsx_exports_are_for_the_same_users_as_csv(client_for, owner, outsider):
    assert client_for(outsider).get(reverse("deals:export_matches_xlsx")).status_code in (302, 403)


def test_dashboard_downloads_as_csv_and_xlsx(client, client_for, admin):
    text = csv_rows(client.get(reverse("dashboard:csv", args=["funnel"])))
    cells = xlsx_rows(client.get(reverse("dashboard:xlsx", args=["funnel"])))
    assert [r["step"] for r in text] == [r["step"] for r in cells] == ["proposed", "approved", "contacted", "signed"]
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
