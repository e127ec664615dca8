"""Reads for the web pages that belong to no single app: the access log."""

from __future__ import annotations

from typing import cast

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import VerifyResult, access_log_verify
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AccessLogEntry, AccessLogHead
from gongzhi.core.roles import VIEW_ACCESS_LOG
from gongzhi.core.scoping import has_anywhere, scope_q


def access_log_entries(*, user, action: str = "", mine: bool = False) -> QuerySet[AccessLogEntry]:
    """Access-log entries for regions within the user's scope (by community-code prefix), and
    always the user's own: whoever looks at personal data can see what they have looked at."""
    if not user.is_authenticated:
        raise PermissionDenied()
    own = Q(user=user)
    if mine or not has_anywhere(user, VIEW_ACCESS_LOG):
        qs = AccessLogEntry.objects.filter(own)
    else:
        qs = AccessLogEntry.objects.filter(scope_q(user, VIEW_ACCESS_LOG, field="community_code") | own)
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("user").order_by("-id")


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
