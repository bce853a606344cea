"""Reading an import file, without the database: which encoding and format a file is read as, the records
and the FILE line each one starts on, and the one-line refusals of a file as a whole (matching.import_reading).
tests/matching/test_import_files.py drives the same reading through ``manage.py import_postings``."""

import codecs
import csv
import datetime
import tracemalloc
import zipfile

import pytest

from matching import import_reading
from matching.import_reading import FileRefused, Record, open_source

LE, BE = "UTF-16 (little-endian, no byte-order mark)", "UTF-16 (big-endian, no byte-order mark)"


def read(tmp_path, content: bytes | str, name="n.jsonl", encoding="auto"):
    """(Source, records) of a file holding ``content`` (text is written as UTF-8)."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    source, records = open_source(path, encoding=encoding)
    return source, list(records)


def refusal(tmp_path, content: bytes | str, name="n.csv", encoding="auto") -> str:
    """The refusal, without the file's path that starts it."""
    path = tmp_path / name
    with pytest.raises(FileRefused) as info:
        read(tmp_path, content, name, encoding)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


def encoding_of(tmp_path, content: bytes, name="n.csv", encoding="auto") -> tuple[str, list[str]]:
    source, _ = read(tmp_path, content, name, encoding)
    return source.encoding, source.notes


# --- text values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, problem",
    [
        ("乳房炎", None),
        ("\ud7ff\ue000", None),
        ("ab\udcc3", "invalid UTF-8 byte 0xC3 at character 3"),
        ("\udc80", "invalid UTF-8 byte 0x80 at character 1"),
        ("x\udcff", "invalid UTF-8 byte 0xFF at character 2"),
        ("xy\udc7f", "lone surrogate U+DC7F at character 3"),
        ("\udd00", "lone surrogate U+DD00 at character 1"),
        ("a\ud800", "lone surrogate U+D800 at character 2"),
        ("\udfff", "lone surrogate U+DFFF at character 1"),
    ],
)
def test_undecodable_bytes_and_lone_surrogates_are_named_with_their_character(value, problem):
    assert import_reading.text_problem(value) == problem


# --- the file as a whole --------------------------------------------------------------------------------


def test_a_file_above_the_size_limit_is_refused_in_megabytes_and_one_at_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_FILE_BYTES", 2 * 2**20)
    expected = "3 MB is larger than the limit of 2 MB; split it into several files"
    assert refusal(tmp_path, b"\n" * (3 * 2**20), "n.jsonl") == expected
    source, _ = read(tmp_path, b" " * (2 * 2**20))
    assert source.estimated_records == 1


@pytest.mark.parametrize(
    "name, content",
    [("n.xls", b"external_id,title\n"), ("n.XLS", b"external_id,title\n"), ("n.csv", import_reading.XLS_MAGIC)],
)
def test_an_excel_97_workbook_is_refused_by_its_suffix_or_its_bytes(tmp_path, name, content):
    expected = "an Excel 97-2003 workbook (.xls) is not supported; save it as .xlsx or CSV"
    assert refusal(tmp_path, content + b"\0" * 20, name) == expected


@pytest.mark.parametrize("name", ["n.xlsx", "n.XLSX"])
def test_text_named_xlsx_is_refused_as_no_zip_archive(tmp_path, name):
    expected = "not an .xlsx workbook (an .xlsx file is a zip archive)"
    assert refusal(tmp_path, "external_id,title\nX1,标题\n", name) == expected


@pytest.mark.parametrize(
    "name, fmt",
    [("n.csv", "csv"), ("n.txt", "csv"), ("N.CSV", "csv"), ("n.TXT", "csv"), ("n.jsonl", "jsonl"), ("n", "jsonl")],
)
def test_csv_and_txt_files_are_csv_and_every_other_text_file_jsonl(tmp_path, name, fmt):
    source, records = read(tmp_path, 'external_id,title\nX1,"标题"\n', name)
    assert source.format == fmt
    if fmt == "csv":
        assert records == [Record(2, {"external_id": "X1", "title": "标题"})]
    else:
        assert records[0].error == "line 1: invalid JSON (Expecting value at column 1)"


@pytest.mark.parametrize("requested", ["latin-1", "UTF-8", ""])
def test_an_unknown_encoding_name_is_refused_with_the_names_there_are(tmp_path, requested):
    expected = f"unknown encoding {requested!r}; use one of auto, utf-8, gbk, gb18030, utf-16"
    assert refusal(tmp_path, b"external_id\n", encoding=requested) == expected


