"""The hot-issues page: the week's top clusters per street, and 未诉先办 from a cluster.

The URLs are in `urlpatterns` below, included by demands/urls.py (the names
demands:hot_issues and demands:hot_issue_task).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.redirects import safe_next
from gongzhi.core.scoping import scope_prefixes
from gongzhi.registry.models import Building, Estate

from .hotissues import hot_issue_task_create, hot_issues_week, week_start
from .models import Demand
from .rules import VIEW_RATES


def _regions(user) -> list[Region]:
    """Regions the user may pick: each scope root and the streets under it."""
    prefixes = scope_prefixes(user, VIEW_RATES)
    if prefixes == [""]:
        return list(
            Region.objects.filter(level__in=(RegionLevel.DISTRICT, RegionLevel.STREET)).order_by("code")[:500]
        )
    roots = list(Region.objects.filter(code__in=prefixes).order_by("code"))
    out = []
    for root in roots:
        out.append(root)
        if root.level < RegionLevel.STREET:
            out.extend(
                Region.objects.filter(code__startswith=root.code, level=RegionLevel.STREET).order_by("code")
            )
    return out


@login_required
@require_GET
def hot_issues(request):
    if not scope_prefixes(request.user, VIEW_RATES):
        raise PermissionDenied()
    regions = _regions(request.user)
    region = next((r for r in regions if r.code == request.GET.get("region")), None) or (
        regions[0] if regions else None
    )
    if region is None:
        raise PermissionDenied()
    week = week_start(clock.now())
    asked = parse_date(request.GET.get("week") or "")
    fell_back = False
    if asked is not None:
        week = asked - dt.timedelta(days=asked.weekday())
    report = hot_issues_week(user=request.user, region_code=region.code, week=week)
    if asked is None and not report:
        # early in a week there is nothing yet: show the week before rather than an empty page
        earlier = hot_issues_week(
            user=request.user, region_code=region.code, week=week - dt.timedelta(days=7)
        )
        if earlier:
            week, report, fell_back = week - dt.timedelta(days=7), earlier, True
    estates, buildings, demands = set(), set(), set()
    for items in report.values():
        for issue in items:
            if issue.cluster.estate:
                estates.add(int(issue.cluster.estate))
            buildings.update(int(b) for b in issue.cluster.buildings)
            demands.update(issue.ids)
    estate_names = dict(Estate.objects.filter(pk__in=estates).values_list("pk", "name"))
    building_names = dict(Building.objects.filter(pk__in=buildings).values_list("pk", "name"))
    codes_by_id, task_of = {}, {}
    for pk, code, task_id, task_code in Demand.objects.filter(pk__in=demands).values_list(
        "pk", "tracking_code", "proactive_task_id", "proactive_task__tracking_code"
    ):
        codes_by_id[pk] = code
        if task_id:
            task_of[pk] = (task_id, task_code)
    street_names = dict(Region.objects.filter(code__in=list(report)).values_list("code", "name"))
    streets = []
    for street, items in sorted(report.items()):
        rows = []
        for issue in items:
            c = issue.cluster
            # Demands already gathered into a task are not offered again: the button takes the rest.
            free = [i for i in issue.ids if i not in task_of]
            rows.append(
                {
                    "issue": issue,
                    "estate": estate_names.get(int(c.estate)) if c.estate else "",
                    "buildings": [building_names[int(b)] for b in c.buildings if int(b) in building_names],
                    "demands": [(i, codes_by_id.get(i, "")) for i in issue.ids],
                    "ids": ",".join(str(i) for i in free),
                    "can_task": len(free) >= 2,
                    "tasks": sorted({task_of[i] for i in issue.ids if i in task_of}, key=lambda t: t[0]),
                    "title": c.representative.text.splitlines()[0] if c.representative else c.title,
                }
            )
        streets.append({"code": street, "name": street_names.get(street, street), "rows": rows})
    return render(
        request,
        "demands/hotissues.html",
        {
            "regions": regions,
            "region": region,
            "week": week,
            "week_end": week + dt.timedelta(days=6),
            "previous_week": week - dt.timedelta(days=7),
            "next_week": week + dt.timedelta(days=7),
            "streets": streets,
            "fell_back": fell_back,
        },
    )


@login_required
@require_POST
def hot_issue_task(request):
    ids = [int(i) for i in (request.POST.get("ids") or "").split(",") if i.strip().isdigit()]
    back = safe_next(request, request.POST.get("next"))
    try:
        task = hot_issue_task_create(
            by=request.user,
            demand_ids=ids,
            title=request.POST.get("title", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        if exc.code != "hot_issue_already_task":
            raise  # out of scope and the like: the middleware's answer
        messages.error(request, str(exc.message))
        return redirect(back or "demands:hot_issues")
    messages.success(
        request, _("已生成未诉先办任务，查询码 %(code)s，请派单办理。") % {"code": task.tracking_code}
    )
    return redirect("demands:detail", task.pk)


urlpatterns = [
    path("hot-issues/", hot_issues, name="hot_issues"),
    path("hot-issues/task/", hot_issue_task, name="hot_issue_task"),
]
