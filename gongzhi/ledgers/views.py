"""Pages of the ledgers: the dashboard of a region, a figure's definition and records, Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.manifests import figures
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import layouts, rollups, rules, selectors
from .figures import compute, definition, records_rows
from .jobs import rollup_refresh_start


def region_for(request, data=None) -> Region:
    require(request.user, rules.VIEW)
    prefixes = scope_prefixes(request.user, rules.VIEW)
    wanted = (request.GET if data is None else data).get("region", "")
    if wanted:
        if any(wanted.startswith(p) for p in prefixes):
            region = Region.objects.filter(code=wanted, level__gte=RegionLevel.DISTRICT).first()
            if region is not None:
                return region
        raise NotFound()
    top = sorted((p for p in prefixes if len(p) >= 6), key=len)
    if top:
        return Region.objects.get(code=top[0])
    found = (
        Region.objects.filter(level=RegionLevel.DISTRICT, code__startswith=prefixes[0])
        .order_by("code")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _period(request, data=None) -> str:
    p = (request.GET if data is None else data).get("period", "")
    if len(p) == 7 and p[4] == "-" and p[:4].isdigit() and p[5:].isdigit() and 1 <= int(p[5:]) <= 12:
        return p
    return clock.now().strftime("%Y-%m")


def board(request, region: Region, period: str) -> dict:
    """What the dashboard and the big screen show: the region's figures and its areas' figures,
    read from the rollups in one query; a figure of the region itself that has no rollup is
    computed live, an area's is shown as not yet rolled up (computing a district live is what
    the rollups are for)."""
    known = list(figures().values())
    keys = [f.key for f in known]
    areas = selectors.children(region) if region.level < RegionLevel.COMMUNITY else []
    stored = rollups.cells(regions=[region, *areas], period=period, keys=keys)
    values = selectors.ledger(user=request.user, region=region, period=period, stored=stored)
    table: list[dict[str, Any]] = []
    for area in areas:
        vals = [(f, stored.get((area.code, k))) for f, k in zip(known, keys, strict=True)]
        table.append({"region": area, "values": vals, "below": any(v and v.below for _f, v in vals)})
    table.sort(key=lambda r: (not r["below"], r["region"].code))
    used = [c.computed_at for c in stored.values() if c.computed_at is not None]
    parent = region.parent if region.parent and region.parent.level >= RegionLevel.DISTRICT else None
    return {
        "region": region,
        "period": period,
        "values": values,
        "table": table,
        "parent": parent,
        "flagged": sum(1 for r in table if r["below"]),
        "computed_at": min(used, default=None),
        "missing": sum(1 for r in table for _f, v in r["values"] if v is None)
        + sum(1 for v in values if v.live),
    }


@login_required
@require_GET
def dashboard(request):
    region = region_for(request)
    context = board(request, region, _period(request)) | {"layouts": layouts.layouts()}
    return render(request, "ledgers/dashboard.html", context)


@login_required
@require_POST
def refresh(request):
    """Queue a refresh of the region's rollups for the month (the task queue computes them)."""
    region = region_for(request, request.POST)
    period = _period(request, request.POST)
    job = rollup_refresh_start(region=region, period=period, by=request.user)
    if job.owner_id == request.user.pk:
        return redirect("jobs:detail", job_id=job.id)
    messages.info(request, _("该地区本月的指标汇总正在刷新，请稍后再看。"))
    return redirect(f"{reverse('ledgers:dashboard')}?region={region.code}&period={period}")


@login_required
@require_POST
def workbook(request):
    """Queue the Excel ledger of one layout (the worker builds it; its page shows progress)."""
    region = region_for(request, request.POST)
    period = _period(request, request.POST)
    try:
        job = layouts.workbook_start(
            region=region, period=period, layout_key=request.POST.get("layout", ""), by=request.user
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect(f"{reverse('ledgers:dashboard')}?region={region.code}&period={period}")
    return redirect("jobs:detail", job_id=job.id)


@login_required
@require_GET
def figure_detail(request, key: str):
    if key not in figures():
        raise NotFound()
    region = region_for(request)
    period = _period(request)
    value = compute(key, user=request.user, region=region, period=period)
    trend = selectors.trend(region=region, key=key)
    chart = {
        "periods": [s.period for s in trend],
        "values": [s.value for s in trend],
        "unit": value.figure.unit,
    }
    return render(
        request,
        "ledgers/figure.html",
        {
            "region": region,
            "period": period,
            "value": value,
            "definition": definition(key),
            "records": records_rows(value),
            "chart": chart,
            "ranking": selectors.ranking(user=request.user, region=region, key=key, period=period)
            if region.level < RegionLevel.COMMUNITY
            else [],
        },
    )


@login_required
@require_GET
def export(request):
    """The region's monthly ledger as Excel (`layouts.monthly_workbook`)."""
    region = region_for(request)
    period = _period(request)
    body = layouts.monthly_workbook(user=request.user, region=region, period=period)
    resp = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="ledger-{region.code}-{period}.xlsx"'
    return resp


@login_required
@require_GET
def pdf(request):
    """The region's monthly ledger printed (PDF): the dashboard's figures, and the records behind
    each figure that falls short (its drill-down, for this user)."""
    from .printing import ledger_pdf

    region = region_for(request)
    period = _period(request)
    stored = rollups.cells(regions=[region], period=period)
    values = selectors.ledger(user=request.user, region=region, period=period, stored=stored)
    shortfalls = {
        v.figure.key: records_rows(compute(v.figure.key, user=request.user, region=region, period=period))
        for v in values
        if v.below
    }
    content = ledger_pdf(
        region=region,
        period=period,
        values=values,
        issuer=request.user.get_full_name() or request.user.get_username(),
        shortfalls=shortfalls,
        computed_at=min((c.computed_at for c in stored.values()), default=None),
    )
    resp = HttpResponse(content, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="ledger-{region.code}-{period}.pdf"'
    return resp


@login_required
@require_GET
def screen(request):
    """The big screen (大屏): the dashboard's figures, full screen and dark, drawn with ECharts;
    the same `board` as the dashboard, not a separate system."""
    region = region_for(request)
    period = _period(request)
    ctx = board(request, region, period)
    keys = [v.figure.key for v in ctx["values"]]
    trends = selectors.trends(region=region, keys=keys)
    ctx["chart"] = {
        "figures": [
            {"key": v.figure.key, "label": str(v.figure.label), "unit": v.figure.unit, "value": v.number}
            for v in ctx["values"]
        ],
        "areas": [
            {
                "name": row["region"].short_name or row["region"].name,
                "below": row["below"],
                "values": [None if c is None else c.number for _f, c in row["values"]],
            }
            for row in ctx["table"]
        ],
        "trends": {k: [[s.period, s.value] for s in rows] for k, rows in trends.items()},
    }
    return render(request, "ledgers/screen.html", ctx)
