"""Pages of elderly care (thin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.permissions import require

from . import rules, selectors, services
from .errors import error
from .models import CareProfile, MealEnrolment, ServiceRecord

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
        {"rows": selectors.meals_today(user=request.user), "today": timezone.localdate()},
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
            "orders": selectors.orders(user=request.user)[:200],
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
    return HttpResponseRedirect(reverse("care:orders"))


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
        profile=profile, provider=provider, hours_per_month=_int(request.POST.get("hours")), by=request.user
    )
    return HttpResponseRedirect(reverse("care:eligibility"))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
