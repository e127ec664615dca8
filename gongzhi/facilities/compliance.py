"""Compliance of a community with the standards: the rule of each kind, computed on the
community's facts (households and residents from the registry, premises and facilities from
the register). `evaluate` is pure so that each rule can be checked on hand-worked cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .models import RoomUse, RuleKind

M2 = "㎡"
ITEMS = "项"
ZERO = Decimal("0")
REQUIRED_PARAMETERS: dict[str, tuple[str, ...]] = {
    RuleKind.AREA_PER_HOUSEHOLDS: ("per_100_households",),
    RuleKind.MINIMUM_AREA: ("minimum",),
    RuleKind.ITEMS_REQUIRED: ("kinds",),
    RuleKind.SHARE_OF_AREA: ("uses", "share"),
    RuleKind.ESTATE_RESERVE: ("threshold", "below", "above"),
    RuleKind.FUNDING_PER_HOUSEHOLDS: ("per_1000_households",),
    RuleKind.FUNDING_BY_RESIDENTS: ("threshold", "above", "below"),
    RuleKind.FUNDING_PER_COMMUNITY: ("amount",),
    RuleKind.ALLOWANCE: ("post", "ratio", "minimum_wage"),
}


@dataclass
class Facts:
    """What the rules need to know about one community."""

    households: int = 0
    residents: int = 0
    area_by_use: dict[str, Decimal] = field(default_factory=dict)
    handed_over_area: Decimal = ZERO
    facility_kinds: set[str] = field(default_factory=set)
    estate_floor_areas: list[Decimal] = field(default_factory=list)

    def area(self, uses=None) -> Decimal:
        return sum((a for u, a in self.area_by_use.items() if uses is None or u in uses), ZERO)


@dataclass
class Result:
    required: Decimal
    actual: Decimal
    unit: str
    unit_price: Decimal
    missing: list[str] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        return max(self.required - self.actual, ZERO)

    @property
    def met(self) -> bool:
        return self.gap == 0

    @property
    def cost(self) -> Decimal:
        return (self.gap * self.unit_price).quantize(Decimal("1"), ROUND_HALF_UP)


def _d(x) -> Decimal:
    return Decimal(str(x))


def _q(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


def missing_parameters(kind: str, parameters: dict) -> list[str]:
    return [p for p in REQUIRED_PARAMETERS.get(kind, ()) if p not in (parameters or {})]


def evaluate(kind: str, parameters: dict, unit_price, facts: Facts) -> Result:
    """One rule on one community's facts: what it requires, what there is, the gap."""
    p = parameters
    price = _d(unit_price or 0)
    non_office = [u for u in RoomUse.values if u != RoomUse.OFFICE]
    if kind == RuleKind.AREA_PER_HOUSEHOLDS:
        required = _d(p["per_100_households"]) * facts.households / 100
        actual = facts.area(p.get("uses") or non_office)
        return Result(_q(required), _q(actual), M2, price)
    if kind == RuleKind.MINIMUM_AREA:
        return Result(_q(_d(p["minimum"])), _q(facts.area(p.get("uses"))), M2, price)
    if kind == RuleKind.ITEMS_REQUIRED:
        kinds = list(p["kinds"])
        missing = [k for k in kinds if k not in facts.facility_kinds]
        return Result(_d(len(kinds)), _d(len(kinds) - len(missing)), ITEMS, price, missing)
    if kind == RuleKind.SHARE_OF_AREA:
        total = facts.area(p.get("of_uses"))
        required = _d(p["share"]) * total
        return Result(_q(required), _q(facts.area(p["uses"])), M2, price)
    if kind == RuleKind.ESTATE_RESERVE:
        threshold = _d(p["threshold"])
        required = sum(
            (a * _d(p["below"] if a < threshold else p["above"]) for a in facts.estate_floor_areas), ZERO
        )
        return Result(_q(required), _q(facts.handed_over_area), M2, price)
    raise ValueError(kind)
