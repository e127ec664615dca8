"""Pages of the four lists and need matching (thin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped, user_regions
from gongzhi.web.forms import act

from . import lists
from .models import Need, Organization, PledgedResource, ServiceField
from .rules import BOOK, MANAGE, VIEW

TABS = ("needs", "services", "resources", "projects")


def _communities(user, perm):
    return [r for r in user_regions(user, perm) if r.level == 5]


@login_required
@require_GET
def four_lists(request):
    require(request.user, VIEW)
    tab = request.GET.get("tab", "needs")
    tab = tab if tab in TABS else "needs"
    data = lists.four_lists(user=request.user)
    return render(
        request,
        "organizations/lists.html",
        {
            "tab": tab,
            "rows": data[tab][:300],
            "counts": {k: v.count() for k, v in data.items()},
            "can_manage": request.user.has_perm(MANAGE),
            "communities": _communities(request.user, MANAGE),
            "fields": ServiceField.choices,
        },
    )


def _need(user, pk: int, perm: str = VIEW) -> Need:
    need = scoped(Need.objects.all(), user, perm).select_related("community").filter(pk=pk).first()
    if need is None:
        raise NotFound()
    return need


@login_required
@require_GET
def need_detail(request, pk: int):
    require(request.user, VIEW)
    need = _need(request.user, pk)
    can_manage = request.user.has_perm(MANAGE, need)
    return render(
        request,
        "organizations/need_detail.html",
        {
            "need": need,
            "matches": need.matches.select_related("organization", "resource__agreement__organization"),
            "projects": need.projects.all(),
            "activities": need.activities.select_related("activity"),
            "call_items": need.call_items.select_related("call"),
            "suggestions": lists.match_suggestions(need=need) if can_manage else None,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def need_match(request, pk: int):
    require(request.user, MANAGE)
    need = _need(request.user, pk, MANAGE)
    org = Organization.objects.filter(pk=request.POST.get("organization") or 0).first()
    resource = PledgedResource.objects.filter(pk=request.POST.get("resource") or 0).first()
    act(
        request,
        lambda: lists.need_match(by=request.user, need=need, organization=org, resource=resource),
        _("已确认对接。"),
    )
    return redirect("organizations:need_detail", pk=need.pk)


@login_required
@require_POST
def need_to_project(request, pk: int):
    require(request.user, MANAGE)
    need = _need(request.user, pk, MANAGE)
    lead = need.matches.exclude(organization=None).select_related("organization").first()
    act(
        request,
        lambda: lists.project_from_need(by=request.user, need=need, lead=lead.organization if lead else None),
        _("已转为共建项目。"),
    )
    return redirect("organizations:need_detail", pk=need.pk)


@login_required
@require_POST
def needs_harvest(request):
    require(request.user, MANAGE)
    from gongzhi.core.models import Region

    community = Region.objects.filter(code=request.POST.get("community", ""), level=5).first()
    if community is None:
        raise NotFound()
    result: list = []
    act(
        request,
        lambda: result.extend(lists.needs_from_demands(by=request.user, community=community)),
        _("已从诉求中归集需求。"),
    )
    return redirect("/organizations/lists/?tab=needs")


@login_required
@require_POST
def need_submit(request):
    require(request.user, BOOK)
    from gongzhi.core.models import Region

    code = request.POST.get("community", "")
    community = Region.objects.filter(code=code, level=5).first() or next(
        iter(_communities(request.user, BOOK)), None
    )
    if community is None:
        raise NotFound()
    act(
        request,
        lambda: lists.need_submit(
            by=request.user,
            community=community,
            title=request.POST.get("title", ""),
            service_field=request.POST.get("service_field", ""),
        ),
        _("需求已提交，谢谢！"),
    )
    return redirect("organizations:need_new")


@login_required
@require_GET
def need_new(request):
    require(request.user, BOOK)
    return render(
        request,
        "organizations/need_new.html",
        {"fields": ServiceField.choices, "communities": _communities(request.user, BOOK)},
    )
