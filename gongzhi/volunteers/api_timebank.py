"""Time-bank API (/api/volunteers/timebank/): a member's balance and statement (deposits positive,
withdrawals negative), offers and requests across the district, recording and confirming
services, gifts to family and donations to the pool; staff read the accounts of their communities
and confirm pool-paid services. The same selectors and services as the phone page."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut
from gongzhi.registry.selectors import household_members, person_get, person_of_user

from . import rules
from . import timebank as tb

router = Router(tags=["volunteers"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class EntryOut(Schema):
    id: int
    at: dt.datetime
    amount: Decimal
    kind: str
    reason: str
    transfer: uuid.UUID


class ServiceOut(Schema):
    id: int
    provider_id: int
    served_id: int
    description: str
    hours: Decimal
    served_on: dt.date
    state: str
    from_pool: bool


class AccountOut(Schema):
    id: int
    person_id: int | None
    name: str
    community: str
    balance: Decimal
    pool: bool


class MeOut(Schema):
    account_id: int
    balance: Decimal
    limit: Decimal
    community: str
    to_confirm: list[ServiceOut]


class PostOut(Schema):
    id: int
    kind: str
    title: str
    community: str
    mine: bool


class PostIn(Schema):
    kind: str
    title: str


class ServiceIn(Schema):
    hours: Decimal
    served_on: dt.date


class ChequeIn(Schema):
    provider_id: int
    served_id: int
    hours: Decimal
    served_on: dt.date
    description: str
    from_pool: bool = False


class HoursIn(Schema):
    hours: Decimal


class GiftIn(Schema):
    recipient_id: int
    hours: Decimal


def _me(request):
    require(request.auth, rules.JOIN)
    person = person_of_user(user=request.auth)
    if person is None:
        raise ApplicationError("no_person", tb.MESSAGES["no_person"])
    return person


def _service(s) -> dict:
    return {
        "id": s.pk,
        "provider_id": s.provider_id,
        "served_id": s.served_id,
        "description": s.description,
        "hours": s.hours,
        "served_on": s.served_on,
        "state": s.state,
        "from_pool": s.from_pool,
    }


def _account(a) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "name": a.person.name if a.person_id else str(tb.POOL_LABEL),
        "community": a.community_id,
        "balance": a.balance,
        "pool": a.person_id is None,
    }


def _page(qs, limit: int, offset: int):
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    return qs[offset : offset + limit]


@router.get("/timebank/me/", response={200: MeOut, **ERRORS})
def me(request):
    person = _me(request)
    account = tb.time_account(person)
    return {
        "account_id": account.pk,
        "balance": account.balance,
        "limit": tb.MAX_BALANCE,
        "community": account.community_id,
        "to_confirm": [_service(s) for s in tb.time_services_to_confirm(person=person)],
    }


@router.get("/timebank/me/entries/", response={200: list[EntryOut], **ERRORS})
def my_entries(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    account = tb.time_account(_me(request))
    return list(_page(tb.time_statement(account=account), limit, offset))


@router.get("/timebank/posts/", response={200: list[PostOut], **ERRORS})
def posts(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    person = _me(request)
    return [
        {
            "id": p.pk,
            "kind": p.kind,
            "title": p.title,
            "community": p.community_id,
            "mine": p.person_id == person.pk,
        }
        for p in _page(tb.time_posts(person=person), limit, offset)
    ]


@router.post("/timebank/posts/", response={201: PostOut, **ERRORS})
def post_create(request, payload: PostIn):
    person = _me(request)
    p = tb.timepost_create(person=person, kind=payload.kind, title=payload.title, by=request.auth)
    return Status(
        201, {"id": p.pk, "kind": p.kind, "title": p.title, "community": p.community_id, "mine": True}
    )


@router.post("/timebank/posts/{pk}/services/", response={201: ServiceOut, **ERRORS})
def service_record(request, pk: int, payload: ServiceIn):
    """I served the author of this post: recorded for them (or their household) to confirm."""
    person = _me(request)
    post = tb.time_posts(person=person).filter(pk=pk).first()
    if post is None:
        raise NotFound()
    s = tb.timeservice_record(
        provider=person,
        served=post.person,
        hours=payload.hours,
        served_on=payload.served_on,
        description=post.title,
        post=post,
        by=request.auth,
    )
    return Status(201, _service(s))


@router.post("/timebank/services/{pk}/confirm/", response={200: ServiceOut, **ERRORS})
def service_confirm(request, pk: int):
    """The one served (or their household) confirms; staff confirm pool-paid services."""
    user = request.auth
    service = None
    if user.person_id and user.has_perm(rules.JOIN):
        person = person_of_user(user=user)
        if person is not None:
            service = tb.time_services_to_confirm(person=person).filter(pk=pk).first()
    if service is None and user.has_perm(rules.MANAGE):
        service = tb.time_pool_services_pending(user=user).filter(pk=pk).first()
    if service is None:
        raise NotFound()
    return _service(tb.timeservice_confirm(service=service, by=user))


@router.post("/timebank/gift/", response={200: MeOut, **ERRORS})
def gift(request, payload: GiftIn):
    person = _me(request)
    membership = getattr(person, "membership", None)
    family = (
        {m.person_id: m.person for m in household_members(household=membership.household)}
        if membership
        else {}
    )
    recipient = family.get(payload.recipient_id)
    if recipient is None or recipient.pk == person.pk:
        raise ApplicationError("not_family", tb.MESSAGES["not_family"])
    tb.time_gift(giver=person, recipient=recipient, hours=payload.hours, by=request.auth)
    return me(request)


@router.post("/timebank/donate/", response={200: MeOut, **ERRORS})
def donate(request, payload: HoursIn):
    tb.time_donate(giver=_me(request), hours=payload.hours, by=request.auth)
    return me(request)


# Staff ---------------------------------------------------------------------------------------------


@router.get("/timebank/accounts/", response={200: list[AccountOut], **ERRORS})
def accounts(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """The members' accounts and community pools of the caller's communities."""
    require(request.auth, rules.MANAGE)
    return [_account(a) for a in _page(tb.time_accounts(user=request.auth), limit, offset)]


@router.get("/timebank/accounts/{pk}/entries/", response={200: list[EntryOut], **ERRORS})
def account_entries(request, pk: int, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    require(request.auth, rules.MANAGE)
    account = tb.time_account_get(user=request.auth, pk=pk)
    return list(_page(tb.time_statement(account=account), limit, offset))


@router.post("/timebank/services/", response={201: ServiceOut, **ERRORS})
def cheque_enter(request, payload: ChequeIn):
    """Staff enter a paper service cheque (provider and served by their registry ids); it waits
    for the one served (or, pool-paid, for staff) to confirm."""
    require(request.auth, rules.MANAGE)
    provider = person_get(user=request.auth, pk=payload.provider_id)
    served = person_get(user=request.auth, pk=payload.served_id)
    s = tb.timeservice_record(
        provider=provider,
        served=served,
        hours=payload.hours,
        served_on=payload.served_on,
        description=payload.description,
        from_pool=payload.from_pool,
        by=request.auth,
    )
    return Status(201, _service(s))


@router.get("/timebank/pool-services/", response={200: list[ServiceOut], **ERRORS})
def pool_services(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Pool-paid services to elderly people without family, waiting for staff to confirm."""
    require(request.auth, rules.MANAGE)
    return [_service(s) for s in _page(tb.time_pool_services_pending(user=request.auth), limit, offset)]
