"""Spreadsheet output (CSV and .xlsx) that is safe to open in Excel, WPS or LibreOffice.

Every export of the platform (web exports of matches and deals, dashboard downloads, ``export_matches``)
writes its cells through ``safe_cell``: text starting with ``= + - @``, a tab or a carriage return would
be read as a formula (CSV/formula injection, e.g. ``=HYPERLINK("http://evil.example","x")`` in a need's
title), so it is prefixed with an apostrophe, the OWASP recommendation. Numbers stay numbers.

``write_csv`` adds a UTF-8 byte-order mark, so spreadsheet programs read the Chinese as UTF-8;
``write_xlsx`` writes one sheet with openpyxl's streaming (write-only) mode.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """``value`` as a spreadsheet cell: text that would start a formula gets a leading apostrophe
    (``"=1+1"`` → ``"'=1+1"``); numbers, dates, None and other text are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(columns: list[str], rows: Iterable[dict], *, out=None, bom: bool = True) -> str | None:
    """CSV of ``rows`` (dicts; keys outside ``columns`` ignored, missing ones empty), every cell through
    ``safe_cell``, with a UTF-8 byte-order mark. Written to ``out`` (a text file opened with
    ``newline=""``) when given, else returned as text."""
    buffer = out if out is not None else io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c, "")) for c in columns])
    return None if out is not None else buffer.getvalue()


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = safe_cell(value)
    if value is None or isinstance(value, bool | int | float | Decimal | datetime.date):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones; values are already local
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters openpyxl cannot store


def write_xlsx(columns: list[str], rows: Iterable[dict], *, sheet: str = "export") -> bytes:
    """An .xlsx workbook of one sheet: a header row of ``columns``, then one row per dict of ``rows``;
    every text cell through ``safe_cell`` and stored as text (never as a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])

    def cells(values):
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, value=_xlsx_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise make "=…" a formula
            out.append(cell)
        return out

    ws.append(cells(columns))
    for row in rows:
        ws.append(cells(row.get(c, "") for c in columns))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
