"""Open311 GeoReport v2 endpoints: every resource in .json and .xml.

Errors are a list [{"code": HTTP status, "description": …}] (XML: errors/error) with the
specification's statuses: 400 bad or missing parameter, 403 bad api_key, 404 unknown
jurisdiction, service or request.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region, RegionLevel

from ..models import Category, Demand, DemandEvent, DemandState, HandlingLevel, HandlingUnit
from . import serializers, xml
from .auth import open311_key_user
from .intake import Open311Error, open311_request_create

CHANGESET = "2026-11-22T00:00:00+08:00"  # when this interface last changed shape
MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000
_JSON = "application/json; charset=utf-8"
_XML = "text/xml; charset=utf-8"


def respond(fmt: str, data, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(xml.render(root, data, item), content_type=_XML, status=status)
    return JsonResponse(
        data, safe=False, status=status, content_type=_JSON, json_dumps_params={"ensure_ascii": False}
    )


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(
        fmt, [{"code": status, "description": str(description)}], root="errors", item="error", status=status
    )


def open311_view(view):
    """Turn Open311Error / ApplicationError into the specification's error list."""

    @wraps(view)
    def wrapper(request, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, exc.status, exc.description)
        except ApplicationError as exc:
            status = exc.status if exc.status in (400, 403, 404) else 400
            return error_response(fmt, status, str(exc.message))

    return csrf_exempt(wrapper)


# --- jurisdiction and api key ---------------------------------------------------------------


def served_jurisdictions() -> list[str]:
    """District codes served: settings.GONGZHI_OPEN311_JURISDICTIONS, else every district with a handling unit."""
    configured = getattr(settings, "GONGZHI_OPEN311_JURISDICTIONS", None)
    if configured:
        return list(configured)
    return list(
        HandlingUnit.objects.filter(kind=HandlingLevel.DISTRICT, active=True)
        .order_by("region_id")
        .values_list("region_id", flat=True)
    )


def jurisdiction(request) -> str:
    """The district code asked for (jurisdiction_id); optional only when one district is served."""
    served = served_jurisdictions()
    code = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if not code:
        if len(served) == 1:
            return served[0]
        raise Open311Error(400, _("请提供 jurisdiction_id（区县的6位区划代码）。"))
    if code not in served:
        raise Open311Error(404, _("辖区 jurisdiction_id=%(code)s 不存在或未开通。") % {"code": code})
    return code


def key_user(request, *, required: bool):
    key = request.POST.get("api_key") or request.GET.get("api_key")
    if not key:
        if required:
            raise Open311Error(403, _("缺少 api_key。"))
        return None
    user = open311_key_user(key)
    if user is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    return user


def _communities(code: str) -> list[tuple[str, str]]:
    regions = Region.objects.filter(code__startswith=code, level=RegionLevel.COMMUNITY).order_by("code")
    return [(r.code, r.short_name) for r in regions]


def _leaf_services():
    return Category.objects.filter(active=True, parent__isnull=False, parent__active=True).select_related(
        "parent"
    )


# --- discovery ------------------------------------------------------------------------------


@require_http_methods(["GET"])
@open311_view
def discovery(request, *, fmt: str):
    body = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "GONGZHI_OPEN311_CONTACT", "") or _("请联系区12345热线管理部门。"),
        "key_service": _(
            "向平台管理员申请接口账号与 api_key（gongzhi tokens create 用户名 --name open311）。"
        ),
        "endpoints": [
            {
                "specification": serializers.SPECIFICATION,
                "url": request.build_absolute_uri(reverse("open311:root")),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, body, root="discovery")


# --- services -------------------------------------------------------------------------------


@require_http_methods(["GET"])
@open311_view
def services(request, *, fmt: str):
    jurisdiction(request)
    return respond(fmt, [serializers.service(c) for c in _leaf_services()], root="services", item="service")


@require_http_methods(["GET"])
@open311_view
def service_definition(request, service_code: str, *, fmt: str):
    code = jurisdiction(request)
    category = _leaf_services().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, _("服务代码 %(code)s 不存在。") % {"code": service_code})
    return respond(
        fmt, serializers.service_definition(category, _communities(code)), root="service_definition"
    )


# --- requests -------------------------------------------------------------------------------


