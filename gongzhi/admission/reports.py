"""一表通: an admitted statistical form reaches a community as a task; the fields the platform's
records answer are filled from them (the ledgers' `ledger_fill`, which computes every app's
figures for the community), a field typed before in any form is offered again, and the community
types only the rest, once per period. What was sent is kept as sent, with where each value came
from; the department that asked reads the returns of every community and exports them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.permissions import require
from gongzhi.demands.calendar import local

from . import rules
from .errors import error
from .models import Application, FormReport, InboxTask, ReportEvery, TaskEvent

RECORDS, REUSED, TYPED = "records", "reused", "typed"


# Periods -------------------------------------------------------------------------------------


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def report_periods(app: Application, today: dt.date | None = None) -> list[str]:
    """The periods a community may report for, oldest first: those that have begun within the
    admitted period ("once" for a one-off form)."""
    today = today or local(clock.now()).date()
    if app.report_every == ReportEvery.ONCE:
        return ["once"] if app.period_start <= today else []
    end = min(app.period_end, today)
    if end < app.period_start:
        return []
    months = _months(app.period_start, end)
    if app.report_every == ReportEvery.MONTH:
        keys = [f"{y}-{m:02d}" for y, m in months]
    elif app.report_every == ReportEvery.QUARTER:
        keys = [f"{y}-Q{(m - 1) // 3 + 1}" for y, m in months]
    else:
        keys = [str(y) for y, _m in months]
    return list(dict.fromkeys(keys))


def period_label(period: str) -> str:
    if period == "once":
        return _("一次性报送")
    if "-Q" in period:
        y, q = period.split("-Q")
        return _("%(y)s 年第 %(q)s 季度") % {"y": y, "q": q}
    if len(period) == 4:
        return _("%(y)s 年度") % {"y": period}
    return period


def figure_month(period: str, today: dt.date | None = None) -> str:
    """The month a period's figures are computed for: its last month, or this month while it runs."""
    today = today or local(clock.now()).date()
    now = f"{today.year}-{today.month:02d}"
    if period == "once":
        return now
    if "-Q" in period:
        y, q = period.split("-Q")
        last = f"{y}-{int(q) * 3:02d}"
    elif len(period) == 4:
        last = f"{period}-12"
    else:
        last = period
    return min(last, now)


# Reading: the form as the community will send it --------------------------------------------


@dataclass
class ReportRow:
    name: str
    unit: str
    figure: str
    value: str  # what is shown (and sent) for a figure; the suggestion for a typed field
    number: float | None
    source: str  # RECORDS, REUSED (typed before, offered again) or TYPED (nothing to offer)
    note: str = ""  # where a reused value came from

    @property
    def from_records(self) -> bool:
        return self.source == RECORDS


