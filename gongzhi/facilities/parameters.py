"""The parameters of each kind of rule, as data: what the standards form asks for and how the
service checks it. `clean(kind, raw)` turns what was typed (strings, lists) into the JSON the
rules read (compliance.py, funding.py), or raises with a plain message naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .errors import error
from .models import FacilityKind, Post, RoomUse, RuleKind


@dataclass(frozen=True)
class Param:
    name: str
    label: object
    type: str  # "number" | "share" | "int" | "uses" | "kinds" | "post"
    required: bool = True
    low: Decimal = Decimal("0")  # exclusive for numbers and shares, inclusive for int
    high: Decimal = Decimal("1000000000")
    help: object = ""


AREA = Decimal("1000000")
MONEY = Decimal("100000000")
SPEC: dict[str, tuple[Param, ...]] = {
    RuleKind.AREA_PER_HOUSEHOLDS: (
        Param("per_100_households", _("每百户面积（㎡）"), "number", high=Decimal("1000")),
        Param("uses", _("计入的用房用途（不选则计入办公以外的全部用房）"), "uses", required=False),
    ),
    RuleKind.MINIMUM_AREA: (
        Param("minimum", _("最低面积（㎡）"), "number", high=AREA),
        Param("uses", _("计入的用房用途（不选则计入全部用房）"), "uses", required=False),
    ),
    RuleKind.ITEMS_REQUIRED: (Param("kinds", _("必备的服务设施"), "kinds"),),
    RuleKind.SHARE_OF_AREA: (
        Param("uses", _("须达到占比的用途"), "uses"),
        Param("share", _("占比（0到1之间，如0.8）"), "share"),
        Param("of_uses", _("占比的分母：用途（不选则为全部用房）"), "uses", required=False),
    ),
    RuleKind.ESTATE_RESERVE: (
        Param("threshold", _("分界建筑面积（㎡）"), "number", high=Decimal("100000000")),
        Param("below", _("分界以下的配建比例（如0.03）"), "share"),
        Param("above", _("分界以上的配建比例（如0.02）"), "share"),
    ),
    RuleKind.FUNDING_PER_HOUSEHOLDS: (
        Param("per_1000_households", _("每千户每年金额（元）"), "number", high=MONEY),
        Param("base_year", _("起算年度"), "int", required=False, low=Decimal(2000), high=Decimal(2100)),
        Param("yearly_increase", _("每年递增比例（如0.05）"), "share", required=False),
    ),
    RuleKind.FUNDING_BY_RESIDENTS: (
        Param("threshold", _("人口分界（人）"), "int", low=Decimal(1), high=Decimal(1000000)),
        Param("above", _("分界以上每年金额（元）"), "number", high=MONEY),
        Param("below", _("分界及以下每年金额（元）"), "number", high=MONEY),
    ),
    RuleKind.FUNDING_PER_COMMUNITY: (
        Param("amount", _("每社区每年金额（元）"), "number", high=MONEY),
        Param("service_share", _("用于服务项目的最低比例（如0.5）"), "share", required=False),
    ),
    RuleKind.ALLOWANCE: (
        Param("post", _("职务"), "post"),
        Param("ratio", _("不低于最低工资的倍数（如1.5）"), "number", high=Decimal("10")),
        Param("minimum_wage", _("当地月最低工资（元）"), "number", high=Decimal("100000")),
    ),
}
CHOICES = {"uses": RoomUse, "kinds": FacilityKind, "post": Post}


def _number(p: Param, value) -> int | float:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error("bad_parameter", name=p.label) from None
    if not d.is_finite():
        raise error("bad_parameter", name=p.label)
    if p.type == "int":
        if d != d.to_integral_value() or not p.low <= d <= p.high:
            raise error("bad_parameter", name=p.label)
        return int(d)
    high = Decimal("1") if p.type == "share" else p.high
    if not Decimal("0") < d <= high:
        raise error("bad_parameter", name=p.label)
    return int(d) if d == d.to_integral_value() else float(d)


def clean(kind: str, raw: dict) -> dict:
    """The parameters of a rule of `kind`, checked: numbers in range, shares in (0, 1], choices
    from the lists; an empty optional parameter is left out."""
    if kind not in SPEC:
        raise error("bad_choice")
    out: dict = {}
    raw = raw or {}
    for p in SPEC[kind]:
        value = raw.get(p.name)
        empty = value is None or value == "" or value == []
        if empty:
            if p.required:
                raise error("parameter_required", name=p.label)
            continue
        if p.type in ("uses", "kinds"):
            if not isinstance(value, (str, list, tuple)):
                raise error("bad_parameter", name=p.label)
            values = [value] if isinstance(value, str) else list(value)
            allowed = CHOICES[p.type].values
            if not values or any(v not in allowed for v in values):
                raise error("bad_parameter", name=p.label)
            out[p.name] = list(dict.fromkeys(values))
        elif p.type == "post":
            if value not in Post.values:
                raise error("bad_parameter", name=p.label)
            out[p.name] = value
        else:
            out[p.name] = _number(p, value)
    return out
