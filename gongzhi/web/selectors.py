"""Reads for the web pages that belong to no single app: the access log and its alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import VerifyResult, access_log_verify
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AccessAction, AccessLogEntry, AccessLogHead
from gongzhi.core.roles import VIEW_ACCESS_LOG
from gongzhi.core.scoping import has_anywhere, scope_q
from gongzhi.registry import selectors as registry


def access_log_entries(
    *,
    user,
    action: str = "",
    mine: bool = False,
    username: str = "",
    person_ids: list[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLogEntry]:
    """Access-log entries for regions within the user's scope (by community-code prefix), and
    always the user's own: whoever looks at personal data can see what they have looked at.
    Narrowed by who looked (username), at whom (person ids), what (action) and when (dates,
    inclusive, in local time)."""
    if not user.is_authenticated:
        raise PermissionDenied()
    own = Q(user=user)
    if mine or not has_anywhere(user, VIEW_ACCESS_LOG):
        qs = AccessLogEntry.objects.filter(own)
    else:
        qs = AccessLogEntry.objects.filter(scope_q(user, VIEW_ACCESS_LOG, field="community_code") | own)
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(username__icontains=username)
    if person_ids is not None:
        qs = qs.filter(object_type="registry.person", object_id__in=[str(pk) for pk in person_ids])
    if date_from:
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    return qs.select_related("user").order_by("-id")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class BulkRevealAlert:
    user_id: int | None
    username: str
    count: int  # reveals within one hour
    start: dt.datetime
    end: dt.datetime


def bulk_reveal_alerts(*, user, hours: int = 24, threshold: int | None = None) -> list[BulkRevealAlert]:
    """Who, within the user's access-log scope, revealed full identity numbers or phones of
    `threshold` or more people within one hour (any rolling hour of the last `hours`).
    For the community head, the street and the district; nobody else is shown alerts."""
    if not user.is_authenticated or not has_anywhere(user, VIEW_ACCESS_LOG):
        return []
    threshold = threshold or settings.GONGZHI_REVEAL_ALERT_PER_HOUR
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = (
        AccessLogEntry.objects.filter(
            scope_q(user, VIEW_ACCESS_LOG, field="community_code"), action=AccessAction.REVEAL, at__gte=since
        )
        .order_by("user_id", "username", "at")
        .values_list("user_id", "username", "at")
    )
    by_user: dict[tuple, list[dt.datetime]] = {}
    for user_id, username, at in rows:
        by_user.setdefault((user_id, username), []).append(at)
    alerts = []
    window = dt.timedelta(hours=1)
    for (user_id, username), times in by_user.items():
        best, best_at, lo = 0, 0, 0
        for hi, at in enumerate(times):
            while at - times[lo] >= window:
                lo += 1
            if hi - lo + 1 > best:
                best, best_at = hi - lo + 1, lo
        if best >= threshold:
            start = times[best_at]
            alerts.append(BulkRevealAlert(user_id, username, best, start, times[best_at + best - 1]))
    return sorted(alerts, key=lambda a: (-a.count, a.username))


def person_labels(*, entries) -> dict[str, str]:
    """Masked names of the people the listed entries are about, by person id."""
    ids = [e.object_id for e in entries if e.object_type == "registry.person" and e.object_id]
    return registry.person_names_masked(pks=ids) if ids else {}


def access_log_status() -> VerifyResult:
    """Whether the whole chain still verifies (it is one chain for all regions). Walking it is
    linear in its length, so a result is kept for a minute per chain head; `gongzhi audit
    verify` is the authoritative check."""
    head = AccessLogHead.objects.filter(id=1).first()
    if head is None:
        return access_log_verify()
    # The cache is untyped storage; this key only ever holds what access_log_verify returned.
    return cast(
        VerifyResult,
        cache.get_or_set(f"access-log-verify:{head.entries}:{head.last_hash}", access_log_verify, 60),
    )


FIELD_LABELS = {
    "id_number": _("公民身份号码"),
    "phone": _("联系电话"),
    "name": _("姓名"),
    "address": _("居住地址"),
    "id_number_masked": _("身份号码（脱敏）"),
    "phone_masked": _("电话（脱敏）"),
}


def field_labels(fields) -> list:
    return [FIELD_LABELS.get(f, f) for f in fields or []]
