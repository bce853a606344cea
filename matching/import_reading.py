"""Reading an import file as a stream of records: JSONL, CSV (UTF-8, GBK/GB18030, UTF-16) or ``.xlsx``.

``read_records(path, encoding="auto")`` yields ``Record(line, row, error)``: ``line`` is the FILE line (for
CSV the physical line a record starts on, counting the header; for ``.xlsx`` the sheet row number), ``row``
a dict of field name → value (JSON values; text for CSV and workbook cells) or None when ``error`` says why
the line could not be read. Problems with the file as a whole (too large, an encoding it cannot be read in,
an ``.xls`` workbook, a CSV header without the required columns) raise ``FileRefused`` with one line that
names the file.

Memory is bounded: text is read line by line (``MAX_LINE_CHARS`` per line, longer lines are reported and
skipped without being kept), workbooks with openpyxl's read-only mode, and files above ``MAX_FILE_BYTES``
are refused before reading. Lines are split on ``\\n`` only, so U+2028, U+2029 and U+0085 inside a JSON
string stay inside their line (``str.splitlines`` would split there).

Encoding detection (``encoding="auto"``), in order: a byte-order mark (UTF-8, UTF-16 LE/BE); UTF-16 without
a mark, recognised by the NUL bytes of its ASCII header; UTF-8 if the whole file decodes; GB18030 (a
superset of GBK and GB2312, what Chinese Excel saves as "CSV") if the whole file decodes as GB18030 and
its start is not mostly valid UTF-8; otherwise UTF-8 with the undecodable bytes reported per line and
field (``invalid UTF-8 byte 0xC3``) — or, when hardly any of the file is UTF-8, one line refusing it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 256 * 1024 * 1024  # ~100k postings with long descriptions fit several times over
MAX_LINE_CHARS = 1_000_000  # one JSONL line, one CSV line, or all cells of one workbook row
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024

ENCODINGS = {
    "auto": None,
    "utf-8": "utf-8-sig",
    "gbk": "gb18030",  # GB18030 decodes every GBK/GB2312 file and more
    "gb18030": "gb18030",
    "utf-16": "utf-16",
}
ENCODING_LABELS = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030/GBK", "utf-16": "UTF-16"}
ENCODING_LABELS |= {"utf-16-le": "UTF-16 (little-endian, no byte-order mark)"}
ENCODING_LABELS |= {"utf-16-be": "UTF-16 (big-endian, no byte-order mark)"}

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SURROGATE = re.compile("[\ud800-\udfff]")


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``str(exc)`` is one line naming the file."""


@dataclass
class Record:
    line: int
    row: dict | None
    error: str | None = None


@dataclass
class Source:
    """What was read: ``format`` ("jsonl", "csv", "xlsx"), the encoding used (text files), an estimate
    of the number of records (lines or sheet rows, for progress bars) and notes for the summary."""

    format: str
    encoding: str | None
    estimated_records: int | None
    notes: list[str]


def text_problem(value: str) -> str | None:
    """Why a text value read from a file is not acceptable text, or None: undecodable bytes (kept as
    lone surrogates by the ``surrogateescape`` decoding) and lone surrogates from JSON ``\\udxxx`` escapes."""
    found = SURROGATE.search(value)
    if not found:
        return None
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"invalid UTF-8 byte 0x{code - 0xDC00:02X} at character {found.start() + 1}"
    return f"lone surrogate U+{code:04X} at character {found.start() + 1}"


