"""import_postings reads what Chinese offices produce (GBK CSV, UTF-16, .xlsx) and refuses bad input with
a line-and-field error, nothing saved and a failing exit status (CommandError makes manage.py exit 1)."""

import datetime
import json
import shutil
import subprocess
import tracemalloc

import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from achievements.models import Achievement
from matching import import_reading
from needs.models import TechnicalNeed

pytestmark = pytest.mark.django_db

HEADER = "external_id,title,description,cluster,organization"
GOOD = {
    "external_id": "T-N1",
    "title": "奶牛乳房炎早期发现",
    "description": "挤奶时发现隐性乳房炎。",
    "keywords": ["乳房炎"],
    "cluster": "绿色农畜产品加工",
    "organization": "测试牧场",
}


def need(**changes) -> dict:
    return {**GOOD, **changes}


def jsonl(tmp_path, *rows, name="needs.jsonl") -> str:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return str(path)


def run(path, *extra, kind="need"):
    call_command("import_postings", "--kind", kind, str(path), *extra)


def refused(path, *extra, kind="need") -> str:
    """The command's error text; asserts that nothing was saved."""
    with pytest.raises(CommandError) as info:
        run(path, *extra, kind=kind)
    assert not TechnicalNeed.objects.exists() and not Achievement.objects.exists()
    return str(info.value)


# --- encodings ------------------------------------------------------------------------------------------

GBK_CSV = f"{HEADER}\r\nX1,高纯颗粒硅制备,流化床法制备颗粒硅。,新能源,示例光伏材料有限公司\r\n"


def test_gbk_csv_from_the_issue_is_read(tmp_path, capsys):
    # printf '…' | iconv -t gbk > n.csv; manage.py import_postings --kind need n.csv  (was a traceback)
    path = tmp_path / "n.csv"
    if shutil.which("iconv"):
        converted = subprocess.run(["iconv", "-t", "gbk"], input=GBK_CSV.encode(), capture_output=True, check=True)
        path.write_bytes(converted.stdout)
    else:
        path.write_bytes(GBK_CSV.encode("gbk"))
    assert path.read_bytes() == GBK_CSV.encode("gbk")
    run(path)
    assert TechnicalNeed.objects.get(external_id="X1").title == "高纯颗粒硅制备"
    assert "read as GB18030/GBK" in capsys.readouterr().out


def test_gb18030_characters_outside_gbk_are_read(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(f"{HEADER}\nX1,𠮷野家菜品研发,内蒙古𠮷字,新能源,示例公司\n".encode("gb18030"))
    run(path)
    assert TechnicalNeed.objects.get().title == "𠮷野家菜品研发"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_with_and_without_bom_and_utf8_with_bom(tmp_path, codec):
    path = tmp_path / "n.csv"
    path.write_bytes(GBK_CSV.encode(codec))
    run(path)
    assert TechnicalNeed.objects.get().organization.name == "示例光伏材料有限公司"
    path = tmp_path / "n.jsonl"
    path.write_bytes((json.dumps(need(external_id="X2"), ensure_ascii=False) + "\n").encode(codec))
    run(path)
    assert TechnicalNeed.objects.filter(external_id="X2").exists()


def test_text_in_no_readable_encoding_is_refused_in_one_line_naming_file_and_encoding(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(HEADER.encode() + b"\n" + bytes(range(0x80, 0x100)) * 20 + b"\n")
    message = refused(path)
    assert message.count("\n") == 1  # "…: nothing imported, 1 error(s):" and the one line
    assert f"{path}: not GB18030/GBK text: byte 0x" in message and "line 2" in message


def test_a_named_encoding_that_does_not_fit_is_refused(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(f"{HEADER}\nX1,标题,描述,新能源,公司\n".encode("gbk") + b"\xff\xff\n")
    assert "not GB18030/GBK text: byte 0xFF at line 3" in refused(path, "--encoding", "gbk")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "an Excel 97-2003 workbook (.xls) is not supported"),
        (b"\xff\xfe\x00\x00" + "{}".encode("utf-32-le"), "UTF-32 text is not supported"),
    ],
)
def test_unsupported_files_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / "n.csv"
    path.write_bytes(content)
    assert f"{path}: {message}" in refused(path)


