"""The volunteers JSON API (/api/volunteers/): activities and shifts, sign-up and cancel, check-in
and check-out by code, the caller's hours, star level and points, the reward catalogue and
redemption, and the staff roster. Reads through selectors, writes through services: 403 without
the right, 404 out of scope, 409 for a conflict (full, already, out of stock), 400 for bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut
from gongzhi.registry.selectors import person_get, person_of_user

from . import points, rules, selectors, services
from .errors import error

router = Router(tags=["volunteers"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ShiftOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    places: int
    taken: int


class ActivityOut(Schema):
    id: int
    title: str
    place: str
    community: str
    team: str | None
    needs_background_check: bool
    shifts: list[ShiftOut]


class SignUpOut(Schema):
    id: int
    shift_id: int
    status: str


class SummaryOut(Schema):
    volunteer_id: int
    hours_checkin: Decimal
    hours_staff: Decimal
    hours_corrections: Decimal
    hours_total: Decimal
    stars: int
    points: Decimal


class CodeIn(Schema):
    code: str


class HoursOut(Schema):
    id: int | None
    hours: Decimal | None


class RegisterIn(Schema):
    person_id: int | None = None
    skills: str = ""
    availability: str = ""


class VolunteerOut(Schema):
    id: int
    name: str
    community: str
    team: str | None
    channel: str


class RewardOut(Schema):
    id: int
    name: str
    cost: int
    stock: int


class RedemptionOut(Schema):
    id: int
    code: str
    points: int


def _activity_out(a) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "place": a.place,
        "community": a.community_id,
        "team": a.team.name if a.team_id else None,
        "needs_background_check": a.needs_background_check,
        "shifts": list(
            a.shifts.order_by("starts_at").values("id", "starts_at", "ends_at", "places", "taken")
        ),
    }


def _me(request):
    v = selectors.volunteer_of_user(user=request.auth)
    if v is None:
        raise error("not_volunteer")
    return v


@router.get("/activities/", response={200: list[ActivityOut], **ERRORS})
def activity_list(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    require(request.auth, rules.BROWSE)
    limit = max(1, min(limit, 200))
    qs = selectors.activity_list(user=request.auth)[max(0, offset) : max(0, offset) + limit]
    return [_activity_out(a) for a in qs]


@router.get("/activities/{pk}/", response={200: ActivityOut, **ERRORS})
def activity_detail(request, pk: int):
    return _activity_out(selectors.activity_get(user=request.auth, pk=pk))


@router.post("/shifts/{pk}/signup/", response={201: SignUpOut, **ERRORS})
def signup(request, pk: int):
    shift = selectors.shift_get(user=request.auth, pk=pk)
    s = services.signup_create(shift=shift, volunteer=_me(request), by=request.auth)
    return Status(201, {"id": s.pk, "shift_id": s.shift_id, "status": s.status})


@router.post("/signups/{pk}/cancel/", response={200: SignUpOut, **ERRORS})
def signup_cancel(request, pk: int):
    s = services.signup_cancel(signup=selectors.signup_get(user=request.auth, pk=pk), by=request.auth)
    return {"id": s.pk, "shift_id": s.shift_id, "status": s.status}


@router.post("/activities/{pk}/checkin/", response={201: dict, **ERRORS})
def checkin(request, pk: int, payload: CodeIn):
    activity = selectors.activity_get(user=request.auth, pk=pk)
    c = services.checkin_record(activity=activity, volunteer=_me(request), code=payload.code, by=request.auth)
    return Status(201, {"id": c.pk, "checked_in_at": c.checked_in_at.isoformat()})


@router.post("/activities/{pk}/checkout/", response={200: HoursOut, **ERRORS})
def checkout(request, pk: int, payload: CodeIn):
    activity = selectors.activity_get(user=request.auth, pk=pk)
    r = services.checkout_record(
        activity=activity, volunteer=_me(request), code=payload.code, by=request.auth
    )
    return {"id": r.pk if r else None, "hours": r.hours if r else None}


@router.get("/me/", response={200: SummaryOut, **ERRORS})
def me(request):
    v = _me(request)
    s = selectors.volunteer_summary(volunteer=v)
    return {
        "volunteer_id": v.pk,
        "hours_checkin": s.checkin,
        "hours_staff": s.staff,
        "hours_corrections": s.corrections,
        "hours_total": s.total,
        "stars": s.stars,
        "points": s.points,
    }


@router.post("/volunteers/", response={201: VolunteerOut, **ERRORS})
def register(request, payload: RegisterIn):
    """Without person_id: the caller registers themselves; with it: staff register a walk-in."""
    if payload.person_id is None:
        require(request.auth, rules.JOIN)
        person = person_of_user(user=request.auth)
        if person is None:
            raise error("no_person")
    else:
        require(request.auth, rules.MANAGE)
        person = person_get(user=request.auth, pk=payload.person_id)
    v = services.volunteer_register(
        person=person, by=request.auth, skills=payload.skills, availability=payload.availability
    )
    return Status(201, _volunteer_out(v))


def _volunteer_out(v) -> dict:
    return {
        "id": v.pk,
        "name": v.name,
        "community": v.community_id,
        "team": v.team.name if v.team_id else None,
        "channel": v.channel,
    }


@router.get("/volunteers/", response={200: list[VolunteerOut], **ERRORS})
def volunteer_list(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    require(request.auth, rules.VIEW)
    limit = max(1, min(limit, 200))
    qs = selectors.volunteer_list(user=request.auth)[max(0, offset) : max(0, offset) + limit]
    return [_volunteer_out(v) for v in qs]


@router.get("/rewards/", response={200: list[RewardOut], **ERRORS})
def reward_list(request):
    require(request.auth, rules.BROWSE)
    return list(selectors.reward_list(user=request.auth).values("id", "name", "cost", "stock"))


@router.post("/rewards/{pk}/redeem/", response={201: RedemptionOut, **ERRORS})
def redeem(request, pk: int):
    item = selectors.reward_get(user=request.auth, pk=pk)
    r = points.reward_redeem(item=item, volunteer=_me(request), by=request.auth)
    return Status(201, {"id": r.pk, "code": r.code, "points": r.points})


# Micro-wishes: the same guard as the page, its answer returned as allowed_actions ----------------


class WishOut(Schema):
    id: int
    title: str
    description: str
    community: str
    state: str
    claimant: str
    due_at: dt.datetime | None
    allowed_actions: list[str]


def _wish_out(wish, user) -> dict:
    from .workflow import WORKFLOW

    return {
        "id": wish.pk,
        "title": wish.title,
        "description": wish.description,
        "community": wish.community_id,
        "state": wish.state,
        "claimant": wish.claimant,
        "due_at": wish.due_at,
        "allowed_actions": WORKFLOW.allowed(wish, user),
    }


@router.get("/wishes/", response={200: list[WishOut], **ERRORS})
def wish_list(request, state: str = "", limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Published without personal details: the person in need is never part of this answer."""
    from . import wishes

    require(request.auth, rules.BROWSE)
    limit = max(1, min(limit, 200))
    qs = wishes.wish_list(user=request.auth, state=state)[max(0, offset) : max(0, offset) + limit]
    return [_wish_out(w, request.auth) for w in qs]