def open_source(path: Path, *, encoding: str = "auto") -> tuple[Source, Iterator[Record]]:
    """Check the file as a whole (size, kind, encoding) and return what it is with its records.

    Raises ``FileRefused`` (one line naming the file) for a file that is too large, an ``.xls`` workbook,
    an unreadable workbook, or text in an encoding it cannot read.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            f"{path}: {size / 2**20:.0f} MB is larger than the limit of {MAX_FILE_BYTES // 2**20} MB; "
            "split it into several files"
        )
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    suffix = path.suffix.lower()
    if head.startswith(XLS_MAGIC) or suffix == ".xls":
        raise FileRefused(f"{path}: an Excel 97-2003 workbook (.xls) is not supported; save it as .xlsx or CSV")
    if head.startswith(XLSX_MAGIC) or suffix == ".xlsx":
        if not head.startswith(XLSX_MAGIC):
            raise FileRefused(f"{path}: not an .xlsx workbook (an .xlsx file is a zip archive)")
        return _xlsx(path)
    fmt = "csv" if suffix in (".csv", ".txt") else "jsonl"
    codec, notes = _encoding_of(path, head, encoding)
    estimate = _count_lines(path, codec)
    source = Source(format=fmt, encoding=ENCODING_LABELS.get(codec, codec), estimated_records=estimate, notes=notes)
    errors = "surrogateescape" if codec in ("utf-8", "utf-8-sig") else "strict"
    records = _csv_records(path, codec, errors) if fmt == "csv" else _jsonl_records(path, codec, errors)
    return source, records


# --- encodings ------------------------------------------------------------------------------------------


def _encoding_of(path: Path, head: bytes, requested: str) -> tuple[str, list[str]]:
    if requested not in ENCODINGS:
        raise FileRefused(f"{path}: unknown encoding {requested!r}; use one of {', '.join(ENCODINGS)}")
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise FileRefused(f"{path}: UTF-32 text is not supported; save it as UTF-8")
    codec = ENCODINGS[requested]
    if codec is None:
        codec = _detect(path, head)
    elif codec == "utf-16" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = _utf16_without_bom(head) or "utf-16-le"
    if codec in ("utf-8", "utf-8-sig"):  # undecodable bytes are reported per line and field
        return codec, []
    bad = _first_undecodable(path, codec)
    if bad is not None:
        offset, line, byte = bad
        raise FileRefused(
            f"{path}: not {ENCODING_LABELS.get(codec, codec)} text: byte 0x{byte:02X} at line {line} "
            f"(byte offset {offset}) cannot be decoded; save the file as UTF-8"
            + (" or name its encoding with --encoding" if requested == "auto" else "")
        )
    notes = []
    if codec not in ("utf-8", "utf-8-sig"):
        notes.append(f"read as {ENCODING_LABELS.get(codec, codec)}")
    return codec, notes


def _detect(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    bad = _first_undecodable(path, "utf-8")
    if bad is None:
        return "utf-8"
    sample = head.decode("utf-8", errors="replace")
    valid_non_ascii = sum(1 for ch in sample if ord(ch) > 127 and ch != "\ufffd")
    invalid = sample.count("\ufffd")
    if valid_non_ascii > invalid:  # mostly UTF-8, with a few bad bytes: reported per line and field
        return "utf-8"
    if _first_undecodable(path, "gb18030") is None:
        return "gb18030"
    if valid_non_ascii == 0 and invalid <= 3:  # ASCII text with a stray byte: reported per line and field
        return "utf-8"
    return "gb18030"  # refused by the caller's full check, naming the first byte it cannot decode


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by its NUL bytes: the header and JSON syntax are ASCII, so
    every other byte is 0 (odd positions in little-endian, even in big-endian)."""
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.3 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


def _first_undecodable(path: Path, codec: str) -> tuple[int, int, int] | None:
    """(byte offset, line, byte) of the first byte ``codec`` cannot decode, or None; reads in chunks."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    lines = 1
    newline = _newline(path, codec)
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK_BYTES)
            pending = len(decoder.getstate()[0]) if hasattr(decoder, "getstate") else 0
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = exc.object
                at = exc.start
                position = offset - pending + at
                return position, lines + data[:at].count(newline), data[at] if at < len(data) else 0
            if not chunk:
                return None
            lines += chunk.count(newline)
            offset += len(chunk)


def _newline(path: Path, codec: str) -> bytes:
    """The bytes of a line break in ``codec``; for "utf-16" (byte order from the mark) those of the file's mark."""
    if codec == "utf-16":
        with path.open("rb") as f:
            codec = "utf-16-be" if f.read(2) == codecs.BOM_UTF16_BE else "utf-16-le"
    return "\n".encode(codec) if codec.startswith("utf-16-") else b"\n"


def _count_lines(path: Path, codec: str) -> int:
    newline = _newline(path, codec)
    count = 0
    last = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            count += chunk.count(newline)
            last = chunk
    return count + (1 if last and not last.endswith(newline) else 0)


# --- lines ----------------------------------------------------------------------------------------------


class _LineTooLong(Exception):
    def __init__(self, line: int):
        self.line = line


def _lines(stream, *, drain: bool) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per line, at most ``MAX_LINE_CHARS`` characters kept of any line. A longer line
    yields (number, None) after being skipped chunk by chunk (``drain``) or raises ``_LineTooLong``."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            if not drain:
                raise _LineTooLong(number)
            while line and not line.endswith("\n"):
                line = stream.readline(CHUNK_BYTES)
            yield number, None
            continue
        yield number, line