@pytest.mark.parametrize("name", ["n.jsonl", "n.csv"])
def test_invalid_utf8_names_line_and_field(tmp_path, name):
    path = tmp_path / name
    good = json.dumps(need(), ensure_ascii=False).encode()
    bad = json.dumps(need(external_id="T-N2", description="DESC"), ensure_ascii=False).encode()
    if name.endswith(".csv"):
        good, bad = "T-N1,奶牛乳房炎,挤奶时发现,新能源,测试牧场".encode(), b"T-N2,title,DESC,new-energy,org"
        path.write_bytes(HEADER.encode() + b"\n" + good + b"\n" + bad.replace(b"DESC", b"\xe4\xb9\xb3\xc3\x28") + b"\n")
    else:
        path.write_bytes(good + b"\n" + bad.replace(b"DESC", b"\xe4\xb9\xb3\xc3\x28") + b"\n")
    message = refused(path)
    line = 3 if name.endswith(".csv") else 2
    assert f"line {line}, field description: invalid UTF-8 byte 0xC3" in message


def test_u2028_u2029_u0085_inside_a_json_string_are_one_line(tmp_path):
    text = "第一段\u2028第二段\u2029第三段"
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(need(description=text), ensure_ascii=False) + "\n", encoding="utf-8")
    run(path, "--publish")
    assert TechnicalNeed.objects.get().description == text
    # U+0085 (NEXT LINE) is a C1 control character, refused as the posting form refuses it — on the
    # line it is on, not as a broken line 2
    TechnicalNeed.objects.all().delete()
    path.write_text(json.dumps(need(description="第三段\u0085第四段"), ensure_ascii=False) + "\n", encoding="utf-8")
    assert "line 1, field description: control character U+0085 is not allowed" in refused(path)


# --- bad input: line-and-field errors, nothing saved ---------------------------------------------------


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"external_id": "T-N2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "line 2: invalid JSON"),
        ('{"external_id": "T-N2", "budget_max_wan": 1' + "0" * 5000 + "}", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: expected a JSON object, got list"),
        (need(external_id="T-N2", budget_max_wan="1e20"), "line 2, field budget_max_wan: "),
        (need(external_id="T-N2", budget_max_wan=1e20), "looks like yuan; the field is in 万元"),
        (need(external_id="T-N2", budget_max_wan=3000000), "line 2, field budget_max_wan: 3,000,000 万元 is more"),
        (need(external_id="T-N2", budget_max_wan=12345678901234), "looks like yuan"),
        (need(external_id="T-N2", budget_min_wan=-5), "line 2, field budget_min_wan: must not be negative"),
        (need(external_id="T-N2", budget_min_wan="-0.5"), "line 2, field budget_min_wan: must not be negative"),
        (need(external_id="T-N2", budget_min_wan="1.234"), "line 2, field budget_min_wan: at most 2 decimal"),
        (need(external_id="T-N2", budget_min_wan="1e-9999"), "line 2, field budget_min_wan: at most 2 decimal"),
        (need(external_id="T-N2", budget_min_wan="NaN"), "line 2, field budget_min_wan: must be a number"),
        (need(external_id="T-N2", budget_min_wan="Infinity"), "line 2, field budget_min_wan: must be a number"),
        (need(external_id="T-N2", budget_min_wan="9" * 100), "line 2, field budget_min_wan: expected an amount"),
        (need(external_id="T-N2", keywords=["abc\x00def"]), "line 2, field keywords: control character U+0000"),
        (need(external_id="T-N2", title="a\x07b"), "line 2, field title: control character U+0007"),
        (need(external_id="T-N2", title="长" * 201), "line 2, field title: 201 characters, longer than 200"),
        (need(external_id="T-N2", description="长" * 20_001), "line 2, field description: 20,001 characters"),
        (need(external_id="T-N2", keywords=[f"k{i}" for i in range(31)]), "line 2, field keywords: At most 30"),
        (need(external_id="T-N2", keywords=["长" * 51]), "line 2, field keywords: Keyword too long (at most 50"),
        (need(external_id="T-N2", deadline="0001-01-01"), "line 2, field deadline: 0001-01-01: The deadline cannot"),
        (need(external_id="T-N2", deadline="2099-06-30"), "line 2, field deadline: 2099-06-30: The deadline is more"),
        (need(external_id="T-N2", deadline="2026-02-30"), "line 2, field deadline: expected a date"),
        (json.dumps(need(external_id="T-N2", title="\ud800")), "line 2, field title: lone surrogate U+D800"),
        (need(external_id="T-N1"), "line 2, field external_id: T-N1 repeats line 1"),
    ],
)
def test_bad_json_lines_name_line_and_field_and_nothing_is_saved(tmp_path, bad, message):
    assert message in refused(jsonl(tmp_path, GOOD, bad), "--publish")


