"""The ledgers offices file (台账), each in its own layout: a title, the issuing unit, the period,
sections of figures with their units, and last month beside this month. A layout is only a
choice and order of figures: every number comes from `selectors.ledger`, the same cells the
dashboard, the big screen and the PDF read, so a filed ledger never disagrees with the screen.

A workbook is built by the background worker (`ledgers.workbook` jobs) with its progress shown
on the job's page, and downloaded from there by whoever asked for it while they may still see
the region's ledgers."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.manifests import figures
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.spreadsheets import append_row, cell_text
from gongzhi.jobs.kinds import JobKind, JobOutput, job_kind_register
from gongzhi.jobs.models import Job
from gongzhi.jobs.services import job_start

from . import rules

WORKBOOK = "ledgers.workbook"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Layout:
    key: str
    title: object  # a lazy translation
    sections: tuple[tuple[object, tuple[str, ...]], ...]  # (section title, figure keys)


LAYOUTS = (
    Layout(
        "basic",
        gettext_lazy("社区基本情况台账"),
        (
            (
                gettext_lazy("人口与重点人群"),
                (
                    "registry.residents",
                    "registry.households",
                    "registry.elderly_80",
                    "registry.elderly_alone",
                    "registry.disabled",
                    "registry.minimum_allowance",
                ),
            ),
            (
                gettext_lazy("设施与经费"),
                (
                    "facilities.premises_area",
                    "facilities.standards_met",
                    "facilities.circle_500",
                    "facilities.room_use",
                    "facilities.funding_paid_share",
                    "facilities.funding_owed",
                ),
            ),
        ),
    ),
    Layout(
        "governance",
        gettext_lazy("接诉即办与议事协商台账"),
        (
            (
                gettext_lazy("接诉即办三率"),
                ("demands.response", "demands.resolution", "demands.satisfaction"),
            ),
            (
                gettext_lazy("事项解决方式（622）"),
                (
                    "demands.share_deliberation",
                    "demands.share_social_org",
                    "demands.share_referral",
                    "deliberation.settled_622",
                ),
            ),
            (gettext_lazy("居委会选举与评议"), ("elections.turnout", "evaluation.satisfaction")),
        ),
    ),
    Layout(
        "grid",
        gettext_lazy("包片联户与民情台账"),
        (
            (
                gettext_lazy("走访"),
                (
                    "visits.households_per_worker",
                    "visits.visits_per_worker",
                    "visits.vulnerable_on_time",
                    "visits.ledger_open_overdue",
                ),
            ),
            (
                gettext_lazy("居家养老"),
                (
                    "care.calls_answered_in_time",
                    "care.meals_served",
                    "care.purchased_care_eligible",
                    "care.purchased_care_covered",
                ),
            ),
        ),
    ),
    Layout(
        "society",
        gettext_lazy("志愿服务与社会组织台账"),
        (
            (
                gettext_lazy("志愿服务"),
                (
                    "volunteers.share_of_residents",
                    "volunteers.active",
                    "volunteers.hours_by_month",
                    "volunteers.points_issued",
                    "volunteers.timebank_outstanding",
                    "volunteers.wishes",
                    "volunteers.party_members",
                ),
            ),
            (
                gettext_lazy("社会组织与共建"),
                (
                    "organizations.per_10k",
                    "organizations.premises_by_orgs",
                    "organizations.property_coverage",
                    "organizations.committee_coverage",
                    "organizations.needs_met",
                    "organizations.resources_used",
                    "organizations.space_usage",
                ),
            ),
            (
                gettext_lazy("公益创投与工作准入"),
                (
                    "projects.paid_vs_committed",
                    "projects.on_time",
                    "projects.households",
                    "projects.satisfaction",
                    "admission.admitted",
                    "admission.refused",
                ),
            ),
        ),
    ),
)


def layouts() -> list[Layout]:
    """The layouts, each with only the figures of the apps installed here."""
    known = figures()
    out = []
    for layout in LAYOUTS:
        sections = tuple((t, tuple(k for k in keys if k in known)) for t, keys in layout.sections)
        sections = tuple(s for s in sections if s[1])
        if sections:
            out.append(Layout(layout.key, layout.title, sections))
    return out


def layout_get(key: str) -> Layout:
    found = next((x for x in layouts() if x.key == key), None)
    if found is None:
        raise ApplicationError("ledger_layout", _("没有这种台账，请从列表中选择。"))
    return found


def _previous(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _headed_sheet(book, *, name: str, title: str, region: Region, period: str, columns: list):
    """A ledger sheet's head as offices file it: the title, the issuer, the period and when it
    was generated, a blank row, then the column names in bold (row 4)."""
    from openpyxl.styles import Font

    sheet = book.active
    sheet.title = cell_text(name)[:31]
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(
        sheet,
        [
            _("填报单位"),
            region.name,
            _("统计期"),
            period,
            _("生成时间"),
            clock.now().strftime("%Y-%m-%d %H:%M"),
        ],
    )
    append_row(sheet, [])
    append_row(sheet, columns)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    return sheet


def monthly_workbook(*, user, region: Region, period: str) -> bytes:
    """The region's monthly ledger as Excel: the head, then every figure with its unit, value,
    records counted and key (the dashboard's numbers, from `selectors.ledger`)."""
    import openpyxl

    from .selectors import ledger

    book = openpyxl.Workbook()
    sheet = _headed_sheet(
        book,
        name=_("%(period)s月度台账") % {"period": period},
        title=_("%(region)s 月度电子台账") % {"region": region.name},
        region=region,
        period=period,
        columns=[_("指标"), _("单位"), _("数值"), _("计入记录数"), _("编号")],
    )
    for v in ledger(user=user, region=region, period=period):
        append_row(sheet, [str(v.figure.label), v.figure.unit, v.display, v.count, v.figure.key])
    for col, width in zip("ABCDE", (34, 8, 14, 12, 30), strict=True):
        sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def layout_workbook(*, user, region: Region, period: str, layout: Layout, progress=None) -> bytes:
    """The ledger as the office files it. This month's numbers from `selectors.ledger`; last
    month's from its snapshot (blank where none was taken)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    from .models import Snapshot
    from .selectors import ledger

    cells = {c.figure.key: c for c in ledger(user=user, region=region, period=period)}
    before = _previous(period)
    last = dict(Snapshot.objects.filter(region=region, period=before).values_list("figure", "value"))
    book = openpyxl.Workbook()
    sheet = _headed_sheet(
        book,
        name=str(layout.title),
        title=f"{region.name}{layout.title}",
        region=region,
        period=period,
        columns=[
            _("序号"),
            _("指标"),
            _("单位"),
            _("本月"),
            _("上月（%(p)s）") % {"p": before},
            _("计入记录数"),
        ],
    )
    for cell in sheet[4]:
        cell.alignment = Alignment(horizontal="center")
    n = 0
    for i, (title, keys) in enumerate(layout.sections, start=1):
        append_row(sheet, [str(title)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        for key in keys:
            n += 1
            c = cells[key]
            prior = last.get(key)
            append_row(
                sheet,
                [n, str(c.figure.label), c.figure.unit, c.number, prior, c.count],
            )
        if progress is not None:
            progress(i, len(layout.sections))
    append_row(sheet, [])
    append_row(
        sheet, [_("说明：数值由平台按各指标定义从业务记录计算，与工作台和大屏一致；空白表示该期无数据。")]
    )
    append_row(sheet, [_("填表人"), "", _("审核人"), "", _("日期"), ""])
    for col, width in zip("ABCDEF", (8, 36, 8, 14, 16, 14), strict=True):
        sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@transaction.atomic
def workbook_start(*, region: Region, period: str, layout_key: str, by) -> Job:
    """Queue the workbook of one layout for the region and month."""
    require(by, rules.VIEW, region)
    layout = layout_get(layout_key)
    n = len(layout.sections)
    return job_start(
        kind=WORKBOOK, by=by, params={"region": region.code, "period": period, "layout": layout.key}, total=n
    )


def _run(job, progress) -> JobOutput:
    region = Region.objects.get(code=job.params["region"])
    layout = layout_get(job.params["layout"])
    period = job.params["period"]
    progress.set_total(len(layout.sections))
    content = layout_workbook(
        user=job.owner,
        region=region,
        period=period,
        layout=layout,
        progress=lambda i, n: progress.advance(i),
    )
    return JobOutput(filename=f"ledger-{layout.key}-{region.code}-{period}.xlsx", content=content)


def _may_download(user, job) -> bool:
    region = Region.objects.filter(code=job.params.get("region", "")).first()
    return region is not None and user.has_perm(rules.VIEW, region)


job_kind_register(
    JobKind(
        name=WORKBOOK,
        label=gettext_lazy("生成 Excel 台账"),
        run=_run,
        may_download=_may_download,
        content_type=XLSX,
    )
)
