"""Pages of the facilities register: compliance, a community's register, standards, the circle map."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import rules, selectors
from .circle import RADII
from .models import FacilityKind, Standard


def region_for(request, perm: str = rules.VIEW) -> Region:
    """The region asked for (`?region=`) if in scope, else the widest region of the user's scope."""
    require(request.user, perm)
    prefixes = scope_prefixes(request.user, perm)
    wanted = request.GET.get("region", "")
    if wanted and any(wanted.startswith(p) for p in prefixes):
        region = Region.objects.filter(code=wanted, level__gte=RegionLevel.DISTRICT).first()
        if region is not None:
            return region
    if wanted:
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


@login_required
@require_GET
def compliance(request):
    region = region_for(request)
    rows = selectors.compliance(user=request.user, prefix=region.code)
    rows.sort(key=lambda c: (c.met - len(c.rows), -c.cost))
    return render(
        request,
        "facilities/compliance.html",
        {
            "region": region,
            "rows": rows,
            "short": sum(1 for c in rows if not c.all_met),
            "standards": rows[0].rows if rows else [],
        },
    )


@login_required
@require_GET
def community(request, code: str):
    require(request.user, rules.VIEW)
    region = Region.objects.filter(code=code, level=5).first()
    if region is None:
        raise NotFound()
    require(request.user, rules.VIEW, region, hide=True)
    found = selectors.compliance(user=request.user, prefix=code)
    use = {u.premises.pk: u for u in selectors.room_use(user=request.user, prefix=code)}
    return render(
        request,
        "facilities/community.html",
        {
            "region": region,
            "c": found[0] if found else None,
            "rooms": [
                (p, use.get(p.pk))
                for p in selectors.premises_list(user=request.user, prefix=code).select_related("space")
            ],
            "facilities": selectors.facility_list(user=request.user, prefix=code),
            "retired_rooms": selectors.premises_list(user=request.user, prefix=code, retired=True),
            "retired_facilities": selectors.facility_list(user=request.user, prefix=code, retired=True),
            "may_manage": rules.may_manage(request.user, code),
        },
    )


@login_required
@require_GET
def standards(request):
    require(request.user, rules.VIEW)
    return render(
        request,
        "facilities/standards.html",
        {"standards": Standard.objects.all(), "may_add": request.user.has_perm(rules.STANDARDS)},
    )


def _pcts(cov) -> list:
    return [None if cov.share(r) is None else round(100 * cov.share(r), 1) for r in RADII]


def _what_if(request) -> list[tuple[float, float]]:
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return []
    return [(lat, lng)] if -90 <= lat <= 90 and -180 <= lng <= 180 else []


@login_required
@require_GET
def circle(request):
    region = region_for(request)
    kind = request.GET.get("kind") or FacilityKind.SERVICE_CENTRE
    if kind not in FacilityKind.values:
        kind = FacilityKind.SERVICE_CENTRE
    extra = _what_if(request)
    res = selectors.circle(user=request.user, prefix=region.code, kind=kind, extra=extra)
    before = selectors.circle(user=request.user, prefix=region.code, kind=kind) if extra else None
    names = dict(
        Region.objects.filter(code__startswith=region.code, level__in=(4, 5)).values_list("code", "name")
    )
    level_rows = res.by_street if region.level < RegionLevel.STREET else res.by_community
    rows = [
        {"code": k, "name": names.get(k, k), "cov": v, "pcts": _pcts(v)}
        for k, v in sorted(level_rows.items())
    ]
    facilities = list(
        selectors.facility_list(user=request.user, prefix=region.code)
        .filter(kind=kind)
        .values("name", "latitude", "longitude", "operator")
    )
    layer = {
        "buildings": [
            {"name": b["name"], "lat": b["lat"], "lng": b["lng"], "h": b["households"]}
            for b in selectors.circle_buildings(user=request.user, prefix=region.code)
        ],
        "uncovered": [{"lat": b["lat"], "lng": b["lng"]} for b in res.uncovered],
        "facilities": facilities
        + [{"name": _("（假设新增）"), "latitude": a, "longitude": b, "operator": ""} for a, b in extra],
        "estates": selectors.circle_estates(user=request.user, prefix=region.code),
        "radius": 500,
    }
    return render(
        request,
        "facilities/circle.html",
        {
            "region": region,
            "kind": kind,
            "kinds": FacilityKind.choices,
            "res": res,
            "before": before,
            "rows": rows,
            "radii": RADII,
            "total": _pcts(res.total),
            "total_before": _pcts(before.total) if before else None,
            "layer": layer,
            "extra": extra,
            "uncovered": res.uncovered[:100],
        },
    )


@require_GET
def layer(request):
    """The offline vector layer of one community for any map of the platform (public, like the
    demand form that uses it): its estates and its service facilities, names and WGS-84 points
    only — no buildings' households, nothing about people."""
    region = Region.objects.filter(code=request.GET.get("community", ""), level=RegionLevel.COMMUNITY).first()
    if region is None:
        raise NotFound()
    data = selectors.public_layer(community=region.code)
    resp = JsonResponse(data)
    resp["Cache-Control"] = "public, max-age=600"
    return resp
