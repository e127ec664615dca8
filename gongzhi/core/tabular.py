"""The one reader of tabular files for the whole project: CSV and XLSX, as lists of cells.

Registry imports, department imports (integration) and the classifier's evaluation all read
through it, so a file that one accepts the others read the same way:

- XLSX is recognised by its content (a zip), whatever the file is called; the old binary
  .xls is refused with a clear message.
- CSV text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else
  GB18030 (a superset of GBK and GB2312, what Chinese Excel saves by default).
- CSV dialect: the standard one (csv.excel: comma, double quotes, quoted fields may hold
  commas, quotes and line breaks). Never guessed from the content (csv.Sniffer guesses wrong
  on real text with quoted bodies); only a header line with tabs and no comma is read as
  tab-separated (Excel's "Unicode text" export).

Cells come back as they are stored: CSV cells as stripped text, XLSX cells as openpyxl values
(None for empty, numbers, dates). Each caller turns them into what it needs.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A quoted body may be long (a whole letter): allow big fields, but not unbounded.
csv.field_size_limit(min(sys.maxsize, 16 * 1024 * 1024))


class TabularError(ApplicationError):
    """The file as a whole cannot be read."""

    def __init__(self, code: str, message):
        super().__init__(code, message, field="file")


def is_xlsx(data: bytes) -> bool:
    return data[:4] == XLSX_MAGIC


def decode_text(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:4096]:
        raise TabularError(
            "file_not_text", _("无法识别文件格式：不是有效的 CSV 文本文件，请上传 .xlsx 或 .csv 表格。")
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError("file_encoding", _("无法识别文件编码，请将 CSV 另存为 UTF-8 或 GBK（GB18030）编码。"))


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


def iter_csv(data: bytes) -> Iterator[list[str]]:
    """Every row of a CSV file (blank lines included, as empty lists), cells stripped."""
    text = decode_text(data)
    if "\x00" in text:
        raise TabularError(
            "file_not_text", _("无法识别文件格式：不是有效的 CSV 文本文件，请上传 .xlsx 或 .csv 表格。")
        )
    try:
        for row in csv.reader(io.StringIO(text, newline=""), _dialect(text)):
            yield [c.strip() for c in row]
    except csv.Error as exc:
        raise TabularError("file_broken_csv", _("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def iter_xlsx(data: bytes) -> Iterator[tuple[Any, ...]]:
    """Every row of the first sheet of an XLSX file, as openpyxl values."""
    from openpyxl import load_workbook

    unreadable = _("无法读取这个 Excel 文件，它可能已损坏或不是 .xlsx 格式。")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException…
        raise TabularError("file_unreadable", unreadable) from exc
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TabularError("file_unreadable", unreadable) from exc
    finally:
        book.close()


def iter_rows(data: bytes) -> Iterator[list[Any]]:
    """Every row of a CSV or XLSX file (told apart by content), as lists of cells."""
    if data[:8] == XLS_MAGIC:
        raise TabularError(
            "file_xls", _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
        )
    if is_xlsx(data):
        return (list(row) for row in iter_xlsx(data))
    return iter_csv(data)


def is_blank(row: list[Any]) -> bool:
    return not any(str(c).strip() for c in row if c is not None)


def find_column(header: list[str], *names: str) -> int | None:
    """The position of the first of `names` in a header row (ignoring case and spaces)."""
    keys = [str(h or "").strip().lstrip("\ufeff").casefold() for h in header]
    for name in names:
        key = name.strip().casefold()
        if key in keys:
            return keys.index(key)
    return None
