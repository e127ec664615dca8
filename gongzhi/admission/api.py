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
    review_due: dt.datetime | None
    decision_reason: str
    allowed_actions: list[str]


class DecisionIn(Schema):
    reason: str = ""


class TaskOut(Schema):
    id: int
    community: str
    title: str
    sender: str
    admitted: bool
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
        "admitted": t.application_id is not None,
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
