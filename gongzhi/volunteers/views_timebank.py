"""The time bank page (phone-first): balance and statement, offers and requests across the district,
services to confirm, gifts to family and donations to the community pool."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require
from gongzhi.registry.selectors import household_members, person_get, person_of_user

from . import rules
from . import timebank as tb
from .models import TimePost


def _me(request):
    require(request.user, rules.JOIN)
    person = person_of_user(user=request.user)
    if person is None:
        raise ApplicationError("no_person", _("您的账号还没有关联居民登记信息，请到社区办理实名登记。"))
    return person


def time_family(person) -> list:
    """The household members the person may give hours to (spouse, parent aged 60 or over)."""
    membership = getattr(person, "membership", None)
    if membership is None:
        return []
    others = [m.person for m in household_members(household=membership.household) if m.person_id != person.pk]
    return [p for p in others if tb.is_gift_allowed(person, p)]


@login_required
def timebank(request):
    person = _me(request)
    account = tb.time_account(person)
    return render(
        request,
        "volunteers/timebank.html",
        {
            "person": person,
            "account": account,
            "statement": tb.time_statement(account=account)[:20],
            "posts": tb.time_posts(person=person)[:30],
            "to_confirm": tb.time_services_to_confirm(person=person),
            "mine": tb.time_services_given(person=person)[:10],
            "family": time_family(person),
            "kinds": TimePost.Kind.choices,
            "today": timezone.localdate(clock.now()),
        },
    )


@login_required
@require_POST
def post_create(request):
    person = _me(request)
    tb.timepost_create(
        person=person, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""), by=request.user
    )
    messages.success(request, _("已发布。"))
    return redirect("volunteers:timebank")


@login_required
@require_POST
def service_record(request, pk: int):
    """I served the author of a request (or the one who took up my offer): record it for them to confirm."""
    person = _me(request)
    post = tb.time_posts(person=person).filter(pk=pk).first()
    if post is None:
        raise NotFound()
    try:
        served_on = dt.date.fromisoformat(request.POST.get("served_on", ""))
    except ValueError:
        raise ApplicationError("bad_date", _("服务日期格式不正确。")) from None
    tb.timeservice_record(
        provider=person,
        served=post.person,
        hours=request.POST.get("hours", ""),
        served_on=served_on,
        description=post.title,
        post=post,
        by=request.user,
    )
    messages.success(request, _("已记录，等待对方确认。"))
    return redirect("volunteers:timebank")


@login_required
@require_POST
def service_confirm(request, pk: int):
    person = _me(request)
    service = tb.time_services_to_confirm(person=person).filter(pk=pk).first()
    if service is None:
        raise NotFound()
    tb.timeservice_confirm(service=service, by=request.user)
    messages.success(request, _("已确认，时长已转入对方账户。"))
    return redirect("volunteers:timebank")


@login_required
@require_POST
def gift(request):
    person = _me(request)
    membership = getattr(person, "membership", None)
    family = (
        {m.person_id: m.person for m in household_members(household=membership.household)}
        if membership
        else {}
    )
    try:
        recipient = family.get(int(request.POST.get("recipient", "")))
    except ValueError:
        recipient = None
    if recipient is None:
        raise ApplicationError("not_family", tb.MESSAGES["not_family"])
    tb.time_gift(giver=person, recipient=recipient, hours=request.POST.get("hours", ""), by=request.user)
    messages.success(request, _("已赠与。"))
    return redirect("volunteers:timebank")


@login_required
@require_POST
def donate(request):
    person = _me(request)
    tb.time_donate(giver=person, hours=request.POST.get("hours", ""), by=request.user)
    messages.success(request, _("已捐入社区时间池，用于服务无人照料的老人。"))
    return redirect("volunteers:timebank")


@login_required
def office(request):
    """Staff: pool-paid services to elderly people without family waiting for confirmation, paper
    cheques entered at the office (TimeOverflow's office entry), and the accounts of their
    communities."""
    require(request.user, rules.MANAGE)
    if request.method == "POST":
        try:
            provider = person_get(user=request.user, pk=int(request.POST.get("provider", "")))
            served = person_get(user=request.user, pk=int(request.POST.get("served", "")))
            served_on = dt.date.fromisoformat(request.POST.get("served_on", ""))
        except ValueError:
            raise ApplicationError(
                "bad_date", _("请填写服务提供者、被服务者的居民编号和服务日期。")
            ) from None
        tb.timeservice_record(
            provider=provider,
            served=served,
            hours=request.POST.get("hours", ""),
            description=request.POST.get("description", ""),
            served_on=served_on,
            from_pool=bool(request.POST.get("from_pool")),
            by=request.user,
        )
        messages.success(request, _("纸质服务单已录入，等待确认。"))
        return redirect("volunteers:timebank_office")
    page = Paginator(tb.time_accounts(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/timebank_office.html",
        {
            "pending": tb.time_pool_services_pending(user=request.user)[:50],
            "page": page,
            "today": timezone.localdate(clock.now()),
        },
    )


@login_required
@require_POST
def office_confirm(request, pk: int):
    require(request.user, rules.MANAGE)
    service = tb.time_pool_services_pending(user=request.user).filter(pk=pk).first()
    if service is None:
        raise NotFound()
    tb.timeservice_confirm(service=service, by=request.user)
    messages.success(request, _("已确认，时长已由社区时间池转入服务者账户。"))
    return redirect("volunteers:timebank_office")


urlpatterns = [
    path("timebank/", timebank, name="timebank"),
    path("timebank/office/", office, name="timebank_office"),
    path("timebank/office/<int:pk>/confirm/", office_confirm, name="timebank_office_confirm"),
    path("timebank/posts/", post_create, name="timepost_create"),
    path("timebank/posts/<int:pk>/served/", service_record, name="timeservice_record"),
    path("timebank/services/<int:pk>/confirm/", service_confirm, name="timeservice_confirm"),
    path("timebank/gift/", gift, name="time_gift"),
    path("timebank/donate/", donate, name="time_donate"),
]
