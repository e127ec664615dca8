"""The three rates from a monthly rollup, exactly (issue 15).

`RatesMonth` holds, per month (local time), community and unit, the additive counts the rates
of rates.py are made of: the month's dispatches (response rate, keyed by dispatched_at) and the
demands closed in it (resolution and satisfaction, keyed by closed_at), proactive tasks left
out and counted apart, and the 622 kinds of the closed demands. A refresh fills a month with one
grouped query per table from the records (`rates_rollup_refresh`), never with typed figures.

Honest figures: a month's rollup stands in for its records only while it says what the records
say. So it is used only when

* it was computed once the month was *settled*: over, and every dispatch in it past its
  sign-for limit (`settled_at`, plus `SETTLE_GRACE`), so that the time of reading — which decides
  whether an unsigned dispatch is pending or late — no longer changes its counts; and the reader's
  `now` is past `settled_at` too;
* it is not stale: every demands service that changes what a month counts (a dispatch, a
  sign-for, a close, a rating, a reply's resolution kind, a reopening, a return) marks the
  month(s) it touches stale, in its own transaction, through `rates_months_stale` — in the
  database (`RatesMonthState.stale`), not in a cache.

Everything else — the current month, the months not yet settled, stale or never computed
months, and the parts of a period that are not whole months — is counted live from the records
by rates.py. A period's figure = the sum of its usable months' rollups + the live counts of
the rest, so it equals the live computation over the whole period. Drill-downs stay live.

A refresh and a write serialise on the month's state row: the refresh locks it before counting
(and the write's upsert waits for the refresh to commit, then marks the month stale again), or
the write holds it (and the refresh waits and then counts what the write committed). A write
to a month that is not over yet marks nothing (no rollup of that month can exist): it commits
well before the month can be settled and refreshed, `SETTLE_GRACE` after its end at the
earliest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from gongzhi.core import clock

from . import rates
from .calendar import TZ
from .models import Assignment, Channel, Demand, ResolutionKind
from .models_rates import RatesMonth, RatesMonthState

# A month is refreshed only this long after it is settled: a write that began before the end
# of the month (and so marked nothing) has committed by then.
SETTLE_GRACE = dt.timedelta(hours=1)

COUNT_FIELDS = rates.Rates.COUNTS
KIND_FIELDS = {**{k: f"kind_{k}" for k in ResolutionKind.values}, rates.UNSPECIFIED: "kind_unspecified"}


# --------------------------------------------------------------------------- months


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, TZ).date().replace(day=1)


def month_start(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(month, dt.time.min, tzinfo=TZ)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: dt.date) -> dt.datetime:
    return month_start(next_month(month))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = next_month(m)
    return out


# --------------------------------------------------------------------------- marking stale


# Inside `rates_marks_deferred`, the months to mark are gathered here and marked once, at the end.
_DEFERRED: ContextVar[set[dt.date] | None] = ContextVar("rates_deferred", default=None)


@contextlib.contextmanager
def rates_marks_deferred():
    """For bulk writers (the demo's history, imports): every month the services mark while this
    runs is marked stale once when it ends, in one statement, instead of once per write."""
    months: set[dt.date] = set()
    token = _DEFERRED.set(months)
    try:
        yield months
    finally:
        _DEFERRED.reset(token)
        if months:
            _mark(sorted(months))


def rates_months_stale(moments: Iterable[dt.datetime | None]) -> list[dt.date]:
    """Mark the months of `moments` stale (call inside the writing service's transaction).
    Months not over yet are skipped: no rollup of them can exist. Returns the months marked."""
    real_now = max(timezone.now(), clock.now())
    months = sorted({month_of(m) for m in moments if m is not None})
    months = [m for m in months if month_end(m) <= real_now]
    deferred = _DEFERRED.get()
    if deferred is not None:
        deferred.update(months)
        return months
    _mark(months)
    return months


def _mark(months: list[dt.date]) -> None:
    if months:
        RatesMonthState.objects.bulk_create(
            [RatesMonthState(month=m, stale=True) for m in months],
            update_conflicts=True,
            unique_fields=["month"],
            update_fields=["stale"],
        )


def rates_demand_stale(demand: Demand, *, dispatches: bool = False) -> list[dt.date]:
    """Mark stale the month the demand was closed in (resolution, satisfaction, 622) and, with
    `dispatches`, the months of its dispatches (response rate)."""
    moments: list[dt.datetime | None] = [demand.closed_at]
    if dispatches:
        moments += list(
            Assignment.objects.filter(demand_id=demand.pk).values_list("dispatched_at", flat=True)
        )
    return rates_months_stale(moments)


# --------------------------------------------------------------------------- reading


def split(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> tuple[list[dt.date], list[tuple]]:
    """The whole months of [start, end) whose rollup may be used at `now`, and the parts of the
    period left to count live (in order, as (start, end) pairs). No query for a period without a
    whole month that is over."""
    first = month_of(start)
    if month_start(first) < start:
        first = next_month(first)
    candidates = []
    m = first
    while month_end(m) <= end and month_end(m) <= now:
        candidates.append(m)
        m = next_month(m)
    if not candidates:
        return [], [(start, end)]
    usable = set(
        RatesMonthState.objects.filter(
            month__in=candidates, stale=False, computed_at__isnull=False, settled_at__lte=now
        ).values_list("month", flat=True)
    )
    parts, cursor = [], start
    for m in candidates:
        if m in usable:
            if cursor < month_start(m):
                parts.append((cursor, month_start(m)))
            cursor = month_end(m)
    if cursor < end:
        parts.append((cursor, end))
    return sorted(usable), parts


def rollup_counts(region_code: str, months: list[dt.date], group, *, per_unit: bool = False) -> list[dict]:
    """The rollup's counts of the region for `months`, grouped by `group` (an expression on
    RatesMonth), with the names of `Rates.COUNTS`; from the rows per unit if `group` needs them."""
    qs = (
        RatesMonth.objects.filter(month__in=months, per_unit=per_unit, community__startswith=region_code)
        .annotate(g=group)
        .values("g")
        .annotate(**{k: Sum(k) for k in COUNT_FIELDS})
        .order_by()
    )
    return [dict(r) for r in qs]


def rollup_shares(region_code: str, months: list[dt.date]) -> list[dict]:
    """The closed demands (tasks left out) per community and resolution kind, as rates'
    shares_622 counts them live: rows of community_id, resolution_kind ("" unspecified), n."""
    rows = (
        RatesMonth.objects.filter(month__in=months, per_unit=False, community__startswith=region_code)
        .values("community")
        .annotate(**{col: Sum(col) for col in KIND_FIELDS.values()})
        .order_by()
    )
    out = []
    for row in rows:
        r: dict = dict(row)
        for kind, col in KIND_FIELDS.items():
            if r[col]:
                out.append(
                    {
                        "community_id": r["community"],
                        "resolution_kind": "" if kind == rates.UNSPECIFIED else kind,
                        "n": r[col],
                    }
                )
    return out


# --------------------------------------------------------------------------- refreshing


@dataclass
class RefreshReport:
    months: list[dt.date] = field(default_factory=list)  # computed
    skipped: list[dt.date] = field(default_factory=list)  # not settled yet
    rows: int = 0
    seconds: float = 0.0
    per_month: dict = field(default_factory=dict)  # month → seconds


def _month_rows(month: dt.date, now: dt.datetime) -> tuple[list[RatesMonth], dt.datetime | None]:
    """The month's rollup rows from the records (one grouped query per table) and the moment
    the month settles (its end, or the last sign-for limit of its dispatches)."""
    start, end = month_start(month), month_end(month)
    known = rates._sign_known(now)
    rows: dict[tuple, RatesMonth] = {}

    def row(community: str, unit_id) -> RatesMonth:
        key = (community, unit_id)
        if key not in rows:
            rows[key] = RatesMonth(month=month, community=community, unit_id=unit_id)
        return rows[key]

    settled = end
    dispatches = (
        Assignment.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end)
        .values("community_id", "unit_id", "demand__channel")
        .annotate(
            all=Count("dispatched_at"),
            known=Count("dispatched_at", filter=known),
            in_time=Count("dispatched_at", filter=known & rates.IN_TIME),
            last_limit=Max("sign_deadline"),
        )
        .order_by()
    )
    for a in dispatches:
        r = row(a["community_id"], a["unit_id"])
        if a["last_limit"] is not None and a["last_limit"] > settled:
            settled = a["last_limit"]
        if a["demand__channel"] == Channel.PROACTIVE:
            r.tasks_dispatched += a["all"]
        else:
            r.dispatched += a["known"]
            r.signed_in_time += a["in_time"]
            r.sign_pending += a["all"] - a["known"]
    closings = (
        Demand.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .values("community_id", "unit_id", "channel", "resolution_kind")
        .annotate(
            closed=Count("closed_at"),
            known=Count("closed_at", filter=rates.RESOLUTION_KNOWN),
            resolved=Count("closed_at", filter=rates.RESOLUTION_KNOWN & rates.RESOLVED),
            rated=Count("closed_at", filter=rates.RATED),
            satisfied=Count("closed_at", filter=rates.RATED & rates.SATISFIED),
        )
        .order_by()
    )
    for d in closings:
        r = row(d["community_id"], d["unit_id"])
        if d["channel"] == Channel.PROACTIVE:
            r.tasks_closed += d["closed"]
            continue
        r.closed += d["closed"]
        r.resolution_known += d["known"]
        r.resolved += d["resolved"]
        r.rated += d["rated"]
        r.satisfied += d["satisfied"]
        col = KIND_FIELDS.get(d["resolution_kind"] or rates.UNSPECIFIED, "kind_unspecified")
        setattr(r, col, getattr(r, col) + d["closed"])
    communities: dict[str, RatesMonth] = {}
    for r in rows.values():
        c = communities.setdefault(
            r.community, RatesMonth(month=month, community=r.community, per_unit=False)
        )
        for col in (*COUNT_FIELDS, *KIND_FIELDS.values()):
            setattr(c, col, getattr(c, col) + getattr(r, col))
    return [*rows.values(), *communities.values()], settled


def _refresh_month(month: dt.date) -> tuple[int | None, float]:
    """Recompute one month if it is settled; None if it is not yet (nothing written)."""
    t = time.perf_counter()
    RatesMonthState.objects.bulk_create([RatesMonthState(month=month)], ignore_conflicts=True)
    with transaction.atomic():
        state = RatesMonthState.objects.select_for_update().get(month=month)
        now = timezone.now()
        if month_end(month) + SETTLE_GRACE > now:
            return None, time.perf_counter() - t
        new_rows, settled = _month_rows(month, now)
        if settled is None or settled + SETTLE_GRACE > now:
            return None, time.perf_counter() - t
        RatesMonth.objects.filter(month=month).delete()
        RatesMonth.objects.bulk_create(new_rows, batch_size=2000)
        state.stale = False
        state.computed_at = now
        state.settled_at = settled
        state.rows = len(new_rows)
        state.seconds = time.perf_counter() - t
        state.save()
        return len(new_rows), state.seconds


def months_to_refresh(*, force: bool = False) -> list[dt.date]:
    """Every month from the first dispatch or closing to the last month that is over: those
    stale or never computed (all of them with `force`)."""
    firsts = [
        Assignment.objects.aggregate(m=Min("dispatched_at"))["m"],
        Demand.objects.aggregate(m=Min("closed_at"))["m"],
    ]
    firsts = [f for f in firsts if f is not None]
    if not firsts:
        return []
    last = month_of(timezone.now())
    months = months_between(month_of(min(firsts)), last)[:-1]  # the current month is never rolled up
    if force:
        return months
    fresh = set(
        RatesMonthState.objects.filter(month__in=months, stale=False, computed_at__isnull=False).values_list(
            "month", flat=True
        )
    )
    return [m for m in months if m not in fresh]


def rates_rollup_refresh(
    *,
    months: Iterable[dt.date] | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshReport:
    """Recompute the rollup of `months` (default: the months that are stale or never computed),
    month by month, each in its own transaction. Months not settled yet are skipped."""
    todo = sorted(set(months)) if months is not None else months_to_refresh(force=force)
    report = RefreshReport()
    t = time.perf_counter()
    for i, m in enumerate(todo, start=1):
        n, seconds = _refresh_month(m)
        if n is None:
            report.skipped.append(m)
        else:
            report.months.append(m)
            report.rows += n
            report.per_month[m] = seconds
        if progress is not None:
            progress(i, len(todo))
    if report.months and connection.vendor == "postgresql":
        # The planner's statistics for the rewritten rows (what autovacuum would do later).
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {RatesMonth._meta.db_table}")
    report.seconds = time.perf_counter() - t
    return report
