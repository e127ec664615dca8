"""The three rates (三率) per handling unit and per area, for a period.

Definitions (also written on the dashboard):

* **Response rate (响应率)** = dispatches signed for within the sign-for limit ÷ dispatches
  made in the period. Counted per dispatch (Assignment), so a unit that returns a demand
  still answers for its own dispatch.
* **Resolution rate (解决率)** = demands closed in the period that the resident said were
  resolved at the call-back ÷ demands closed in the period.
* **Satisfaction rate (满意率)** = (满意 + 基本满意) ÷ demands closed in the period with a
  rating. A reopened demand counts with its final rating.

Proactive tasks (未诉先办, channel "proactive") are staff's own work, not residents'
demands: they are left out of all three rates and of the 622 shares, and counted apart
(`tasks_dispatched`, `tasks_closed`). The big counts run on covering indexes that do not
hold the channel, so the few tasks are counted by themselves (a small partial index finds
them) and taken off.

Each level is one aggregate query per table (assignments, demands) grouped by unit or by
area, never a query per unit (plus the same two for the proactive tasks).
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.models import Region

from .calendar import TZ
from .models import Assignment, Channel, Demand, HandlingUnit, ResolutionKind, Satisfaction


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive
    key: str
    label: str

    @classmethod
    def parse(cls, key: str | None, *, today: dt.date | None = None) -> Period:
        """ "2026-11" (month), "2026-Q4" (quarter), "2026" (year); default: this month."""
        today = today or timezone.localdate()
        key = (key or "").strip()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", key):
            y, mo = int(m[1]), int(m[2])
            if 1 <= mo <= 12:
                return cls._make(
                    dt.date(y, mo, 1), _add_months(dt.date(y, mo, 1), 1), f"{y}-{mo:02d}", f"{y}年{mo}月"
                )
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", key, re.I):
            y, q = int(m[1]), int(m[2])
            first = dt.date(y, 3 * q - 2, 1)
            return cls._make(first, _add_months(first, 3), f"{y}-Q{q}", f"{y}年第{q}季度")
        if m := re.fullmatch(r"(\d{4})", key):
            y = int(m[1])
            return cls._make(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), str(y), f"{y}年")
        first = today.replace(day=1)
        return cls._make(
            first, _add_months(first, 1), f"{today.year}-{today.month:02d}", f"{today.year}年{today.month}月"
        )

    @classmethod
    def _make(cls, first: dt.date, after: dt.date, key: str, label: str) -> Period:
        return cls(
            dt.datetime.combine(first, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(after, dt.time.min, tzinfo=TZ),
            key,
            label,
        )

    def previous_months(self, n: int) -> list[str]:
        d = self.start.date()
        return [f"{(x := _add_months(d, -i)).year}-{x.month:02d}" for i in range(n)]


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return dt.date(y, m, min(d.day, pycal.monthrange(y, m)[1]))


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


@dataclass
class Rates:
    key: object
    name: str = ""
    kind: str = ""
    dispatched: int = 0
    signed_in_time: int = 0
    closed: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    # Proactive tasks (未诉先办), outside the rates: dispatched / closed in the period.
    tasks_dispatched: int = 0
    tasks_closed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def response(self) -> float | None:
        return _ratio(self.signed_in_time, self.dispatched)

    @property
    def resolution(self) -> float | None:
        return _ratio(self.resolved, self.closed)

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied, self.rated)

    @property
    def score(self) -> float | None:
        """Ranking: the mean of the rates that have a denominator."""
        values = [v for v in (self.response, self.resolution, self.satisfaction) if v is not None]
        return sum(values) / len(values) if values else None


_GOOD = [Satisfaction.SATISFIED, Satisfaction.BASIC]


def _proactive_ids(region_code: str) -> list[int]:
    """The proactive tasks of the region (few; found on the partial index demand_proactive_idx)."""
    return list(
        Demand.objects.filter(channel=Channel.PROACTIVE, community__code__startswith=region_code).values_list(
            "id", flat=True
        )
    )


def _assignment_counts(region_code: str, period: Period, group, only_ids=None):
    qs = Assignment.objects.filter(
        community__code__startswith=region_code,
        dispatched_at__gte=period.start,
        dispatched_at__lt=period.end,
    )
    if only_ids is not None:
        qs = qs.filter(demand_id__in=only_ids)
    return (
        qs.annotate(g=group)
        .values("g")
        .annotate(
            # Counting the range column (never null here) keeps the scan on the covering index.
            dispatched=Count("dispatched_at"),
            in_time=Count(
                "dispatched_at", filter=Q(signed_at__isnull=False, signed_at__lte=F("sign_deadline"))
            ),
        )
        .order_by()
    )


def _demand_counts(region_code: str, period: Period, group, only_ids=None):
    qs = Demand.objects.filter(
        community__code__startswith=region_code,
        closed_at__gte=period.start,
        closed_at__lt=period.end,
    )
    if only_ids is not None:
        qs = qs.filter(id__in=only_ids)
    return (
        qs.annotate(g=group)
        .values("g")
        .annotate(
            closed=Count("closed_at"),
            resolved=Count("closed_at", filter=Q(resolved=True)),
            rated=Count("closed_at", filter=~Q(satisfaction="")),
            satisfied=Count("closed_at", filter=Q(satisfaction__in=_GOOD)),
        )
        .order_by()
    )


def _merge(rows: dict, assignments, demands) -> None:
    for r in assignments:
        item = rows.get(r["g"])
        if item is not None:
            item.dispatched, item.signed_in_time = r["dispatched"], r["in_time"]
    for r in demands:
        item = rows.get(r["g"])
        if item is not None:
            item.closed, item.resolved = r["closed"], r["resolved"]
            item.rated, item.satisfied = r["rated"], r["satisfied"]


def _count(rows: dict, region_code: str, period: Period, group) -> None:
    """Fill the rows: all counts, then the proactive tasks' taken off and kept apart."""
    _merge(rows, _assignment_counts(region_code, period, group), _demand_counts(region_code, period, group))
    tasks = _proactive_ids(region_code)
    if not tasks:
        return
    for r in _assignment_counts(region_code, period, group, tasks):
        item = rows.get(r["g"])
        if item is not None:
            item.dispatched -= r["dispatched"]
            item.signed_in_time -= r["in_time"]
            item.tasks_dispatched += r["dispatched"]
    for r in _demand_counts(region_code, period, group, tasks):
        item = rows.get(r["g"])
        if item is not None:
            item.closed -= r["closed"]
            item.resolved -= r["resolved"]
            item.rated -= r["rated"]
            item.satisfied -= r["satisfied"]
            item.tasks_closed += r["closed"]


