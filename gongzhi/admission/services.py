"""Every write of work admission: lists, applications and their review, the community's inbox,
funds following tasks. Keyword-only, atomic, guard or permission first, an event for each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.ledger import Movement, ledger_transfer
from gongzhi.core.manifests import community_work
from gongzhi.core.models import Department, Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes
from gongzhi.demands import calendar

from . import rules
from .cert_templates import template_problem
from .errors import error
from .models import (
    FORM_KINDS,
    Application,
    ApplicationEvent,
    FundAccount,
    FundEntry,
    InboxTask,
    ListItem,
    ListKind,
    ListVersion,
    ReportEvery,
    TaskEvent,
    Withdrawal,
)
from .platform_work import platform_work_admit_open, work_keys
from .workflow import WORKFLOW

LEAD_WORKING_DAYS = 30  # 西城: apply at least 30 working days ahead
REVIEW_WORKING_DAYS = 15  # 西城: decide within 15 working days


# The lists -----------------------------------------------------------------------------------


def _district(region: Region | str) -> Region:
    code = region.code if isinstance(region, Region) else str(region)
    try:
        r = Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise error("not_district") from None
    if r.level != 3:
        raise error("not_district")
    return r


@transaction.atomic
def list_draft_open(*, region, by) -> ListVersion:
    """The district's draft version, created from the newest published one when there is none."""
    district = _district(region)
    require(by, rules.MANAGE_LISTS, district)
    draft = (
        ListVersion.objects.select_for_update().filter(region=district, state=ListVersion.State.DRAFT).first()
    )
    if draft is not None:
        return draft
    last = ListVersion.objects.filter(region=district).order_by("-number").first()
    draft = ListVersion.objects.create(region=district, number=(last.number + 1) if last else 1)
    if last is not None:
        ListItem.objects.bulk_create(
            ListItem(
                version=draft,
                kind=i.kind,
                code=i.code,
                title=i.title,
                basis=i.basis,
                note=i.note,
                template=i.template,
                platform_work=i.platform_work,
            )
            for i in last.items.all()
        )
    return draft


@dataclass
class ImportReport:
    rows: list[dict] = field(default_factory=list)  # {"row": n, "ok": bool, "message": str, "code": str}
    imported: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if not r["ok"])


KIND_BY_LABEL = {str(label): value for value, label in ListKind.choices}
HEADERS = ("清单类别", "编号", "事项名称", "依据", "备注", "证明模板", "对应平台工作")


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _template_problem(kind: str, template: str, work: str = "") -> str:
    if kind == ListKind.CERTIFICATE:
        problem = template_problem(template)
    else:
        problem = _("只有出具证明事项可以填写证明模板。") if template else ""
    return problem or _work_problem(kind, work)


def _work_problem(kind: str, work: str) -> str:
    from .platform_work import COVERING_KINDS, unknown_work_keys

    if not work:
        return ""
    if kind not in COVERING_KINDS:
        return _("只有依法履职事项和协助政府工作事项可以对应平台工作。")
    if unknown := unknown_work_keys(work):
        return _("对应平台工作“%(k)s”不认识，可用的有：%(all)s。") % {
            "k": "、".join(unknown),
            "all": "、".join(sorted(community_work())),
        }
    return ""


