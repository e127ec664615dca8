"""Reads of the ledgers: a region's figures, its children ranked, a figure's trend."""

from __future__ import annotations

from gongzhi.core.manifests import figures
from gongzhi.core.models import Region

from .models import Snapshot
from .rollups import Cell, cells, live_cell


def children(region: Region) -> list[Region]:
    return list(Region.objects.filter(parent=region).order_by("code"))


def ranking(*, user, region: Region, key: str, period: str) -> list[tuple[Region, Cell]]:
    """The figure for each area one level below, best first; areas without a number last.
    From the month's rollups; an area without one is computed live."""
    areas = children(region)
    stored = cells(regions=areas, period=period, keys=[key])
    rows = [
        (c, stored.get((c.code, key)) or live_cell(key, user=user, region=c, period=period)) for c in areas
    ]
    return sorted(rows, key=lambda r: (r[1].number is None, -(r[1].number or 0)))


def trend(*, region: Region, key: str, months: int = 12) -> list[Snapshot]:
    return list(Snapshot.objects.filter(region=region, figure=key).order_by("-period")[:months])[::-1]


def trends(*, region: Region, keys: list[str], months: int = 12) -> dict[str, list[Snapshot]]:
    """The last `months` snapshots of each figure, oldest first, in one query."""
    out: dict[str, list[Snapshot]] = {k: [] for k in keys}
    for s in Snapshot.objects.filter(region=region, figure__in=keys).order_by("figure", "-period"):
        if len(out[s.figure]) < months:
            out[s.figure].append(s)
    return {k: v[::-1] for k, v in out.items()}


def figure_keys() -> list[str]:
    return list(figures())


def ledger(*, user, region: Region, period: str, stored: dict | None = None) -> list[Cell]:
    """Every figure of the region for the month, in manifest order: its rollup, or computed live
    where the month has none. The dashboard, the big screen, the Excel and the PDF ledger all
    read this."""
    keys = figure_keys()
    if stored is None:
        stored = cells(regions=[region], period=period, keys=keys)
    return [
        stored.get((region.code, k)) or live_cell(k, user=user, region=region, period=period) for k in keys
    ]