@time_machine.travel(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_a_past_deadline_is_refused_published_or_not_as_the_form_refuses_it(tmp_path):
    path = jsonl(tmp_path, GOOD, need(external_id="T-N2", deadline="2026-11-29"))
    expected = "line 2, field deadline: 2026-11-29: The deadline cannot be in the past."
    assert expected in refused(path, "--publish")
    assert expected in refused(path)
    assert not TechnicalNeed.objects.exists()
    path = jsonl(tmp_path, GOOD, need(external_id="T-N2", deadline="2026-11-30"))  # today is fine
    run(path, "--publish")
    assert TechnicalNeed.objects.get(external_id="T-N2").deadline == datetime.date(2026, 11, 30)


def test_csv_row_with_more_cells_than_the_header_is_an_error_naming_the_file_line(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(
        f"{HEADER}\n"
        'T-N1,乳房炎,"多行描述\n第二行",新能源,测试牧场\n'  # one record on lines 2-3
        "\n"  # a blank line 4
        "T-N2,标题,描述,新能源,测试牧场,多出来的,又一个\n",  # line 5, the 2nd data row
        encoding="utf-8",
    )
    message = refused(path)
    assert "line 5: 7 cells but the header has 5 columns" in message
    assert "line 2" not in message and "line 3" not in message


def test_csv_errors_name_the_file_line_not_the_data_row(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(
        f'{HEADER},budget_min_wan\n\nT-N1,乳房炎,"描述\n续",新能源,测试牧场,-1\nT-N2,标题,描述,未知,测试牧场,\n',
        encoding="utf-8",
    )
    message = refused(path)
    assert "line 3, field budget_min_wan: must not be negative" in message
    assert "line 5, field cluster: unknown cluster '未知'" in message


def test_csv_header_problems_are_one_line(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("external_id,title,title\nT-N1,a,b\n", encoding="utf-8")
    assert f"{path}: line 1: the header repeats title" in refused(path)


def test_an_18_mb_line_is_refused_with_bounded_memory_and_later_lines_still_checked(tmp_path):
    path = tmp_path / "n.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(GOOD, ensure_ascii=False) + "\n")
        f.write(json.dumps(need(external_id="T-N2", description="长" * 6_000_000), ensure_ascii=False) + "\n")
        f.write(json.dumps(need(external_id="T-N3", cluster="不存在"), ensure_ascii=False) + "\n")
    assert path.stat().st_size > 18_000_000
    tracemalloc.start()
    try:
        message = refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "line 2: longer than 1,000,000 characters" in message
    assert "line 3, field cluster" in message
    assert peak < 40_000_000  # the long line is never held whole (it was 2.7 GB)


def test_an_18_mb_csv_line_stops_the_reading_with_an_error(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(f"{HEADER}\nT-N1,标题,{'x' * 18_000_000},新能源,测试牧场\n", encoding="utf-8")
    assert "line 2: longer than 1,000,000 characters" in refused(path)


def test_files_above_the_size_limit_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_FILE_BYTES", 100)
    path = jsonl(tmp_path, GOOD)
    assert "larger than the limit" in refused(path)


def test_errors_are_capped_in_the_message_but_all_counted(tmp_path):
    rows = [need(external_id=f"T-{i}", cluster="不存在") for i in range(150)]
    message = refused(jsonl(tmp_path, *rows))
    assert "150 error(s)" in message and "… and 50 more error(s)" in message


# --- workbooks ------------------------------------------------------------------------------------------


def workbook(tmp_path, rows, *, sheets=1, name="n.xlsx"):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "需求"
    for row in rows:
        sheet.append(row)
    for n in range(1, sheets):
        book.create_sheet(f"其他{n}").append(["x"])
    path = tmp_path / name
    book.save(path)
    return path


XLSX_HEADER = [
    "external_id",
    "title",
    "description",
    "cluster",
    "organization",
    "budget_min_wan",
    "deadline",
    "keywords",
]


@time_machine.travel(datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_xlsx_first_sheet_imports_with_numbers_and_dates_as_cells(tmp_path, capsys):
    deadline = datetime.datetime(2029, 6, 30)
    path = workbook(
        tmp_path,
        [
            [None],  # a blank first row: the header may start lower
            XLSX_HEADER,
            [1001, "高纯颗粒硅制备", "流化床法。", "新能源", "示例光伏材料有限公司", 30, deadline, "颗粒硅、多晶硅"],
            ["X2", "乳清蛋白", "乳业副产品。", "绿色农畜产品加工", "测试乳业", 12.5, None, None],
        ],
        sheets=2,
    )
    run(path, "--publish")
    first = TechnicalNeed.objects.get(external_id="1001")
    assert (first.budget_min_wan, first.deadline) == (30, datetime.date(2029, 6, 30))
    assert first.keywords == ["颗粒硅", "多晶硅"]
    assert TechnicalNeed.objects.get(external_id="X2").budget_min_wan == 12.5
    out = capsys.readouterr().out
    assert "2 created" in out and "read the first sheet '需求' only, of 2" in out


def test_xlsx_errors_name_the_sheet_row_and_field(tmp_path):
    path = workbook(
        tmp_path,
        [
            XLSX_HEADER,
            ["X1", "标题", "描述", "新能源", "公司", 3000000, None, None],
            ["X2", "标题", "描述", "不存在", "公司", -1, "下周", None],
            ["X3", "标题", "描述", "新能源", "公司", None, None, None, None, "多出来的"],
        ],
    )
    message = refused(path)
    assert "row 2, field budget_min_wan: 3,000,000 万元 is more than 100,000 万元" in message
    assert "row 3, field cluster: unknown cluster '不存在'" in message
    assert "row 3, field budget_min_wan: must not be negative" in message
    assert "row 3, field deadline: expected a date YYYY-MM-DD, got '下周'" in message
    assert "row 4: 10 cells but the header has 8 columns" in message


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"external_id,title\n"])
def test_damaged_or_mislabelled_xlsx_is_refused_in_one_line(tmp_path, content):
    path = tmp_path / "n.xlsx"
    path.write_bytes(content)
    message = refused(path)
    assert f"{path}: not " in message and message.count("\n") == 1


def test_an_xlsx_saved_as_csv_is_still_read_as_a_workbook(tmp_path):
    path = workbook(tmp_path, [XLSX_HEADER, ["X1", "标题", "描述", "新能源", "公司"]], name="n.csv")
    run(path)
    assert TechnicalNeed.objects.get().external_id == "X1"


# --- progress -----------------------------------------------------------------------------------------


def test_progress_is_plain_lines_when_not_a_terminal(tmp_path):
    import io

    err = io.StringIO()
    call_command("import_postings", "--kind", "need", jsonl(tmp_path, GOOD), "--publish", stderr=err)
    text = err.getvalue()
    assert "checking needs.jsonl: 1 lines in 0 s" in text
    assert "saving and indexing needs: 1 needs in" in text
    assert "\r" not in text


# --- properties ---------------------------------------------------------------------------------------

FIELD_NAMES = st.sampled_from([*GOOD, "budget_min_wan", "budget_max_wan", "deadline", "region", "x"])
VALUES = st.one_of(
    st.text(),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.dictionaries(FIELD_NAMES, VALUES, max_size=8), min_size=1, max_size=3))
def test_any_json_records_import_or_fail_with_the_commands_error(tmp_path, rows):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps({**GOOD, **row}) for row in rows), encoding="utf-8")
    try:
        run(path, "--publish", "--no-progress")
    except CommandError as exc:
        assert "nothing imported" in str(exc)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    name=st.sampled_from(["p.jsonl", "p.csv", "p.xlsx"]),
    header=st.booleans(),
)
def test_any_bytes_import_or_fail_with_the_commands_error(tmp_path, data, name, header):
    path = tmp_path / name
    path.write_bytes((HEADER.encode() + b"\n" if header and name.endswith(".csv") else b"") + data)
    try:
        run(path, "--no-progress")
    except CommandError as exc:
        assert "nothing imported" in str(exc)


def test_manage_py_exits_1_with_one_clear_line_and_no_traceback(tmp_path):
    import os
    import sys
    from pathlib import Path

    path = tmp_path / "n.csv"
    path.write_bytes(HEADER.encode() + b"\n" + bytes(range(0x80, 0x100)) * 20 + b"\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"MENGKEJU_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "import_postings", "--kind", "need", str(path), "--no-progress"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{path}: not GB18030/GBK text: byte 0x" in done.stderr