def list_import_check(*, data: bytes) -> tuple[ImportReport, list[dict]]:
    """Read a workbook of items; a report line per row (nothing is written here)."""
    from gongzhi.core.tabular import find_column, is_blank, iter_rows

    report = ImportReport()
    rows = iter_rows(data)
    header = [_cell(c) for c in next(rows, [])]
    cols = [find_column(header, h) for h in HEADERS]
    if cols[0] is None or cols[1] is None or cols[2] is None:
        report.rows.append(
            {"row": 1, "ok": False, "code": "", "message": _("表头须包含：清单类别、编号、事项名称。")}
        )
        return report, []
    kinds = {**KIND_BY_LABEL, **{v: v for v in ListKind.values}}
    items: list[dict] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        if is_blank(list(row)):
            continue
        row = list(row) + [None] * len(HEADERS)
        vals = [_cell(row[c]) if c is not None else "" for c in cols]
        kind_label, code, title, basis, note, template, work = vals
        work = ",".join(work_keys(work))
        problem = ""
        if kind_label not in kinds:
            problem = _("清单类别“%(k)s”不认识，应为：%(all)s。") % {
                "k": kind_label,
                "all": "、".join(KIND_BY_LABEL),
            }
        elif not code or len(code) > 20:
            problem = _("编号不能为空，最多 20 个字符。")
        elif code in seen:
            problem = _("编号 %(c)s 重复。") % {"c": code}
        elif not title or len(title) > 200:
            problem = _("事项名称不能为空，最多 200 个字符。")
        elif len(basis) > 300 or len(note) > 300:
            problem = _("依据和备注最多 300 个字符。")
        else:
            problem = _template_problem(kinds[kind_label], template, work)
        seen.add(code)
        report.rows.append({"row": n, "ok": not problem, "code": code, "message": problem or _("可以导入")})
        if not problem:
            items.append(
                {
                    "kind": kinds[kind_label],
                    "code": code,
                    "title": title,
                    "basis": basis,
                    "note": note,
                    "template": template,
                    "platform_work": work,
                }
            )
    return report, items


@transaction.atomic
def list_import(*, version: ListVersion, data: bytes, by) -> ImportReport:
    """Replace the draft's items with the workbook's, all or nothing; the report says row by row."""
    require(by, rules.MANAGE_LISTS, version)
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    if version.state != ListVersion.State.DRAFT:
        raise error("version_published")
    report, items = list_import_check(data=data)
    if report.errors:
        return report
    ListItem.objects.filter(version=version).delete()  # a draft's items, never a published one's
    ListItem.objects.bulk_create(ListItem(version=version, **i) for i in items)
    report.imported = len(items)
    return report


@transaction.atomic
def list_items_set(*, version: ListVersion, items: list[dict], by) -> ListVersion:
    """Set a draft's items directly (the demo and the API use it)."""
    require(by, rules.MANAGE_LISTS, version)
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    if version.state != ListVersion.State.DRAFT:
        raise error("version_published")
    for i in items:
        if problem := _template_problem(i.get("kind", ""), i.get("template", ""), i.get("platform_work", "")):
            raise error("certificate_template", code=i.get("code", ""), problem=problem)
    ListItem.objects.filter(version=version).delete()
    ListItem.objects.bulk_create(ListItem(version=version, **i) for i in items)
    return version


@transaction.atomic
def list_publish(*, version: ListVersion, by, note: str = "") -> ListVersion:
    require(by, rules.MANAGE_LISTS, version)
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    if version.state != ListVersion.State.DRAFT:
        raise error("version_published")
    if not version.items.exists():
        raise error("empty_version")
    version.state = ListVersion.State.PUBLISHED
    version.published_at = clock.now()
    version.published_by = by
    version.note = (note or "")[:200]
    version.save()
    platform_work_admit_open(version=version, by=by)
    return version


# Applications ---------------------------------------------------------------------------------

APPLICATION_FIELDS = (
    "kind",
    "title",
    "description",
    "communities",
    "period_start",
    "period_end",
    "hours_per_community",
    "funding_per_community",
    "materials",
    "legal_basis",
    "form_fields",
    "report_every",
)
MAX_FORM_FIELDS = 60


