"""The volunteers figures as tables and Excel ledgers (台账): for each figure, the columns of its
breakdown (the figures page's table and the ledger's 汇总 sheet) and of the records it counted (the
drill-down and the 明细 sheet). Both are read from the figure's own selector result, so the card, the
table, the drill-down and the workbook cannot disagree. Written with gongzhi.core.spreadsheets
(text stays text, never a formula)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.spreadsheets import append_row, xlsx_cells

EXPORT_LIMIT = 100_000


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _month(value) -> str:
    return value.strftime("%Y-%m") if value else ""


@dataclass(frozen=True)
class Columns:
    header: tuple[Any, ...]
    row: Callable[[Any], list]


@dataclass(frozen=True)
class Ledger:
    summary: Columns | None  # over result.rows (dicts)
    records: Columns  # over result.records (model instances)
    personal: bool = False  # the records name people: the export is written to the access log


_VOLUNTEER = Columns(
    (_("编号"), _("姓名"), _("社区"), _("志愿服务队"), _("登记方式"), _("注册时间")),
    lambda v: [
        v.pk,
        v.name,
        v.community.name,
        v.team.name if v.team_id else "",
        v.get_channel_display(),
        _local(v.registered_at),
    ],
)

LEDGERS: dict[str, Ledger] = {
    "volunteers.share_of_residents": Ledger(
        Columns(
            (_("社区代码"), _("社区"), _("注册志愿者")),
            lambda r: [r["community_id"], r["community__name"], r["n"]],
        ),
        _VOLUNTEER,
        personal=True,
    ),
    "volunteers.active": Ledger(None, _VOLUNTEER, personal=True),
    "volunteers.hours_by_month": Ledger(
        Columns(
            (
                _("月份"),
                _("社区代码"),
                _("社区"),
                _("志愿服务队"),
                _("服务时长"),
                _("扫码签到"),
                _("工作人员补录"),
            ),
            lambda r: [
                _month(r["month"]),
                r["community_id"],
                r["community__name"],
                r["activity__team__name"] or "",
                float(r["total"] or 0),
                float(r["checkin"] or 0),
                float(r["staff"] or 0),
            ],
        ),
        Columns(
            (_("服务日期"), _("志愿者"), _("活动"), _("来源"), _("时长（小时）"), _("社区代码")),
            lambda h: [
                h.served_on,
                h.volunteer.name,
                h.activity.title,
                h.get_source_display(),
                float(h.hours),
                h.community_id,
            ],
        ),
        personal=True,
    ),
    "volunteers.points_issued": Ledger(
        Columns(
            (_("已发放积分"), _("已兑换积分")), lambda r: [float(r["earned"] or 0), float(r["redeemed"] or 0)]
        ),
        Columns(
            (_("时间"), _("志愿者"), _("社区代码"), _("事由"), _("积分")),
            lambda e: [
                _local(e.at),
                e.account.volunteer.name if e.account.volunteer_id else "",
                e.account.community_id,
                e.reason,
                float(e.amount),
            ],
        ),
        personal=True,
    ),
    "volunteers.timebank_outstanding": Ledger(
        None,
        Columns(
            (_("账户"), _("居民"), _("社区"), _("存储时长（小时）")),
            lambda a: [a.pk, a.person.name if a.person_id else "", a.community.name, float(a.balance)],
        ),
        personal=True,
    ),
    "volunteers.wishes": Ledger(
        Columns(
            (_("发布"), _("已认领"), _("已送达"), _("送达中位天数")),
            lambda r: [r["posted"], r["claimed"], r["fulfilled"], r["median_days"]],
        ),
        Columns(
            # Published without personal details: never the person in need.
            (_("心愿"), _("社区"), _("状态"), _("认领人或单位"), _("发布时间"), _("认领时间"), _("送达时间")),
            lambda w: [
                w.title,
                w.community.name,
                w.get_state_display(),
                w.claimant,
                _local(w.posted_at),
                _local(w.claimed_at),
                _local(w.fulfilled_at),
            ],
        ),
    ),
    "volunteers.party_members": Ledger(
        Columns(
            (_("社区代码"), _("社区"), _("报到党员"), _("工作单位数")),
            lambda r: [r["community_id"], r["community__name"], r["n"], r["units"]],
        ),
        Columns(
            (_("姓名"), _("工作单位"), _("社区"), _("认领岗位"), _("报到时间")),
            lambda m: [
                m.name,
                m.employer,
                m.community.name,
                "、".join(m.post_labels),
                _local(m.registered_at),
            ],
        ),
        personal=True,
    ),
}

_RELATED = {
    "volunteers.share_of_residents": ("team", "community"),
    "volunteers.active": ("team", "community"),
    "volunteers.hours_by_month": ("volunteer", "activity"),
    "volunteers.points_issued": ("account__volunteer",),
    "volunteers.timebank_outstanding": ("person", "community"),
    "volunteers.wishes": ("community",),
    "volunteers.party_members": ("community",),
}


def summary_table(key: str, result) -> tuple[tuple, list[list]]:
    """The breakdown of a figure as a header and rows (empty when the figure has none)."""
    ledger = LEDGERS[key]
    if ledger.summary is None or not result.rows:
        return (), []
    return ledger.summary.header, [ledger.summary.row(r) for r in result.rows]


def record_rows(key: str, result, limit: int) -> Iterable[list]:
    records = result.records
    if records is None:
        return []
    if hasattr(records, "select_related"):
        records = records.select_related(*_RELATED.get(key, ()))[:limit].iterator(chunk_size=2000)
    else:
        records = list(records)[:limit]
    row = LEDGERS[key].records.row
    return (row(r) for r in records)


def _sheet(book, title: str, header: Iterable, rows: Iterable[list]) -> int:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    if header:
        cells = xlsx_cells(sheet, [str(h) for h in header])
        for cell in cells:
            if hasattr(cell, "font"):
                cell.font = Font(bold=True)
        sheet.append(cells)
    n = 0
    for r in rows:
        append_row(sheet, r)
        n += 1
    return n


def ledger_xlsx(*, key: str, label: str, result) -> tuple[bytes, int]:
    """The figure's workbook: 汇总 (its value and breakdown) and 明细 (the records it counted, up to
    EXPORT_LIMIT). Returns the bytes and the number of record rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    head: list[list[Any]] = [
        [str(_("指标")), label],
        [str(_("数值")), float(result.value) if result.value is not None else ""],
    ]
    if result.denominator:
        head.append([str(_("分子/分母")), f"{result.numerator}/{result.denominator}"])
    header, rows = summary_table(key, result)
    summary_rows: list[list] = [*head, []]
    if header:
        summary_rows += [[str(h) for h in header], *rows]
    _sheet(book, str(_("汇总")), [], summary_rows)
    n = _sheet(book, str(_("明细")), LEDGERS[key].records.header, record_rows(key, result, EXPORT_LIMIT))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), n