def _too_long(line: int) -> str:
    return f"line {line}: longer than {MAX_LINE_CHARS:,} characters (the limit of one line)"


def _jsonl_records(path: Path, codec: str, errors: str) -> Iterator[Record]:
    with path.open(encoding=codec, errors=errors, newline="\n") as stream:
        for number, line in _lines(stream, drain=True):
            if line is None:
                yield Record(number, None, _too_long(number))
                continue
            if number == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problem = text_problem(line)
                reason = problem or f"{exc.msg} at column {exc.colno}"
                yield Record(number, None, f"line {number}: invalid JSON ({reason})")
                continue
            except RecursionError:
                yield Record(number, None, f"line {number}: invalid JSON (nested too deeply)")
                continue
            except ValueError as exc:  # e.g. an integer of more than 4,300 digits
                yield Record(number, None, f"line {number}: invalid JSON ({exc})")
                continue
            if not isinstance(row, dict):
                yield Record(number, None, f"line {number}: expected a JSON object, got {type(row).__name__}")
                continue
            yield Record(number, row)


def _csv_records(path: Path, codec: str, errors: str) -> Iterator[Record]:
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_CHARS)
    try:
        with path.open(encoding=codec, errors=errors, newline="") as stream:
            numbered = _lines(stream, drain=False)
            physical = (line for _, line in numbered)
            reader = csv.reader(physical)
            header: list[str] | None = None
            end = 0
            while True:
                start = end + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except _LineTooLong as exc:
                    yield Record(exc.line, None, _too_long(exc.line) + "; the rest of the file was not read")
                    return
                except csv.Error as exc:
                    yield Record(start, None, f"line {start}: not valid CSV ({exc}); the rest of the file was not read")
                    return
                end = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = [cell.strip().removeprefix("\ufeff") for cell in cells]
                    problem = _header_problem(header)
                    if problem:
                        raise FileRefused(f"{path}: line {start}: {problem}")
                    continue
                yield _csv_record(start, header, cells)
    finally:
        csv.field_size_limit(previous_limit)


def _header_problem(header: list[str]) -> str | None:
    for name in header:
        problem = text_problem(name)
        if problem:
            return f"header cell {name!r}: {problem}"
    names = [n for n in header if n]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"the header repeats {', '.join(repeated)}"
    return None


def _csv_record(line: int, header: list[str], cells: list[str]) -> Record:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        return Record(
            line,
            None,
            f"line {line}: {len(cells)} cells but the header has {len(header)} columns "
            "(a value containing a comma must be in double quotes)",
        )
    return Record(line, {name: value for name, value in zip(header, cells, strict=False) if name})


# --- workbooks ------------------------------------------------------------------------------------------


def _xlsx(path: Path) -> tuple[Source, Iterator[Record]]:
    import openpyxl

    stream = path.open("rb")  # a file object: openpyxl would refuse a workbook saved under another suffix
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors alike: the file is not a readable workbook
        stream.close()
        raise FileRefused(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    if not workbook.worksheets:
        workbook.close()
        stream.close()
        raise FileRefused(f"{path}: the workbook has no worksheet")
    sheet = workbook.worksheets[0]
    notes = []
    if len(workbook.worksheets) > 1:
        notes.append(f"read the first sheet {sheet.title!r} only, of {len(workbook.worksheets)}")
    estimate = sheet.max_row if isinstance(sheet.max_row, int) else None
    source = Source(format="xlsx", encoding=None, estimated_records=estimate, notes=notes)
    return source, _xlsx_records(path, workbook, sheet, stream)


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV export of it would hold: dates as YYYY-MM-DD, whole numbers
    without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _xlsx_records(path: Path, workbook, sheet, stream) -> Iterator[Record]:
    header: list[str] | None = None
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                continue
            if sum(len(c) for c in cells) > MAX_LINE_CHARS:
                yield Record(number, None, f"row {number}: longer than {MAX_LINE_CHARS:,} characters")
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                problem = _header_problem(header)
                if problem:
                    raise FileRefused(f"{path}: row {number}: {problem}")
                continue
            record = _csv_record(number, header, cells)
            if record.error:
                record.error = record.error.replace("line ", "row ", 1)
            yield record
    except FileRefused:
        raise
    except Exception as exc:  # a damaged sheet part: reported, never a traceback
        yield Record(0, None, f"the sheet could not be read further ({type(exc).__name__}: {exc})")
    finally:
        workbook.close()
        stream.close()
