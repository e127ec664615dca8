"""Excel ledgers in the Ningbo layouts: the public-sentiment ledger (民情工作台帐) and the visit
diary (社工走访日记). Households appear masked, so no personal data leaves in them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongzhi.core.scoping import scoped
from gongzhi.core.spreadsheets import xlsx_bytes

from . import policy, rules
from .models import Visit
from .selectors import household_label, ledger_items

LEDGER_HEADER = (
    "序号",
    "登记日期",
    "社区",
    "户",
    "类别",
    "反映事项",
    "责任人",
    "办理期限",
    "办理状态",
    "办理结果",
)
DIARY_HEADER = (
    "序号",
    "走访时间",
    "走访人",
    "户",
    "见到",
    "走访情况",
    "反映的问题",
    "住户确认",
    "定位",
    "备注",
)


def _diary_note(v: Visit) -> str:
    """An offline capture uploaded more than a day after the visit says so, with both times."""
    if not v.late_upload or v.captured_at is None:
        return ""
    captured = timezone.localtime(v.captured_at).strftime("%Y-%m-%d %H:%M")
    uploaded = timezone.localtime(v.recorded_at).strftime("%Y-%m-%d %H:%M")
    return f"离线逾期补传（手机登记 {captured}，上传 {uploaded}）"


def ledger_xlsx(*, user) -> bytes:
    qs = ledger_items(user=user).select_related(
        "community", "household__dwelling__building__estate", "household__head", "demand"
    )
    rows = []
    for n, i in enumerate(qs.order_by("created_at", "id"), start=1):
        result = i.answer or (f"转诉求 {i.demand.tracking_code}" if i.demand_id else i.topic_ref)
        rows.append(
            (
                n,
                timezone.localdate(i.created_at).isoformat(),
                i.community.name,
                household_label(i.household) if i.household_id else "",
                i.get_category_display(),
                i.title,
                i.owner.display_name or i.owner.username,
                i.deadline.isoformat(),
                i.get_state_display(),
                result,
            )
        )
    return xlsx_bytes(
        title="民情工作台帐", header=LEDGER_HEADER, rows=rows, widths=(6, 12, 14, 24, 12, 40, 12, 12, 10, 40)
    )


def diary_xlsx(*, user, month: dt.date) -> bytes:
    start, end = policy.month_start(month), policy.month_end(month)
    qs = scoped(
        Visit.objects.filter(visited_at__date__gte=start, visited_at__date__lte=end).select_related(
            "worker", "household__dwelling__building__estate", "household__head"
        ),
        user,
        rules.VIEW,
    ).order_by("worker_id", "visited_at")
    rows = [
        (
            n,
            timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"),
            v.worker.display_name or v.worker.username,
            household_label(v.household),
            v.met,
            v.situation,
            v.raised,
            "是" if v.confirmation_id else "否",
            "偏离楼栋" if v.far_away else ("正常" if v.latitude is not None else "未定位"),
            _diary_note(v),
        )
        for n, v in enumerate(qs, start=1)
    ]
    return xlsx_bytes(
        title="社工走访日记", header=DIARY_HEADER, rows=rows, widths=(6, 17, 12, 24, 14, 40, 30, 8, 10, 36)
    )
