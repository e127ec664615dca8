"""The volunteers figures page: each manifest Figure as a card, with its breakdown and a drill-down
into the records it counted (the same selector for both)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require

from . import rules

DRILL_LIMIT = 200


def _figures():
    from .manifest import manifest

    return {f.key: f for f in manifest.figures}


@login_required
def figures(request):
    require(request.user, rules.FIGURES)
    cards = [(f, f.compute(user=request.user)) for f in _figures().values()]
    return render(request, "volunteers/figures.html", {"cards": cards})


@login_required
def figure_drill(request, key: str):
    require(request.user, rules.FIGURES)
    f = _figures().get(key)
    if f is None:
        raise NotFound()
    result = f.compute(user=request.user)
    records = list(result.records[:DRILL_LIMIT]) if result.records is not None else []
    return render(
        request, "volunteers/figure_drill.html", {"figure": f, "result": result, "records": records}
    )


urlpatterns = [
    path("figures/", figures, name="figures"),
    path("figures/<str:key>/", figure_drill, name="figure_drill"),
]
