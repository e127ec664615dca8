"""Every app's figures, computed generically: the manifests declare them (core.manifests.figures),
this module calls their selectors and reads whatever shape they return. Ledgers never import
another app; a figure is found by its key.

A selector is called with the keyword arguments it accepts among `user`, `region` (a Region)
and `period` ("YYYY-MM"). It may return a number; a pair (number, records); or an object with
`number` or `value`, `records`, and optionally `below` (the region falls short of a standard).

A figure in "%" is held here as a fraction of one (the display multiplies by 100). The apps
return it in two ways, both read correctly: an object with `numerator` and `denominator` gives
the exact fraction; otherwise `number` (and a bare number or pair) is a fraction of one and
`value` a percentage from 0 to 100, as the apps' figure classes have it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.module_loading import import_string

from gongzhi.core.manifests import Figure, figures

from .viewers import viewer_for

MAX_RECORDS = 200


@dataclass
class Value:
    figure: Figure
    number: float | None
    records: Any = None
    below: bool = False
    error: str = ""

    @property
    def count(self) -> int | None:
        r = self.records
        if r is None:
            return None
        return r.count() if hasattr(r, "count") and not isinstance(r, list) else len(r)

    @property
    def display(self) -> str:
        if self.number is None:
            return "—"
        if self.figure.unit == "%":
            return f"{100 * self.number:.1f}%"
        n = self.number
        return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


def _selector_kwargs(func, **available) -> dict:
    params = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return available
    return {k: v for k, v in available.items() if k in params}


def normalise(figure: Figure, result) -> Value:
    if isinstance(result, tuple) and len(result) == 2:
        number, records, below = result[0], result[1], False
    elif isinstance(result, (int, float)) or result is None:
        number, records, below = result, None, False
    else:
        number = getattr(result, "number", None)
        if number is None:
            number = getattr(result, "value", None)
            if number is not None and figure.unit == "%":
                number = float(number) / 100
        if figure.unit == "%":
            num, den = getattr(result, "numerator", None), getattr(result, "denominator", None)
            if isinstance(num, (int, float, Decimal)) and isinstance(den, (int, float, Decimal)):
                number = float(num) / float(den) if den else None
        records, below = getattr(result, "records", None), bool(getattr(result, "below", False))
    return Value(figure, None if number is None else float(number), records, below)


def compute(key: str, *, user, region, period: str) -> Value:
    """The figure for the region and month, computed by its selector for `user` narrowed to the
    region (`viewers`: a selector that measures its user's whole scope then measures the region)."""
    figure = figures()[key]
    func = import_string(figure.selector)
    viewer = viewer_for(user, region.code)
    try:
        result = func(**_selector_kwargs(func, user=viewer, region=region, period=period))
    except Exception as exc:  # one app's figure failing must not take the ledger down
        return Value(figure, None, None, False, error=type(exc).__name__)
    return normalise(figure, result)


def compute_all(*, user, region, period: str) -> list[Value]:
    return [compute(k, user=user, region=region, period=period) for k in figures()]


def definition(key: str) -> str:
    """The figure's definition: its selector's docstring."""
    return inspect.getdoc(import_string(figures()[key].selector)) or ""


def records_rows(value: Value, limit: int = MAX_RECORDS) -> list[str]:
    r = value.records
    if r is None:
        return []
    return [str(x) for x in (r[:limit] if not isinstance(r, list) else r[:limit])]
