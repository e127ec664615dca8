"""Funding and allowance entitlements (应享) as the standards define them, pure so that each rule
can be checked on hand-worked cases; `entitlements.py` puts them beside what was paid (已享).

- 按户数核定经费 (Ningbo): `per_1000_households` a year for each 1,000 households, rising by
  `yearly_increase` a year from `base_year` (¥280,000, 5%).
- 按人口规模核定经费 (Longyan's office funding): `above` a year where the community has more
  than `threshold` residents, else `below` (¥10,000 over 5,000 residents, else ¥8,000).
- 每社区定额经费 (Yuhuatai): `amount` a year per community, of which at least `service_share`
  is to be spent on service projects (¥300,000, 50%).
- 社区干部报酬 (Fujian): each holder of the `post` is due `ratio` × the local monthly minimum
  wage `minimum_wage` for every month held (heads ≥ 150%, full-time members ≥ 130%).

A year's funding is due month by month: by the end of month M, M/12 of the year's amount.
Amounts are in yuan, rounded to the fen.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .models import RuleKind

FEN = Decimal("0.01")
FUNDING_KINDS = (
    RuleKind.FUNDING_PER_HOUSEHOLDS,
    RuleKind.FUNDING_BY_RESIDENTS,
    RuleKind.FUNDING_PER_COMMUNITY,
    RuleKind.ALLOWANCE,
)


def _d(x) -> Decimal:
    return Decimal(str(x))


def yuan(x: Decimal) -> Decimal:
    return x.quantize(FEN, ROUND_HALF_UP)


def annual_funding(kind: str, p: dict, *, households: int, residents: int, year: int) -> Decimal:
    """A community's funding for the year under one rule (not the allowances: those are per person)."""
    if kind == RuleKind.FUNDING_PER_HOUSEHOLDS:
        rise = (1 + _d(p.get("yearly_increase", 0))) ** max(0, year - int(p.get("base_year", year)))
        return yuan(_d(p["per_1000_households"]) * households / 1000 * rise)
    if kind == RuleKind.FUNDING_BY_RESIDENTS:
        return yuan(_d(p["above"] if residents > int(p["threshold"]) else p["below"]))
    if kind == RuleKind.FUNDING_PER_COMMUNITY:
        return yuan(_d(p["amount"]))
    raise ValueError(kind)


def due_by_month(annual: Decimal, month: int) -> Decimal:
    """Of a year's amount, what is due by the end of `month` (1–12)."""
    return yuan(annual * month / 12)


def months_held(start: dt.date, end: dt.date | None, year: int, through_month: int) -> int:
    """Months of `year` up to `through_month` in which the post was held for at least one day."""
    n = 0
    for m in range(1, through_month + 1):
        first = dt.date(year, m, 1)
        last = (dt.date(year + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)
        if start <= last and (end is None or end >= first):
            n += 1
    return n


def monthly_allowance(p: dict) -> Decimal:
    return yuan(_d(p["ratio"]) * _d(p["minimum_wage"]))
