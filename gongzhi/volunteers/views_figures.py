"""The volunteers figures page: each manifest Figure as a card, with its breakdown, a drill-down into
the records it counted and an Excel ledger of both (the same selector result for all of them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.core import clock
from gongzhi.core.audit import access_log_record
from gongzhi.core.downloads import content_disposition
from gongzhi.core.errors import NotFound
from gongzhi.core.models import AccessAction
from gongzhi.core.permissions import require
from gongzhi.core.purposes import Purpose

from . import rules
from .figure_ledgers import LEDGERS, ledger_xlsx, record_rows, summary_table

DRILL_LIMIT = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _figures():
    from .manifest import manifest

    return {f.key: f for f in manifest.figures}


def _figure(key: str):
    f = _figures().get(key)
    if f is None or key not in LEDGERS:
        raise NotFound()
    return f


def _labelled(header, rows) -> list[list[tuple]]:
    """Each cell with its column's name (the data-label a phone shows beside it)."""
    return [list(zip(header, row, strict=True)) for row in rows]


@login_required
def figures(request):
    require(request.user, rules.FIGURES)
    cards = []
    for f in _figures().values():
        result = f.compute(user=request.user)
        header, rows = summary_table(f.key, result)
        cards.append({"figure": f, "result": result, "header": header, "rows": _labelled(header, rows)})
    return render(request, "volunteers/figures.html", {"cards": cards})


@login_required
def figure_drill(request, key: str):
    require(request.user, rules.FIGURES)
    f = _figure(key)
    result = f.compute(user=request.user)
    header = LEDGERS[key].records.header
    rows = _labelled(header, record_rows(key, result, DRILL_LIMIT))
    return render(
        request,
        "volunteers/figure_drill.html",
        {
            "figure": f,
            "result": result,
            "header": header,
            "rows": rows,
            "limited": len(rows) >= DRILL_LIMIT,
        },
    )


@login_required
@require_GET
def figure_export(request, key: str):
    """The figure as an Excel ledger: 汇总 and 明细. Records naming people are logged as an export
    for filing (报表报送)."""
    require(request.user, rules.FIGURES)
    f = _figure(key)
    result = f.compute(user=request.user)
    data, n = ledger_xlsx(key=key, label=str(f.label), result=result)
    if LEDGERS[key].personal and n:
        access_log_record(
            user=request.user,
            action=AccessAction.EXPORT,
            object_type=f"volunteers.figure:{key}",
            purpose=Purpose.EXPORT_FILING,
            note=str(f.label),
            fields=["name"],
            count=n,
        )
    response = HttpResponse(data, content_type=XLSX)
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = content_disposition(f"{f.label}-{stamp}.xlsx")
    return response


urlpatterns = [
    path("figures/", figures, name="figures"),
    path("figures/<str:key>/", figure_drill, name="figure_drill"),
    path("figures/<str:key>/export/", figure_export, name="figure_export"),
]