def _parse_when(raw: str, name: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    value = None
    try:
        value = parse_datetime(raw.replace(" ", "+", 1) if raw.count(" ") == 1 and "T" in raw else raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("参数 %(name)s 不是有效的日期时间（W3C 格式，如 2026-03-10T09:00:00+08:00）。")
            % {"name": name},
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _requests_queryset(code: str, *, full: bool):
    qs = Demand.objects.filter(community__code__startswith=code).select_related(
        "category", "category__parent", "unit", "community", "estate", "building"
    )
    return qs.prefetch_related("photos") if full else qs


@open311_view
def requests_(request, *, fmt: str):
    if request.method == "POST":
        return _requests_post(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, _("不支持的请求方法。"))
    code = jurisdiction(request)
    user = key_user(request, required=False)
    qs = _requests_queryset(code, full=user is not None)
    ids = (request.GET.get("service_request_id") or "").strip()
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not all(i.isdigit() for i in wanted):
            raise Open311Error(400, _("service_request_id 应为以逗号分隔的编号。"))
        qs = qs.filter(pk__in=[int(i) for i in wanted[:MAX_RESULTS]])
    else:
        service_codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
        if service_codes:
            wanted_q = Q(category__code__in=service_codes)
            if serializers.UNCLASSIFIED in service_codes:
                wanted_q |= Q(category__isnull=True)
            qs = qs.filter(wanted_q)
        start = _parse_when(request.GET.get("start_date"), "start_date")
        end = _parse_when(request.GET.get("end_date"), "end_date")
        if start and end and start > end:
            raise Open311Error(400, _("start_date 不能晚于 end_date。"))
        if start and end and end - start > MAX_SPAN:
            raise Open311Error(400, _("查询时间跨度不能超过90天。"))
        if end is None:
            end = start + MAX_SPAN if start else clock.now()
        if start is None:
            start = end - MAX_SPAN
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        statuses = {s.strip().lower() for s in (request.GET.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        if statuses == {"open"}:
            qs = qs.exclude(state=DemandState.CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(state=DemandState.CLOSED)
    rows = [
        serializers.service_request(d, user=user, request=request)
        for d in qs.order_by("-created_at", "-id")[:MAX_RESULTS]
    ]
    return respond(fmt, rows, root="service_requests", item="request")


def _requests_post(request, fmt: str) -> HttpResponse:
    code = jurisdiction(request)
    user = key_user(request, required=True)
    demand = open311_request_create(user=user, jurisdiction=code, data=request.POST)
    body = [
        {
            "service_request_id": str(demand.pk),
            "token": demand.tracking_code,
            "service_notice": _("已受理，查询码 %(code)s；办理时限按“%(limit)s”计算。")
            % {"code": demand.tracking_code, "limit": demand.get_time_limit_display()},
        }
    ]
    return respond(fmt, body, root="service_requests", item="request")


@require_http_methods(["GET"])
@open311_view
def request_detail(request, service_request_id: str, *, fmt: str):
    code = jurisdiction(request)
    user = key_user(request, required=False)
    demand = None
    if service_request_id.isdigit():
        demand = _requests_queryset(code, full=user is not None).filter(pk=int(service_request_id)).first()
    if demand is None:
        raise Open311Error(404, _("诉求 %(id)s 不存在。") % {"id": service_request_id})
    return respond(
        fmt,
        [serializers.service_request(demand, user=user, request=request)],
        root="service_requests",
        item="request",
    )


@require_http_methods(["GET"])
@open311_view
def token(request, token_id: str, *, fmt: str):
    code = jurisdiction(request)
    demand = Demand.objects.filter(
        tracking_code=token_id.strip().upper(), community__code__startswith=code
    ).first()
    if demand is None:
        raise Open311Error(404, _("查询码 %(token)s 不存在。") % {"token": token_id})
    body = [{"service_request_id": str(demand.pk), "token": demand.tracking_code}]
    return respond(fmt, body, root="service_requests", item="request")


@require_http_methods(["GET"])
@open311_view
def request_updates(request, *, fmt: str):
    """mySociety's servicerequestupdates extension: the public timeline steps in a period."""
    code = jurisdiction(request)
    user = key_user(request, required=False)
    start = _parse_when(request.GET.get("start_date"), "start_date")
    end = _parse_when(request.GET.get("end_date"), "end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    end = end or (start + MAX_SPAN if start else clock.now())
    start = start or end - MAX_SPAN
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("查询时间跨度不能超过90天。"))
    events = (
        DemandEvent.objects.filter(community__code__startswith=code, public=True, at__gte=start, at__lte=end)
        .select_related("demand")
        .order_by("at", "id")[:MAX_RESULTS]
    )
    rows = [serializers.request_update(e, user=user) for e in events]
    return respond(fmt, rows, root="service_request_updates", item="request_update")


@require_http_methods(["GET"])
def root(request):
    """The base URL of the endpoint: points to the discovery document."""
    return JsonResponse(
        {
            "specification": serializers.SPECIFICATION,
            "discovery": request.build_absolute_uri(reverse("open311:discovery", args=["json"])),
        },
        json_dumps_params={"ensure_ascii": False},
    )
