"""Notifications: an in-app row for the resident and for the handling unit on each step;
email/SMS behind a small interface (console backend by default).

Set GONGZHI_NOTIFY_BACKENDS to a list of dotted paths to replace the console backend.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils.translation import gettext as _

from gongzhi.core.outbox import Backend, ConsoleBackend, backends  # noqa: F401 - re-exported

from .models import DemandEvent, EventKind, Notification

log = logging.getLogger("gongzhi.demands.notify")

# Which steps tell whom.
RESIDENT_KINDS = {
    EventKind.CREATED,
    EventKind.DISPATCHED,
    EventKind.SIGNED,
    EventKind.EXTENSION_APPROVED,
    EventKind.REPLIED,
    EventKind.REOPENED,
    EventKind.CLOSED,
}
UNIT_KINDS = {
    EventKind.DISPATCHED,
    EventKind.RETURN_ACCEPTED,
    EventKind.RETURN_REFUSED,
    EventKind.EXTENSION_APPROVED,
    EventKind.EXTENSION_REFUSED,
    EventKind.REMINDED,
    EventKind.SUPERVISED,
    EventKind.CALLED_BACK,
    EventKind.REOPENED,
}


# One text per step, translated when it is used (in the active language of that moment).
_TEXTS: dict[str, Callable[[], str]] = {
    EventKind.CREATED: lambda: _("您的诉求“%(title)s”已受理，查询码 %(code)s。"),
    EventKind.DISPATCHED: lambda: _("诉求“%(title)s”已派至%(unit)s办理。"),
    EventKind.SIGNED: lambda: _("%(unit)s已签收诉求“%(title)s”，正在办理。"),
    EventKind.RETURN_ACCEPTED: lambda: _("诉求“%(title)s”的退单申请已同意。"),
    EventKind.RETURN_REFUSED: lambda: _("诉求“%(title)s”的退单申请被驳回，请继续办理。"),
    EventKind.EXTENSION_APPROVED: lambda: _("诉求“%(title)s”的办理时限已延长。"),
    EventKind.EXTENSION_REFUSED: lambda: _("诉求“%(title)s”的延期申请被驳回。"),
    EventKind.REMINDED: lambda: _("催办：诉求“%(title)s”即将到期，请抓紧办理。"),
    EventKind.SUPERVISED: lambda: _("督办：诉求“%(title)s”已超期，请立即办理。"),
    EventKind.REPLIED: lambda: _("诉求“%(title)s”已答复，欢迎评价。"),
    EventKind.CALLED_BACK: lambda: _("诉求“%(title)s”已回访。"),
    EventKind.REOPENED: lambda: _("诉求“%(title)s”重新办理。"),
    EventKind.CLOSED: lambda: _("诉求“%(title)s”已办结。"),
}


def message_for(event: DemandEvent) -> str:
    d = event.demand
    unit = event.unit.name if event.unit is not None else ""
    text = _TEXTS.get(event.kind)
    if text is None:
        return ""
    template = text()
    return template % {"title": d.title[:40], "code": d.tracking_code, "unit": unit}


def notify_event(event: DemandEvent) -> int:
    """Write the in-app rows for an event; send SMS to a signed-out submitter. Returns rows made."""
    text = message_for(event)
    if not text:
        return 0
    demand = event.demand
    recipients: set[int] = set()
    if event.kind in RESIDENT_KINDS and demand.submitted_by_id:
        recipients.add(demand.submitted_by_id)
    if event.kind in UNIT_KINDS and event.unit is not None:
        from .units import unit_members

        recipients |= set(unit_members(event.unit).values_list("id", flat=True))
    recipients.discard(event.by_id)
    Notification.objects.bulk_create(
        [
            Notification(
                community_id=demand.community_id,
                recipient_id=uid,
                demand=demand,
                kind=event.kind,
                message=text[:300],
                created_at=event.at,
            )
            for uid in sorted(recipients)
        ]
    )
    if event.kind in RESIDENT_KINDS and not demand.submitted_by_id and demand.contact_phone_encrypted:
        for backend in backends():
            backend.send(to_phone=demand.contact_phone, to_email="", subject=str(_("诉求进展")), body=text)
    return len(recipients)
