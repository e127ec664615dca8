"""The API's JSON parser: strict JSON only.

Refused with a clear 400 instead of failing later (a 500 from the database or the encoder):
NaN/Infinity and numbers too large for a float, lone surrogates (\\ud800 alone is valid JSON
syntax but not text), and NUL characters (PostgreSQL cannot store them in text)."""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _
from ninja.parser import Parser

from .errors import ApplicationError


def _bad_constant(name: str):
    raise ValueError(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def text_problem(value: str) -> str | None:
    """What makes a string unstorable: a NUL character or a lone surrogate (None if neither)."""
    if "\x00" in value:
        return "nul"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "surrogate"
    return None


def _check(value: Any, path: str = "") -> None:
    if isinstance(value, str):
        if text_problem(value):
            raise ApplicationError(
                "invalid_text",
                _("文本中含有无法保存的字符（空字符 NUL 或不成对的代理码位）：%(field)s")
                % {"field": path or "-"},
                field=path.rsplit(".", 1)[-1] or None,
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, path)
            _check(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check(v, f"{path}.{i}" if path else str(i))


class StrictJSONParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body, parse_constant=_bad_constant, parse_float=_finite)
        _check(data)
        return data
