"""Pages of the volunteers app (thin: parse, call a service or selector, render). Resident pages
are phone-first; every action is a POST that redirects back with a message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_q
from gongzhi.registry.selectors import person_get, person_of_user, person_queryset

from . import points, rules, selectors, services
from .codes import checkin_code, seconds_left
from .errors import error
from .qr import qr_svg


def _communities(user):
    """The communities where `user` may manage volunteers (for pickers)."""
    return Region.objects.filter(scope_q(user, rules.MANAGE, field="code"), level=5).order_by("code")


def _back(request, default: str):
    return HttpResponseRedirect(request.POST.get("next") or default)


def _volunteer_or_none(request):
    return selectors.volunteer_of_user(user=request.user)


@login_required
def home(request):
    """The resident's volunteer page: register, or hours, star level, points and sign-ups."""
    require(request.user, rules.BROWSE)
    volunteer = _volunteer_or_none(request)
    ctx = {"volunteer": volunteer, "can_join": request.user.has_perm(rules.JOIN)}
    if volunteer is not None:
        now = clock.now()
        signups = list(selectors.signups_of(volunteer=volunteer)[:30])
        ctx.update(
            summary=selectors.volunteer_summary(volunteer=volunteer),
            upcoming=[s for s in signups if s.ends_at >= now],
            past=[s for s in signups if s.ends_at < now][:10],
            records=selectors.hour_records(volunteer=volunteer)[:10],
        )
        ctx["reminders"] = selectors.reminders_of(volunteer=volunteer)
    return render(request, "volunteers/home.html", ctx)


@login_required
@require_POST
def register_self(request):
    require(request.user, rules.JOIN)
    person = person_of_user(user=request.user)
    if person is None:
        raise error("no_person")
    services.volunteer_register(
        person=person,
        by=request.user,
        skills=request.POST.get("skills", ""),
        availability=request.POST.get("availability", ""),
    )
    messages.success(request, _("您已注册成为志愿者。"))
    return redirect("volunteers:home")


@login_required
def activity_list(request):
    require(request.user, rules.BROWSE)
    page = Paginator(selectors.activity_list(user=request.user), 20).get_page(request.GET.get("page"))
    for a in page:
        a.shift_rows = list(selectors.activity_shifts(activity=a))
    return render(
        request,
        "volunteers/activity_list.html",
        {"page": page, "can_manage": request.user.has_perm(rules.MANAGE), "now": clock.now()},
    )


@login_required
def activity_detail(request, pk: int):
    activity = selectors.activity_get(user=request.user, pk=pk)
    volunteer = _volunteer_or_none(request)
    mine = {}
    if volunteer is not None:
        mine = {
            s.shift_id: s for s in selectors.signups_of(volunteer=volunteer).filter(shift__activity=activity)
        }
    shifts = list(selectors.activity_shifts(activity=activity))
    can_manage = request.user.has_perm(rules.MANAGE, activity)
    for s in shifts:
        s.mine = mine.get(s.pk)  # type: ignore[attr-defined]
        s.roster = list(selectors.shift_roster(user=request.user, shift=s)) if can_manage else []  # type: ignore[attr-defined]
    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "shifts": shifts,
            "volunteer": volunteer,
            "can_manage": can_manage,
            "can_lead": request.user.has_perm(rules.LEAD, activity),
            "records": activity.hours.select_related("volunteer").order_by("-at")[:30] if can_manage else [],
            "now": clock.now(),
            "today": timezone.localdate(clock.now()),
        },
    )


