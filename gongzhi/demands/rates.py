"""The three rates (三率) per handling unit and per area, for a period.

One definition per rate, written once here (and on the dashboard), and one computation:
`_records` gives the records a rate counts, `_count` counts them grouped (a card is the group
of the whole region, a row that of an area or a unit), `figure` gives one figure with its
records and `drill_down` lists exactly those records. Every card, row, chart, drill-down and
export goes through these, so the parts add up to the whole and a drill-down lists exactly
what its figure counted.

* **Response rate (响应率)** = dispatches signed for within the sign-for limit ÷ dispatches
  made in the period *whose outcome is known*: signed, or past their sign-for limit. A
  dispatch still inside its limit and not signed yet is neither late nor in time: it is
  left out (and shown as pending). Counted per dispatch (Assignment), so a unit that returns
  a demand still answers for its own dispatch.
* **Resolution rate (解决率)** = demands closed in the period that the resident said were
  resolved ÷ demands closed in the period whose resolution is known (said resolved or not).
* **Satisfaction rate (满意率)** = (满意 + 基本满意) ÷ demands closed in the period with a
  rating. A reopened demand counts with its final rating.

Areas: a demand counts for the area it is located in (streets of a district, communities of
a street; a community is its own single area). Units: a dispatch counts for the unit it was
dispatched to, a closed demand for the unit that answered it. Every unit that handled some of
the region's demands has a row (a district department on a street's page too), so the unit
rows add up to the region as the area rows do.

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

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.models import Region

from .calendar import TZ
from .errors import error
from .models import Assignment, Channel, Demand, HandlingUnit, ResolutionKind, Satisfaction

MAX_MONTHS = 24  # the longest period the dashboard counts


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive
    key: str
    label: str

    @classmethod
    def parse(cls, key: str | None, *, today: dt.date | None = None) -> Period:
        """ "2026-11" (month), "2026-Q4" (quarter), "2026" (year), "2025-01~2026-12" (the months
        from one to the other, both included, at most MAX_MONTHS); default: this month. Any
        other key is refused with a message (DemandError "bad_period" or "period_too_long")."""
        try:
            return cls._parse((key or "").strip(), today or timezone.localtime(clock.now()).date())
        except (ValueError, OverflowError):  # a year out of range
            raise error("bad_period") from None

    @classmethod
    def _parse(cls, key: str, today: dt.date) -> Period:
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
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})\s*~\s*(\d{4})-(\d{1,2})", key):
            return cls.months(int(m[1]), int(m[2]), int(m[3]), int(m[4]))
        if key:
            raise error("bad_period")
        first = today.replace(day=1)
        return cls._make(
            first, _add_months(first, 1), f"{today.year}-{today.month:02d}", f"{today.year}年{today.month}月"
        )

    @classmethod
    def months(cls, y1: int, m1: int, y2: int, m2: int) -> Period:
        """The months from y1-m1 to y2-m2, both included (at most MAX_MONTHS)."""
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12 and y1 >= 1 and 1 <= y2 <= 9998):
            raise error("bad_period")
        n = (y2 - y1) * 12 + (m2 - m1) + 1
        if n < 1:
            raise error("bad_period")
        if n > MAX_MONTHS:
            raise error("period_too_long", n=MAX_MONTHS)
        first = dt.date(y1, m1, 1)
        return cls._make(
            first,
            _add_months(first, n),
            f"{y1}-{m1:02d}~{y2}-{m2:02d}",
            _("%(y1)s年%(m1)s月至%(y2)s年%(m2)s月") % {"y1": y1, "m1": m1, "y2": y2, "m2": m2},
        )

    @classmethod
    def last_months(cls, n: int, *, today: dt.date | None = None) -> Period:
        """The n months up to and including this one."""
        today = today or timezone.localtime(clock.now()).date()
        first = _add_months(today.replace(day=1), 1 - n)
        return cls.months(first.year, first.month, today.year, today.month)

    @classmethod
    def _make(cls, first: dt.date, after: dt.date, key: str, label: str) -> Period:
        return cls(
            dt.datetime.combine(first, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(after, dt.time.min, tzinfo=TZ),
            key,
            label,
        )

    @property
    def first_month(self) -> str:
        """ "2025-01": the month the period starts in."""
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def last_month(self) -> str:
        """ "2026-12": the month of the period's last day."""
        last = (self.end - dt.timedelta(days=1)).date()
        return f"{last.year}-{last.month:02d}"

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
    dispatched: int = 0  # dispatches counted in the response rate (signed, or past the limit)
    signed_in_time: int = 0
    sign_pending: int = 0  # dispatched, not signed yet, still inside the limit: not counted
    closed: int = 0
    resolution_known: int = 0  # closed with the resident's answer on resolution
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
        return _ratio(self.resolved, self.resolution_known)

    @property
    def satisfaction(self) -> float | None:
        return _ratio(self.satisfied, self.rated)

    @property
    def score(self) -> float | None:
        """Ranking: the mean of the rates that have a denominator."""
        values = [v for v in (self.response, self.resolution, self.satisfaction) if v is not None]
        return sum(values) / len(values) if values else None

    COUNTS = (
        "dispatched",
        "signed_in_time",
        "sign_pending",
        "closed",
        "resolution_known",
        "resolved",
        "rated",
        "satisfied",
        "tasks_dispatched",
        "tasks_closed",
    )

    def counts(self) -> tuple[int, ...]:
        return tuple(getattr(self, k) for k in self.COUNTS)


