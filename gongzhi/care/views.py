"""Pages of elderly care (thin)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.permissions import require
from gongzhi.core.pii import mask_name

from . import rules, selectors, services
from .errors import error
from .models import WEEKDAYS, CareLevel, CareProfile, MealEnrolment, MealPoint, ServiceRecord

PROVIDER_KINDS = ("social_org", "community_social_org", "resident_unit")


@login_required
def index(request):
    require(request.user, rules.VIEW)
    return render(
        request,
        "care/index.html",
        {
            "rows": selectors.profile_rows(user=request.user),
            "pending": selectors.calls(user=request.user, pending=True)[:20],
        },
    )


@login_required
def calls(request):
    require(request.user, rules.VIEW)
    return render(request, "care/calls.html", {"calls": selectors.calls(user=request.user)[:200]})


@login_required
@require_POST
def call_answer(request, pk: int):
    call = selectors.call_get(user=request.user, pk=pk)
    services.call_answer(
        call=call, by=request.user, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", "")
    )
    return HttpResponseRedirect(reverse("care:calls"))


@login_required
def meals(request):
    require(request.user, rules.SERVE)
    return render(
        request,
        "care/meals.html",
        {
            "rows": selectors.meals_today(user=request.user),
            "today": timezone.localdate(),
            "can_enrol": request.user.has_perm(rules.MANAGE),
        },
    )


@login_required
@require_POST
def meal_log(request, pk: int):
    e = MealEnrolment.objects.filter(pk=pk).first()
    if e is None or not request.user.has_perm(rules.SERVE, e):
        raise NotFound()
    services.meal_log(enrolment=e, by=request.user)
    return HttpResponseRedirect(reverse("care:meals"))


@login_required
def orders(request):
    if not (request.user.has_perm(rules.VIEW) or request.user.has_perm(rules.SERVE)):
        raise PermissionDenied()
    month = timezone.localdate().replace(day=1)
    return render(
        request,
        "care/orders.html",
        {
            "orders": [
                {"o": o, "elder": mask_name(o.profile.person.name)}
                for o in selectors.orders(user=request.user).order_by("-starts_on", "-pk")[:200]
            ],
            "can_confirm": bool(services.provider_ids(request.user)) or request.user.has_perm(rules.MANAGE),
            "records": selectors.records(user=request.user)[:100],
            "statement": selectors.monthly_statement(user=request.user, month=month),
            "month": month,
        },
    )


@login_required
@require_POST
def record_confirm(request, pk: int):
    r = ServiceRecord.objects.filter(pk=pk, order__in=selectors.orders(user=request.user)).first()
    if r is None:
        raise NotFound()
    services.record_confirm(record=r, by=request.user, confirmer=request.POST.get("confirmer", ""))
    return HttpResponseRedirect(reverse("care:order", args=[r.order_id]))


@login_required
def order(request, pk: int):
    """One service order: the elder, the entitlement, this month's hours, its records (confirmed
    at the door) and, for the provider's staff, the form to record a service delivered."""
    o = selectors.order_get(user=request.user, pk=pk)
    month = timezone.localdate().replace(day=1)
    lines = [
        line
        for row in selectors.monthly_statement(user=request.user, month=month, order=o)
        for line in row["lines"]
    ]
    return render(
        request,
        "care/order.html",
        {
            "o": o,
            "elder": mask_name(o.profile.person.name),
            "line": lines[0] if lines else None,
            "month": month,
            "records": o.records.all()[:100],
            "may_record": selectors.may_record(user=request.user, order=o),
            "may_set_rate": request.user.has_perm(rules.MANAGE, o),
            "now_input": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


@login_required
@require_POST
def record_add(request, pk: int):
    o = selectors.order_get(user=request.user, pk=pk)
    services.record_add(
        order=o,
        by=request.user,
        at=_datetime(request.POST.get("at")),
        minutes=_int(request.POST.get("minutes")),
        content=request.POST.get("content", ""),
    )
    messages.success(request, _("已登记服务记录，请老人或家属确认。"))
    return HttpResponseRedirect(reverse("care:order", args=[o.pk]))


@login_required
def statement(request):
    """The month's statement per provider (selectors.monthly_statement)."""
    if not (request.user.has_perm(rules.VIEW) or request.user.has_perm(rules.SERVE)):
        raise PermissionDenied()
    month = _month(request.GET.get("month"))
    rows = selectors.monthly_statement(user=request.user, month=month)
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "care/statement.html",
        {
            "rows": rows,
            "month": month,
            "prev": prev.strftime("%Y-%m"),
            "next": nxt.strftime("%Y-%m") if nxt <= timezone.localdate() else "",
        },
    )


# ---- care profile page -------------------------------------------------------------------------


@login_required
def profile(request, pk: int):
    require(request.user, rules.VIEW)
    p = selectors.profile_get(user=request.user, pk=pk)
    return render(
        request,
        "care/profile.html",
        {
            "p": p,
            "card": selectors.profile_card(user=request.user, profile=p),
            "can_manage": request.user.has_perm(rules.MANAGE, p),
            "levels": CareLevel.choices,
            "assessed_input": p.assessed_on.isoformat() if p.assessed_on else "",
            "points": selectors.meal_points(user=request.user).filter(community_id=p.community_id),
        },
    )


def _managed_profile(request, pk: int) -> CareProfile:
    p = CareProfile.objects.filter(pk=pk).first()
    if p is None or not request.user.has_perm(rules.MANAGE, p):
        raise NotFound()
    return p


def _back(p: CareProfile):
    return HttpResponseRedirect(reverse("care:profile", args=[p.pk]))


@login_required
@require_POST
def profile_update(request, pk: int):
    p = _managed_profile(request, pk)
    services.profile_update(
        profile=p,
        by=request.user,
        living_alone=_checked(request.POST.get("living_alone")),
        care_level=_int(request.POST.get("care_level")),
        assessed_on=_date(request.POST.get("assessed_on")),
    )
    messages.success(request, _("已保存照护档案。"))
    return _back(p)


@login_required
@require_POST
def contact_add(request, pk: int):
    p = _managed_profile(request, pk)
    services.contact_add(
        profile=p,
        by=request.user,
        name=request.POST.get("name", ""),
        phone=request.POST.get("phone", ""),
        relation=request.POST.get("relation", ""),
        consent=_checked(request.POST.get("consent")),
        consent_by=request.POST.get("consent_by", ""),
    )
    messages.success(request, _("已登记紧急联系人。"))
    return _back(p)


@login_required
@require_POST
def contact_remove(request, pk: int):
    c = selectors.contact_get(user=request.user, pk=pk)
    profile = c.profile
    services.contact_remove(contact=c, by=request.user)
    messages.success(request, _("已删除紧急联系人及其电话。"))
    return _back(profile)


@login_required
@require_POST
def device_install(request, pk: int):
    p = _managed_profile(request, pk)
    services.device_install(profile=p, serial=request.POST.get("serial", ""), by=request.user)
    messages.success(request, _("已登记一键通设备。"))
    return _back(p)


@login_required
@require_POST
def device_deactivate(request, pk: int):
    d = selectors.device_get(user=request.user, pk=pk)
    services.device_deactivate(device=d, by=request.user)
    messages.success(request, _("已停用该一键通设备。"))
    return _back(d.profile)


# ---- meal enrolment ----------------------------------------------------------------------------


@login_required
def enrolments(request):
    require(request.user, rules.VIEW)
    can_manage = request.user.has_perm(rules.MANAGE)
    return render(
        request,
        "care/enrolments.html",
        {
            "rows": selectors.enrolment_rows(user=request.user),
            "ended": selectors.enrolment_rows(user=request.user, ended=True, limit=50),
            "can_manage": can_manage,
            "profiles": selectors.unenrolled_profiles(user=request.user) if can_manage else [],
            "points": selectors.meal_points(user=request.user, perm=rules.MANAGE) if can_manage else [],
        },
    )


@login_required
@require_POST
def enrolment_create(request):
    if _int(request.POST.get("profile")) < 0:
        raise error("profile_required")
    p = _managed_profile(request, _int(request.POST.get("profile")))
    point = MealPoint.objects.filter(pk=_int(request.POST.get("point"))).first()
    if point is None:
        raise error("bad_point")
    e = services.meal_enrol(profile=p, point=point, by=request.user)
    messages.success(request, _("已登记助餐，每餐补贴%(n)s元。") % {"n": e.subsidy})
    return HttpResponseRedirect(_next(request) or reverse("care:enrolments"))


@login_required
@require_POST
def enrolment_end(request, pk: int):
    e = selectors.enrolment_get(user=request.user, pk=pk)
    services.meal_end(enrolment=e, by=request.user)
    messages.success(request, _("已结束助餐登记。"))
    return HttpResponseRedirect(_next(request) or reverse("care:enrolments"))


# ---- meal points (助餐点) ----------------------------------------------------------------------


@login_required
def meal_points(request):
    require(request.user, rules.VIEW)
    communities = selectors.managed_communities(user=request.user)
    return render(
        request,
        "care/meal_points.html",
        {
            "points": selectors.meal_points(user=request.user).select_related("operator", "community"),
            "communities": communities,
            "operators": selectors.operator_choices(communities=communities),
            "weekdays": WEEKDAYS,
            "form": {"opening_days": "12345"},
        },
    )


def _point_fields(request) -> dict:
    from gongzhi.organizations.models import Organization

    operator_id = _int(request.POST.get("operator"))
    operator = Organization.objects.filter(pk=operator_id).first() if operator_id > 0 else None
    if request.POST.get("operator") and operator is None:
        raise error("bad_operator")
    return {
        "name": request.POST.get("name", ""),
        "address": request.POST.get("address", ""),
        "operator": operator,
        "capacity": _int(request.POST.get("capacity")),
        "opening_days": request.POST.getlist("day"),
    }


@login_required
@require_POST
def meal_point_create(request):
    from gongzhi.core.models import Region

    require(request.user, rules.MANAGE)
    community = Region.objects.filter(code=(request.POST.get("community") or "").strip()).first()
    p = services.meal_point_save(by=request.user, community=community, **_point_fields(request))
    messages.success(request, _("已设立助餐点“%(name)s”。") % {"name": p.name})
    return HttpResponseRedirect(reverse("care:meal_points"))


@login_required
def meal_point_edit(request, pk: int):
    point = selectors.meal_point_get(user=request.user, pk=pk, perm=rules.MANAGE)
    if request.method == "POST":
        services.meal_point_save(by=request.user, point=point, **_point_fields(request))
        messages.success(request, _("已保存助餐点“%(name)s”。") % {"name": point.name})
        return HttpResponseRedirect(reverse("care:meal_points"))
    return render(
        request,
        "care/meal_point_edit.html",
        {
            "point": point,
            "operators": selectors.operator_choices(communities=[point.community]),
            "weekdays": WEEKDAYS,
        },
    )


@login_required
@require_POST
def order_rate(request, pk: int):
    o = selectors.order_get(user=request.user, pk=pk)
    services.order_rate_set(order=o, rate=request.POST.get("hourly_rate", ""), by=request.user)
    messages.success(request, _("已将每小时单价定为%(rate)s元。") % {"rate": o.hourly_rate})
    return HttpResponseRedirect(reverse("care:order", args=[o.pk]))


def _next(request) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


@login_required
def eligibility(request):
    """Who the rules entitle to purchased home care, why, for how many hours, and whether they have
    an order; the community staff create the care profile or place the order from here."""
    from django.core.paginator import Paginator

    from gongzhi.core.scoping import scope_prefixes
    from gongzhi.organizations.models import Organization

    require(request.user, rules.VIEW)
    figure = selectors.purchased_care_eligible(user=request.user)
    page = Paginator(figure.records, 50).get_page(request.GET.get("page"))
    can_manage = bool(scope_prefixes(request.user, rules.MANAGE))
    providers = []
    if can_manage:
        from django.db.models import Q

        q = Q()
        for district in {p[:6] for p in scope_prefixes(request.user, rules.MANAGE)}:
            q |= Q(region__code__startswith=district)
        providers = list(Organization.objects.filter(q, kind__in=PROVIDER_KINDS).order_by("name")[:100])
    return render(
        request,
        "care/eligibility.html",
        {
            "figure": figure,
            "page": page,
            "can_manage": can_manage,
            "providers": providers,
            "covered": sum(1 for r in figure.records if r[5]),
        },
    )


@login_required
@require_POST
def profile_create(request):
    from gongzhi.registry.models import Person, PersonTag

    person = Person.objects.filter(pk=_int(request.POST.get("person"))).first()
    if person is None or not request.user.has_perm(rules.MANAGE, person):
        raise NotFound()
    alone = PersonTag.objects.filter(person=person, kind="elderly_alone").exists()
    services.profile_create(person=person, by=request.user, living_alone=alone)
    return HttpResponseRedirect(reverse("care:eligibility"))


@login_required
@require_POST
def order_create(request):
    from gongzhi.organizations.models import Organization

    profile = CareProfile.objects.filter(pk=_int(request.POST.get("profile"))).first()
    if profile is None or not request.user.has_perm(rules.MANAGE, profile):
        raise NotFound()
    provider = Organization.objects.filter(
        pk=_int(request.POST.get("provider")), kind__in=PROVIDER_KINDS
    ).first()
    if provider is None:
        raise error("not_provider")
    services.order_create(
        profile=profile,
        provider=provider,
        hours_per_month=_int(request.POST.get("hours")),
        hourly_rate=(request.POST.get("hourly_rate") or "").strip() or None,
        by=request.user,
    )
    return HttpResponseRedirect(reverse("care:eligibility"))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _checked(value) -> bool:
    return value in ("1", "on", "true")


def _date(value) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise error("bad_date") from None


def _datetime(value) -> dt.datetime | None:
    """A datetime-local input (local time); empty: now."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise error("bad_date") from None
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _month(value) -> dt.date:
    """?month=YYYY-MM from 2000 to this month; anything else (or nothing) is this month."""
    this_month = timezone.localdate().replace(day=1)
    try:
        month = dt.datetime.strptime((value or "").strip(), "%Y-%m").date()
    except ValueError:
        return this_month
    return month if dt.date(2000, 1, 1) <= month <= this_month else this_month