def _clean_form_fields(kind: str, raw) -> list[dict]:
    """The form's fields: a name each (unique), a figure key that some app declares or "" (typed by
    the community), a unit. Only forms, ledgers and surveys have fields."""
    from gongzhi.core.manifests import figures

    known = figures()
    rows: list[dict] = []
    names: set[str] = set()
    for f in raw or []:
        if not isinstance(f, dict):
            raise error("form_field_name")
        name = str(f.get("name") or "").strip()
        figure = str(f.get("figure") or "").strip()
        unit = str(f.get("unit") or "").strip()[:10]
        if not name and not figure:
            continue  # an empty row of the form
        if not name or len(name) > 50:
            raise error("form_field_name")
        if name in names:
            raise error("form_field_twice", name=name)
        if figure and figure not in known:
            raise error("form_field_figure", name=name)
        names.add(name)
        rows.append({"name": name, "figure": figure, "unit": unit or (known[figure].unit if figure else "")})
    if len(rows) > MAX_FORM_FIELDS:
        raise error("form_fields_many", n=MAX_FORM_FIELDS)
    if rows and kind not in FORM_KINDS:
        raise error("form_fields_kind")
    return rows


def _clean_application(district: Region, data: dict) -> dict:
    from .models import ApplicationKind

    out = {k: data[k] for k in APPLICATION_FIELDS if k in data}
    if out.get("kind") not in ApplicationKind.values:
        raise error("kind")
    title = (out.get("title") or "").strip()
    if not title:
        raise error("reason_required")
    out["title"] = title[:200]
    codes = sorted({str(c).strip() for c in out.get("communities") or [] if str(c).strip()})
    if not codes:
        raise error("no_communities")
    known = set(
        Region.objects.filter(code__in=codes, level=5, code__startswith=district.code).values_list(
            "code", flat=True
        )
    )
    for c in codes:
        if c not in known:
            raise error("foreign_community", c=c)
    out["communities"] = codes
    if out["period_end"] < out["period_start"]:
        raise error("period")
    try:
        out["hours_per_community"] = Decimal(str(out["hours_per_community"]))
        out["funding_per_community"] = Decimal(str(out["funding_per_community"]))
    except (InvalidOperation, KeyError):
        raise error("amount") from None
    if out["hours_per_community"] < 0 or out["funding_per_community"] < 0:
        raise error("amount")
    if not (out.get("legal_basis") or "").strip():
        raise error("no_basis")
    out["form_fields"] = _clean_form_fields(out["kind"], out.get("form_fields"))
    out["report_every"] = out.get("report_every") or ReportEvery.ONCE
    if out["report_every"] not in ReportEvery.values:
        raise error("report_every")
    return out


def _event_data(app: Application, names=APPLICATION_FIELDS) -> dict:
    return {k: (v if isinstance(v := getattr(app, k), (list, dict)) else str(v)) for k in names}


@transaction.atomic
def application_create(*, department: Department, data: dict, by) -> Application:
    district = _district(department.region_id)
    if department.pk not in rules.user_department_ids(by):
        raise PermissionDenied()
    require(by, rules.APPLY, district)
    clean = _clean_application(district, data)
    app = Application.objects.create(region=district, department=department, created_by=by, **clean)
    ApplicationEvent.objects.create(application=app, kind=ApplicationEvent.Kind.CREATED, by=by)
    return app


@transaction.atomic
def application_update(*, application: Application, data: dict, by) -> Application:
    """Change an application while it may still be edited (a draft, or sent back for changes):
    the guard decides; the event keeps what changed."""
    app = Application.objects.select_for_update(of=("self",)).select_related("region").get(pk=application.pk)
    WORKFLOW.require("edit", app, by)
    current = {k: getattr(app, k) for k in APPLICATION_FIELDS}
    clean = _clean_application(app.region, {**current, **{k: v for k, v in data.items() if k in current}})
    changed = [k for k, v in clean.items() if v != current[k]]
    for k in changed:
        setattr(app, k, clean[k])
    if changed:
        app.save(update_fields=changed)
        ApplicationEvent.objects.create(
            application=app,
            kind=ApplicationEvent.Kind.EDITED,
            by=by,
            note="、".join(str(getattr(Application._meta.get_field(k), "verbose_name", k)) for k in changed)[
                :500
            ],
            data=_event_data(app, changed),
        )
    return app