_GOOD = [Satisfaction.SATISFIED, Satisfaction.BASIC]

# --- the definitions: which records each rate counts, and which of them are "good" ---------------


def _sign_known(now: dt.datetime) -> Q:
    """A dispatch whose response is known: signed, or its sign-for limit has passed."""
    return Q(signed_at__isnull=False) | Q(sign_deadline__lte=now)


IN_TIME = Q(signed_at__isnull=False, signed_at__lte=F("sign_deadline"))
RESOLUTION_KNOWN = Q(resolved__isnull=False)
RESOLVED = Q(resolved=True)
RATED = ~Q(satisfaction="")
SATISFIED = Q(satisfaction__in=_GOOD)


def _dispatches(region_code: str, period: Period):
    """Every dispatch of the period to a demand located in the region (tasks included)."""
    return Assignment.objects.filter(
        community__code__startswith=region_code,
        dispatched_at__gte=period.start,
        dispatched_at__lt=period.end,
    )


def _closings(region_code: str, period: Period):
    """Every demand located in the region and closed in the period (tasks included)."""
    return Demand.objects.filter(
        community__code__startswith=region_code,
        closed_at__gte=period.start,
        closed_at__lt=period.end,
    )


def _records(metric: str, region_code: str, period: Period, now: dt.datetime):
    """The records a rate's denominator counts (before the proactive tasks are taken off)."""
    if metric == "response":
        return _dispatches(region_code, period).filter(_sign_known(now))
    if metric == "resolution":
        return _closings(region_code, period).filter(RESOLUTION_KNOWN)
    if metric == "satisfaction":
        return _closings(region_code, period).filter(RATED)
    raise ValueError(metric)


def _proactive_ids(region_code: str) -> list[int]:
    """The proactive tasks of the region (few; found on the partial index demand_proactive_idx)."""
    return list(
        Demand.objects.filter(channel=Channel.PROACTIVE, community__code__startswith=region_code).values_list(
            "id", flat=True
        )
    )


def _assignment_counts(region_code: str, period: Period, group, now, only_ids=None):
    qs = _dispatches(region_code, period)
    if only_ids is not None:
        qs = qs.filter(demand_id__in=only_ids)
    known = _sign_known(now)
    return (
        qs.annotate(g=group)
        .values("g")
        .annotate(
            # Counting the range column (never null here) keeps the scan on the covering index.
            all=Count("dispatched_at"),
            dispatched=Count("dispatched_at", filter=known),
            in_time=Count("dispatched_at", filter=known & IN_TIME),
        )
        .order_by()
    )


def _demand_counts(region_code: str, period: Period, group, only_ids=None):
    qs = _closings(region_code, period)
    if only_ids is not None:
        qs = qs.filter(id__in=only_ids)
    return (
        qs.annotate(g=group)
        .values("g")
        .annotate(
            closed=Count("closed_at"),
            known=Count("closed_at", filter=RESOLUTION_KNOWN),
            resolved=Count("closed_at", filter=RESOLUTION_KNOWN & RESOLVED),
            rated=Count("closed_at", filter=RATED),
            satisfied=Count("closed_at", filter=RATED & SATISFIED),
        )
        .order_by()
    )


def _add(item: Rates, a=None, d=None, sign: int = 1) -> None:
    if a is not None:
        item.dispatched += sign * a["dispatched"]
        item.signed_in_time += sign * a["in_time"]
        item.sign_pending += sign * (a["all"] - a["dispatched"])
    if d is not None:
        item.closed += sign * d["closed"]
        item.resolution_known += sign * d["known"]
        item.resolved += sign * d["resolved"]
        item.rated += sign * d["rated"]
        item.satisfied += sign * d["satisfied"]


