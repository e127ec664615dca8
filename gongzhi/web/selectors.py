"""Reads for the web pages that belong to no single app: the access log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.audit import VerifyResult, access_log_verify
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AccessLogEntry
from gongzhi.core.roles import VIEW_ACCESS_LOG
from gongzhi.core.scoping import has_anywhere, scoped


def access_log_entries(*, user, action: str = "") -> QuerySet[AccessLogEntry]:
    """Access-log entries for regions within the user's scope (by community-code prefix)."""
    if not has_anywhere(user, VIEW_ACCESS_LOG):
        raise PermissionDenied()
    qs = scoped(AccessLogEntry.objects.all(), user, VIEW_ACCESS_LOG, field="community_code")
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("user").order_by("-id")


def access_log_status() -> VerifyResult:
    """Whether the whole chain still verifies (it is one chain for all regions)."""
    return access_log_verify()


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