def _reported_before(community: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """The newest value this community typed for each field name, in any form it sent."""
    found: dict[str, tuple[str, str]] = {}
    for report in (
        FormReport.objects.filter(community_id=community)
        .select_related("application")
        .order_by("-submitted_at", "-id")[:50]
    ):
        for v in report.values:
            name = v.get("name")
            if name in names and name not in found and v.get("source") != RECORDS and v.get("value"):
                when = local(report.submitted_at).date().isoformat()
                found[name] = (v["value"], f"{report.application.title} · {when}")
    return found


def report_rows(*, task: InboxTask, period: str, user) -> list[ReportRow]:
    """Each field of the task's form: filled from the records where a figure answers it, else what
    the community typed last time for a field of that name, else empty."""
    from gongzhi.ledgers.services import ledger_fill

    app = task.application
    if app is None or not app.form_fields:
        raise error("report_no_form")
    filled = ledger_fill(app.form_fields, task.community_id, user=user, period=figure_month(period))
    by_name = {f.name: f for f in filled["filled"] if f.value is not None}
    typed_names = {f["name"] for f in app.form_fields if f["name"] not in by_name}
    before = _reported_before(task.community_id, typed_names)
    rows = []
    for f in app.form_fields:
        hit = by_name.get(f["name"])
        if hit is not None:
            rows.append(ReportRow(f["name"], f.get("unit", ""), f["figure"], hit.display, hit.value, RECORDS))
        elif f["name"] in before:
            value, note = before[f["name"]]
            rows.append(ReportRow(f["name"], f.get("unit", ""), f["figure"], value, None, REUSED, note))
        else:
            rows.append(ReportRow(f["name"], f.get("unit", ""), f["figure"], "", None, TYPED))
    return rows


def form_coverage(app: Application) -> tuple[float | None, list[dict]]:
    """Figure: the share of a form's fields the records answer (a figure some app declares), with
    the fields. What the joint office weighs, and what the community will not have to type."""
    from gongzhi.core.manifests import figures

    known = figures()
    fields = [{**f, "from_records": bool(f.get("figure")) and f["figure"] in known} for f in app.form_fields]
    if not fields:
        return None, []
    return sum(1 for f in fields if f["from_records"]) / len(fields), fields


def reports_of_task(task: InboxTask) -> list[FormReport]:
    return list(task.reports.order_by("period"))


def reports_for_application(*, application: Application, user) -> list[FormReport]:
    """Every community's returns of a form: for the department that asked and the joint office."""
    if not (
        application.department_id in rules.user_department_ids(user)
        or user.has_perm(rules.REVIEW, application)
    ):
        raise PermissionDenied()
    return list(
        FormReport.objects.filter(application=application)
        .select_related("community", "submitted_by")
        .order_by("period", "community_id")
    )


def reports_workbook(*, application: Application, reports: list[FormReport]) -> bytes:
    """The returns as one sheet: a row per community and period, a column per field."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    from gongzhi.core.spreadsheets import append_row

    names = [f["name"] for f in application.form_fields]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "报表"
    append_row(sheet, ["社区", "报送期", "报送时间", *names, "自动生成字段数", "手工填写字段数"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in reports:
        values = {v["name"]: v.get("value", "") for v in r.values}
        append_row(
            sheet,
            [
                r.community.name,
                period_label(r.period),
                local(r.submitted_at).strftime("%Y-%m-%d %H:%M"),
                *[values.get(n, "") for n in names],
                r.from_records,
                r.typed,
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Writing: the return ---------------------------------------------------------------------------


@transaction.atomic
def report_submit(*, task: InboxTask, period: str, typed: dict[str, str], by) -> FormReport:
    """Send the form for a period. Fields the records answer are computed again here (never taken
    from the request); every other field must be typed. Once per task and period (a constraint).
    A one-off form completes its task."""
    task = InboxTask.objects.select_for_update(of=("self",)).select_related("application").get(pk=task.pk)
    require(by, rules.INBOX, task, hide=True)
    app = task.application
    if app is None or not app.form_fields:
        raise error("report_no_form")
    if task.state != InboxTask.State.OPEN:
        raise error("task_closed")
    if period not in report_periods(app):
        raise error("report_period")
    if FormReport.objects.filter(community_id=task.community_id, task=task, period=period).exists():
        raise error("report_exists")
    values = []
    for row in report_rows(task=task, period=period, user=by):
        if row.from_records:
            values.append(
                {
                    "name": row.name,
                    "unit": row.unit,
                    "value": row.value,
                    "number": row.number,
                    "source": RECORDS,
                    "figure": row.figure,
                }
            )
            continue
        raw = str(typed.get(row.name) or "").strip()
        if not raw:
            raise error("report_missing", name=row.name)
        if len(raw) > 200:
            raise error("report_too_long", name=row.name)
        source = REUSED if row.source == REUSED and raw == row.value else TYPED
        values.append({"name": row.name, "unit": row.unit, "value": raw, "source": source, "figure": ""})
    now = clock.now()
    auto = sum(1 for v in values if v["source"] == RECORDS)
    try:
        with transaction.atomic():
            report = FormReport.objects.create(
                community_id=task.community_id,
                task=task,
                application=app,
                period=period,
                values=values,
                from_records=auto,
                typed=len(values) - auto,
                submitted_at=now,
                submitted_by=by,
            )
    except IntegrityError:
        raise error("report_exists") from None
    TaskEvent.objects.create(
        task=task,
        community_id=task.community_id,
        kind=TaskEvent.Kind.REPORTED,
        at=now,
        by=by,
        note=_("%(p)s：%(a)s 项由系统数据生成，%(t)s 项手工填写")
        % {"p": period_label(period), "a": auto, "t": len(values) - auto},
    )
    if app.report_every == ReportEvery.ONCE:
        task.state = InboxTask.State.DONE
        task.save(update_fields=["state"])
        TaskEvent.objects.create(
            task=task, community_id=task.community_id, kind=TaskEvent.Kind.DONE, at=now, by=by
        )
    return report
