"""The registers' API (thin: permission, selector, shape)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema

from gongzhi.core.api_auth import api_auth
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut
from gongzhi.registry import selectors as registry

from . import bookings, estates, selectors, units
from .errors import error
from .rules import BOOK, MANAGE, MANAGE_SPACES, PLEDGE, UNIT, VIEW, may_set_estates
from .workflow import WORKFLOW

router = Router(tags=["organizations"], auth=api_auth)
READ_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    region: str
    credit_code: str
    registration: str = ""
    service_field: str = ""
    grade: str = ""
    staff_count: int = 0
    social_worker_count: int = 0
    communities_served: list[str] = []


class OrganizationPage(Schema):
    count: int
    items: list[OrganizationOut]


class CommitteeOut(Schema):
    id: int
    estate: str
    community: str
    term_start: str
    term_end: str
    overdue: bool


def _org(o) -> dict:
    p = getattr(o, "profile", None)
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "region": o.region_id,
        "credit_code": o.credit_code,
        "registration": p.registration if p else "",
        "service_field": p.service_field if p else "",
        "grade": p.grade if p else "",
        "staff_count": p.staff_count if p else 0,
        "social_worker_count": p.social_worker_count if p else 0,
        "communities_served": [r.code for r in p.communities_served.all()] if p else [],
    }


@router.get("/organizations", response={200: OrganizationPage, **READ_ERRORS}, summary="组织名册")
def organization_list(
    request, kind: str = "", q: str = "", limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)
):
    user = request.auth
    require(user, VIEW)
    qs = selectors.organization_list(user=user, kind=kind, q=q[:50]).prefetch_related(
        "profile__communities_served"
    )
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [_org(o) for o in qs[offset : offset + limit]]}


@router.get("/organizations/{org_id}", response={200: OrganizationOut, **READ_ERRORS}, summary="组织详情")
def organization_detail(request, org_id: int):
    user = request.auth
    require(user, VIEW)
    return _org(selectors.organization_get(user=user, pk=org_id))


class CompanyEstateOut(Schema):
    id: int
    name: str
    community: str
    community_name: str
    households: int


class CompanyEstatesOut(Schema):
    company_id: int
    can_set: bool
    items: list[CompanyEstateOut]


class CompanyEstatesIn(Schema):
    estate_ids: list[int]
    move: bool = False  # move estates another company manages (refused without it)


class CompanyEstatesChangeOut(CompanyEstatesOut):
    added: list[int]
    removed: list[int]
    moved: list[dict]  # {"estate": id, "from": the company's name}
    message: str


def _company_estates(user, org) -> dict:
    rows = selectors.company_estates(user=user, organization=org)[:2000]
    return {
        "company_id": org.pk,
        "can_set": may_set_estates(user, org),
        "items": [
            {
                "id": e.pk,
                "name": e.name,
                "community": e.community_id,
                "community_name": e.community.name,
                "households": e.household_count,
            }
            for e in rows
        ],
    }


@router.get(
    "/organizations/{org_id}/estates",
    response={200: CompanyEstatesOut, **READ_ERRORS},
    summary="物业公司管理的小区",
)
def company_estates(request, org_id: int):
    user = request.auth
    require(user, VIEW)
    return _company_estates(user, selectors.organization_get(user=user, pk=org_id))


@router.put(
    "/organizations/{org_id}/estates",
    response={200: CompanyEstatesChangeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="设定物业公司管理的小区（您管辖范围内以此为准）",
)
def company_estates_set(request, org_id: int, payload: CompanyEstatesIn):
    user = request.auth
    require(user, MANAGE)
    org = selectors.organization_get(user=user, pk=org_id)
    ids = list(dict.fromkeys(payload.estate_ids))[:2000]
    found = {e.pk: e for e in registry.estate_list(user=user, perm=MANAGE).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise error("estate_ids_not_found", ids=", ".join(str(i) for i in missing[:20]))
    change = estates.property_estates_set(
        by=user, company=org, estates=[found[i] for i in ids], move=payload.move
    )
    return _company_estates(user, org) | {
        "added": [e.pk for e in change.added],
        "removed": [e.pk for e in change.removed],
        "moved": [{"estate": e.pk, "from": name} for e, name in change.moved],
        "message": change.message(),
    }


@router.get(
    "/committees", response={200: list[CommitteeOut], **READ_ERRORS}, summary="业主委员会（当前一届）"
)
def committee_list(request, overdue: bool = False):
    user = request.auth
    require(user, VIEW)
    from gongzhi.core import clock

    today = clock.now().date()
    return [
        {
            "id": c.pk,
            "estate": c.estate.name,
            "community": c.community_id,
            "term_start": c.term_start.isoformat(),
            "term_end": c.term_end.isoformat(),
            "overdue": c.term_end < today,
        }
        for c in selectors.committee_list(user=user, overdue=overdue)[:500]
    ]


# --- shared spaces and bookings ----------------------------------------------------------

WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class SpaceOut(Schema):
    id: int
    name: str
    kind: str
    community: str
    capacity: int
    opens: str
    closes: str
    slot_minutes: int
    approval_required: bool


class SlotsOut(Schema):
    space_id: int
    date: str
    free: list[str]


class BookingIn(Schema):
    space_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    attendees: int = 1
    weeks: int = 1


class BookingOut(Schema):
    id: int
    space_id: int
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    series_id: int | None
    allowed_actions: list[str]


def _space(s) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "kind": s.kind,
        "community": s.community_id,
        "capacity": s.capacity,
        "opens": s.opens.strftime("%H:%M"),
        "closes": s.closes.strftime("%H:%M"),
        "slot_minutes": s.slot_minutes,
        "approval_required": s.approval_required,
    }


def _booking(b, user) -> dict:
    return {
        "id": b.pk,
        "space_id": b.space_id,
        "status": b.status,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "purpose": b.purpose,
        "series_id": b.series_id,
        "allowed_actions": WORKFLOW.allowed(b, user),
    }


@router.get("/spaces", response={200: list[SpaceOut], **READ_ERRORS}, summary="可预约的场地")
def space_list(request, kind: str = "", community: str = ""):
    user = request.auth
    require(user, BOOK)
    return [_space(s) for s in selectors.space_list(user=user, kind=kind, community=community[:12])[:500]]


@router.get("/availability", response={200: list[SlotsOut], **READ_ERRORS}, summary="空闲时段查询")
def availability(
    request, date_from: dt.date, date_to: dt.date | None = None, kind: str = "", community: str = ""
):
    user = request.auth
    require(user, BOOK)
    found = selectors.availability(
        user=user, date_from=date_from, date_to=date_to or date_from, kind=kind, community=community[:12]
    )
    return [
        {"space_id": r.space.pk, "date": r.day.isoformat(), "free": [s.isoformat() for s, _e in r.slots]}
        for r in found
    ]


@router.post(
    "/bookings", response={200: list[BookingOut], **WRITE_ERRORS}, summary="预约场地（weeks>1 为周期预约）"
)
def booking_create(request, payload: BookingIn):
    user = request.auth
    require(user, BOOK)
    space = selectors.space_get(user=user, pk=payload.space_id)
    if payload.weeks > 1:
        series = bookings.series_book(
            by=user,
            space=space,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            weeks=payload.weeks,
            purpose=payload.purpose,
            attendees=payload.attendees,
        )
        return [_booking(b, user) for b in series.bookings.order_by("starts_at")]
    b = bookings.booking_create(
        by=user,
        space=space,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        purpose=payload.purpose,
        attendees=payload.attendees,
    )
    return [_booking(b, user)]


@router.get("/bookings", response={200: list[BookingOut], **READ_ERRORS}, summary="我的预约")
def booking_list(request):
    user = request.auth
    require(user, BOOK)
    return [_booking(b, user) for b in selectors.bookings_mine(user=user)[:200]]


@router.post(
    "/bookings/{booking_id}/{action}", response={200: BookingOut, **WRITE_ERRORS}, summary="预约的操作"
)
def booking_act(request, booking_id: int, action: str):
    user = request.auth
    if not user.has_perm(MANAGE_SPACES):  # a unit contact handles their spaces' bookings, books none
        require(user, BOOK)
    booking = selectors.booking_get(user=user, pk=booking_id)
    return _booking(bookings.booking_act(by=user, booking=booking, action=action), user)


# --- a unit based in the area, for its contact (驻区单位联络员) ----------------------------------


class ResourceOut(Schema):
    id: int
    agreement_id: int
    community: str
    kind: str
    description: str
    quantity: str
    unit: str
    used: str


class AgreementOut(Schema):
    id: int
    community: str
    signed_on: dt.date
    expires_on: dt.date | None
    content: str


class UnitOut(Schema):
    id: int
    name: str
    region: str
    agreements: list[AgreementOut]
    resources: list[ResourceOut]
    spaces: list[SpaceOut]


class ResourceIn(Schema):
    kind: str
    description: str
    quantity: str
    unit: str


class ResourceUpdateIn(Schema):
    description: str
    quantity: str
    unit: str
    used: str = "0"


class UnitNeedOut(Schema):
    id: int
    community: str
    title: str
    service_field: str
    households: int
    status: str


class OfferIn(Schema):
    resource_id: int
    note: str = ""


class OfferOut(Schema):
    id: int
    need_id: int
    resource_id: int
    status: str
    note: str


class BlockIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str


def _resource(r) -> dict:
    return {
        "id": r.pk,
        "agreement_id": r.agreement_id,
        "community": r.community_id,
        "kind": r.kind,
        "description": r.description,
        "quantity": str(r.quantity),
        "unit": r.unit,
        "used": str(r.used),
    }


def _offer(o) -> dict:
    return {
        "id": o.pk,
        "need_id": o.need_id,
        "resource_id": o.resource_id,
        "status": o.status,
        "note": o.note,
    }


@router.get("/unit", response={200: list[UnitOut], **READ_ERRORS}, summary="本单位（驻区单位联络员）")
def unit_list(request):
    user = request.auth
    require(user, UNIT)
    return [
        {
            "id": u.pk,
            "name": u.name,
            "region": u.region_id,
            "agreements": [
                {
                    "id": a.pk,
                    "community": a.community_id,
                    "signed_on": a.signed_on,
                    "expires_on": a.expires_on,
                    "content": a.content,
                }
                for a in selectors.unit_agreements(unit=u)
            ],
            "resources": [_resource(r) for r in selectors.unit_resources(unit=u)],
            "spaces": [_space(s) for s in selectors.unit_spaces(unit=u)],
        }
        for u in selectors.unit_list(user=user).order_by("pk")
    ]


@router.post(
    "/unit/agreements/{agreement_id}/resources",
    response={200: ResourceOut, **WRITE_ERRORS},
    summary="登记承诺资源",
)
def unit_resource_new(request, agreement_id: int, payload: ResourceIn):
    from .models import CoBuildingAgreement

    user = request.auth
    require(user, PLEDGE)
    agreement = selectors.object_or_404(CoBuildingAgreement, agreement_id)
    r = units.resource_pledge(
        by=user,
        agreement=agreement,
        kind=payload.kind,
        description=payload.description,
        quantity=payload.quantity,
        unit=payload.unit,
    )
    return _resource(r)


@router.put(
    "/unit/resources/{resource_id}", response={200: ResourceOut, **WRITE_ERRORS}, summary="更新承诺资源"
)
def unit_resource_edit(request, resource_id: int, payload: ResourceUpdateIn):
    from .models import PledgedResource

    user = request.auth
    require(user, PLEDGE)
    resource = selectors.object_or_404(PledgedResource, resource_id, "agreement")
    r = units.resource_update(
        by=user,
        resource=resource,
        description=payload.description,
        quantity=payload.quantity,
        unit=payload.unit,
        used=payload.used,
    )
    return _resource(r)


@router.get("/unit/needs", response={200: list[UnitNeedOut], **READ_ERRORS}, summary="协议社区的居民需求")
def unit_needs(request, unit_id: int | None = None):
    user = request.auth
    require(user, UNIT)
    unit = selectors.unit_get(user=user, pk=unit_id)
    return [
        {
            "id": n.pk,
            "community": n.community_id,
            "title": n.title,
            "service_field": n.service_field,
            "households": n.households,
            "status": n.status,
        }
        for n in selectors.unit_needs(unit=unit)[:500]
    ]


@router.post(
    "/unit/needs/{need_id}/offers", response={200: OfferOut, **WRITE_ERRORS}, summary="用本单位资源认领需求"
)
def unit_offer(request, need_id: int, payload: OfferIn):
    from .models import Need, PledgedResource

    user = request.auth
    require(user, UNIT)
    need = selectors.object_or_404(Need, need_id)
    resource = selectors.object_or_404(PledgedResource, payload.resource_id, "agreement")
    return _offer(units.resource_offer(by=user, need=need, resource=resource, note=payload.note))


@router.get("/unit/offers", response={200: list[OfferOut], **READ_ERRORS}, summary="本单位的认领")
def unit_offers(request, unit_id: int | None = None):
    user = request.auth
    require(user, UNIT)
    unit = selectors.unit_get(user=user, pk=unit_id)
    return [_offer(o) for o in selectors.unit_offers(unit=unit)[:500]]


@router.get("/unit/bookings", response={200: list[BookingOut], **READ_ERRORS}, summary="本单位场地的待办预约")
def unit_bookings(request, unit_id: int | None = None):
    user = request.auth
    require(user, UNIT)
    unit = selectors.unit_get(user=user, pk=unit_id)
    return [_booking(b, user) for b in selectors.unit_bookings_to_handle(user=user, unit=unit)[:500]]


@router.post("/spaces/{space_id}/blocks", response={200: BookingOut, **WRITE_ERRORS}, summary="设置停用时段")
def space_block(request, space_id: int, payload: BlockIn):
    user = request.auth
    require(user, MANAGE_SPACES)
    space = selectors.space_get(user=user, pk=space_id, perm=MANAGE_SPACES)
    b = bookings.block_create(
        by=user, space=space, starts_at=payload.starts_at, ends_at=payload.ends_at, reason=payload.reason
    )
    return _booking(b, user)