def _count(
    rows: dict,
    region_code: str,
    period: Period,
    group,
    now=None,
    make_row=None,
    rolled_group=None,
    per_unit: bool = False,
) -> None:
    """Fill the rows: all counts, then the proactive tasks' taken off and kept apart.
    `make_row(keys)` adds rows for groups that had records but no row yet (units from
    elsewhere that handled the region's demands). The whole months the monthly rollup may
    stand in for come from it (`rolled_group` groups its rows as `group` groups the records);
    the rest of the period is counted live (rates_rollup.py); `per_unit`: the rollup's rows per
    unit are needed (the unit rows), not only those per community."""
    from . import rates_rollup

    now = now or clock.now()
    months, parts = rates_rollup.split(period.start, period.end, now)
    live = [Period(start, end, period.key, period.label) for start, end in parts]
    assignments = [r for p in live for r in _assignment_counts(region_code, p, group, now)]
    demands = [r for p in live for r in _demand_counts(region_code, p, group)]
    rolled = (
        rates_rollup.rollup_counts(region_code, months, rolled_group or group, per_unit=per_unit)
        if months
        else []
    )
    missing = {r["g"] for r in (*assignments, *demands, *rolled)} - set(rows)
    if missing and make_row is not None:
        rows.update(make_row(missing))
    for r in assignments:
        if (item := rows.get(r["g"])) is not None:
            _add(item, a=r)
    for r in demands:
        if (item := rows.get(r["g"])) is not None:
            _add(item, d=r)
    for r in rolled:
        if (item := rows.get(r["g"])) is not None:
            for k in Rates.COUNTS:
                setattr(item, k, getattr(item, k) + r[k])
    tasks = _proactive_ids(region_code) if live else []
    if not tasks:
        return
    for p in live:
        for r in _assignment_counts(region_code, p, group, now, tasks):
            if (item := rows.get(r["g"])) is not None:
                _add(item, a=r, sign=-1)
                item.tasks_dispatched += r["all"]
        for r in _demand_counts(region_code, p, group, tasks):
            if (item := rows.get(r["g"])) is not None:
                _add(item, d=r, sign=-1)
                item.tasks_closed += r["closed"]


def _unit_rows(ids) -> dict:
    return {u.id: Rates(key=u.id, name=u.name, kind=u.kind) for u in HandlingUnit.objects.filter(id__in=ids)}


def rates_by_unit(region: Region, period: Period, *, now=None) -> list[Rates]:
    """The three rates of every unit serving `region` and below (plus departments of a
    district) and of every other unit that handled demands located in `region`, counting only
    those demands: the rows add up to `rates_total(region)`."""
    units = HandlingUnit.objects.filter(
        Q(region__code__startswith=region.code) | Q(kind="department", region=region)
    )
    rows = {u.id: Rates(key=u.id, name=u.name, kind=u.kind) for u in units}
    _count(rows, region.code, period, F("unit_id"), now, make_row=_unit_rows, per_unit=True)
    return rank(list(rows.values()))


def _child_len(region: Region) -> int:
    return {6: 9, 9: 12}.get(len(region.code), 12)


def rates_by_area(region: Region, period: Period, *, now=None) -> list[Rates]:
    """The three rates of each area one level below `region` (streets of a district,
    communities of a street; a community is its own single area), whichever unit handled
    the demands: the rows add up to `rates_total(region)`."""
    children = (
        Region.objects.filter(parent=region) if len(region.code) < 12 else Region.objects.filter(pk=region.pk)
    )
    rows = {c.code: Rates(key=c.code, name=c.short_name, kind="area") for c in children}
    n = _child_len(region)
    _count(
        rows, region.code, period, Substr("community_id", 1, n), now, rolled_group=Substr("community", 1, n)
    )
    return rank(list(rows.values()))


def rates_total(region: Region, period: Period, *, now=None) -> Rates:
    """The region's figures (the dashboard's cards): the same counts, one group."""
    total = Rates(key=region.code, name=region.name, kind="total")
    _count({region.code: total}, region.code, period, Value(region.code), now)
    return total


def rates_sum(region: Region | None, rows: list[Rates]) -> Rates:
    """The sum of rows (a check: areas or units of a region add up to its total)."""
    total = Rates(key=region.code if region else "", name=region.name if region else "", kind="total")
    for r in rows:
        for k in Rates.COUNTS:
            setattr(total, k, getattr(total, k) + getattr(r, k))
    return total


