"""Pages of grid work (thin: parse, call a service or selector, render)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import policy, rules, selectors, sentiment, services
from .errors import error
from .models import Category, ItemState, PlanItem
from .workflow import WORKFLOW


def _community(request, perm: str) -> Region:
    """The community the page is about: ?c=<code> within the user's scope, else the first one."""
    prefixes = scope_prefixes(request.user, perm)
    if not prefixes:
        raise PermissionDenied()
    code = (request.GET.get("c") or request.POST.get("c") or "").strip()
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    qs = Region.objects.filter(q, level=5)
    region = qs.filter(code=code).first() if code else qs.order_by("code").first()
    if region is None:
        raise NotFound()
    return region


def _month(request) -> dt.date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        return dt.date.fromisoformat(raw + "-01") if raw else timezone.localdate().replace(day=1)
    except ValueError:
        raise error("bad_month") from None


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


SERVICE_WORKER = Path(__file__).parent / "static" / "visits" / "sw.js"


def service_worker(request):
    """The service worker's script (static/visits/sw.js), served under /visits/ so that it may
    control the diary pages there; the header says so explicitly. Never cached by the browser's
    HTTP cache, so that a new version reaches the phones at their next visit."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("visits:my_day")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def my_day(request):
    """The grid worker's phone page: this month's plan with due/overdue, next household first."""
    require(request.user, rules.RECORD)
    month = _month(request)
    plan, rows = selectors.plan_rows(user=request.user, worker=request.user, month=month)
    this_month = month == timezone.localdate().replace(day=1)
    counts = selectors.today_counts(user=request.user, rows=rows if this_month else None)
    return render(
        request, "visits/my_day.html", {"plan": plan, "rows": rows, "month": month, "counts": counts}
    )


@login_required
def household(request, pk: int):
    h = selectors.household_get(user=request.user, pk=pk, perm=rules.RECORD)
    card = selectors.household_card(user=request.user, household=h)
    return render(
        request,
        "visits/household.html",
        {
            "h": h,
            "card": card,
            "categories": Category.choices,
            "now_input": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


@login_required
@require_POST
def fact_correct(request, pk: int):
    h = selectors.household_get(user=request.user, pk=pk, perm=rules.RECORD)
    try:
        person_id = int(request.POST.get("person") or 0)
    except ValueError:
        person_id = 0
    services.household_fact_correct(
        household=h,
        person_id=person_id,
        field=request.POST.get("field", ""),
        value=request.POST.get("value", ""),
        by=request.user,
    )
    from django.contrib import messages

    messages.success(request, _("已更正登记信息（记为社区采集）。"))
    return HttpResponseRedirect(reverse("visits:household", args=[h.pk]))


@login_required
@require_POST
def code_issue(request, pk: int):
    h = selectors.household_get(user=request.user, pk=pk, perm=rules.RECORD)
    from django.conf import settings
    from django.contrib import messages

    try:
        code = services.confirmation_code_issue(household=h, by=request.user)
    except ApplicationError as e:
        messages.error(request, e.message)
        return HttpResponseRedirect(reverse("visits:household", args=[h.pk]))
    sent_to = code.sent_to  # type: ignore[attr-defined]  # set by the service, not a field
    text = _("确认码已发送到该户登记的手机 %(phone)s，请住户当面告知您。") % {"phone": sent_to}
    if settings.GONGZHI_DEMO:  # the demo has no real phones: show what the message said
        text += " " + _("（演示环境，短信内容中的确认码为 %(code)s）") % {"code": code.code}
    messages.info(request, text)
    return HttpResponseRedirect(reverse("visits:household", args=[h.pk]))


def _captured_at(request):
    """The phone's capture time of an offline visit (ISO 8601, as the phone's queue sends it)."""
    raw = (request.POST.get("captured_at") or "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise error("bad_capture")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _visit_from_post(request, h):
    visited_at = (
        parse_datetime(request.POST.get("visited_at") or "") if request.POST.get("visited_at") else None
    )
    if visited_at is not None and timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    return services.visit_record(
        household=h,
        by=request.user,
        visited_at=visited_at,
        met=request.POST.get("met", ""),
        situation=request.POST.get("situation", ""),
        raised=request.POST.get("raised", ""),
        category=request.POST.get("category") or Category.OTHER,
        latitude=_float(request.POST.get("latitude")),
        longitude=_float(request.POST.get("longitude")),
        confirmation_code=request.POST.get("code", ""),
        client_uuid=request.POST.get("client_uuid") or None,
        photos=request.FILES.getlist("photos"),
        offline=request.POST.get("offline") == "1",
        captured_at=_captured_at(request),
    )


@login_required
@require_POST
def visit_create(request, pk: int):
    h = selectors.household_get(user=request.user, pk=pk, perm=rules.RECORD)
    visit = _visit_from_post(request, h)
    from django.contrib import messages

    if visit.far_away:
        messages.warning(
            request, _("已记录。定位距该楼栋较远（约%(m)d米），已标注待核。") % {"m": visit.distance_m}
        )
    else:
        messages.success(request, _("走访已记录。"))
    return HttpResponseRedirect(reverse("visits:my_day"))


@login_required
@require_POST
def upload(request):
    """The phone's offline queue uploads here (one visit per request, with its client id).
    A replayed upload answers with the first visit and changes nothing."""
    try:
        h = selectors.household_get(
            user=request.user, pk=int(request.POST.get("household") or 0), perm=rules.RECORD
        )
        visit = _visit_from_post(request, h)
    except ValueError:
        return JsonResponse({"code": "bad_request", "message": _("请求无效。")}, status=400)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(
        {
            "id": visit.pk,
            "replayed": visit.replayed,
            "far_away": visit.far_away,
            "late_upload": visit.late_upload,
        },
        status=200 if visit.replayed else 201,
    )


@login_required
def coverage(request):
    community = _community(request, rules.VIEW)
    can_assign = request.user.has_perm(rules.ASSIGN, community)
    proposal = None
    size = policy.HOUSEHOLDS_PER_WORKER
    if can_assign and request.GET.get("size"):
        try:
            size = int(request.GET["size"])
        except ValueError:
            size = -1
        proposal = services.coverage_propose(community=community, by=request.user, size=size)
    summary = selectors.coverage_summary(user=request.user, community=community)
    page = Paginator(summary["uncovered"], 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/coverage.html",
        {
            "community": community,
            "summary": summary,
            "proposal": proposal,
            "size": size,
            "can_assign": can_assign,
            "page": page,
        },
    )


@login_required
@require_POST
def coverage_apply(request):
    community = _community(request, rules.ASSIGN)
    try:
        size = int(request.POST.get("size") or policy.HOUSEHOLDS_PER_WORKER)
    except ValueError:
        size = -1
    services.coverage_apply(community=community, by=request.user, size=size)
    return HttpResponseRedirect(reverse("visits:coverage") + f"?c={community.code}")


@login_required
@require_POST
def coverage_move(request):
    from gongzhi.core.models import User

    community = _community(request, rules.ASSIGN)
    ids = [int(x) for x in request.POST.getlist("household") if x.isdigit()]
    worker_id = request.POST.get("worker") or ""
    worker = User.objects.filter(pk=int(worker_id)).first() if worker_id.isdigit() else None
    if worker_id and worker is None:
        raise error("not_covering")
    services.coverage_assign(community=community, household_ids=ids, worker=worker, by=request.user)
    return HttpResponseRedirect(reverse("visits:coverage") + f"?c={community.code}")


@login_required
def plans(request):
    community = _community(request, rules.VIEW)
    month = _month(request)
    from .services import covering_workers

    worker_id = request.GET.get("worker") or ""
    workers = list(covering_workers(community.code))
    worker = next((w for w in workers if str(w.pk) == worker_id), workers[0] if workers else None)
    plan, rows = selectors.plan_rows(user=request.user, worker=worker, month=month) if worker else (None, [])
    return render(
        request,
        "visits/plans.html",
        {
            "community": community,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "workers": workers,
            "worker": worker,
            "plan": plan,
            "rows": rows,
            "can_assign": request.user.has_perm(rules.ASSIGN, community),
        },
    )


@login_required
@require_POST
def plans_generate(request):
    community = _community(request, rules.ASSIGN)
    month = _month(request)
    try:
        minimum = int(request.POST.get("minimum") or policy.VISITS_PER_MONTH)
    except ValueError:
        minimum = -1
    services.plans_generate(community=community, month=month, by=request.user, minimum=minimum)
    return HttpResponseRedirect(reverse("visits:plans") + f"?c={community.code}&month={month:%Y-%m}")


@login_required
@require_POST
def plan_move(request, pk: int):
    item = PlanItem.objects.filter(pk=pk).select_related("plan").first()
    if item is None or not (
        item.plan.worker_id == request.user.pk or request.user.has_perm(rules.ASSIGN, item.plan)
    ):
        raise NotFound()
    try:
        position = int(request.POST.get("position") or 0)
    except ValueError:
        position = 0
    services.plan_item_move(item=item, position=position, by=request.user)
    return HttpResponseRedirect(request.POST.get("next") or reverse("visits:my_day"))


HOT_SHOWN = 10  # the largest hot issues on the ledger page
LEDGER_LEVELS = (
    ("grid", gettext_lazy("按网格")),
    ("community", gettext_lazy("按社区")),
    ("street", gettext_lazy("按街道")),
    ("district", gettext_lazy("按区")),
)


@login_required
def ledger(request):
    require(request.user, rules.VIEW)
    state = request.GET.get("state") or ""
    state = state if state in ItemState.values else ""
    category = request.GET.get("category") or ""
    category = category if category in Category.values else ""
    overdue = request.GET.get("overdue") == "1"
    region = request.GET.get("region") or ""
    region = region if region.isdigit() and len(region) in (6, 9, 12) else ""
    grid_arg = request.GET.get("grid") or ""
    grid = int(grid_arg) if grid_arg.isdigit() and len(grid_arg) < 10 else None
    qs = selectors.ledger_items(
        user=request.user, state=state, overdue=overdue, category=category, region=region, grid=grid
    )
    level = request.GET.get("level") or "community"
    level = level if level in sentiment.LEVELS else "community"
    filters = {k: v for k, v in (("region", region), ("grid", grid_arg if grid is not None else "")) if v}
    hot = sentiment.ledger_hot_issues(user=request.user)
    return render(
        request,
        "visits/ledger.html",
        {
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "rollup": sentiment.ledger_rollup(user=request.user, level=level),
            "hot": hot[:HOT_SHOWN],
            "hot_more": max(0, len(hot) - HOT_SHOWN),
            "level": level,
            "levels": LEDGER_LEVELS,
            "filtered": filters,
            "filter_query": "&".join(f"{k}={v}" for k, v in filters.items()),
            "states": ItemState.choices,
            "categories": Category.choices,
            "state": state,
            "category": category,
            "overdue": overdue,
            "today": timezone.localdate(),
        },
    )


@login_required
def ledger_item(request, pk: int):
    item = selectors.ledger_item_get(user=request.user, pk=pk)
    return render(
        request,
        "visits/ledger_item.html",
        {
            "item": item,
            "allowed": WORKFLOW.allowed(item, request.user),
            "events": item.events.select_related("by"),
        },
    )


@login_required
@require_POST
def ledger_action(request, pk: int, action: str):
    item = selectors.ledger_item_get(user=request.user, pk=pk)
    if action == "answer":
        services.ledger_item_answer(
            item=item,
            by=request.user,
            answer=request.POST.get("answer", ""),
            on_the_spot=request.POST.get("on_the_spot") == "1",
        )
    elif action == "to_demand":
        services.ledger_item_to_demand(item=item, by=request.user)
    elif action == "to_topic":
        services.ledger_item_to_topic(item=item, by=request.user)
    else:
        raise NotFound()
    return HttpResponseRedirect(reverse("visits:ledger_item", args=[pk]))


# The grid-work dashboard: every figure of grid work, elderly care and elections (from the apps'
# manifests), one selector, the records behind the number as the drill-down.
FIGURE_APPS = ("visits.", "care.", "elections.")


def _figures() -> dict:
    from gongzhi.core.manifests import figures as all_figures

    return {k: f for k, f in all_figures().items() if k.startswith(FIGURE_APPS)}


@login_required
def figures(request):
    require(request.user, rules.VIEW)
    available = _figures()
    key = request.GET.get("f") or "visits.households_per_worker"
    if key not in available:
        key = "visits.households_per_worker"
    figure = available[key]
    result = figure.compute(user=request.user)
    return render(
        request,
        "visits/figures.html",
        {
            "figures": [(k, f.label) for k, f in available.items()],
            "key": key,
            "label": figure.label,
            "result": result,
            "rows": [list(zip(result.columns, r, strict=False)) for r in result.records[:500]],
        },
    )


@login_required
def courtyards(request):
    from . import courtyards as yards
    from .models import InspectionItem, QuasiService

    require(request.user, rules.VIEW)
    rows = yards.courtyard_rows(user=request.user)
    manageable = list(yards.manageable_estates(request.user)) if yards.may_manage(request.user) else []
    return render(
        request,
        "visits/courtyards.html",
        {
            "rows": rows,
            "items": InspectionItem.choices,
            "services": QuasiService.choices,
            "manageable": manageable,
            "providers": yards.provider_choices(manageable) if manageable else [],
            "without": [r["estate"] for r in rows if r["arrangement"] is None],
            "today": timezone.localdate(),
        },
    )


def _date_field(request, name: str, label) -> dt.date | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise error("bad_date", field=label) from None


@login_required
@require_POST
def inspections_plan(request):
    from django.contrib import messages

    from .courtyards import inspections_plan as plan

    done = plan(
        estate_ids=[x for x in request.POST.getlist("estate") if x.isdigit()],
        items=request.POST.getlist("item"),
        due=_date_field(request, "due", _("应巡查日期")),
        by=request.user,
    )
    messages.success(request, _("已安排%(n)d个院落的巡查。") % {"n": len(done)})
    return HttpResponseRedirect(reverse("visits:courtyards"))


@login_required
@require_POST
def arrangement_create(request):
    from django.contrib import messages

    from gongzhi.organizations.models import Organization
    from gongzhi.registry.models import Estate

    from .courtyards import arrangement_record

    estate_id = request.POST.get("estate") or ""
    estate = Estate.objects.filter(pk=int(estate_id)).first() if estate_id.isdigit() else None
    if estate is None:
        raise error("no_courtyards")
    org_id = request.POST.get("organization") or ""
    organization = Organization.objects.filter(pk=int(org_id)).first() if org_id.isdigit() else None
    if org_id and organization is None:
        raise error("provider_required")
    arrangement_record(
        estate=estate,
        by=request.user,
        organization=organization,
        provider_name=request.POST.get("provider_name", ""),
        services=request.POST.getlist("service"),
        fee=request.POST.get("fee", ""),
        starts_on=_date_field(request, "starts_on", _("开始日期")),
        ends_on=_date_field(request, "ends_on", _("结束日期")),
    )
    messages.success(request, _("已记录“%(estate)s”的准物业安排。") % {"estate": estate.name})
    return HttpResponseRedirect(reverse("visits:courtyards"))


@login_required
@require_POST
def inspection_record(request, pk: int):
    from .courtyards import inspection_record as record
    from .models import CourtyardInspection

    inspection = CourtyardInspection.objects.filter(pk=pk).first()
    if inspection is None or not request.user.has_perm(rules.RECORD, inspection):
        raise NotFound()
    record(
        inspection=inspection,
        by=request.user,
        note=request.POST.get("note", ""),
        item=request.POST.get("item", ""),
        description=request.POST.get("description", ""),
        photo=request.FILES.get("photo"),
    )
    return HttpResponseRedirect(reverse("visits:courtyards"))


@login_required
@require_POST
def finding_resolve(request, pk: int):
    from .courtyards import finding_resolve as resolve
    from .models import Finding

    finding = Finding.objects.filter(pk=pk).first()
    if finding is None:
        raise NotFound()
    resolve(finding=finding, by=request.user)
    return HttpResponseRedirect(reverse("visits:courtyards"))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(body: bytes, name: str):
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def ledger_export(request):
    from .exports import ledger_xlsx

    require(request.user, rules.VIEW)
    return _xlsx(ledger_xlsx(user=request.user), f"民情工作台帐-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def diary_export(request):
    from .exports import diary_xlsx

    require(request.user, rules.VIEW)
    month = _month(request)
    return _xlsx(diary_xlsx(user=request.user, month=month), f"社工走访日记-{month:%Y%m}.xlsx")
