"""The demands JSON API (/api/demands/, OpenAPI at /api/docs).

Create (any channel the caller may use), list (scoped), detail with the timeline, and one
endpoint per lifecycle step. Reads go through the selectors, writes through the services,
so the API refuses exactly what the pages refuse: 403 without the right, 404 out of scope,
409 for a step that does not fit the state, 400 for bad input — body {"code", "message"}.
`GET /api/demands/track/{code}` is public (the resident's tracking view).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut
from gongzhi.registry.models import Building

from . import selectors, services
from .errors import error
from .models import Category, Demand, HandlingUnit

router = Router(tags=["demands"], auth=api_auth)

MAX_LIMIT = 200


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class DemandIn(Schema):
    channel: str = "app"
    title: str
    body: str
    community: str | None = None
    building_id: int | None = None
    category: str | None = None  # category code, e.g. "property-leaks"
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    contact_phone: str = ""


class EventOut(Schema):
    at: dt.datetime
    kind: str
    kind_label: str
    from_state: str
    to_state: str
    unit: str | None
    note: str


class DemandOut(Schema):
    id: int
    tracking_code: str
    channel: str
    title: str
    body: str
    state: str
    state_label: str
    category: str | None
    community: str
    unit_id: int | None
    unit: str | None
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    sign_deadline: dt.datetime | None
    due_at: dt.datetime | None
    signed_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply: str
    resolution_kind: str
    satisfaction: str
    resolved: bool | None
    closed_at: dt.datetime | None
    overdue: bool


class DemandDetailOut(DemandOut):
    events: list[EventOut]
    allowed_actions: list[str]


class DemandPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DemandOut]


class TrackOut(Schema):
    tracking_code: str
    title: str
    state: str
    state_label: str
    unit: str | None
    due_at: dt.datetime | None
    reply: str
    events: list[EventOut]


def _out(d: Demand) -> dict:
    return {
        "id": d.pk,
        "tracking_code": d.tracking_code,
        "channel": d.channel,
        "title": d.title,
        "body": d.body,
        "state": d.state,
        "state_label": str(d.get_state_display()),
        "category": d.category.code if d.category is not None else None,
        "community": d.community_id,
        "unit_id": d.unit_id,
        "unit": d.unit.name if d.unit is not None else None,
        "created_at": d.created_at,
        "dispatched_at": d.dispatched_at,
        "sign_deadline": d.sign_deadline,
        "due_at": d.due_at,
        "signed_at": d.signed_at,
        "replied_at": d.replied_at,
        "reply": d.reply,
        "resolution_kind": d.resolution_kind,
        "satisfaction": d.satisfaction,
        "resolved": d.resolved,
        "closed_at": d.closed_at,
        "overdue": d.is_overdue(),
    }


def _event_out(e) -> dict:
    return {
        "at": e.at,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "from_state": e.from_state,
        "to_state": e.to_state,
        "unit": e.unit.name if e.unit_id else None,
        # timeline() decides what of the note may be shown; a new event of one's own intake
        # shows its note only when it was written for the resident.
        "note": getattr(e, "shown_note", e.note if e.note_public else ""),
    }


def _events(demand: Demand, *, public_only: bool) -> list[dict]:
    return [_event_out(e) for e in selectors.timeline(demand, public_only=public_only)]


def _community(code: str) -> Region | None:
    return selectors.intake_community(code)


def _leaf_category(code: str) -> Category | None:
    return selectors.intake_category(code)


def _detail(request, demand: Demand) -> dict:
    from .workflow import allowed_actions

    demand = selectors.demand_get(user=request.auth, pk=demand.pk)
    return {
        **_out(demand),
        "events": _events(demand, public_only=not selectors.sees_internal(request.auth, demand)),
        "allowed_actions": allowed_actions(demand, request.auth),
    }


def _get(request, demand_id: int) -> Demand:
    return selectors.demand_get(user=request.auth, pk=demand_id)


IDEMPOTENCY_KEY_DOC = (
    "Optional. 1-100 visible ASCII characters chosen by the client (a UUID is best). A repeat with "
    "the same key by the same account answers with the demand the first request created (201, "
    "header Idempotent-Replayed: true) instead of creating another; the same key with a different "
    "title or body is refused (409)."
)


@router.post("/", response={201: DemandDetailOut, **ERRORS}, summary="Create a demand")
def create(
    request,
    response: HttpResponse,
    payload: DemandIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_KEY_DOC),
):
    community = _community(payload.community) if payload.community else None
    building = Building.objects.filter(pk=payload.building_id).first() if payload.building_id else None
    if payload.building_id and building is None:
        raise error("building_not_found")
    category = None
    if payload.category:
        category = _leaf_category(payload.category)
        if category is None:
            raise error("category_not_leaf")
    demand = services.demand_create(
        by=request.auth,
        channel=payload.channel,
        title=payload.title,
        body=payload.body,
        community=community,
        building=building,
        category=category,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        idempotency_key=idempotency_key,
    )
    if demand.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(201, _detail(request, demand))
    # The new demand and its timeline (the one event just recorded) are at hand: answer
    # without reading them back (intake is the hot path).
    from .workflow import allowed_actions

    body = {
        **_out(demand),
        "events": [_event_out(e) for e in getattr(demand, "new_events", [])],
        "allowed_actions": allowed_actions(demand, request.auth),
    }
    return Status(201, body)


class ListFilters(Schema):
    state: str | None = None
    unit_id: int | None = None
    community: str | None = None
    mine: bool = False
    overdue: bool = False
    limit: int = 50
    offset: int = Field(0, le=MAX_OFFSET)


@router.get("/", response={200: DemandPage, **ERRORS}, summary="List demands in scope")
def list_demands(request, filters: Query[ListFilters]):
    user = request.auth
    qs = selectors.my_demands(user=user) if filters.mine else selectors.demands_visible(user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.community:
        qs = qs.filter(Q(community_id=filters.community) | Q(community__code__startswith=filters.community))
    if filters.overdue:
        qs = selectors.overdue(user=user).filter(pk__in=qs.values("pk"))
    qs = qs.select_related("category", "unit").order_by("-created_at", "-id")
    limit, offset = max(1, min(filters.limit, MAX_LIMIT)), max(0, filters.offset)
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [_out(d) for d in qs[offset : offset + limit]],
    }


@router.get("/ping", auth=None, summary="Liveness (the benchmark's trivial endpoint)")
def ping(request):
    return {"ok": True}


@router.get(
    "/track/{code}", response={200: TrackOut, 404: ErrorOut}, auth=None, summary="Public tracking view"
)
def track(request, code: str):
    demand = selectors.demand_by_code(code)
    return {
        "tracking_code": demand.tracking_code,
        "title": demand.title,
        "state": demand.state,
        "state_label": str(demand.get_state_display()),
        "unit": demand.unit.name if demand.unit is not None else None,
        "due_at": demand.due_at,
        "reply": demand.reply,
        "events": _events(demand, public_only=True),
    }


@router.get("/{demand_id}", response={200: DemandDetailOut, **ERRORS}, summary="One demand with its timeline")
def detail(request, demand_id: int):
    return _detail(request, _get(request, demand_id))


# --------------------------------------------------------------------------- transitions


class DispatchIn(Schema):
    unit_id: int
    category: str | None = None
    time_limit: str | None = None
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class DecisionIn(Schema):
    accept: bool
    note: str = ""


class ExtensionIn(Schema):
    reason: str
    working_days: int


class ReplyIn(Schema):
    reply: str
    resolution_kind: str


class CallbackIn(Schema):
    satisfaction: str
    resolved: bool
    note: str = ""


class RateIn(CallbackIn):
    phone: str = ""


class ClassifyIn(Schema):
    category: str
    time_limit: str | None = None


class CloseIn(Schema):
    note: str = ""
    force: bool = False


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise error("category_not_leaf")
    return category


@router.post("/{demand_id}/classify", response={200: DemandDetailOut, **ERRORS})
def classify(request, demand_id: int, payload: ClassifyIn):
    category = _category(payload.category)
    if category is None:
        raise error("category_required")
    d = services.demand_classify(
        demand=_get(request, demand_id),
        category=category,
        by=request.auth,
        time_limit=payload.time_limit,
    )
    return _detail(request, d)


@router.post("/{demand_id}/dispatch", response={200: DemandDetailOut, **ERRORS})
def dispatch(request, demand_id: int, payload: DispatchIn):
    demand = _get(request, demand_id)
    unit = HandlingUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFound()
    d = services.demand_dispatch(
        demand=demand,
        unit=unit,
        by=request.auth,
        category=_category(payload.category),
        time_limit=payload.time_limit,
        note=payload.note,
    )
    return _detail(request, d)


@router.post("/{demand_id}/sign", response={200: DemandDetailOut, **ERRORS})
def sign(request, demand_id: int):
    return _detail(request, services.demand_sign(demand=_get(request, demand_id), by=request.auth))


@router.post("/{demand_id}/return", response={200: DemandDetailOut, **ERRORS})
def return_(request, demand_id: int, payload: ReasonIn):
    demand = _get(request, demand_id)
    services.demand_return(demand=demand, by=request.auth, reason=payload.reason)
    return _detail(request, demand)


@router.post("/{demand_id}/return/decide", response={200: DemandDetailOut, **ERRORS})
def return_decide(request, demand_id: int, payload: DecisionIn):
    demand = _get(request, demand_id)
    services.return_decide(demand=demand, by=request.auth, accept=payload.accept, note=payload.note)
    if not request.auth.has_perm("demands.view", Demand.objects.get(pk=demand_id)):
        raise NotFound()
    return _detail(request, demand)


@router.post("/{demand_id}/extension", response={200: DemandDetailOut, **ERRORS})
def extension(request, demand_id: int, payload: ExtensionIn):
    demand = _get(request, demand_id)
    services.extension_request(
        demand=demand, by=request.auth, reason=payload.reason, working_days=payload.working_days
    )
    return _detail(request, demand)


@router.post("/{demand_id}/extension/decide", response={200: DemandDetailOut, **ERRORS})
def extension_decide(request, demand_id: int, payload: DecisionIn):
    demand = _get(request, demand_id)
    services.extension_decide(demand=demand, by=request.auth, approve=payload.accept, note=payload.note)
    return _detail(request, demand)


@router.post("/{demand_id}/remind", response={200: DemandDetailOut, **ERRORS})
def remind(request, demand_id: int, payload: NoteIn):
    return _detail(
        request, services.demand_remind(demand=_get(request, demand_id), by=request.auth, note=payload.note)
    )


@router.post("/{demand_id}/supervise", response={200: DemandDetailOut, **ERRORS})
def supervise(request, demand_id: int, payload: NoteIn):
    return _detail(
        request,
        services.demand_supervise(demand=_get(request, demand_id), by=request.auth, note=payload.note),
    )


@router.post("/{demand_id}/reply", response={200: DemandDetailOut, **ERRORS})
def reply(request, demand_id: int, payload: ReplyIn):
    d = services.demand_reply(
        demand=_get(request, demand_id),
        by=request.auth,
        reply=payload.reply,
        resolution_kind=payload.resolution_kind,
    )
    return _detail(request, d)


@router.post("/{demand_id}/callback", response={200: DemandDetailOut, **ERRORS})
def callback(request, demand_id: int, payload: CallbackIn):
    d = services.demand_callback(
        demand=_get(request, demand_id),
        by=request.auth,
        satisfaction=payload.satisfaction,
        resolved=payload.resolved,
        note=payload.note,
    )
    return _detail(request, d)


@router.post("/{demand_id}/rate", response={200: DemandDetailOut, **ERRORS})
def rate(request, demand_id: int, payload: RateIn):
    d = services.demand_rate(
        demand=_get(request, demand_id),
        by=request.auth,
        satisfaction=payload.satisfaction,
        resolved=payload.resolved,
        note=payload.note,
        phone=payload.phone,
    )
    return _detail(request, d)


@router.post("/{demand_id}/reopen", response={200: DemandDetailOut, **ERRORS})
def reopen(request, demand_id: int, payload: NoteIn):
    return _detail(
        request, services.demand_reopen(demand=_get(request, demand_id), by=request.auth, note=payload.note)
    )


@router.post("/{demand_id}/close", response={200: DemandDetailOut, **ERRORS})
def close(request, demand_id: int, payload: CloseIn):
    d = services.demand_close(
        demand=_get(request, demand_id), by=request.auth, note=payload.note, force=payload.force
    )
    return _detail(request, d)