def _negative_hit(app: Application) -> ListItem | None:
    from .selectors import list_in_force

    version = list_in_force(region=app.region_id)
    if version is None:
        return None
    for item in version.items.filter(kind=ListKind.NEGATIVE):
        if item.title and (item.title in app.title or app.title in item.title):
            return item
    return None


@transaction.atomic
def application_submit(*, application: Application, by, changes: dict | None = None) -> Application:
    app = Application.objects.select_for_update().get(pk=application.pk)
    WORKFLOW.require("submit", app, by)
    if changes:
        current = {k: getattr(app, k) for k in APPLICATION_FIELDS}
        clean = _clean_application(app.region, {**current, **changes})
        for k, v in clean.items():
            setattr(app, k, v)
    now = clock.now()
    earliest = calendar.add_working_days(now, LEAD_WORKING_DAYS).date()
    if app.period_start < earliest:
        raise error("lead_time", days=LEAD_WORKING_DAYS, earliest=earliest.isoformat())
    hit = _negative_hit(app)
    if hit is not None:
        raise error("negative_list", item=f"{hit.code} {hit.title}")
    if app.kind == "form" and not app.form_fields:
        raise error("form_fields_required")
    app.state = Application.State.UNDER_REVIEW
    app.submitted_at = now
    app.review_due = calendar.add_working_days(now, REVIEW_WORKING_DAYS)
    app.save()
    ApplicationEvent.objects.create(
        application=app,
        kind=ApplicationEvent.Kind.SUBMITTED,
        at=now,
        by=by,
        data=_event_data(app),
    )
    return app


DECISIONS = {
    "request_changes": ApplicationEvent.Kind.CHANGES_REQUESTED,
    "approve": ApplicationEvent.Kind.APPROVED,
    "refuse": ApplicationEvent.Kind.REFUSED,
    "withdraw": ApplicationEvent.Kind.WITHDRAWN,
}


@transaction.atomic
def application_decide(*, application: Application, step: str, reason: str, by) -> Application:
    """Ask for changes, approve, refuse (each with its reason) or withdraw an admitted item."""
    if step not in DECISIONS:
        raise error("wrong_state", state=step)
    app = Application.objects.select_for_update().get(pk=application.pk)
    WORKFLOW.require(step, app, by)
    reason = (reason or "").strip()
    if not reason:
        raise error("reason_required")
    now = clock.now()
    target = WORKFLOW.steps[step].target
    assert target is not None  # every admission step moves the state
    app.state = target
    app.decision_reason = reason[:500]
    app.decided_at = now
    app.save()
    ApplicationEvent.objects.create(application=app, kind=DECISIONS[step], at=now, by=by, note=reason[:500])
    if step == "approve":
        _deliver_admitted(app, by=by, at=now)
    elif step == "withdraw":
        Withdrawal.objects.create(application=app, reason=reason[:500], source="review", at=now, by=by)
        _withdraw_tasks(app, unit_code="", reason=reason, at=now, by=by)
    return app


def _withdraw_tasks(app: Application, *, unit_code: str, reason: str, at, by) -> int:
    """The item's open tasks (of one community, or everywhere) end as withdrawn, with the reason."""
    tasks = InboxTask.objects.select_for_update().filter(application=app, state=InboxTask.State.OPEN)
    if unit_code:
        tasks = tasks.filter(community_id=unit_code)
    found = list(tasks.values_list("pk", "community_id"))
    InboxTask.objects.filter(pk__in=[pk for pk, _c in found]).update(
        state=InboxTask.State.WITHDRAWN, withdrawal_reason=reason[:500]
    )
    TaskEvent.objects.bulk_create(
        TaskEvent(task_id=pk, community_id=c, kind=TaskEvent.Kind.WITHDRAWN, at=at, by=by, note=reason[:300])
        for pk, c in found
    )
    return len(found)


