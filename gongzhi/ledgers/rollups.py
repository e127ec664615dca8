"""Rollups: every figure pre-computed per region and month, so that a dashboard at district
scale answers from one indexed read instead of calling every app's selector for every area.

A rollup is recomputed from the records by the figure's own selector (`figures.compute`, the
same call the drill-down page makes), for `SYSTEM` narrowed to the region; nothing is summed
from the children, so a rate is never averaged. A refresh measures every figure as of one moment
(its start: the clock is held there, so a rate whose denominator grows with time — dispatches
past their sign-for limit — is the rate at that moment in every region). `rollups_check` computes
each figure live again as of the moment its rollup was computed, and lists every cell where the
stored rollup differs: a record written since, or a wrong rollup. A test and the benchmark assert
it is empty.

Rollups are refreshed by the task queue (`ledgers.rollup_refresh`, started from the dashboard),
by `manage.py ledger_rollup` (cron) and by the demo; a dashboard shows when its rollups were
computed.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.manifests import Figure, figures
from gongzhi.core.models import Region, RegionLevel

from .figures import Value, compute
from .models import Rollup
from .viewers import SYSTEM


def regions_under(code: str) -> list[Region]:
    """The region and every region below it down to communities (districts and below)."""
    return list(
        Region.objects.filter(code__startswith=code, level__gte=RegionLevel.DISTRICT).order_by("code")
    )


def _records(v: Value) -> int | None:
    try:
        return v.count
    except Exception:  # a lazily evaluated record set that cannot be counted: no count
        return None


@dataclass
class RefreshReport:
    regions: int = 0
    cells: int = 0
    errors: int = 0
    seconds: float = 0.0
    at: dt.datetime | None = None  # the moment every figure was measured as of
    by_figure_ms: dict[str, int] = field(default_factory=dict)

    def slowest(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.by_figure_ms.items(), key=lambda kv: -kv[1])[:n]


def rollups_refresh(
    *,
    region_code: str,
    period: str,
    keys: Iterable[str] | None = None,
    regions: list[Region] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> RefreshReport:
    """Compute every figure (or `keys`) for every region under `region_code` for the month, as
    of the refresh's start, and store it, replacing what was there. Each region's figures are
    written in one short transaction, so a refresh never holds a long one and a dashboard reads
    old or new, never half."""
    keys = list(keys or figures())
    regions = regions_under(region_code) if regions is None else regions
    at = clock.now()
    report = RefreshReport(regions=len(regions), at=at)
    started = time.perf_counter()
    with clock.at(at):
        _refresh(report, keys, regions, period, progress, at)
    report.seconds = time.perf_counter() - started
    return report


def _refresh(
    report: RefreshReport, keys: list[str], regions: list[Region], period: str, progress, at: dt.datetime
) -> None:
    for i, region in enumerate(regions, start=1):
        rows = []
        for key in keys:
            t = time.perf_counter()
            v = compute(key, user=SYSTEM, region=region, period=period)
            count = _records(v)
            took = round(1000 * (time.perf_counter() - t))
            report.by_figure_ms[key] = report.by_figure_ms.get(key, 0) + took
            report.errors += bool(v.error)
            rows.append(
                Rollup(
                    region=region,
                    figure=key,
                    period=period,
                    value=v.number,
                    records=count,
                    below=v.below,
                    error=v.error[:60],
                    computed_at=at,
                    took_ms=took,
                )
            )
        with transaction.atomic():
            Rollup.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["period", "region", "figure"],
                update_fields=["value", "records", "below", "error", "computed_at", "took_ms"],
            )
        report.cells += len(rows)
        if progress:
            progress(i, len(regions))


@dataclass
class Mismatch:
    region: str
    figure: str
    stored: tuple
    live: tuple


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def rollups_check(
    *, region_code: str, period: str, keys: Iterable[str] | None = None, regions: list[Region] | None = None
) -> list[Mismatch]:
    """Compute the figures live again and compare with the stored rollups: the list of cells
    that differ (a missing rollup is a difference). Each is computed as of the moment its rollup
    was (a missing one as of now), so what differs was written since or was stored wrong; the
    clock alone moving on is not a difference. Empty means the rollups are the figures."""
    keys = list(keys or figures())
    regions = regions_under(region_code) if regions is None else regions
    stored = {
        (r.region_id, r.figure): r
        for r in Rollup.objects.filter(period=period, region__in=regions, figure__in=keys)
    }
    out = []
    for region in regions:
        for key in keys:
            row = stored.get((region.code, key))
            with clock.at(row.computed_at if row is not None else clock.now()):
                v = compute(key, user=SYSTEM, region=region, period=period)
                live = (v.number, _records(v), v.below)
            if row is None:
                out.append(Mismatch(region.code, key, (), live))
            elif not (_same(row.value, v.number) and row.records == live[1] and row.below == v.below):
                out.append(Mismatch(region.code, key, (row.value, row.records, row.below), live))
    return out


@dataclass
class Cell:
    """A figure for one region, from its rollup (or computed live where there is none)."""

    figure: Figure
    number: float | None
    count: int | None
    below: bool
    computed_at: dt.datetime | None = None  # None: computed live for this request
    error: str = ""

    @property
    def live(self) -> bool:
        return self.computed_at is None

    @property
    def display(self) -> str:
        return Value(self.figure, self.number).display  # type: ignore[arg-type]


def cells(
    *, regions: list[Region], period: str, keys: list[str] | None = None
) -> dict[tuple[str, str], Cell]:
    """The stored rollups of these regions for the month, in one query: {(region, figure): Cell}."""
    known = figures()
    keys = list(keys or known)
    out = {}
    for r in Rollup.objects.filter(period=period, region__in=[x.code for x in regions], figure__in=keys):
        out[(r.region_id, r.figure)] = Cell(
            known[r.figure], r.value, r.records, r.below, r.computed_at, r.error
        )
    return out


def live_cell(key: str, *, user, region: Region, period: str) -> Cell:
    v = compute(key, user=user, region=region, period=period)
    return Cell(v.figure, v.number, _records(v), v.below, None, v.error)
