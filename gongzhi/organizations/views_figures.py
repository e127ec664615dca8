"""The figures of organisations and funding, each from its one selector, with a drill-down into
the records it counted."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.core.errors import NotFound
from gongzhi.core.manifests import figures
from gongzhi.core.permissions import require

from .rules import VIEW

PREFIXES = ("organizations.", "projects.")
MAX_RECORDS = 200


def _describe(record) -> str:
    if isinstance(record, dict):
        space = record.get("space")
        if space is not None:
            return f"{space.name}: {record['booked_hours']:.1f} / {record['open_hours']:.0f} h"
        return ", ".join(f"{k}={v}" for k, v in record.items())
    fee = getattr(record, "fee", None)
    if fee:
        return f"{record.space.name} {timezone.localtime(record.starts_at):%Y-%m-%d %H:%M}: {fee}"
    return str(record)


@login_required
@require_GET
def figure_list(request):
    require(request.user, VIEW)
    mine = {k: f for k, f in figures().items() if k.startswith(PREFIXES)}
    key = request.GET.get("key", "")
    if key and key not in mine:
        raise NotFound()
    rows = []
    drill = None
    for k, f in mine.items():
        value = f.compute(user=request.user)
        rows.append(
            {
                "key": k,
                "label": f.label,
                "unit": f.unit,
                "value": value.value,
                "n": value.numerator,
                "d": value.denominator,
            }
        )
        if k == key:
            drill = {"label": f.label, "records": [_describe(r) for r in list(value.records)[:MAX_RECORDS]]}
    return render(request, "organizations/figures.html", {"rows": rows, "drill": drill, "key": key})
