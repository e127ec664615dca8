"""The registers' API (thin: permission, selector, shape)."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema

from gongzhi.core.api_auth import api_auth
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut

from . import selectors
from .rules import VIEW

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
