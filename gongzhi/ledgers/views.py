"""Pages of the ledgers: the dashboard of a region, a figure's definition and records, Excel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.manifests import figures
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes
from gongzhi.core.spreadsheets import append_row, cell_text

from . import rules, selectors
from .figures import compute, compute_all, definition, records_rows


def region_for(request) -> Region:
    require(request.user, rules.VIEW)
    prefixes = scope_prefixes(request.user, rules.VIEW)
    wanted = request.GET.get("region", "")
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


def _period(request) -> str:
    p = request.GET.get("period", "")
    if len(p) == 7 and p[4] == "-" and p[:4].isdigit() and p[5:].isdigit() and 1 <= int(p[5:]) <= 12:
        return p
    return clock.now().strftime("%Y-%m")


@login_required
@require_GET
def dashboard(request):
    region = region_for(request)
    period = _period(request)
    values = compute_all(user=request.user, region=region, period=period)
    areas = selectors.children(region) if region.level < RegionLevel.COMMUNITY else []
    table = []
    for area in areas:
        vals = [compute(v.figure.key, user=request.user, region=area, period=period) for v in values]
        table.append({"region": area, "values": vals, "below": any(v.below for v in vals)})
    table.sort(key=lambda r: (r["below"], r["region"].code))
    parent = region.parent if region.parent and region.parent.level >= RegionLevel.DISTRICT else None
    return render(
        request,
        "ledgers/dashboard.html",
        {
            "region": region,
            "period": period,
            "values": values,
            "table": table,
            "parent": parent,
            "flagged": sum(1 for r in table if r["below"]),
        },
    )


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
    """The region's monthly ledger as Excel: title, issuer, period, then each figure with its unit."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    region = region_for(request)
    period = _period(request)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = cell_text(f"{period}月度台账")[:31]
    append_row(sheet, [f"{region.name} 月度电子台账"])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(
        sheet, ["填报单位", region.name, "统计期", period, "生成时间", clock.now().strftime("%Y-%m-%d %H:%M")]
    )
    append_row(sheet, [])
    append_row(sheet, ["指标", "单位", "数值", "计入记录数", "编号"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for v in compute_all(user=request.user, region=region, period=period):
        append_row(sheet, [str(v.figure.label), v.figure.unit, v.display, v.count, v.figure.key])
    for col, width in zip("ABCDE", (34, 8, 14, 12, 30), strict=True):
        sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    resp = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="ledger-{region.code}-{period}.xlsx"'
    return resp
