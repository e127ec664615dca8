"""Writes of the ledgers: monthly snapshots; the 一表通 filler other apps call."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.manifests import figures
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .figures import compute
from .models import Rollup, Snapshot
from .viewers import SYSTEM


def _regions(code: str) -> list[Region]:
    return list(Region.objects.filter(code__startswith=code, level__gte=3).order_by("code"))


def snapshots_take(*, region_code: str, period: str, keys=None, regions=None, progress=None) -> int:
    """Store every figure of every region under `region_code` for the month; a month already
    taken is kept as it was (snapshots are append-only). A figure whose rollup for the month
    exists is copied from it (the rollup is the same selector's answer); the others are computed.
    Returns the number of rows written."""
    now = clock.now()
    keys = list(keys or figures())
    regions = _regions(region_code) if regions is None else regions
    rolled = {
        (r.region_id, r.figure): r
        for r in Rollup.objects.filter(
            period=period, region__in=[x.code for x in regions], figure__in=keys, error=""
        )
    }
    taken = set(
        Snapshot.objects.filter(period=period, region__code__startswith=region_code).values_list(
            "region_id", "figure"
        )
    )
    rows = []
    for i, region in enumerate(regions, start=1):
        if progress and i % 20 == 0:
            progress(f"  {i}/{len(regions)}")
        for key in keys:
            if (region.code, key) in taken:
                continue
            if (r := rolled.get((region.code, key))) is not None:
                rows.append(
                    Snapshot(
                        region=region,
                        figure=key,
                        period=period,
                        value=r.value,
                        records=r.records,
                        taken_at=now,
                    )
                )
                continue
            v = compute(key, user=SYSTEM, region=region, period=period)
            rows.append(
                Snapshot(
                    region=region,
                    figure=key,
                    period=period,
                    value=v.number,
                    records=len(v.records) if isinstance(v.records, list) else None,
                    taken_at=now,
                )
            )
    try:
        with transaction.atomic():
            Snapshot.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:  # another run took the same month meanwhile: keep theirs
        return 0
    return len(rows)


@dataclass
class FilledField:
    name: str
    figure: str
    value: float | None
    display: str


def ledger_fill(form_fields, region, *, user=None, period: str | None = None) -> dict:
    """Fill a statistical form (一表通): `form_fields` is a list of {"name": ..., "figure": key or ""}.
    Returns {"filled": [FilledField...], "unmapped": [names typed by hand], "unknown": [names
    whose figure key no app declares]}. Called by the admission app."""
    if isinstance(region, str):
        region = Region.objects.filter(code=region).first()
        if region is None:
            raise ApplicationError("not_found", "region")
    if user is not None:
        require(user, rules.VIEW, region)
    period = period or clock.now().strftime("%Y-%m")
    known = figures()
    out: dict[str, list[FilledField | str]] = {"filled": [], "unmapped": [], "unknown": []}
    for f in form_fields:
        key = (f.get("figure") or "").strip()
        if not key:
            out["unmapped"].append(f["name"])
        elif key not in known:
            out["unknown"].append(f["name"])
        else:
            v = compute(key, user=user or SYSTEM, region=region, period=period)
            out["filled"].append(FilledField(f["name"], key, v.number, v.display))
    return out
