"""Reads of the ledgers: a region's figures, its children ranked, a figure's trend."""

from __future__ import annotations

from gongzhi.core.manifests import figures
from gongzhi.core.models import Region

from .figures import Value, compute
from .models import Snapshot


def children(region: Region) -> list[Region]:
    return list(Region.objects.filter(parent=region).order_by("code"))


def ranking(*, user, region: Region, key: str, period: str) -> list[tuple[Region, Value]]:
    """The figure for each area one level below, best first; areas without a number last."""
    rows = [(c, compute(key, user=user, region=c, period=period)) for c in children(region)]
    return sorted(rows, key=lambda r: (r[1].number is None, -(r[1].number or 0)))


def trend(*, region: Region, key: str, months: int = 12) -> list[Snapshot]:
    return list(Snapshot.objects.filter(region=region, figure=key).order_by("-period")[:months])[::-1]


def figure_keys() -> list[str]:
    return list(figures())
