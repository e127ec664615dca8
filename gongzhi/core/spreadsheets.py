"""The one writer for spreadsheets the platform hands out (registry, integration, demands and
every ledger).

Two promises, whatever is stored:
- text stays text. A value starting with = + - @ (or a tab or carriage return) is never a live
  formula: in xlsx the cell is written as a string with Excel's quote prefix; in CSV it is
  prefixed with an apostrophe (the OWASP advice for CSV injection).
- characters a workbook cannot hold (control characters that reached the database before
  input was checked) are replaced by U+FFFD instead of failing the export with openpyxl's
  IllegalCharacterError.

Numbers, dates and booleans are written as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What openpyxl refuses (C0 controls other than tab, LF, CR), plus DEL, C1, surrogates and
# the non-characters: none of them belongs in a cell.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def cell_text(value: str) -> str:
    """A stored string made safe to put in a cell (illegal characters replaced)."""
    return _ILLEGAL.sub(REPLACEMENT, value)


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | dt.date | dt.datetime | dt.time):
        return value
    return cell_text(str(value))


def xlsx_cells(sheet, values: Iterable[Any]) -> list[Any]:
    """One row for `sheet.append`: strings become string cells (never formulas)."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        value = _plain(value)
        if isinstance(value, str) and value:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would read a leading = as a formula
            if is_formula_like(value):
                cell.quotePrefix = True  # Excel shows it as typed and keeps it text when edited
            out.append(cell)
        else:
            out.append(value)
    return out


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append one row to an openpyxl sheet (normal or write-only), text as text."""
    sheet.append(xlsx_cells(sheet, values))


def xlsx_bytes(
    *, title: str, header: Sequence[Any], rows: Iterable[Iterable[Any]], widths: Sequence[int] = ()
) -> bytes:
    """A one-sheet workbook: a bold header row, then the rows."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = cell_text(title)[:31] or "Sheet1"
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_bytes(*, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so that Excel reads the Chinese), text as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_value(v) for v in header])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
