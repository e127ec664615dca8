"""Entry pages of the register: record, correct and retire a community's rooms and service
facilities, and add a version of a standard. The pages call the services; a refusal is shown
on the form with what was typed kept (status 400), nothing written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import rules, services
from .models import Facility, FacilityKind, Premises, RoomUse, RuleKind, Standard, Tenure
from .parameters import SPEC


def _community(request, code: str) -> Region:
    require(request.user, rules.MANAGE)
    region = Region.objects.filter(code=code, level=5).first()
    if region is None:
        raise NotFound()
    require(request.user, rules.MANAGE, region, hide=True)
    return region


def _object(request, model, pk: int):
    require(request.user, rules.MANAGE)
    obj = model.objects.filter(pk=pk).select_related("community").first()
    if obj is None:
        raise NotFound()
    require(request.user, rules.MANAGE, obj.community_id, hide=True)
    return obj


def _back(region_code: str) -> str:
    return reverse("facilities:community", args=[region_code])


def _premises_values(post) -> dict:
    return {
        "name": post.get("name", ""),
        "use": post.get("use", ""),
        "area": post.get("area", ""),
        "tenure": post.get("tenure", ""),
        "handed_over": bool(post.get("handed_over")),
        "accessible": bool(post.get("accessible")),
    }


def _premises_page(request, region, room, values, problem=None, status=200):
    return render(
        request,
        "facilities/premises_form.html",
        {
            "region": region,
            "room": room,
            "v": values,
            "problem": problem,
            "uses": RoomUse.choices,
            "tenures": Tenure.choices,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def premises_new(request, code: str):
    region = _community(request, code)
    if request.method == "POST":
        values = _premises_values(request.POST)
        try:
            room = services.premises_create(community=code, **values, by=request.user)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            return _premises_page(request, region, None, values, exc.message, 400)
        messages.success(request, _("已登记社区用房“%(name)s”。") % {"name": room.name})
        return redirect(_back(code))
    return _premises_page(request, region, None, {"tenure": Tenure.OWNED, "use": ""})


@login_required
@require_http_methods(["GET", "POST"])
def premises_edit(request, pk: int):
    room = _object(request, Premises, pk)
    if request.method == "POST":
        values = _premises_values(request.POST)
        try:
            services.premises_update(premises=room.pk, **values, by=request.user)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            return _premises_page(request, room.community, room, values, exc.message, 400)
        messages.success(request, _("已更正社区用房“%(name)s”。") % {"name": values["name"].strip()})
        return redirect(_back(room.community_id))
    values = {
        "name": room.name,
        "use": room.use,
        "area": room.area,
        "tenure": room.tenure,
        "handed_over": room.handed_over,
        "accessible": room.accessible,
    }
    return _premises_page(request, room.community, room, values)


@login_required
@require_POST
def premises_retire(request, pk: int):
    room = _object(request, Premises, pk)
    try:
        services.premises_retire(premises=room.pk, reason=request.POST.get("reason", ""), by=request.user)
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("facilities:premises_edit", args=[room.pk]))
    messages.success(request, _("已停用社区用房“%(name)s”，记录保留。") % {"name": room.name})
    return redirect(_back(room.community_id))


def _facility_values(post) -> dict:
    return {
        "kind": post.get("kind", ""),
        "name": post.get("name", ""),
        "latitude": post.get("latitude", ""),
        "longitude": post.get("longitude", ""),
        "hours": post.get("hours", ""),
        "operator_org": post.get("operator_org") or None,
        "operator": post.get("operator", ""),
    }


def _facility_page(request, region, facility, values, problem=None, status=200):
    from .selectors import operator_choices

    return render(
        request,
        "facilities/facility_form.html",
        {
            "region": region,
            "facility": facility,
            "v": values,
            "problem": problem,
            "kinds": FacilityKind.choices,
            "orgs": operator_choices(community=region.code),
            "org_id": str(values.get("operator_org") or ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request, code: str):
    region = _community(request, code)
    if request.method == "POST":
        values = _facility_values(request.POST)
        try:
            f = services.facility_create(community=code, **values, by=request.user)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            return _facility_page(request, region, None, values, exc.message, 400)
        messages.success(request, _("已登记服务设施“%(name)s”。") % {"name": f.name})
        return redirect(_back(code))
    return _facility_page(request, region, None, {"kind": ""})


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, pk: int):
    f = _object(request, Facility, pk)
    if request.method == "POST":
        values = _facility_values(request.POST)
        try:
            services.facility_update(facility=f.pk, **values, by=request.user)
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:
            return _facility_page(request, f.community, f, values, exc.message, 400)
        messages.success(request, _("已更正服务设施“%(name)s”。") % {"name": values["name"].strip()})
        return redirect(_back(f.community_id))
    values = {
        "kind": f.kind,
        "name": f.name,
        "latitude": f.latitude,
        "longitude": f.longitude,
        "hours": f.hours,
        "operator_org": f.operator_org_id,
        "operator": f.operator,
    }
    return _facility_page(request, f.community, f, values)


@login_required
@require_POST
def facility_retire(request, pk: int):
    f = _object(request, Facility, pk)
    try:
        services.facility_retire(facility=f.pk, reason=request.POST.get("reason", ""), by=request.user)
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("facilities:facility_edit", args=[f.pk]))
    messages.success(request, _("已停用服务设施“%(name)s”，记录保留。") % {"name": f.name})
    return redirect(_back(f.community_id))


def _standard_page(request, values, problem=None, status=200):
    kind = values.get("kind") or ""
    fields = SPEC.get(kind, ())
    params = values.get("params") or {}
    return render(
        request,
        "facilities/standard_form.html",
        {
            "v": values,
            "problem": problem,
            "kinds": RuleKind.choices,
            "kind": kind,
            "fields": [
                {
                    "p": p,
                    "value": params.get(p.name, ""),
                    "chosen": [str(x) for x in params.get(p.name, [])]
                    if isinstance(params.get(p.name), list)
                    else [str(params.get(p.name, ""))],
                    "choices": _choices(p.type),
                }
                for p in fields
            ],
            "existing": _newest_versions(),
            "scopes": scope_prefixes(request.user, rules.STANDARDS),
        },
        status=status,
    )


def _newest_versions() -> list[Standard]:
    newest: dict[str, Standard] = {}
    for s in Standard.objects.order_by("code", "-version"):
        newest.setdefault(s.code, s)
    return list(newest.values())


def _choices(kind: str):
    from .models import Post

    return {"uses": RoomUse.choices, "kinds": FacilityKind.choices, "post": Post.choices}.get(kind)


def _standard_values(post) -> dict:
    kind = post.get("kind", "")
    params: dict = {}
    for p in SPEC.get(kind, ()):
        params[p.name] = post.getlist(p.name) if p.type in ("uses", "kinds") else post.get(p.name, "")
    return {
        "code": post.get("code", ""),
        "title": post.get("title", ""),
        "source": post.get("source", ""),
        "scope": post.get("scope", ""),
        "unit_price": post.get("unit_price", ""),
        "in_force_from": post.get("in_force_from", ""),
        "kind": kind,
        "params": params,
    }


@login_required
@require_http_methods(["GET", "POST"])
def standard_new(request):
    """Add a version of a standard: first its rule kind (from an existing code, or chosen), then
    the parameters that kind needs. `?code=` starts from the newest version of that code."""
    require(request.user, rules.STANDARDS)
    if request.method == "POST" and request.POST.get("step") == "save":
        values = _standard_values(request.POST)
        try:
            s = services.standard_add(
                code=values["code"],
                title=values["title"],
                source=values["source"],
                kind=values["kind"],
                parameters=values["params"],
                scope=values["scope"],
                unit_price=values["unit_price"],
                in_force_from=values["in_force_from"] or None,
                by=request.user,
            )
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            return _standard_page(request, values, exc.message, 400)
        messages.success(
            request, _("已添加“%(title)s”第%(version)s版。") % {"title": s.title, "version": s.version}
        )
        return redirect(reverse("facilities:standards"))
    source = request.POST if request.method == "POST" else request.GET
    values = {k: source.get(k, "") for k in ("code", "title", "source", "scope", "unit_price", "kind")}
    values["params"] = {}
    last = (
        Standard.objects.filter(code=values["code"]).order_by("-version").first() if values["code"] else None
    )
    if last is not None:  # a new version starts from the newest one
        values.update(
            title=values["title"] or last.title,
            source=values["source"] or last.source,
            scope=values["scope"] or last.scope,
            unit_price=values["unit_price"] or last.unit_price,
            kind=last.kind,
            params=last.parameters,
        )
    if values["kind"] not in RuleKind.values:
        values["kind"] = ""
    if not rules.may_add_standard(request.user, values["scope"]):  # start from a scope one may set
        values["scope"] = next(iter(scope_prefixes(request.user, rules.STANDARDS)), "")
    return _standard_page(request, values)