def _dt(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def activity_new(request):
    require(request.user, rules.MANAGE)
    communities = list(_communities(request.user))
    teams = selectors.team_list(user=request.user)
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        code = request.POST.get("community", "")
        community = next((c for c in communities if c.code == code), None)
        if community is None:
            raise NotFound()
        team = teams.filter(pk=_int(request.POST.get("team"), 0)).first()
        starts, ends = _dt(request.POST.get("starts_at")), _dt(request.POST.get("ends_at"))
        try:
            coefficient = Decimal(request.POST.get("coefficient") or "1")
        except InvalidOperation:
            raise error("bad_coefficient") from None
        activity = services.activity_create(
            community=community,
            title=request.POST.get("title", ""),
            place=request.POST.get("place", ""),
            description=request.POST.get("description", ""),
            serves=request.POST.get("serves", ""),
            team=team,
            coefficient=coefficient,
            needs_background_check=bool(request.POST.get("needs_background_check")),
            shifts=[(starts, ends, _int(request.POST.get("places"), 0))],
            by=request.user,
        )
        messages.success(request, _("活动已发布。"))
        return redirect("volunteers:activity_detail", activity.pk)
    return render(
        request, "volunteers/activity_new.html", {"communities": communities, "teams": teams, "form": form}
    )


@login_required
@require_POST
def shift_add(request, pk: int):
    activity = selectors.activity_get(user=request.user, pk=pk)
    services.shift_add(
        activity=activity,
        starts_at=_dt(request.POST.get("starts_at")),
        ends_at=_dt(request.POST.get("ends_at")),
        places=_int(request.POST.get("places"), 0),
        by=request.user,
    )
    messages.success(request, _("班次已添加。"))
    return redirect("volunteers:activity_detail", activity.pk)


@login_required
@require_POST
def signup(request, pk: int):
    shift = selectors.shift_get(user=request.user, pk=pk)
    volunteer = _volunteer_or_none(request)
    if volunteer is None:
        raise error("not_volunteer")
    s = services.signup_create(shift=shift, volunteer=volunteer, by=request.user)
    if s.status == s.Status.CONFIRMED:
        messages.success(request, _("报名成功。"))
    else:
        messages.info(request, _("名额已满，您已进入候补名单；有人取消时将自动递补。"))
    return redirect("volunteers:activity_detail", shift.activity_id)


@login_required
@require_POST
def signup_cancel(request, pk: int):
    s = selectors.signup_get(user=request.user, pk=pk)
    services.signup_cancel(signup=s, by=request.user)
    messages.success(request, _("已取消报名。"))
    return _back(request, reverse("volunteers:activity_detail", args=[s.shift.activity_id]))


@login_required
def checkin_screen(request, pk: int):
    """The leader's screen: this minute's code for the activity (the page refreshes itself)."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    require(request.user, rules.LEAD, activity, hide=True)
    now = clock.now()
    code = checkin_code(activity.pk, now)
    link = checkin_link(request, activity.pk, code)
    return render(
        request,
        "volunteers/checkin_screen.html",
        {
            "activity": activity,
            "code": code,
            "link": link,
            "qr": qr_svg(link, title=_("签到二维码：用手机扫码签到或签退")),
            "seconds": seconds_left(now),
        },
    )


def checkin_link(request, activity_id: int, code: str) -> str:
    """What the leader's QR code opens on the volunteer's phone: the check-in page, code filled in."""
    return request.build_absolute_uri(reverse("volunteers:checkin", args=[activity_id]) + f"?code={code}")


@login_required
def checkin(request, pk: int):
    """The volunteer's phone: the code from the leader's screen, then check in or check out."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    volunteer = _volunteer_or_none(request)
    if request.method == "POST":
        if volunteer is None:
            raise error("not_volunteer")
        code = request.POST.get("code", "")
        if request.POST.get("action") == "out":
            record = services.checkout_record(
                activity=activity, volunteer=volunteer, code=code, by=request.user
            )
            if record is not None:
                messages.success(request, _("签退成功，记录服务时长 %(h)s 小时。") % {"h": record.hours})
            else:
                messages.info(request, _("签退成功。"))
        else:
            services.checkin_record(activity=activity, volunteer=volunteer, code=code, by=request.user)
            messages.success(request, _("签到成功。"))
        return redirect("volunteers:home")
    return render(
        request,
        "volunteers/checkin.html",
        {"activity": activity, "volunteer": volunteer, "code": request.GET.get("code", "")[:8]},
    )


@login_required
@require_POST
def hours_enter(request, pk: int):
    activity = selectors.activity_get(user=request.user, pk=pk)
    volunteer = selectors.volunteer_get(user=request.user, pk=_int(request.POST.get("volunteer"), 0))
    served_on = parse_date(request.POST.get("served_on") or "")
    if served_on is None:
        raise error("bad_date")
    try:
        hours = Decimal(request.POST.get("hours") or "0")
    except InvalidOperation:
        raise error("bad_hours", cap=services.DAY_CAP) from None
    services.hours_enter(
        volunteer=volunteer,
        activity=activity,
        hours=hours,
        served_on=served_on,
        reason=request.POST.get("reason", ""),
        by=request.user,
    )
    messages.success(request, _("已补录服务时长。"))
    return redirect("volunteers:activity_detail", activity.pk)


@login_required
@require_POST
def hours_correct(request, pk: int):
    record = selectors.hour_record_get(user=request.user, pk=pk)
    try:
        change = Decimal(request.POST.get("change") or "0")
    except InvalidOperation:
        raise error("bad_hours", cap=services.DAY_CAP) from None
    services.hours_correct(
        record=record, change=change, reason=request.POST.get("reason", ""), by=request.user
    )
    messages.success(request, _("已记录更正。"))
    return redirect("volunteers:activity_detail", record.activity_id)


@login_required
def roster(request):
    """Staff: the volunteers of their communities, and walk-in registration."""
    require(request.user, rules.VIEW)
    q = request.GET.get("q", "").strip()[:20]
    page = Paginator(selectors.volunteer_list(user=request.user, q=q), 30).get_page(request.GET.get("page"))
    candidates = []
    if q and request.user.has_perm(rules.MANAGE):
        candidates = list(
            person_queryset(user=request.user)
            .filter(name__startswith=q, volunteer__isnull=True, status="active")
            .order_by("name", "id")[:10]
        )
    return render(
        request,
        "volunteers/roster.html",
        {
            "page": page,
            "q": q,
            "candidates": candidates,
            "teams": selectors.team_list(user=request.user),
            "can_manage": request.user.has_perm(rules.MANAGE),
            "can_certify": request.user.has_perm(rules.CERTIFY),
        },
    )


@login_required
@require_POST
def register_walk_in(request):
    require(request.user, rules.MANAGE)
    person = person_get(user=request.user, pk=_int(request.POST.get("person"), 0))
    team = selectors.team_list(user=request.user).filter(pk=_int(request.POST.get("team"), 0)).first()
    v = services.volunteer_register(
        person=person, by=request.user, skills=request.POST.get("skills", ""), team=team
    )
    messages.success(request, _("已登记志愿者：%(name)s。") % {"name": v.name})
    return redirect("volunteers:roster")


@login_required
def teams(request):
    require(request.user, rules.BROWSE)
    regions = list(_communities(request.user))
    if request.method == "POST":
        code = request.POST.get("community", "")
        community = next((c for c in regions if c.code == code), None)
        if community is None:
            raise NotFound()
        services.team_create(
            community=community,
            name=request.POST.get("name", ""),
            sponsor=request.POST.get("sponsor", ""),
            by=request.user,
        )
        messages.success(request, _("志愿服务队已成立。"))
        return redirect("volunteers:teams")
    return render(
        request,
        "volunteers/teams.html",
        {
            "teams": selectors.team_list(user=request.user),
            "communities": regions,
            "can_manage": request.user.has_perm(rules.MANAGE),
        },
    )


@login_required
def no_shows(request):
    require(request.user, rules.MANAGE)
    return render(request, "volunteers/no_shows.html", {"rows": selectors.no_shows(user=request.user)[:200]})


@login_required
def rewards(request):
    """The points catalogue; a volunteer sees their balance and statement and may redeem."""
    require(request.user, rules.BROWSE)
    volunteer = _volunteer_or_none(request)
    ctx = {"items": selectors.reward_list(user=request.user), "volunteer": volunteer}
    if volunteer is not None:
        ctx.update(
            summary=selectors.volunteer_summary(volunteer=volunteer),
            statement=selectors.point_statement(volunteer=volunteer, limit=20),
            redemptions=selectors.redemptions_of(volunteer=volunteer)[:10],
        )
        ctx["expiring"], ctx["expiring_on"] = points.points_expiring(volunteer=volunteer)
    return render(request, "volunteers/rewards.html", ctx)


@login_required
@require_POST
def redeem(request, pk: int):
    item = selectors.reward_get(user=request.user, pk=pk)
    volunteer = _volunteer_or_none(request)
    if volunteer is None:
        raise error("not_volunteer")
    r = points.reward_redeem(item=item, volunteer=volunteer, by=request.user)
    messages.success(request, _("兑换成功，兑换码 %(code)s，请到社区服务站领取。") % {"code": r.code})
    return redirect("volunteers:rewards")
