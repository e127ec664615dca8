"""Reading a department's extract: CSV or XLSX (through the project's one reader,
core/tabular.py), or JSON rows pushed to the API.

Each reader yields (row number, {column: text}) in file order; the row number is the one
a person sees in the spreadsheet (the header is row 1), or the position in a pushed list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.utils.translation import gettext as _

from gongzhi.core import tabular
from gongzhi.core.errors import ApplicationError


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _records(rows) -> Iterator[tuple[int, dict[str, str]]]:
    header = next(rows, None)
    if not header:
        return
    names = [_text(h) for h in header]
    for number, row in enumerate(rows, start=2):
        cells = [_text(c) for c in row]
        if not any(cells):
            continue
        yield number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(names) if h}


def read_csv(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    return _records(iter(tabular.iter_csv(data)))


def read_xlsx(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    return _records(iter(tabular.iter_xlsx(data)))


def read_json(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        rows = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApplicationError("bad_json", _("推送的数据不是有效的 JSON。")) from None
    if not isinstance(rows, list):
        raise ApplicationError("bad_json", _("推送的数据应为记录的列表。"))
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            yield number, {}
            continue
        yield number, {str(k).strip(): _text(v) for k, v in row.items()}


READERS = {"csv": read_csv, "xlsx": read_xlsx, "json": read_json}


def read_rows(file_format: str, data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    return READERS[file_format](data)


def headers(file_format: str, data: bytes) -> list[str]:
    """The column names of an extract (for proposing a mapping)."""
    for _number, row in read_rows(file_format, data):
        return list(row)
    return []