def rates_by_unit(region: Region, period: Period) -> list[Rates]:
    """The three rates of every unit serving `region` and below (plus departments of a
    district), for demands located in `region`."""
    units = HandlingUnit.objects.filter(
        Q(region__code__startswith=region.code) | Q(kind="department", region=region)
    )
    rows = {u.id: Rates(key=u.id, name=u.name, kind=u.kind) for u in units}
    _count(rows, region.code, period, F("unit_id"))
    return rank(list(rows.values()))


def rates_by_area(region: Region, period: Period) -> list[Rates]:
    """The three rates of each area one level below `region` (streets of a district,
    communities of a street), whichever unit handled the demands."""
    child_len = {6: 9, 9: 12}.get(len(region.code), 12)
    children = (
        Region.objects.filter(parent=region) if len(region.code) < 12 else Region.objects.filter(pk=region.pk)
    )
    rows = {c.code: Rates(key=c.code, name=c.short_name, kind="area") for c in children}
    group = Substr("community_id", 1, child_len)
    _count(rows, region.code, period, group)
    return rank(list(rows.values()))


def rates_total(region: Region, period: Period) -> Rates:
    from django.db.models import Value

    total = Rates(key=region.code, name=region.name, kind="total")
    _count({region.code: total}, region.code, period, Value(region.code))
    return total


def rates_sum(region: Region, rows: list[Rates]) -> Rates:
    """The region's total from its areas' rows (every demand lies in one of them)."""
    total = Rates(key=region.code, name=region.name, kind="total")
    for r in rows:
        total.dispatched += r.dispatched
        total.signed_in_time += r.signed_in_time
        total.closed += r.closed
        total.resolved += r.resolved
        total.rated += r.rated
        total.satisfied += r.satisfied
        total.tasks_dispatched += r.tasks_dispatched
        total.tasks_closed += r.tasks_closed
    return total


def rank(items: list[Rates]) -> list[Rates]:
    """Best first by the mean rate; units without any demand last, by name."""
    items.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
    for i, r in enumerate(items, start=1):
        r.extra["rank"] = i if r.score is not None else None
    return items


def shares_622(region: Region, period: Period) -> list[dict]:
    """How demands closed in the period were resolved, per community (Yuhuatai's 622);
    proactive tasks left out."""

    def counts(only_ids=None):
        qs = Demand.objects.filter(
            community__code__startswith=region.code,
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        )
        if only_ids is not None:
            qs = qs.filter(id__in=only_ids)
        return (
            qs.exclude(resolution_kind="")
            .values("community_id", "resolution_kind")
            .annotate(n=Count("closed_at"))
            .order_by()
        )

    rows = [dict(r) for r in counts()]
    tasks = _proactive_ids(region.code)
    if tasks:
        less = {(r["community_id"], r["resolution_kind"]): r["n"] for r in counts(tasks)}
        for r in rows:
            r["n"] -= less.get((r["community_id"], r["resolution_kind"]), 0)
        rows = [r for r in rows if r["n"] > 0]
    names = dict(Region.objects.filter(code__startswith=region.code, level=5).values_list("code", "name"))
    table: dict[str, dict] = {}
    for r in rows:
        t = table.setdefault(
            r["community_id"],
            {"code": r["community_id"], "total": 0, **dict.fromkeys(ResolutionKind.values, 0)},
        )
        t[r["resolution_kind"]] += r["n"]
        t["total"] += r["n"]
    out = []
    for code, t in sorted(table.items()):
        t["name"] = Region(code=code, name=names.get(code, code), level=5).short_name
        t["shares"] = {k: t[k] / t["total"] for k in ResolutionKind.values}
        out.append(t)
    return out


def drill_down(
    region: Region, period: Period, *, metric: str, unit_id: int | None = None, area: str | None = None
):
    """The demands behind a figure: the dispatches (response) or the closed demands
    (resolution, satisfaction) of a unit or area in the period."""
    if metric == "response":
        qs = Assignment.objects.filter(
            community__code__startswith=area or region.code,
            dispatched_at__gte=period.start,
            dispatched_at__lt=period.end,
        ).select_related("demand", "unit")
        if unit_id is not None:
            qs = qs.filter(unit_id=unit_id)
        return qs.exclude(demand__channel=Channel.PROACTIVE).order_by("-dispatched_at")
    qs = Demand.objects.filter(
        community__code__startswith=area or region.code,
        closed_at__gte=period.start,
        closed_at__lt=period.end,
    ).select_related("unit", "category", "community")
    qs = qs.exclude(channel=Channel.PROACTIVE)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if metric == "satisfaction":
        qs = qs.exclude(satisfaction="")
    return qs.order_by("-closed_at")


METRIC_LABELS = {
    "response": lambda: _("响应率"),
    "resolution": lambda: _("解决率"),
    "satisfaction": lambda: _("满意率"),
}
