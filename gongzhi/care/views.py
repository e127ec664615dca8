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
from .models import MealEnrolment, ServiceRecord


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
