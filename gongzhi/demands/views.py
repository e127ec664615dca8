"""Demand pages: the resident's submission and tracking pages, hotline intake, the handler's
work list and demand detail (actions by HTMX), the dispatcher's queue, the three-rates
dashboard and the overdue board. Views read input, call selectors/services and render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.redirects import safe_next
from gongzhi.core.scoping import scope_prefixes
from gongzhi.registry.models import Building

from . import rates, selectors, services
from .forms import DemandForm, IntakeForm, RateForm
from .home import LABELS
from .models import (
    OPEN_STATES,
    Category,
    Channel,
    DemandState,
    HandlingLevel,
    HandlingUnit,
    ResolutionKind,
    Satisfaction,
)
from .rules import DISPATCH, INTAKE, SUPERVISE, VIEW_RATES
from .workflow import STEPS, page_actions

PAGE_SIZE = 30


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _communities_for_submit(request, district: str = "350102"):
    """Communities a resident may choose: their own district (the demo's by default)."""
    user = request.user
    prefixes = scope_prefixes(user, "demands.own") if user.is_authenticated else []
    district = (
        (prefixes[0][:6] if prefixes and prefixes[0] else None) or request.GET.get("district") or district
    )
    return Region.objects.filter(code__startswith=district, level=RegionLevel.COMMUNITY).select_related(
        "parent"
    )


def _default_community(request) -> str:
    prefixes = scope_prefixes(request.user, "demands.own") if request.user.is_authenticated else []
    return prefixes[0] if prefixes and len(prefixes[0]) == 12 else ""


def _building(form, community: Region):
    bid = form.cleaned_data.get("building")
    if not bid:
        return None
    building = Building.objects.filter(pk=bid).select_related("estate").first()
    if building is None or building.community_id != community.code:
        raise ApplicationError("place_other_community", _("所选小区或楼栋不属于该社区。"), field="building")
    return building


# --------------------------------------------------------------------------- residents


@require_http_methods(["GET", "POST"])
def submit(request):
    """The phone-sized submission page: text, photos, building or map pin."""
    communities = _communities_for_submit(request)
    form = DemandForm(
        request.POST or None,
        request.FILES or None,
        communities=communities,
        initial={"community": _default_community(request)},
    )
    if request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"]
        try:
            demand = services.demand_create(
                by=request.user,
                channel=Channel.WEB,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                community=community,
                building=_building(form, community),
                address=form.cleaned_data["address"],
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
                contact_name=form.cleaned_data["contact_name"],
                contact_phone=form.cleaned_data["contact_phone"],
                photos=form.cleaned_data["photos"],
                idempotency_key=form.cleaned_data["form_token"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(
                request, _("诉求已提交，请记下查询码 %(code)s。") % {"code": demand.tracking_code}
            )
            return HttpResponseRedirect(reverse("demands:track", args=[demand.tracking_code]))
    return render(request, "demands/submit.html", {"form": form})


@require_GET
def buildings(request):
    """The buildings of a community (HTMX options for the submission and intake forms)."""
    code = request.GET.get("community", "")
    rows = (
        Building.objects.filter(community_id=code)
        .select_related("estate")
        .order_by("estate__name", "name")[:500]
        if len(code) == 12
        else []
    )
    return render(request, "demands/_building_options.html", {"buildings": rows})


@require_http_methods(["GET", "POST"])
def track(request, code: str | None = None):
    """The tracking page: anyone with the code sees the public timeline; the submitter rates."""
    code = code or request.GET.get("code", "")
    if not code:
        return render(request, "demands/track_lookup.html", {})
    try:
        demand = selectors.demand_by_code(code)
    except NotFound:
        return render(request, "demands/track_lookup.html", {"code": code, "not_found": True}, status=404)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_rate(
                demand=demand,
                by=request.user,
                satisfaction=form.cleaned_data["satisfaction"],
                resolved=form.cleaned_data["resolved"],
                note=form.cleaned_data["note"],
                phone=form.cleaned_data["phone"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("感谢您的评价！"))
            return HttpResponseRedirect(reverse("demands:track", args=[demand.tracking_code]))
    can_rate = demand.state == DemandState.REPLIED and (
        demand.submitted_by_id is None
        or (request.user.is_authenticated and demand.submitted_by_id == request.user.id)
    )
    return render(
        request,
        "demands/track.html",
        {
            "demand": demand,
            "events": selectors.timeline(demand, public_only=True),
            "form": form,
            "can_rate": can_rate,
            "needs_phone": demand.submitted_by_id is None,
            "steps": _progress(demand),
        },
    )


def _progress(demand) -> list[dict]:
    order = ["submitted", "dispatched", "handling", "replied", "called_back", "closed"]
    state = "dispatched" if demand.state == DemandState.RETURN_PENDING else demand.state
    reached = order.index(state)
    labels = [_("已受理"), _("已派单"), _("办理中"), _("已答复"), _("已评价"), _("已办结")]
    return [{"label": labels[i], "done": i <= reached, "current": i == reached} for i in range(len(order))]


@login_required
@require_GET
def mine(request):
    page = Paginator(selectors.my_demands(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/mine.html", {"page": page})


# --------------------------------------------------------------------------- staff


def _default_intake_channel(user) -> str:
    """Grid workers report what they find on their rounds; the office takes hotline calls."""
    from gongzhi.core.models import RoleAssignment
    from gongzhi.core.roles import Role

    roles = set(RoleAssignment.objects.filter(user=user, active=True).values_list("role", flat=True))
    return Channel.GRID_VISIT if Role.GRID_WORKER in roles else Channel.HOTLINE


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """Hotline operator / walk-in / grid visit intake."""
    require(request.user, INTAKE)
    prefixes = scope_prefixes(request.user, INTAKE)
    q = Region.objects.filter(level=RegionLevel.COMMUNITY).select_related("parent")
    if prefixes != [""]:
        from django.db.models import Q

        cond = Q()
        for p in prefixes:
            cond |= Q(code__startswith=p)
        q = q.filter(cond)
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        communities=q,
        initial={
            "channel": _default_intake_channel(request.user),
            # one community in scope (a grid worker, a community worker): it is that one
            "community": prefixes[0] if len(prefixes) == 1 and len(prefixes[0]) == 12 else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"]
        category = Category.objects.filter(
            pk=form.cleaned_data.get("category") or 0, parent__isnull=False
        ).first()
        try:
            demand = services.demand_create(
                by=request.user,
                channel=form.cleaned_data["channel"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                community=community,
                building=_building(form, community),
                address=form.cleaned_data["address"],
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
                category=category,
                contact_name=form.cleaned_data["contact_name"],
                contact_phone=form.cleaned_data["contact_phone"],
                photos=form.cleaned_data["photos"],
                idempotency_key=form.cleaned_data["form_token"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已受理，查询码 %(code)s。") % {"code": demand.tracking_code})
            return HttpResponseRedirect(reverse("demands:detail", args=[demand.pk]))
    return render(request, "demands/intake.html", {"form": form, "categories": selectors.category_leaves()})


@login_required
@require_GET
def work_list(request):
    if not request.user.has_perm("demands.handle") and request.user.has_perm(INTAKE):
        # Grid workers take demands in but do not handle them: their list is what they reported.
        return HttpResponseRedirect(reverse("demands:reported"))
    require(request.user, "demands.handle")
    state = request.GET.get("state") or None
    if state not in {*OPEN_STATES, DemandState.REPLIED, None}:
        state = None
    due = request.GET.get("due") or None
    if due not in {*selectors.WORK_FILTERS, None}:
        due = None
    qs = selectors.work_list(user=request.user, state=state, due=due)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.work_counts(user=request.user)
    tabs = [
        {"state": s, "label": DemandState(s).label, "n": counts.get(s, 0)}
        for s in (
            DemandState.DISPATCHED,
            DemandState.HANDLING,
            DemandState.RETURN_PENDING,
            DemandState.REPLIED,
        )
    ]
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("due", due)) if v)
    return render(
        request,
        "demands/work_list.html",
        {
            "page": page,
            "tabs": tabs,
            "state": state,
            "due": due,
            "due_label": LABELS.get(due, ""),
            "query": query,
            "now": clock.now(),
            "total": sum(counts.values()),
        },
    )


@login_required
@require_GET
def reported(request):
    """我上报的: what the user took in (a grid worker's visits, a walk-in), within their scope."""
    require(request.user, INTAKE)
    page = Paginator(selectors.reported_by(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/reported.html", {"page": page, "now": clock.now()})


def _detail_context(request, demand, error: str = "") -> dict:
    now = clock.now()
    # The buttons are exactly what the step guard allows now (workflow.py), the API's list too.
    actions = page_actions(demand, request.user, now)
    pending_extension = demand.extension_requests.filter(state="pending").first()
    pending_return = demand.return_requests.filter(state="pending").first()
    show_contact = request.user.has_perm("demands.handle", demand) or request.user.has_perm(DISPATCH, demand)
    internal = selectors.sees_internal(request.user, demand)
    return {
        "demand": demand,
        "events": selectors.timeline(demand, public_only=not internal),
        "internal": internal,
        "actions": actions,
        "step_labels": {k: v.label for k, v in STEPS.items()},
        "categories": selectors.category_leaves() if {"dispatch", "classify"} & set(actions) else [],
        "units": selectors.dispatch_units(demand) if "dispatch" in actions else [],
        "resolution_kinds": ResolutionKind.choices,
        "satisfactions": Satisfaction.choices,
        "pending_extension": pending_extension,
        "pending_return": pending_return,
        "error": error,
        "now": now,
        "show_contact": show_contact,
        "photos": demand.photos.all(),
        "sources": (
            selectors.demands_visible(request.user)
            .filter(proactive_task=demand)
            .select_related("community")
            .order_by("created_at", "id")
            if demand.is_proactive
            else []
        ),
    }


@login_required
@require_GET
def detail(request, pk: int):
    demand = selectors.demand_get(user=request.user, pk=pk)
    return render(request, "demands/detail.html", _detail_context(request, demand))


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Take one step on a demand (HTMX: re-render the detail panel; otherwise redirect)."""
    if action not in STEPS:
        raise NotFound()
    demand = selectors.demand_get(user=request.user, pk=pk)
    p = request.POST
    user = request.user
    try:
        if action == "classify":
            category = Category.objects.filter(pk=_int(p.get("category"), 0)).first()
            if category is None:
                raise ApplicationError("category_required", _("请先为诉求选择分类。"))
            services.demand_classify(demand=demand, category=category, by=user)
        elif action == "dispatch":
            unit = HandlingUnit.objects.filter(pk=_int(p.get("unit"), 0)).first()
            category = Category.objects.filter(pk=_int(p.get("category"), 0)).first()
            if unit is None:
                raise ApplicationError("unit_required", _("请选择承办单位。"))
            services.demand_dispatch(
                demand=demand, unit=unit, by=user, category=category, note=p.get("note", "")
            )
        elif action == "sign":
            services.demand_sign(demand=demand, by=user)
        elif action == "return":
            services.demand_return(demand=demand, by=user, reason=p.get("reason", ""))
        elif action == "decide_return":
            services.return_decide(
                demand=demand, by=user, accept=p.get("decision") == "accept", note=p.get("note", "")
            )
        elif action == "request_extension":
            services.extension_request(
                demand=demand,
                by=user,
                reason=p.get("reason", ""),
                working_days=_int(p.get("working_days"), 0),
            )
        elif action == "decide_extension":
            services.extension_decide(
                demand=demand, by=user, approve=p.get("decision") == "approve", note=p.get("note", "")
            )
        elif action == "remind":
            services.demand_remind(demand=demand, by=user, note=p.get("note", ""))
        elif action == "supervise":
            services.demand_supervise(demand=demand, by=user, note=p.get("note", ""))
        elif action == "reply":
            services.demand_reply(
                demand=demand, by=user, reply=p.get("reply", ""), resolution_kind=p.get("resolution_kind", "")
            )
        elif action == "callback":
            resolved = {"1": True, "0": False}.get(p.get("resolved", ""))
            services.demand_callback(
                demand=demand,
                by=user,
                satisfaction=p.get("satisfaction", ""),
                resolved=resolved,
                note=p.get("note", ""),
            )
        elif action == "reopen":
            services.demand_reopen(demand=demand, by=user, note=p.get("note", ""))
        elif action == "close":
            services.demand_close(demand=demand, by=user, note=p.get("note", ""), force=p.get("force") == "1")
        else:  # "rate" is the resident's, on the tracking page
            raise NotFound()
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        if _htmx(request):
            demand = selectors.demand_get(user=user, pk=pk)
            context = _detail_context(request, demand, error=str(exc.message))
            return render(request, "demands/_detail_body.html", context, status=200)
        raise
    if not user.has_perm("demands.view", demand):  # e.g. an accepted return leaves the unit
        messages.success(request, _("已完成：%(step)s。") % {"step": STEPS[action].label})
        target = reverse("demands:work_list")
        if _htmx(request):
            response = render(request, "demands/_gone.html", {"target": target})
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    if _htmx(request):
        demand = selectors.demand_get(user=user, pk=pk)
        context = _detail_context(request, demand)
        context["done"] = _("已完成：%(step)s。") % {"step": STEPS[action].label}
        return render(request, "demands/_detail_body.html", context)
    messages.success(request, _("已完成：%(step)s。") % {"step": STEPS[action].label})
    return HttpResponseRedirect(reverse("demands:detail", args=[pk]))


@login_required
@require_POST
def contact_reveal(request, pk: int):
    """Show the resident's phone (with a tel: link) to the one who calls them back; logged."""
    demand = selectors.demand_get(user=request.user, pk=pk)
    try:
        phone = services.demand_contact_reveal(demand=demand, by=request.user)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        return render(
            request,
            "demands/_contact.html",
            {"error": str(exc.message)},
            status=200 if _htmx(request) else 400,
        )
    return render(request, "demands/_contact.html", {"phone": phone, "demand": demand})


@login_required
@require_GET
def queue(request):
    require(request.user, DISPATCH)
    qs = selectors.dispatch_queue(user=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "demands/queue.html",
        {"page": page, "reviews": selectors.review_queue(user=request.user)[:50]},
    )


# --------------------------------------------------------------------------- dashboards


def _dashboard_region(request, perm: str) -> Region:
    prefixes = scope_prefixes(request.user, perm)
    wanted = request.GET.get("region", "")
    if wanted and any(wanted.startswith(p) for p in prefixes):
        region = Region.objects.filter(code=wanted, level__gte=RegionLevel.DISTRICT).first()
        if region is not None:
            return region
    top = [p for p in prefixes if len(p) >= 6]
    if not top:
        # Superusers and wider scopes: the first district in scope.
        districts = Region.objects.filter(
            level=RegionLevel.DISTRICT, code__startswith=prefixes[0] if prefixes else "~"
        )
        found = districts.order_by("code").first()
        if found is None:
            raise NotFound()
        return found
    return Region.objects.get(code=sorted(top, key=len)[0])


def _pct(x):
    return None if x is None else round(100 * x, 1)


def _period(request) -> rates.Period:
    """The period asked for: a key (month, quarter, year, or "2025-01~2026-12"), or a range
    from the picker's two month fields ("from", "to"). A bad one is refused with a message."""
    start, end = request.GET.get("from"), request.GET.get("to")
    if start or end:
        return rates.Period.parse(f"{start or ''}~{end or ''}")
    return rates.Period.parse(request.GET.get("period"))


@login_required
@require_GET
def rates_dashboard(request):
    require(request.user, VIEW_RATES)
    region = _dashboard_region(request, VIEW_RATES)
    period = _period(request)
    # One "now" for the whole page: every card, row and chart counts the same records.
    now = clock.now()
    by_unit = rates.rates_by_unit(region, period, now=now)
    by_area = rates.rates_by_area(region, period, now=now)  # a community: its own single row
    total = rates.rates_total(region, period, now=now)
    chart_rows = by_area if len(by_area) > 1 else by_unit
    chart = {
        "names": [r.name for r in chart_rows],
        "response": [_pct(r.response) for r in chart_rows],
        "resolution": [_pct(r.resolution) for r in chart_rows],
        "satisfaction": [_pct(r.satisfaction) for r in chart_rows],
        "labels": [_("响应率"), _("解决率"), _("满意率")],
    }
    periods = period.previous_months(12)
    last = [rates.Period.last_months(n) for n in (12, 24)]
    return render(
        request,
        "demands/rates.html",
        {
            "region": region,
            # the drill-down's address, built once (the tables link every cell to it)
            "drill": f"{reverse('demands:rates_drill')}?{urlencode({'region': region.code, 'period': period.key})}",
            "parent": region.parent
            if len(region.code) > 6 and request.user.has_perm(VIEW_RATES, region.parent_id)
            else None,
            "period": period,
            "periods": periods,
            "ranges": [(last[0].key, _("近12个月")), (last[1].key, _("近24个月"))],
            "max_months": rates.MAX_MONTHS,
            "by_unit": by_unit,
            "by_area": by_area,
            "total": total,
            "chart": chart,
            "shares": rates.shares_622(region, period),
            "area_label": _("街道") if len(region.code) == 6 else _("社区"),
            "kind_labels": dict(HandlingLevel.choices),
            "show_tasks": bool(total.tasks_dispatched or total.tasks_closed),
        },
    )


@login_required
@require_GET
def rates_drill(request):
    require(request.user, VIEW_RATES)
    region = _dashboard_region(request, VIEW_RATES)
    period = _period(request)
    metric = request.GET.get("metric", "response")
    if metric not in rates.METRIC_LABELS:
        metric = "response"
    unit_id = _int(request.GET.get("unit"))
    area = request.GET.get("area") or None
    if area and not area.startswith(region.code):
        raise NotFound()
    fig = rates.figure(region, period, metric=metric, unit_id=unit_id, area=area)
    page = Paginator(fig.records, 50).get_page(request.GET.get("page"))
    unit = HandlingUnit.objects.filter(pk=unit_id).first() if unit_id else None
    area_region = Region.objects.filter(code=area).first() if area else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "demands/rates_drill.html",
        {
            "region": region,
            "period": period,
            "metric": metric,
            "metric_label": rates.METRIC_LABELS[metric](),
            "figure": fig,
            "page": page,
            "unit": unit,
            "area": area_region,
            "subject": unit.name if unit else (area_region.short_name if area_region else region.name),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def overdue(request):
    require(request.user, SUPERVISE)
    qs = selectors.overdue(user=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/overdue.html", {"page": page, "now": clock.now()})


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(user=request.user)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), reverse("demands:mine")))
