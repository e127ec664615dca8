"""The API's JSON parser: strict JSON only.

Refused with a clear 400 instead of failing later (a 500 from the database or the encoder):
NaN/Infinity and numbers too large for a float; and, like the input guard, control
characters, NUL and lone surrogates (\\ud800 alone is valid JSON syntax but not text)."""

from __future__ import annotations

import json
import math
from typing import Any

from ninja.parser import Parser

from .text import check_text


def _bad_constant(name: str):
    raise ValueError(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _check(value: Any, path: str = "") -> None:
    """The input guard's rule (core.text), for a body the guard did not read."""
    if isinstance(value, str):
        check_text(value, field=path.rsplit(".", 1)[-1] if path else "", label=path or "-")
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
