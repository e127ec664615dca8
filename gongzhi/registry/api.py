"""The registry JSON API (/api/registry/, OpenAPI at /api/docs).

Scoped exactly like the pages: every read goes through the registry selectors and every
write through the services. A caller without the permission anywhere gets 403; an object
outside the caller's scope answers 404; identity numbers and phones leave masked, except
from `reveal`, which states a purpose and is written to the access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.history import history_for
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET

from . import selectors, services
from .errors import error
from .models import Person
from .rules import CHANGE_PERSON, REVEAL_PERSON, VIEW_PERSON
from .schemas import (
    BuildingOut,
    ChangePage,
    CommunityPage,
    DwellingOut,
    ErrorOut,
    EstatePage,
    HouseholdOut,
    PersonCreateIn,
    PersonOut,
    PersonPage,
    PersonPatchIn,
    RegionOut,
    RevealIn,
    RevealOut,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# An explicit bearer token is tried first; then the browser session.
router = Router(tags=["registry"], auth=api_auth)

READ_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _caller(request, perm: str = VIEW_PERSON):
    """The authenticated user, who must hold `perm` somewhere (else 403)."""
    user = request.auth
    require(user, perm)
    return user


def _page(qs: QuerySet, *, limit: int, offset: int) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": list(qs[offset : offset + limit])}


# Service errors that do not name their field: the field the API reports for them.
_FIELD_OF = {
    "name_required": "name",
    "name_too_long": "name",
    "sex_required": "sex",
    "sex_mismatch": "sex",
    "birth_mismatch": "birth_date",
    "duplicate_id_number": "id_number",
    "id_not_registrable_here": "id_number",
    "community_required": "community",
    "not_community": "community",
    "dwelling_other_community": "dwelling_id",
    "notes_too_long": "notes",
    "stale": "version",
}


@contextmanager
def _named_fields() -> Iterator[None]:
    try:
        yield
    except ApplicationError as exc:
        if exc.field is None:
            exc.field = _FIELD_OF.get(exc.code)
        if exc.code == "stale":
            exc.status = 409
        raise


def _person_data(user, payload: PersonCreateIn | PersonPatchIn) -> dict[str, Any]:
    """The fields the client sent, as the services take them."""
    data = payload.dict(exclude_unset=True)
    for key in ("note", "version", "community"):
        data.pop(key, None)
    if data.get("birth_date"):
        try:
            data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
        except ValueError:
            raise ApplicationError(
                "birth_date_invalid", _("出生日期格式不正确，应为 YYYY-MM-DD。"), field="birth_date"
            ) from None
    if "dwelling_id" in data:
        pk = data.pop("dwelling_id")
        try:
            data["dwelling"] = None if pk is None else selectors.dwelling_get(user=user, pk=pk)
        except NotFound as exc:
            raise ApplicationError("dwelling_not_found", exc.message, field="dwelling_id") from None
    return data


def _community(code: str | None) -> Region | None:
    return Region.objects.filter(code=code).first() if code else None


# People ----------------------------------------------------------------------------------


class PersonFilters(Schema):
    q: str = ""
    name: str = ""
    id_tail: str = ""
    phone: str = ""
    address: str = ""
    tag: str = ""
    community: str = ""
    status: str = "active"
    limit: int = DEFAULT_LIMIT
    offset: int = Field(0, le=MAX_OFFSET)


@router.get("/persons", response={200: PersonPage, **READ_ERRORS}, summary="查询居民（脱敏）")
def person_list(request, filters: Query[PersonFilters]):
    """`q` is read as what it looks like: the last four of an identity number, a mobile number,
    a full identity number, or a name prefix / address fragment. `limit` is capped at 200.
    A search by a full identity number or mobile number (in `q` or `phone`) confirms a number,
    so it needs the reveal permission (else 403) and is written to the access log. People
    are listed with their birth year only (`birth_year`, `age` reached this year)."""
    user = _caller(request)
    params = filters.dict()
    limit, offset = params.pop("limit"), params.pop("offset")
    qs = selectors.with_current_tags(selectors.person_search(user=user, **params))
    return _page(qs, limit=limit, offset=offset)


@router.post("/persons", response={201: PersonOut, **WRITE_ERRORS}, summary="登记居民")
def person_create(request, payload: PersonCreateIn):
    user = _caller(request, CHANGE_PERSON)
    with _named_fields():
        data = _person_data(user, payload)
        community = _community(payload.community)
        if community is None:  # an unknown code: refused as the service refuses a missing community
            raise error("community_required")
        person = services.person_create(by=user, community=community, data=data, note=payload.note)
    return Status(201, selectors.person_get(user=user, pk=person.pk))


@router.get("/persons/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="居民详情（脱敏）")
def person_detail(request, person_id: int):
    user = _caller(request)
    return selectors.person_get(user=user, pk=person_id)


@router.patch(
    "/persons/{person_id}", response={200: PersonOut, 409: ErrorOut, **WRITE_ERRORS}, summary="修改居民"
)
def person_update(request, person_id: int, payload: PersonPatchIn):
    """Send `version` as read; if someone changed the record since, the answer is 409."""
    user = _caller(request, CHANGE_PERSON)
    person = selectors.person_get(user=user, pk=person_id)
    require(user, CHANGE_PERSON, person)  # seen but not editable here: 403
    with _named_fields():
        data = _person_data(user, payload)
        if payload.community is not None:
            data["community"] = _community(payload.community)
            if data["community"] is None:
                raise error("community_required")
        person = services.person_update(
            by=user, person=person, data=data, expected_version=payload.version, note=payload.note
        )
    return selectors.person_get(user=user, pk=person.pk)


@router.post(
    "/persons/{person_id}/reveal",
    response={200: RevealOut, 429: ErrorOut, **WRITE_ERRORS},
    summary="查看完整身份号码和电话",
)
def person_reveal(request, person_id: int, payload: RevealIn):
    """Requires the reveal permission and a purpose from the lawful list (plus an optional
    note); each call is one access-log entry. Beyond the hourly reveal limit per user: 429."""
    user = _caller(request, REVEAL_PERSON)
    person = selectors.person_get(user=user, pk=person_id)
    require(user, REVEAL_PERSON, person)  # seen but not revealable: 403
    values = services.person_reveal(by=user, person=person, purpose=payload.purpose, note=payload.note)
    return {"id": person.pk, **values, "birth_date": person.birth_date}


@router.get("/persons/{person_id}/history", response={200: ChangePage, **READ_ERRORS}, summary="居民修改历史")
def person_history(
    request, person_id: int, limit: int = DEFAULT_LIMIT, offset: int = Query(0, le=MAX_OFFSET)
):
    user = _caller(request)
    person: Person = selectors.person_get(user=user, pk=person_id)
    return _page(history_for(person), limit=limit, offset=offset)


# Households and places ------------------------------------------------------------------


@router.get("/households/{household_id}", response={200: HouseholdOut, **READ_ERRORS}, summary="户及成员")
def household_detail(request, household_id: int):
    user = _caller(request)
    return selectors.household_get(user=user, pk=household_id)


@router.get("/estates", response={200: EstatePage, **READ_ERRORS}, summary="小区/院落")
def estate_list(
    request, community: str = "", limit: int = DEFAULT_LIMIT, offset: int = Query(0, le=MAX_OFFSET)
):
    user = _caller(request)
    return _page(selectors.estate_list(user=user, community=community or None), limit=limit, offset=offset)


@router.get(
    "/estates/{estate_id}/buildings", response={200: list[BuildingOut], **READ_ERRORS}, summary="小区的楼栋"
)
def building_list(request, estate_id: int):
    user = _caller(request)
    estate = selectors.estate_get(user=user, pk=estate_id)
    return selectors.building_list(user=user, estate=estate)


@router.get(
    "/buildings/{building_id}/dwellings",
    response={200: list[DwellingOut], **READ_ERRORS},
    summary="楼栋的房屋",
)
def dwelling_list(request, building_id: int):
    user = _caller(request)
    building = selectors.building_get(user=user, pk=building_id)
    return selectors.dwelling_list(building=building)


@router.get("/communities", response={200: CommunityPage, **READ_ERRORS}, summary="我管辖的社区及居民数")
def community_list(request, limit: int = DEFAULT_LIMIT, offset: int = Query(0, le=MAX_OFFSET)):
    user = _caller(request)
    return _page(selectors.communities_with_resident_counts(user=user), limit=limit, offset=offset)


@router.get(
    "/regions/{code}/children", response={200: list[RegionOut], 404: ErrorOut}, summary="下级行政区划"
)
def region_children(request, code: str):
    """Public reference data: any signed-in caller may read it."""
    return selectors.region_children(code=code)