@pytest.mark.parametrize("bom", [codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE])
@pytest.mark.parametrize("requested", ["auto", "utf-16"])
def test_utf32_is_refused_whatever_encoding_is_asked_for(tmp_path, bom, requested):
    content = bom + "external_id\n".encode("utf-32-le" if bom == codecs.BOM_UTF32_LE else "utf-32-be")
    assert refusal(tmp_path, content, encoding=requested) == "UTF-32 text is not supported; save it as UTF-8"


# --- encodings ------------------------------------------------------------------------------------------

HEADER_AND_ROW = "external_id,title\nX1,奶牛乳房炎\n"
ROW = [Record(2, {"external_id": "X1", "title": "奶牛乳房炎"})]


@pytest.mark.parametrize(
    "codec, label",
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8"),
        ("gbk", "GB18030/GBK"),
        ("gb18030", "GB18030/GBK"),
        ("utf-16", "UTF-16"),
        ("utf-16-le", LE),
        ("utf-16-be", BE),
    ],
)
def test_the_encoding_is_recognised_and_named_and_only_a_non_utf8_one_is_noted(tmp_path, codec, label):
    source, records = read(tmp_path, HEADER_AND_ROW.encode(codec), "n.csv")
    assert records == ROW
    assert (source.encoding, source.notes) == (label, [] if label == "UTF-8" else [f"read as {label}"])
    assert source.estimated_records == 2


def test_a_utf16_file_with_a_big_endian_mark_is_read(tmp_path):
    source, records = read(tmp_path, codecs.BOM_UTF16_BE + HEADER_AND_ROW.encode("utf-16-be"), "n.csv")
    assert (records, source.encoding, source.estimated_records) == (ROW, "UTF-16", 2)


@pytest.mark.parametrize(
    "requested, codec, label",
    [
        ("utf-8", "utf-8", "UTF-8"),
        ("utf-8", "utf-8-sig", "UTF-8"),
        ("gbk", "gbk", "GB18030/GBK"),
        ("gb18030", "gb18030", "GB18030/GBK"),
        ("utf-16", "utf-16", "UTF-16"),
        ("utf-16", "utf-16-be", BE),
        ("utf-16", "utf-16-le", LE),
    ],
)
def test_a_named_encoding_is_used(tmp_path, requested, codec, label):
    source, records = read(tmp_path, HEADER_AND_ROW.encode(codec), "n.csv", requested)
    assert (records, source.encoding) == (ROW, label)


