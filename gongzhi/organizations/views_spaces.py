"""Pages of shared spaces and bookings (thin: parse, selector or service, template)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.permissions import require

from . import bookings, selectors
from .errors import error
from .models import BookingSeries, SpaceKind
from .rules import BOOK, MANAGE_SPACES
from .workflow import WORKFLOW


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def parse_period(data) -> tuple[dt.datetime, int, int, int]:
    """(start, slots, weeks, attendees) from a booking form: date, start (HH:MM), slots, weeks."""
    try:
        day = dt.date.fromisoformat(data.get("date", ""))
        start_time = dt.time.fromisoformat(data.get("start", ""))
        slots = int(data.get("slots") or 1)
        weeks = int(data.get("weeks") or 1)
        attendees = int(data.get("attendees") or 1)
    except ValueError:
        raise error("time_invalid") from None
    if not 1 <= slots <= 24 or not 1 <= weeks <= bookings.MAX_SERIES_WEEKS or not 0 <= attendees <= 100000:
        raise error("time_invalid")
    starts = dt.datetime.combine(day, start_time, tzinfo=timezone.get_current_timezone())
    return starts, slots, weeks, attendees


def _book_or_manage(user) -> None:
    """Bookings pages: for those who book, and for those who manage spaces (a unit contact
    manages only their unit's, and books none)."""
    if not (user.has_perm(BOOK) or user.has_perm(MANAGE_SPACES)):
        raise PermissionDenied()


@login_required
@require_GET
def space_list(request):
    require(request.user, BOOK)
    today = timezone.localdate(clock.now())
    day = _date(request.GET.get("date", ""), today)
    days = request.GET.get("days", "1")
    days = min(max(int(days), 1), 7) if days.isdigit() else 1
    kind = request.GET.get("kind", "")
    kind = kind if kind in SpaceKind.values else ""
    results = selectors.availability(
        user=request.user, date_from=day, date_to=day + dt.timedelta(days=days - 1), kind=kind
    )
    return render(
        request,
        "organizations/space_list.html",
        {
            "results": results,
            "day": day,
            "days": days,
            "kind": kind,
            "kinds": SpaceKind.choices,
            "can_manage": request.user.has_perm(MANAGE_SPACES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_detail(request, pk: int):
    _book_or_manage(request.user)
    space = selectors.space_get(user=request.user, pk=pk)
    today = timezone.localdate(clock.now())
    if request.method == "POST":
        try:
            starts, slots, weeks, attendees = parse_period(request.POST)
            ends = starts + dt.timedelta(minutes=space.slot_minutes * slots)
            purpose = request.POST.get("purpose", "")
            # One who manages the space but may not book it (a unit contact) only blocks periods.
            block = request.POST.get("block") or not request.user.has_perm(BOOK, space)
            if block and request.user.has_perm(MANAGE_SPACES, space):
                bookings.block_create(
                    by=request.user, space=space, starts_at=starts, ends_at=ends, reason=purpose
                )
                messages.success(request, _("已设置停用时段。"))
            elif weeks > 1:
                series = bookings.series_book(
                    by=request.user,
                    space=space,
                    starts_at=starts,
                    ends_at=ends,
                    weeks=weeks,
                    purpose=purpose,
                    attendees=attendees,
                )
                messages.success(request, _("已提交周期预约，共 %(n)s 次。") % {"n": series.weeks})
            else:
                b = bookings.booking_create(
                    by=request.user,
                    space=space,
                    starts_at=starts,
                    ends_at=ends,
                    purpose=purpose,
                    attendees=attendees,
                )
                if b.fee:
                    messages.success(
                        request,
                        _("预约已提交：%(status)s，费用 %(fee)s 元。")
                        % {"status": b.get_status_display(), "fee": b.fee},
                    )
                else:
                    messages.success(
                        request, _("预约已提交：%(status)s。") % {"status": b.get_status_display()}
                    )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
            return render(
                request, "organizations/space_detail.html", _space_context(request, space, today), status=400
            )
        return redirect("organizations:space_detail", pk=space.pk)
    return render(request, "organizations/space_detail.html", _space_context(request, space, today))


def _space_context(request, space, today) -> dict:
    day = _date(request.GET.get("date", ""), today)
    return {
        "space": space,
        "day": day,
        "free": selectors.availability(user=request.user, date_from=day, date_to=day, space_ids=[space.pk]),
        "week": selectors.space_bookings(space=space, day_from=day),
        "can_manage": request.user.has_perm(MANAGE_SPACES, space),
        "can_book": request.user.has_perm(BOOK, space),
        "can_edit": request.user.has_perm(MANAGE_SPACES, space.community),
        "start": request.GET.get("start", ""),
    }


@login_required
@require_GET
def booking_list(request):
    _book_or_manage(request.user)
    user = request.user
    mine = list(selectors.bookings_mine(user=user)[:100])
    handle = list(selectors.bookings_to_handle(user=user)[:200]) if user.has_perm(MANAGE_SPACES) else []
    now = clock.now()
    for b in mine + handle:
        b.action_names = WORKFLOW.allowed(b, user, now)
        b.actions = [(a, WORKFLOW.steps[a].label) for a in b.action_names]
    return render(
        request,
        "organizations/booking_list.html",
        {"mine": mine, "handle": handle, "can_book": user.has_perm(BOOK)},
    )


@login_required
@require_POST
def booking_act(request, pk: int, action: str):
    _book_or_manage(request.user)
    booking = selectors.booking_get(user=request.user, pk=pk)
    try:
        bookings.booking_act(by=request.user, booking=booking, action=action)
        messages.success(request, _("已完成：%(step)s。") % {"step": WORKFLOW.steps[action].label})
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect("organizations:booking_list")


@login_required
@require_POST
def series_cancel(request, pk: int):
    _book_or_manage(request.user)
    series = BookingSeries.objects.filter(pk=pk).first()
    # Visible to its booker and the space's managers only (else 404).
    first_pk = series.bookings.values_list("pk", flat=True).first() if series else None
    selectors.booking_get(user=request.user, pk=first_pk or 0)
    assert series is not None  # booking_get raised NotFound otherwise
    try:
        n = bookings.series_cancel(by=request.user, series=series)
        messages.success(request, _("已取消周期预约中尚未开始的 %(n)s 次。") % {"n": n})
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect("organizations:booking_list")
