"""The booking workflow, declared once (core.guard): services require, pages and the API list."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from .errors import error
from .models import BookingStatus
from .rules import BOOK, MANAGE_SPACES


def _own_or_staff(booking, user, now):
    if booking.booked_by_id == user.pk or user.has_perm(MANAGE_SPACES, booking):
        return None
    return error("not_your_booking")


def _not_started(booking, user, now):
    return error("already_started") if booking.starts_at <= now else None


def _check_in_window(booking, user, now):
    if booking.starts_at - dt.timedelta(minutes=30) <= now < booking.ends_at:
        return None
    return error("check_in_window")


def _late_enough(booking, user, now):
    return None if now >= booking.starts_at + dt.timedelta(minutes=15) else error("no_show_too_early")


def _not_block(booking, user, now):
    return (
        error("wrong_status", status=booking.get_booker_kind_display())
        if booking.booker_kind == "block"
        else None
    )


_OPEN = (BookingStatus.PENDING, BookingStatus.CONFIRMED)

WORKFLOW = Workflow(
    {
        "approve": Step(
            _("批准"), (BookingStatus.PENDING,), BookingStatus.CONFIRMED, MANAGE_SPACES, (_not_started,)
        ),
        "reject": Step(_("不批准"), (BookingStatus.PENDING,), BookingStatus.REJECTED, MANAGE_SPACES),
        "cancel": Step(_("取消"), _OPEN, BookingStatus.CANCELLED, BOOK, (_own_or_staff, _not_started)),
        "check_in": Step(
            _("签到"),
            (BookingStatus.CONFIRMED,),
            BookingStatus.CHECKED_IN,
            MANAGE_SPACES,
            (_not_block, _check_in_window),
        ),
        "no_show": Step(
            _("未到场"),
            (BookingStatus.CONFIRMED,),
            BookingStatus.NO_SHOW,
            MANAGE_SPACES,
            (_not_block, _late_enough),
        ),
    },
    wrong_state=lambda b, step: error("wrong_status", status=b.get_status_display()),
    state_attr="status",
)