def rank(items: list[Rates]) -> list[Rates]:
    """Best first by the mean rate; units without any demand last, by name."""
    items.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
    for i, r in enumerate(items, start=1):
        r.extra["rank"] = i if r.score is not None else None
    return items


UNSPECIFIED = "unspecified"


def shares_622(region: Region, period: Period) -> list[dict]:
    """How demands closed in the period were resolved, per community (Yuhuatai's 622); the
    same closed demands as the rates' `closed` (proactive tasks left out), so a community's
    total here is its `closed` in the area rows. A closed demand without a resolution kind
    is counted as unspecified rather than dropped."""

    from . import rates_rollup

    months, parts = rates_rollup.split(period.start, period.end, clock.now())
    live = [Period(start, end, period.key, period.label) for start, end in parts]

    def counts(p: Period, only_ids=None):
        qs = _closings(region.code, p)
        if only_ids is not None:
            qs = qs.filter(id__in=only_ids)
        return qs.values("community_id", "resolution_kind").annotate(n=Count("closed_at")).order_by()

    tasks = _proactive_ids(region.code) if live else []
    rows: list[dict] = []
    for p in live:
        part = [dict(r) for r in counts(p)]
        if tasks:
            less = {(r["community_id"], r["resolution_kind"]): r["n"] for r in counts(p, tasks)}
            for r in part:
                r["n"] -= less.get((r["community_id"], r["resolution_kind"]), 0)
        rows += part
    if months:
        rows += rates_rollup.rollup_shares(region.code, months)
    rows = [r for r in rows if r["n"] > 0]
    names = dict(Region.objects.filter(code__startswith=region.code, level=5).values_list("code", "name"))
    kinds = [*ResolutionKind.values, UNSPECIFIED]
    table: dict[str, dict] = {}
    for r in rows:
        t = table.setdefault(
            r["community_id"],
            {"code": r["community_id"], "total": 0, **dict.fromkeys(kinds, 0)},
        )
        t[r["resolution_kind"] or UNSPECIFIED] += r["n"]
        t["total"] += r["n"]
    out = []
    for code, t in sorted(table.items()):
        t["name"] = Region(code=code, name=names.get(code, code), level=5).short_name
        t["shares"] = {k: t[k] / t["total"] for k in ResolutionKind.values}
        out.append(t)
    return out


def drill_down(
    region: Region,
    period: Period,
    *,
    metric: str,
    unit_id: int | None = None,
    area: str | None = None,
    now=None,
):
    """Exactly the records a figure counted: the dispatches (response) or the closed demands
    (resolution, satisfaction) in its denominator, of the region, an area or a unit."""
    now = now or clock.now()
    code = area if area and area.startswith(region.code) else region.code
    qs = _records(metric, code, period, now)
    tasks = _proactive_ids(code)
    if metric == "response":
        qs = qs.select_related("demand", "unit")
        if tasks:
            qs = qs.exclude(demand_id__in=tasks)
        if unit_id is not None:
            qs = qs.filter(unit_id=unit_id)
        return qs.order_by("-dispatched_at", "-id")
    qs = qs.select_related("unit", "category", "community")
    if tasks:
        qs = qs.exclude(id__in=tasks)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-closed_at", "-id")


@dataclass
class Figure:
    """One rate with the records behind it."""

    metric: str
    numerator: int
    denominator: int
    records: object  # the drill-down queryset

    @property
    def value(self) -> float | None:
        return _ratio(self.numerator, self.denominator)


def figure(
    region: Region,
    period: Period,
    *,
    metric: str,
    unit_id: int | None = None,
    area: str | None = None,
    now=None,
) -> Figure:
    """A rate of the region (or of one of its areas, or of a unit for the region's demands),
    with its records. The numbers come from the same counting as the cards and rows."""
    now = now or clock.now()
    if area and area.startswith(region.code):
        sub = Region.objects.get(code=area)
        row = rates_total(sub, period, now=now)
    elif unit_id is not None:
        row = next(
            (r for r in rates_by_unit(region, period, now=now) if r.key == unit_id), Rates(key=unit_id)
        )
    else:
        row = rates_total(region, period, now=now)
    num, den = {
        "response": (row.signed_in_time, row.dispatched),
        "resolution": (row.resolved, row.resolution_known),
        "satisfaction": (row.satisfied, row.rated),
    }[metric]
    records = drill_down(region, period, metric=metric, unit_id=unit_id, area=area, now=now)
    return Figure(metric=metric, numerator=num, denominator=den, records=records)


METRIC_LABELS = {
    "response": lambda: _("响应率"),
    "resolution": lambda: _("解决率"),
    "satisfaction": lambda: _("满意率"),
}
