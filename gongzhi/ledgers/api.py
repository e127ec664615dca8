"""API of the ledgers: a region's figures for a month."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from gongzhi.core import clock
from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.schemas import ErrorOut
from gongzhi.core.scoping import in_scope

from . import rules
from .selectors import ledger

router = Router(tags=["ledgers"], auth=api_auth)
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


class FigureOut(Schema):
    key: str
    label: str
    unit: str
    value: float | None
    records: int | None
    below: bool
    computed_at: str | None  # when its rollup was computed; null: computed for this request


@router.get("/figures/", response={200: list[FigureOut], **ERRORS})
def figure_list(request, region: str, period: str = ""):
    require(request.auth, rules.VIEW)
    r = Region.objects.filter(code=region).first()
    if r is None or not in_scope(request.auth, rules.VIEW, region):
        raise NotFound()
    period = period if len(period) == 7 else clock.now().strftime("%Y-%m")
    return [
        FigureOut(
            key=v.figure.key,
            label=str(v.figure.label),
            unit=v.figure.unit,
            value=v.number,
            records=v.count,
            below=v.below,
            computed_at=v.computed_at.isoformat() if v.computed_at else None,
        )
        for v in ledger(user=request.auth, region=r, period=period)
    ]