class WishStepIn(Schema):
    reason: str = Field("", max_length=200)


class WishRequestIn(Schema):
    person: int
    title: str = Field(max_length=100)
    description: str = Field("", max_length=300)


@router.post("/wishes/", response={201: WishOut, **ERRORS})
def wish_request(request, payload: WishRequestIn):
    """A resident asks for a wish for themselves or their household; it waits for the community's review."""
    from . import wishes

    person = next((p for p in wishes.request_choices(user=request.auth) if p.pk == payload.person), None)
    if person is None:
        from gongzhi.core.errors import ApplicationError

        raise ApplicationError("not_household", _("只能为自己或同户家人提出心愿。"), status=403)
    wish = wishes.wish_request(
        beneficiary=person, title=payload.title, description=payload.description, by=request.auth
    )
    return Status(201, _wish_out(wish, request.auth))


@router.post("/wishes/{pk}/decline/", response={200: WishOut, **ERRORS})
def wish_decline(request, pk: int, payload: WishStepIn):
    """Declining takes the reason the household will read."""
    from . import wishes

    wish = wishes.wish_get(user=request.auth, pk=pk)
    return _wish_out(wishes.wish_decline(wish=wish, by=request.auth, reason=payload.reason), request.auth)


@router.post("/wishes/{pk}/{step}/", response={200: WishOut, **ERRORS})
def wish_step(request, pk: int, step: str):
    from . import wishes
    from .views_wishes import STEP_SERVICES

    wish = wishes.wish_get(user=request.auth, pk=pk)
    service = STEP_SERVICES.get(step)
    if service is None:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    return _wish_out(service(wish=wish, by=request.auth), request.auth)


from .api_certificates import router as certificates_router  # noqa: E402

router.add_router("", certificates_router)

from .api_timebank import router as timebank_router  # noqa: E402

router.add_router("", timebank_router)
