"""The admission API (thin): lists, applications with their allowed actions, the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema

from gongzhi.core.schemas import ErrorOut

from . import selectors, services
from .workflow import WORKFLOW

router = Router(tags=["admission"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ItemOut(Schema):
    kind: str
    code: str
    title: str
    basis: str


class ListOut(Schema):
    district: str
    number: int
    published_at: dt.datetime | None
    items: list[ItemOut]


class ApplicationOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    department: str
    communities: list[str]
    period_start: dt.date
    period_end: dt.date
    hours_per_community: float
    funding_per_community: float
    legal_basis: str
    form_fields: list[dict]
    report_every: str
    review_due: dt.datetime | None
    decision_reason: str
    allowed_actions: list[str]


class DecisionIn(Schema):
    reason: str = ""


class FormFieldIn(Schema):
    name: str
    figure: str = ""
    unit: str = ""


class ApplicationPatchIn(Schema):
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    communities: list[str] | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    hours_per_community: float | None = None
    funding_per_community: float | None = None
    materials: str | None = None
    legal_basis: str | None = None
    form_fields: list[FormFieldIn] | None = None
    report_every: str | None = None


class TaskIn(Schema):
    title: str
    communities: list[str]
    department_id: int | None = None
    street: str | None = None
    application_id: int | None = None
    deadline: dt.date | None = None


class ReportRowOut(Schema):
    name: str
    unit: str
    value: str
    source: str


class ReportFormOut(Schema):
    task: int
    period: str
    periods_open: list[str]
    rows: list[ReportRowOut]


class ReportIn(Schema):
    period: str
    values: dict[str, str] = {}


class ReportOut(Schema):
    id: int
    task: int
    period: str
    from_records: int
    typed: int


class TaskOut(Schema):
    id: int
    community: str
    title: str
    sender: str
    source: str  # department / street / platform (the platform's own work)
    admitted: bool
    listed_duty: str  # the list's duty that admits the platform's work ("" otherwise)
    link: str  # where the platform's work is done
    state: str
    deadline: dt.date | None
    hours_spent: float
    refusal_rule: str


def _app_out(app, user) -> dict:
    return {
        "id": app.pk,
        "title": app.title,
        "kind": app.kind,
        "state": app.state,
        "department": app.department.name,
        "communities": app.communities,
        "period_start": app.period_start,
        "period_end": app.period_end,
        "hours_per_community": float(app.hours_per_community),
        "funding_per_community": float(app.funding_per_community),
        "legal_basis": app.legal_basis,
        "form_fields": app.form_fields,
        "report_every": app.report_every,
        "review_due": app.review_due,
        "decision_reason": app.decision_reason,
        "allowed_actions": WORKFLOW.allowed(app, user),
    }


def _task_out(t) -> dict:
    return {
        "id": t.pk,
        "community": t.community_id,
        "title": t.title,
        "sender": t.sender,
        "source": t.source,
        "admitted": t.admitted,
        "listed_duty": f"{t.list_item.code} {t.list_item.title}" if t.list_item_id else "",
        "link": t.link,
        "state": t.state,
        "deadline": t.deadline,
        "hours_spent": float(t.hours_spent),
        "refusal_rule": t.refusal_rule,
    }


@router.get(
    "/lists/{district}/",
    response={200: ListOut, **ERRORS},
    auth=None,
    summary="The district's lists in force",
)
def lists_in_force(request, district: str):
    from gongzhi.core.errors import NotFound

    v = selectors.list_in_force(region=district[:6])
    if v is None:
        raise NotFound()
    items = [{"kind": i.kind, "code": i.code, "title": i.title, "basis": i.basis} for i in v.items.all()]
    return {"district": v.region_id, "number": v.number, "published_at": v.published_at, "items": items}


@router.get("/applications/", response={200: list[ApplicationOut], **ERRORS}, summary="Applications in scope")
def applications(request):
    qs = selectors.application_queryset(user=request.auth)[:200]
    return [_app_out(a, request.auth) for a in qs]


@router.get("/applications/{pk}/", response={200: ApplicationOut, **ERRORS}, summary="One application")
def application(request, pk: int):
    return _app_out(selectors.application_get(user=request.auth, pk=pk), request.auth)


@router.post(
    "/applications/{pk}/{step}/", response={200: ApplicationOut, **ERRORS}, summary="Take a workflow step"
)
def application_act(request, pk: int, step: str, payload: DecisionIn):
    from gongzhi.core.errors import NotFound

    app = selectors.application_get(user=request.auth, pk=pk)
    if step == "submit":
        app = services.application_submit(application=app, by=request.auth)
    elif step in services.DECISIONS:
        app = services.application_decide(application=app, step=step, reason=payload.reason, by=request.auth)
    else:
        raise NotFound()
    return _app_out(app, request.auth)


@router.get(
    "/inbox/", response={200: list[TaskOut], **ERRORS}, summary="Tasks reaching the user's communities"
)
def inbox(request, state: str = ""):
    from gongzhi.core.permissions import require

    from . import rules

    require(request.auth, rules.INBOX)
    return [_task_out(t) for t in selectors.inbox(user=request.auth, state=state)[:200]]


@router.post("/inbox/{pk}/refuse/", response={200: TaskOut, **ERRORS}, summary="Refuse an unadmitted task")
def task_refuse(request, pk: int):
    task = selectors.task_get(user=request.auth, pk=pk)
    return _task_out(services.task_refuse(task=task, by=request.auth))


@router.patch(
    "/applications/{pk}/",
    response={200: ApplicationOut, **ERRORS},
    summary="Edit an application while the guard allows it (draft, or sent back for changes)",
)
def application_edit(request, pk: int, payload: ApplicationPatchIn):
    app = selectors.application_get(user=request.auth, pk=pk)
    data = payload.dict(exclude_none=True)
    app = services.application_update(application=app, data=data, by=request.auth)
    return _app_out(app, request.auth)


@router.post("/tasks/", response={200: list[TaskOut], **ERRORS}, summary="Send a task to communities")
def task_send(request, payload: TaskIn):
    from gongzhi.core.errors import NotFound, PermissionDenied
    from gongzhi.core.models import Department, Region

    department = street = application = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id).first()
        if department is None:
            raise NotFound()
    elif payload.street:
        street = Region.objects.filter(code=payload.street, level=4).first()
        if street is None:
            raise NotFound()
    else:
        raise PermissionDenied()
    if payload.application_id is not None:
        # only a department's own admitted items; anything else is not found
        sendable = selectors.sendable_applications(user=request.auth)
        application = sendable.filter(pk=payload.application_id).first()
        if application is None:
            raise NotFound()
    tasks = services.task_send(
        title=payload.title,
        communities=payload.communities,
        by=request.auth,
        department=department,
        street=street,
        application=application,
        deadline=payload.deadline,
    )
    return [_task_out(t) for t in tasks]


@router.get("/tasks/", response={200: list[TaskOut], **ERRORS}, summary="Tasks the user's units sent")
def tasks_sent(request, state: str = ""):
    from gongzhi.core.permissions import require

    from . import rules

    require(request.auth, rules.SEND_TASK)
    qs = selectors.sent_tasks(user=request.auth)
    if state:
        qs = qs.filter(state=state)
    return [_task_out(t) for t in qs[:200]]


@router.get(
    "/inbox/{pk}/report/",
    response={200: ReportFormOut, **ERRORS},
    summary="一表通: an admitted form filled from the records",
)
def report_form(request, pk: int, period: str = ""):
    from . import reports

    task = selectors.task_get(user=request.auth, pk=pk)
    if task.application is None or not task.application.form_fields:
        from .errors import error

        raise error("report_no_form")
    sent = {r.period for r in reports.reports_of_task(task)}
    open_periods = [p for p in reports.report_periods(task.application) if p not in sent]
    period = period or (open_periods or [""])[-1]
    rows = reports.report_rows(task=task, period=period, user=request.auth) if period in open_periods else []
    return {
        "task": task.pk,
        "period": period,
        "periods_open": open_periods,
        "rows": [{"name": r.name, "unit": r.unit, "value": r.value, "source": r.source} for r in rows],
    }


@router.post("/inbox/{pk}/report/", response={200: ReportOut, **ERRORS}, summary="Send a form's return")
def report_submit(request, pk: int, payload: ReportIn):
    from . import reports

    task = selectors.task_get(user=request.auth, pk=pk)
    r = reports.report_submit(task=task, period=payload.period, typed=payload.values, by=request.auth)
    return {"id": r.pk, "task": task.pk, "period": r.period, "from_records": r.from_records, "typed": r.typed}
