"""Shift reminders (班次提醒): before a shift starts, each confirmed volunteer gets one reminder — a
row shown on their phone page, and a message through the platform's message backends
(settings.GONGZHI_NOTIFY_BACKENDS: SMS or e-mail gateways; by default a console backend that logs
with the phone masked). One reminder per sign-up, held by a unique constraint: running the task
again, or twice at once, sends nothing twice. Run `gongzhi volunteers remind` from cron (every 15
minutes, say)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock, pii
from gongzhi.core.outbox import ConsoleBackend, backends  # noqa: F401 - re-exported

from .models import ShiftReminder, SignUp

log = logging.getLogger("gongzhi.volunteers.remind")
AHEAD = dt.timedelta(hours=24)


def reminder_text(signup: SignUp) -> str:
    a = signup.shift.activity
    start = timezone.localtime(signup.starts_at)
    return _(
        "志愿服务提醒：您报名的“%(title)s”将于 %(when)s 在%(place)s开始，请准时扫码签到；不能参加请提前取消报名。"
    ) % {
        "title": a.title[:40],
        "when": start.strftime("%m-%d %H:%M"),
        "place": a.place[:40],
    }


@dataclass(frozen=True)
class RemindResult:
    created: int
    delivered: int
    failed: int


def shifts_remind(*, now: dt.datetime | None = None, ahead: dt.timedelta = AHEAD) -> RemindResult:
    """Remind every confirmed volunteer whose shift starts within `ahead` and who has not been
    reminded. The row is written first (and committed) so a crash between writing and sending
    never sends twice; a failed send is kept on the row with its reason."""
    now = now or clock.now()
    due = (
        SignUp.objects.filter(
            status=SignUp.Status.CONFIRMED,
            starts_at__gt=now,
            starts_at__lte=now + ahead,
            reminder__isnull=True,
        )
        .select_related("shift__activity", "volunteer__person")
        .order_by("starts_at", "id")
    )
    created = delivered = failed = 0
    for signup in list(due):
        person = signup.volunteer.person
        phone = person.phone if person.phone_encrypted else ""
        try:
            with transaction.atomic():
                reminder = ShiftReminder.objects.create(
                    community_id=signup.community_id,
                    signup=signup,
                    text=reminder_text(signup)[:300],
                    to=pii.mask_phone(phone),
                    created_at=now,
                )
        except IntegrityError:  # another run reminded this one a moment ago
            continue
        created += 1
        if not phone:
            continue
        try:
            for backend in backends():
                backend.send(to_phone=phone, to_email="", subject=str(_("志愿服务提醒")), body=reminder.text)
        except Exception as exc:  # noqa: BLE001 - a gateway's failure is recorded, the run goes on
            failed += 1
            ShiftReminder.objects.filter(pk=reminder.pk).update(error=str(exc)[:200])
            log.warning("reminder %s not delivered: %s", reminder.pk, exc)
            continue
        delivered += 1
        ShiftReminder.objects.filter(pk=reminder.pk).update(delivered_at=clock.now())
    return RemindResult(created, delivered, failed)