@transaction.atomic
def application_withdraw_after_evaluation(
    *, application: Application, unit_code: str, reason: str, source: str, data: dict, at=None
) -> Withdrawal | None:
    """Withdraw an admitted item after residents rated it poorly (自贡: items residents reject are
    withdrawn): from one community (`unit_code`) or, with "", from the catalogue. No user decides:
    the evaluation's rule does, when its results are final. Idempotent: an item no longer admitted,
    or already withdrawn from that unit, is left as it is (None); the database keeps one withdrawal
    per item and unit."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.state != Application.State.APPROVED or (unit_code and unit_code not in app.communities):
        return None
    if Withdrawal.objects.filter(application=app, unit_code__in={unit_code, ""}).exists():
        return None
    now = at or clock.now()
    reason = reason[:500]
    try:
        with transaction.atomic():
            withdrawal = Withdrawal.objects.create(
                application=app, unit_code=unit_code, reason=reason, source=source[:80], data=data, at=now
            )
    except IntegrityError:  # a parallel run got there first
        return None
    if unit_code:
        kind = ApplicationEvent.Kind.WITHDRAWN_UNIT
    else:
        kind = ApplicationEvent.Kind.WITHDRAWN
        app.state = Application.State.WITHDRAWN
        app.decision_reason = reason
        app.decided_at = now
        app.save(update_fields=["state", "decision_reason", "decided_at"])
    ApplicationEvent.objects.create(
        application=app, kind=kind, at=now, note=reason, data={"unit": unit_code, "source": source, **data}
    )
    _withdraw_tasks(app, unit_code=unit_code, reason=reason, at=now, by=None)
    return withdrawal


def _source_account(department_id: int) -> FundAccount:
    acc = FundAccount.objects.filter(department_id=department_id, application__isnull=True).first()
    if acc is None:
        try:
            with transaction.atomic():
                acc = FundAccount.objects.create(department_id=department_id, allow_negative=True)
        except IntegrityError:
            acc = FundAccount.objects.get(department_id=department_id, application__isnull=True)
    return acc


def _deliver_admitted(app: Application, *, by, at) -> None:
    """An admitted item reaches each of its communities as a task, with its funds (费随事转)."""
    deadline = app.period_end
    tasks = InboxTask.objects.bulk_create(
        InboxTask(
            community_id=code,
            source=InboxTask.Source.DEPARTMENT,
            department_id=app.department_id,
            sender=app.department.name,
            title=app.title,
            application=app,
            deadline=deadline,
            received_at=at,
        )
        for code in app.communities
    )
    TaskEvent.objects.bulk_create(
        TaskEvent(task=t, community_id=t.community_id, kind=TaskEvent.Kind.RECEIVED, at=at, by=by)
        for t in tasks
    )
    if app.funding_per_community > 0:
        source = _source_account(app.department_id)
        accounts = FundAccount.objects.bulk_create(
            FundAccount(department_id=app.department_id, application=app, community_id=code)
            for code in app.communities
        )
        accounts = list(FundAccount.objects.filter(application=app).order_by("pk"))
        total = app.funding_per_community * len(accounts)
        ledger_transfer(
            entry_model=FundEntry,
            movements=[Movement(source, -total)] + [Movement(a, app.funding_per_community) for a in accounts],
            reason=_("费随事转：%(t)s") % {"t": app.title},
            by=by,
            kind="transfer",
            at=at,
        )


# The community's inbox ------------------------------------------------------------------------


@transaction.atomic
def task_send(
    *,
    title: str,
    communities: list[str],
    by,
    department: Department | None = None,
    street: Region | None = None,
    application: Application | None = None,
    deadline: dt.date | None = None,
) -> list[InboxTask]:
    """A department or street puts a task into communities. Admitted only through an approved
    application that covers the community; otherwise it arrives marked as not admitted."""
    title = (title or "").strip()[:200]
    if not title:
        raise error("reason_required")
    if department is not None:
        if department.pk not in rules.user_department_ids(by):
            raise PermissionDenied()
        sender, source = department.name, InboxTask.Source.DEPARTMENT
    elif street is not None:
        # as the street: only its own staff (a department's district scope covers the street too)
        if not {street.code, ""} & set(scope_prefixes(by, rules.SEND_TASK)):
            raise PermissionDenied()
        sender, source = street.name, InboxTask.Source.STREET
    else:
        raise PermissionDenied()
    codes = sorted(set(communities))
    if not codes:
        raise error("no_communities")
    if application is not None:  # as it stands now, not as the caller last saw it
        application = Application.objects.get(pk=application.pk)
    now = clock.now()
    out = []
    for code in codes:
        if not Region.objects.filter(code=code, level=5).exists():
            raise error("foreign_community", c=code)
        require(by, rules.SEND_TASK, code)
        admitted = (
            application is not None
            and application.state == Application.State.APPROVED
            and code in application.communities
            and (department is None or application.department_id == department.pk)
            and not Withdrawal.objects.filter(application=application, unit_code=code).exists()
        )
        task = InboxTask.objects.create(
            community_id=code,
            source=source,
            department=department,
            sender=sender,
            title=title,
            application=application if admitted else None,
            deadline=deadline,
            received_at=now,
        )
        TaskEvent.objects.create(task=task, community_id=code, kind=TaskEvent.Kind.RECEIVED, at=now, by=by)
        out.append(task)
    return out


def refusal_rule(task: InboxTask) -> str:
    from .selectors import list_in_force

    version = list_in_force(region=task.community_id[:6])
    listed = (
        f"《{version.region.name}社区工作事项清单》第 {version.number} 版"
        if version
        else _("本区社区工作事项清单")
    )
    return _(
        "未经准入：不在%(list)s和已准入事项目录之内，依“权随责走、费随事转”和社区工作准入制度，社区有权拒绝。"
    ) % {"list": listed}


@transaction.atomic
def task_refuse(*, task: InboxTask, by) -> InboxTask:
    """One click: refuse a task that was not admitted, citing the rule; recorded against its sender."""
    task = InboxTask.objects.select_for_update().get(pk=task.pk)
    require(by, rules.INBOX, task, hide=True)
    if task.admitted:
        raise error("task_admitted")
    if task.state != InboxTask.State.OPEN:
        raise error("task_closed")
    now = clock.now()
    task.state = InboxTask.State.REFUSED
    task.refused_at = now
    task.refused_by = by
    task.refusal_rule = refusal_rule(task)[:300]
    task.save()
    TaskEvent.objects.create(
        task=task,
        community_id=task.community_id,
        kind=TaskEvent.Kind.REFUSED,
        at=now,
        by=by,
        note=task.refusal_rule,
    )
    return task


@transaction.atomic
def task_hours_record(*, task: InboxTask, hours, by, note: str = "") -> InboxTask:
    task = InboxTask.objects.select_for_update().get(pk=task.pk)
    require(by, rules.INBOX, task, hide=True)
    if task.state == InboxTask.State.REFUSED:
        raise error("task_closed")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise error("hours") from None
    if hours <= 0 or hours > 1000:
        raise error("hours")
    task.hours_spent += hours
    task.save(update_fields=["hours_spent"])
    TaskEvent.objects.create(
        task=task,
        community_id=task.community_id,
        kind=TaskEvent.Kind.HOURS,
        hours=hours,
        by=by,
        note=note[:300],
    )
    return task


@transaction.atomic
def task_complete(*, task: InboxTask, by) -> InboxTask:
    task = InboxTask.objects.select_for_update().get(pk=task.pk)
    require(by, rules.INBOX, task, hide=True)
    if task.state != InboxTask.State.OPEN:
        raise error("task_closed")
    task.state = InboxTask.State.DONE
    task.save(update_fields=["state"])
    TaskEvent.objects.create(task=task, community_id=task.community_id, kind=TaskEvent.Kind.DONE, by=by)
    return task