def test_the_encoding_is_detected_unless_one_is_named(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(HEADER_AND_ROW.encode("gbk"))
    source, records = open_source(path)
    assert (source.encoding, list(records)) == ("GB18030/GBK", ROW)


def test_utf16_asked_for_with_a_big_endian_mark_is_read_by_its_mark(tmp_path):
    source, records = read(tmp_path, codecs.BOM_UTF16_BE + HEADER_AND_ROW.encode("utf-16-be"), "n.csv", "utf-16")
    assert (source.encoding, records) == ("UTF-16", ROW)


def test_utf16_asked_for_without_a_mark_or_ascii_is_taken_as_little_endian(tmp_path):
    assert encoding_of(tmp_path, "乳房炎".encode("utf-16-le"), encoding="utf-16") == (LE, [f"read as {LE}"])


@pytest.mark.parametrize(
    "content, label",
    [
        ("abcd".encode("utf-16-le"), LE),  # 4 characters: enough to tell
        ("abcd".encode("utf-16-be"), BE),
        ("abc".encode("utf-16-le"), "UTF-8"),  # 3 are not: NUL bytes are valid UTF-8
        ("ab一cd一ef一gh一ij一kl一mn一".encode("utf-16-le"), "UTF-8"),  # NULs on both sides
        ("乳房炎奶牛牧场ab\n".encode("utf-16-le"), "GB18030/GBK"),  # 3 of 10 code units ASCII: not enough
        ("乳房炎奶牛牧abc\n".encode("utf-16-le"), LE),  # 4 of 10
        ("乳房炎奶牛牧场ab\n".encode("utf-16-be"), "GB18030/GBK"),
        ("乳房炎奶牛牧abc\n".encode("utf-16-be"), BE),
        (("一" + "a" * 19).encode("utf-16-le"), "UTF-8"),  # 1 NUL of 20 on the wrong side: too many
        (("一" + "a" * 20).encode("utf-16-le"), LE),  # 1 of 21: a stray one
        (("a" * 19 + "一").encode("utf-16-be"), "UTF-8"),
        (("a" * 20 + "一").encode("utf-16-be"), BE),
    ],
)
def test_utf16_without_a_mark_is_told_by_its_nul_bytes(tmp_path, content, label):
    assert encoding_of(tmp_path, content)[0] == label


def test_the_nul_bytes_are_counted_in_the_first_4096_bytes(tmp_path):
    # 102 NULs on the wrong side of 2,048 code units are stray ones (under 5 %); a 103rd at byte 4,097 is not seen
    content = ("一" * 102 + "a" * 1946 + "一\n").encode("utf-16-le")
    assert encoding_of(tmp_path, content)[0] == LE


def test_utf16_cut_off_inside_its_last_character_is_refused_at_that_byte(tmp_path):
    content = "乳房炎奶牛牧场草原abcd".encode("utf-16-le") + b"a"  # 13 code units, 4 of them ASCII, and half of one
    assert refusal(tmp_path, content).startswith(f"not {LE} text: byte 0x61 at line 1 (byte offset 26) cannot")


@pytest.mark.parametrize(
    "content, label",
    [
        ("external_id,title\nX1,乳房".encode() + b"\xff\n", "UTF-8"),  # mostly UTF-8: the bad byte is reported
        (b"external_id,title\nX1,a\xff\xff\xff\n", "UTF-8"),  # ASCII with three stray bytes
        ("external_id,title\nX1,乳".encode() + b"\x81\x40\n", "GB18030/GBK"),  # as much invalid as valid UTF-8
        (b"external_id,title\nX1,\x7f\x7f\x81\x40\n", "GB18030/GBK"),  # DEL is ASCII, not valid non-ASCII
        (b"external_id,title\nX1," + "\u0080\u0080".encode() + b"\x81\x40\n", "UTF-8"),  # U+0080 is not ASCII
    ],
)
def test_a_file_that_is_not_all_utf8_is_read_as_utf8_or_gb18030_by_its_share_of_valid_utf8(tmp_path, content, label):
    source, [record] = read(tmp_path, content, "n.csv")
    assert (source.encoding, record.line) == (label, 2)
    if label == "UTF-8":
        assert import_reading.text_problem(record.row["title"]).startswith("invalid UTF-8 byte 0x")


def test_the_share_of_valid_utf8_is_judged_on_the_start_of_the_file(tmp_path):
    start = "external_id,title\n" + "".join(f"X{i},乳房炎早期发现\n" for i in range(4000))  # 110 kB
    later = b"Y," + b"\xff" * 20 + b"\n"  # 30,000 bad bytes after the first 64 kB: more than the valid characters
    source, records = read(tmp_path, start.encode() + later * 1500, "n.csv")
    assert source.encoding == "UTF-8" and len(records) == 5500
    assert records[-1] == Record(5501, {"external_id": "Y", "title": "\udcff" * 20})


@pytest.mark.parametrize(
    "content, where",
    [
        (b"external_id,title\nX1,a\xff\xff\xff\xff\n", "byte 0xFF at line 2 (byte offset 22)"),  # four stray bytes
        ("external_id,title\nX1,乳".encode() + b"\xff\n", "byte 0xB3 at line 2 (byte offset 23)"),
        (b"\xff" * 3 + "乳".encode(), "byte 0xFF at line 1 (byte offset 0)"),
    ],
)
def test_a_file_in_no_readable_encoding_is_refused_naming_the_first_bad_byte(tmp_path, content, where):
    advice = "save the file as UTF-8 or name its encoding with --encoding"
    assert refusal(tmp_path, content) == f"not GB18030/GBK text: {where} cannot be decoded; {advice}"


@pytest.mark.parametrize("chunk", [4, 5, 2**20])
def test_the_first_undecodable_byte_is_found_across_read_chunks(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(import_reading, "CHUNK_BYTES", chunk)
    content = "ab\n乳\n".encode("gbk") + b"\xff\n"  # the bad byte at offset 6, on line 3
    expected = "not GB18030/GBK text: byte 0xFF at line 3 (byte offset 6) cannot be decoded; save the file as UTF-8"
    assert refusal(tmp_path, content, encoding="gbk") == expected
    content = "ab\n".encode("gbk") + b"\xc8\xe9\xff\n"  # a character split by the 4-byte chunks, then the bad byte
    assert "byte 0xFF at line 2 (byte offset 5)" in refusal(tmp_path, content, encoding="gbk")
    content = "ab\n乳\n".encode("gbk") + b"\x81"  # cut off inside a character at the end
    assert "byte 0x81 at line 3 (byte offset 6)" in refusal(tmp_path, content, encoding="gbk")


THREE = "乳\n乳\n乳\n"


@pytest.mark.parametrize(
    "content, where",
    [
        # a byte-order mark and lines that start with a Chinese character (line 1 for big-endian, it was)
        (codecs.BOM_UTF16_LE + THREE.encode("utf-16-le") + b"\x00\xd8\x41\x00", "UTF-16 text: byte 0x00 at line 4"),
        (codecs.BOM_UTF16_BE + THREE.encode("utf-16-be") + b"\xd8\x00\x00\x41", "UTF-16 text: byte 0xD8 at line 4"),
        ("id\ntitle\n".encode("utf-16-le") + b"\x01\xd8\x41\x00", f"{LE} text: byte 0x01 at line 3"),
        ("id\ntitle\n".encode("utf-16-be") + b"\xd8\x01\x00\x41", f"{BE} text: byte 0xD8 at line 3"),
    ],
)
def test_utf16_that_cannot_be_decoded_is_refused_at_its_line(tmp_path, content, where):
    assert refusal(tmp_path, content).startswith(f"not {where} (byte offset ")


@pytest.mark.parametrize(
    "content, lines",
    [
        ("a\n", 1),
        ("a\nb\nc", 3),
        ("a\n\nb\n", 3),
        ("乳\n乳\n", 2),
        ("上\n上\n", 2),  # U+4E0A: a 0x0A byte that is no line break
    ],
)
@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gbk", "utf-16", "utf-16-le", "utf-16-be", "utf-16-be-bom"])
def test_the_estimated_number_of_records_is_the_number_of_lines(tmp_path, monkeypatch, content, lines, codec):
    monkeypatch.setattr(import_reading, "CHUNK_BYTES", 4)  # several chunks, the last one not a whole line
    data = codecs.BOM_UTF16_BE + content.encode("utf-16-be") if codec == "utf-16-be-bom" else content.encode(codec)
    source, _ = read(tmp_path, data, "n.csv", "utf-16" if "16" in codec else "auto")
    assert source.estimated_records == lines


def test_an_empty_file_has_no_records(tmp_path):
    assert read(tmp_path, b"", "n.csv") == (import_reading.Source("csv", "UTF-8", 0, []), [])
    assert read(tmp_path, b"", "n.jsonl") == (import_reading.Source("jsonl", "UTF-8", 0, []), [])


# --- JSONL ----------------------------------------------------------------------------------------------


def test_jsonl_records_carry_their_file_line_and_blank_lines_are_skipped(tmp_path):
    content = '{"external_id": "A"}\n\n   \n{"external_id": "B", "n": [1, 2]}\n\r\n{"external_id": "C"}'
    source, records = read(tmp_path, content)
    assert records == [
        Record(1, {"external_id": "A"}),
        Record(4, {"external_id": "B", "n": [1, 2]}),
        Record(6, {"external_id": "C"}),
    ]
    assert (source.format, source.estimated_records) == ("jsonl", 6)


@pytest.mark.parametrize(
    "line, error",
    [
        ('{"a": 1 "b": 2}', "invalid JSON (Expecting ',' delimiter at column 9)"),
        ("{'a': 1}", "invalid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('"乳房炎"', "expected a JSON object, got str"),
        ("12", "expected a JSON object, got int"),
        ("null", "expected a JSON object, got NoneType"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON (nested too deeply)"),
        ('{"n": 1' + "0" * 5000 + "}", "invalid JSON (Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)
def test_a_jsonl_line_that_is_no_object_is_an_error_on_its_line_and_the_next_lines_are_read(tmp_path, line, error):
    _, records = read(tmp_path, '{"a": 1}\n' + line + '\n{"b": 2}\n')
    assert records[0] == Record(1, {"a": 1}) and records[2] == Record(3, {"b": 2})
    assert (records[1].line, records[1].row) == (2, None)
    assert records[1].error.startswith(f"line 2: {error}")


def test_undecodable_bytes_in_jsonl_are_kept_in_the_value_or_named_in_the_syntax_error(tmp_path):
    source, records = read(
        tmp_path, '{"title": "乳房炎早期"}\n'.encode() + b'{"title": "\xe4\xb9\xb3\xc3("}\n{"a": 1, \xc3}\n'
    )
    assert source.encoding == "UTF-8"
    assert records[1] == Record(2, {"title": "乳\udcc3("})
    assert records[2] == Record(3, None, "line 3: invalid JSON (invalid UTF-8 byte 0xC3 at character 10)")


def test_a_utf8_byte_order_mark_is_dropped_and_a_gb18030_one_too(tmp_path):
    for content in (codecs.BOM_UTF8 + b'{"a": 1}\n{"b": 2}\n', '\ufeff{"a": 1}\n{"b": "乳房"}\n'.encode("gb18030")):
        source, records = read(tmp_path, content)
        assert [r.line for r in records] == [1, 2] and records[0] == Record(1, {"a": 1})
        assert source.estimated_records == 2


def test_a_byte_order_mark_after_the_first_line_is_a_json_error(tmp_path):
    _, records = read(tmp_path, '{"a": 1}\n\ufeff{"b": 2}\n'.encode("gb18030"))
    assert records[1].error.startswith("line 2: invalid JSON (Unexpected UTF-8 BOM")


def test_a_jsonl_line_above_the_limit_is_skipped_and_reported_and_the_next_lines_keep_their_numbers(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(import_reading, "MAX_LINE_CHARS", 1_000)
    monkeypatch.setattr(import_reading, "CHUNK_BYTES", 7)  # drained in several pieces
    long = '{"a": "' + "长" * 990 + '"}'  # 1,000 characters with its line break: at the limit
    longer = '{"a": "' + "长" * 1_000 + '"}'
    _, records = read(tmp_path, "\n".join(['{"x": 0}', long, longer, '{"x": 3}', longer, ""]))
    assert [(r.line, r.error) for r in records] == [
        (1, None),
        (2, None),
        (3, "line 3: longer than 1,000 characters (the limit of one line)"),
        (4, None),
        (5, "line 5: longer than 1,000 characters (the limit of one line)"),
    ]
    assert records[1].row == {"a": "长" * 990} and records[3].row == {"x": 3}


def test_a_carriage_return_alone_does_not_end_a_jsonl_line(tmp_path):
    _, records = read(tmp_path, b'{"a": 1}\r{"b": 2}\n{"c": 3}\r\n')
    assert records == [Record(1, None, "line 1: invalid JSON (Extra data at column 10)"), Record(2, {"c": 3})]


def test_a_large_file_and_a_long_line_are_read_with_bounded_memory(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_bytes(b'{"a": "' + b"x" * 20_000_000 + b'"}\n{"b": 2}\n')
    tracemalloc.start()
    try:
        source, records = open_source(path)
        records = list(records)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (source.encoding, source.estimated_records) == ("UTF-8", 2)
    assert [r.line for r in records] == [1, 2] and records[1].row == {"b": 2}
    assert peak < 8_000_000  # the file is read in chunks, never whole, the long line skipped piece by piece


# --- CSV ------------------------------------------------------------------------------------------------


def test_csv_records_start_on_their_file_line_after_a_header_that_may_start_lower(tmp_path):
    content = '\n , ,\n external_id ,title,\nX1,"两行\n描述",备注\n,,\n\nX2,标题\nX3,标题,,\n'
    source, records = read(tmp_path, content, "n.csv")
    assert records == [
        Record(4, {"external_id": "X1", "title": "两行\n描述"}),  # the cell of the nameless column is dropped
        Record(8, {"external_id": "X2", "title": "标题"}),
        Record(9, {"external_id": "X3", "title": "标题"}),  # empty cells past the header are no error
    ]
    assert source.estimated_records == 9


def test_a_line_break_inside_a_quoted_csv_cell_is_kept_as_written(tmp_path):
    _, records = read(tmp_path, b'external_id,title\r\nX1,"two\r\nlines"\r\nX2,b\r\n', "n.csv")
    assert records == [
        Record(2, {"external_id": "X1", "title": "two\r\nlines"}),
        Record(4, {"external_id": "X2", "title": "b"}),
    ]


def test_a_row_with_more_filled_cells_than_the_header_has_columns_is_an_error(tmp_path):
    _, records = read(tmp_path, "external_id,title\nX1,标题,多出来的\nX2,标题, ,\nX3,a,b,c\n", "n.csv")
    advice = "(a value containing a comma must be in double quotes)"
    assert records == [
        Record(2, None, f"line 2: 3 cells but the header has 2 columns {advice}"),
        Record(3, {"external_id": "X2", "title": "标题"}),
        Record(4, None, f"line 4: 4 cells but the header has 2 columns {advice}"),
    ]


def test_a_csv_header_byte_order_mark_is_dropped(tmp_path):
    _, records = read(tmp_path, "\ufeffexternal_id,title\nX1,乳房\n".encode("gb18030"), "n.csv")
    assert records == [Record(2, {"external_id": "X1", "title": "乳房"})]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("external_id,title,title\n", "line 1: the header repeats title"),
        ("\n\nb,a, b ,a,c\n", "line 3: the header repeats a, b"),
        ("external_id,ti\udcc3tle\n", "line 1: header cell 'ti\\udcc3tle': invalid UTF-8 byte 0xC3 at character 3"),
    ],
)
def test_a_csv_header_with_repeated_or_undecodable_names_refuses_the_file(tmp_path, content, problem):
    content = content.encode("utf-8", "surrogateescape")
    assert refusal(tmp_path, content + "X1,标题,a,b,c\n".encode()) == problem


def test_a_header_with_several_nameless_columns_is_read(tmp_path):
    _, records = read(tmp_path, "external_id,,title,\nX1,a,标题,b\n", "n.csv")
    assert records == [Record(2, {"external_id": "X1", "title": "标题"})]


def test_a_csv_field_longer_than_the_csv_modules_default_limit_is_read(tmp_path):
    before = csv.field_size_limit()
    _, records = read(tmp_path, f"external_id,description\nX1,{'长' * 200_000}\n", "n.csv")
    assert records == [Record(2, {"external_id": "X1", "description": "长" * 200_000})]
    assert csv.field_size_limit() == before  # the limit is given back


def test_a_csv_line_or_field_above_the_limit_stops_the_reading_at_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_LINE_CHARS", 1_000)
    before = csv.field_size_limit()
    content = f"external_id,title\nX1,{'长' * 996}\nX2,{'长' * 997}\nX3,标题\n"  # 1,000 and 1,001 with \\n
    _, records = read(tmp_path, content, "n.csv")
    too_long = "line 3: longer than 1,000 characters (the limit of one line); the rest of the file was not read"
    assert records == [Record(2, {"external_id": "X1", "title": "长" * 996}), Record(3, None, too_long)]
    # a quoted field over several lines, each shorter than the limit
    content = 'external_id,title\nX1,标题\n\nX2,"' + ("长" * 600 + "\n") * 2 + '"\nX3,标题\n'
    _, records = read(tmp_path, content, "n.csv")
    not_csv = "line 4: not valid CSV (field larger than field limit (1000)); the rest of the file was not read"
    assert records == [Record(2, {"external_id": "X1", "title": "标题"}), Record(4, None, not_csv)]
    assert csv.field_size_limit() == before


def test_undecodable_bytes_in_a_csv_cell_are_kept_for_the_field_check(tmp_path):
    content = "external_id,title\nX1,乳房炎早期\n".encode() + b"X2,\xe4\xb9\xb3\xc3(\n"
    for prefix in (b"", codecs.BOM_UTF8):
        source, records = read(tmp_path, prefix + content, "n.csv")
        assert source.encoding == "UTF-8" and records[1] == Record(3, {"external_id": "X2", "title": "乳\udcc3("})


# --- workbooks ------------------------------------------------------------------------------------------


def workbook(tmp_path, *sheets: list, name="n.xlsx"):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet("需求" if number == 1 else f"其他{number}")
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def read_workbook(path):
    source, records = open_source(path)
    return source, list(records)


def test_a_workbooks_first_sheet_is_read_by_sheet_row_with_cells_as_a_csv_export_writes_them(tmp_path):
    rows = [
        [None, None],
        ["external_id", " title ", "amount", "when", "flag", None, None],
        [1001, "标题", 30.0, datetime.datetime(2029, 6, 30), True, None, None],
        [None, "", None],
        ["X2", "标题", 12.5, datetime.datetime(2029, 6, 30, 8, 30), False],
        ["X3", None, -3.0],
    ]
    source, records = read_workbook(workbook(tmp_path, rows, [["x"]], [["y"]]))
    assert source == import_reading.Source("xlsx", None, 6, ["read the first sheet '需求' only, of 3"])
    assert records == [
        Record(3, {"external_id": "1001", "title": "标题", "amount": "30", "when": "2029-06-30", "flag": "TRUE"}),
        Record(
            5, {"external_id": "X2", "title": "标题", "amount": "12.5", "when": "2029-06-30 08:30:00", "flag": "FALSE"}
        ),
        Record(6, {"external_id": "X3", "title": "", "amount": "-3"}),
    ]


def test_a_workbook_with_one_sheet_has_no_note_and_one_with_two_has(tmp_path):
    source, records = read_workbook(workbook(tmp_path, [["external_id"], ["X1"]]))
    assert (source.notes, records) == ([], [Record(2, {"external_id": "X1"})])
    source, records = read_workbook(workbook(tmp_path, [["external_id"], ["X1"]], [["x"]]))
    assert (source.notes, records) == (["read the first sheet '需求' only, of 2"], [Record(2, {"external_id": "X1"})])


def rewrite_sheet(path, change):
    """The workbook at ``path`` with its first sheet's XML changed by ``change``."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = change(parts[sheet].decode()).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_formula_cell_is_read_as_the_value_excel_saved(tmp_path):
    path = workbook(tmp_path, [["external_id", "budget_min_wan"], ["X1", "=10+20"]])
    rewrite_sheet(path, lambda xml: xml.replace("<f>10+20</f><v />", "<f>10+20</f><v>30</v>"))
    assert read_workbook(path)[1] == [Record(2, {"external_id": "X1", "budget_min_wan": "30"})]


def test_a_sheet_damaged_part_way_gives_its_rows_then_one_error(tmp_path):
    path = workbook(tmp_path, [["external_id", "title"], ["X1", "a"], ["X2", "b"], ["X3", "c"]])
    rewrite_sheet(path, lambda xml: xml[: xml.index('<row r="3"') + 30])
    _, records = read_workbook(path)
    assert records[0] == Record(2, {"external_id": "X1", "title": "a"})
    assert (len(records), records[1].line, records[1].row) == (2, 0, None)
    assert records[1].error.startswith("the sheet could not be read further (ParseError: unclosed token: line 1")


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (True, "TRUE"),
        (False, "FALSE"),
        (datetime.date(2029, 6, 30), "2029-06-30"),
        (datetime.datetime(2029, 6, 30), "2029-06-30"),
        (datetime.datetime(2029, 6, 30, 0, 0, 1), "2029-06-30 00:00:01"),
        (7, "7"),
        (2.0, "2"),
        (-3.0, "-3"),
        (2.5, "2.5"),
        (999_999_999_999_999.0, "999999999999999"),
        (-999_999_999_999_999.0, "-999999999999999"),
        (1e15, "1000000000000000.0"),  # beyond whole-number precision: as Python writes it
        (-1e15, "-1000000000000000.0"),
        ("乳", "乳"),
    ],
)
def test_a_workbook_cell_is_the_text_a_csv_export_holds(value, text):
    assert import_reading._cell_text(value) == text


def test_workbook_errors_name_the_sheet_row(tmp_path, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_LINE_CHARS", 1_000)
    rows = [["external_id", "title"], ["X1", "长" * 998], ["X2", "长" * 999], ["X3", "a", "多出来的"], ["X4", "b"]]
    _, records = read_workbook(workbook(tmp_path, rows))
    assert records == [
        Record(2, {"external_id": "X1", "title": "长" * 998}),
        Record(3, None, "row 3: longer than 1,000 characters"),
        Record(
            4, None, "row 4: 3 cells but the header has 2 columns (a value containing a comma must be in double quotes)"
        ),
        Record(5, {"external_id": "X4", "title": "b"}),
    ]


def test_a_workbook_header_with_repeated_names_refuses_the_file(tmp_path):
    path = workbook(tmp_path, [[None], ["title", "external_id", "title"], ["a", "b", "c"]])
    with pytest.raises(FileRefused) as info:
        read_workbook(path)
    assert str(info.value) == f"{path}: row 2: the header repeats title"


def test_a_damaged_workbook_is_refused_naming_what_went_wrong(tmp_path):
    path = tmp_path / "n.xlsx"
    path.write_bytes(import_reading.XLSX_MAGIC + b" not really a zip")
    with pytest.raises(FileRefused) as info:
        open_source(path)
    assert str(info.value) == f"{path}: not a readable .xlsx workbook (BadZipFile: File is not a zip file)"
