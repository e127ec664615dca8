"""API of the facilities register: compliance per community, the service circle, premises."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.schemas import ErrorOut
from gongzhi.core.scoping import in_scope

from . import rules, selectors, services
from .circle import RADII
from .models import FacilityKind

router = Router(tags=["facilities"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _region(user, code: str) -> Region:
    require(user, rules.VIEW)
    region = Region.objects.filter(code=code).first()
    if region is None or not in_scope(user, rules.VIEW, code):
        raise NotFound()
    return region


class RowOut(Schema):
    standard: str
    version: int
    required: str
    actual: str
    gap: str
    unit: str
    cost: str
    met: bool


class CommunityOut(Schema):
    code: str
    name: str
    households: int
    residents: int
    met: int
    standards: list[RowOut]


@router.get("/compliance/", response={200: list[CommunityOut], **ERRORS})
def compliance(request, region: str):
    r = _region(request.auth, region)
    return [
        CommunityOut(
            code=c.region.code,
            name=c.region.name,
            households=c.facts.households,
            residents=c.facts.residents,
            met=c.met,
            standards=[
                RowOut(
                    standard=x.standard.code,
                    version=x.standard.version,
                    required=str(x.result.required),
                    actual=str(x.result.actual),
                    gap=str(x.result.gap),
                    unit=x.result.unit,
                    cost=str(x.result.cost),
                    met=x.result.met,
                )
                for x in c.rows
            ],
        )
        for c in selectors.compliance(user=request.auth, prefix=r.code)
    ]


class CircleOut(Schema):
    kind: str
    households: int
    within: dict[str, int]
    uncovered_buildings: list[int]


@router.get("/circle/", response={200: CircleOut, **ERRORS})
def circle(
    request,
    region: str,
    kind: str = FacilityKind.SERVICE_CENTRE,
    lat: float | None = None,
    lng: float | None = None,
):
    r = _region(request.auth, region)
    if kind not in FacilityKind.values:
        from .errors import error

        raise error("bad_choice")
    extra = [(lat, lng)] if lat is not None and lng is not None else []
    res = selectors.circle(user=request.auth, prefix=r.code, kind=kind, extra=extra)
    return CircleOut(
        kind=kind,
        households=res.total.households,
        within={str(x): res.total.within[x] for x in RADII},
        uncovered_buildings=[b["id"] for b in res.uncovered],
    )


class PremisesFields(Schema):
    name: str = ""
    use: str = ""
    area: str | int | float = ""
    tenure: str = "owned"
    handed_over: bool = False
    accessible: bool = False


class PremisesIn(PremisesFields):
    community: str


class PremisesOut(Schema):
    id: int
    community: str
    name: str
    use: str
    area: str
    tenure: str
    handed_over: bool
    accessible: bool
    retired_on: str | None


class RetireIn(Schema):
    reason: str


def _premises_out(p) -> PremisesOut:
    return PremisesOut(
        id=p.id,
        community=p.community_id,
        name=p.name,
        use=p.use,
        area=str(p.area),
        tenure=p.tenure,
        handed_over=p.handed_over,
        accessible=p.accessible,
        retired_on=p.retired_on.isoformat() if p.retired_on else None,
    )


@router.post("/premises/", response={201: PremisesOut, **ERRORS})
def premises_create(request, payload: PremisesIn):
    p = services.premises_create(**payload.dict(), by=request.auth)
    return 201, _premises_out(p)


@router.put("/premises/{premises_id}", response={200: PremisesOut, **ERRORS})
def premises_update(request, premises_id: int, payload: PremisesFields):
    """Correct a room (every field but its community); a retired room is not changed."""
    return _premises_out(services.premises_update(premises=premises_id, **payload.dict(), by=request.auth))


@router.post("/premises/{premises_id}/retire", response={200: PremisesOut, **ERRORS})
def premises_retire(request, premises_id: int, payload: RetireIn):
    """Retire a room: kept with the date and reason, no longer counted."""
    return _premises_out(
        services.premises_retire(premises=premises_id, reason=payload.reason, by=request.auth)
    )


class FacilityFields(Schema):
    kind: str = ""
    name: str = ""
    latitude: float | str = ""
    longitude: float | str = ""
    hours: str = ""
    operator_org: int | str | None = None
    operator: str = ""
    datum: str = "wgs84"


class FacilityIn(FacilityFields):
    community: str


class FacilityOut(Schema):
    id: int
    community: str
    kind: str
    name: str
    latitude: float
    longitude: float
    hours: str
    operator_org: int | None
    operator: str
    retired_on: str | None


def _facility_out(f) -> FacilityOut:
    return FacilityOut(
        id=f.id,
        community=f.community_id,
        kind=f.kind,
        name=f.name,
        latitude=f.latitude,
        longitude=f.longitude,
        hours=f.hours,
        operator_org=f.operator_org_id,
        operator=f.operator_name,
        retired_on=f.retired_on.isoformat() if f.retired_on else None,
    )


@router.post("/facilities/", response={201: FacilityOut, **ERRORS})
def facility_create(request, payload: FacilityIn):
    """Record a service facility; `operator_org` is an organisation serving the community (see
    /operators/), `operator` a name only for an operator not in the register."""
    return 201, _facility_out(services.facility_create(**payload.dict(), by=request.auth))


@router.put("/facilities/{facility_id}", response={200: FacilityOut, **ERRORS})
def facility_update(request, facility_id: int, payload: FacilityFields):
    return _facility_out(services.facility_update(facility=facility_id, **payload.dict(), by=request.auth))


@router.post("/facilities/{facility_id}/retire", response={200: FacilityOut, **ERRORS})
def facility_retire(request, facility_id: int, payload: RetireIn):
    return _facility_out(
        services.facility_retire(facility=facility_id, reason=payload.reason, by=request.auth)
    )


class OperatorOut(Schema):
    id: int
    name: str
    kind: str


@router.get("/operators/", response={200: list[OperatorOut], **ERRORS})
def operators(request, community: str):
    """The organisations that may be chosen as a facility's operator in `community`."""
    r = _region(request.auth, community)
    return [
        OperatorOut(id=o.id, name=o.name, kind=o.kind) for o in selectors.operator_choices(community=r.code)
    ]


class StandardIn(Schema):
    code: str = ""
    title: str = ""
    source: str = ""
    kind: str = ""
    parameters: dict = {}
    scope: str = ""
    unit_price: str | int | float = "0"
    in_force_from: str | None = None


class StandardOut(Schema):
    id: int
    code: str
    version: int
    title: str
    scope: str
    kind: str
    parameters: dict
    in_force_from: str | None


@router.post("/standards/", response={201: StandardOut, 409: ErrorOut, **ERRORS})
def standard_create(request, payload: StandardIn):
    """Add a version of a standard (a new code starts at version 1); parameters are checked
    against the rule kind's list (parameters.py)."""
    s = services.standard_add(**payload.dict(), by=request.auth)
    return 201, StandardOut(
        id=s.id,
        code=s.code,
        version=s.version,
        title=s.title,
        scope=s.scope,
        kind=s.kind,
        parameters=s.parameters,
        in_force_from=s.in_force_from.isoformat() if s.in_force_from else None,
    )


class EntitlementOut(Schema):
    standard: str
    title: str
    subject: str
    staff: int | None
    annual: str
    due: str
    paid: str
    owed: str
    condition_met: bool
    note: str
    payments: list[int]


class CommunityFundingOut(Schema):
    code: str
    name: str
    due: str
    paid: str
    owed: str
    rows: list[EntitlementOut]


@router.get("/funding/", response={200: list[CommunityFundingOut], **ERRORS})
def funding(request, region: str, period: str = ""):
    """Each community's funding and allowance entitlements to the month beside what was paid."""
    from .entitlements import entitlements

    r = _region(request.auth, region)
    return [
        CommunityFundingOut(
            code=c.region.code,
            name=c.region.name,
            due=str(c.due),
            paid=str(c.paid),
            owed=str(c.owed),
            rows=[
                EntitlementOut(
                    standard=x.standard.code,
                    title=x.standard.title,
                    subject=x.subject,
                    staff=x.staff.pk if x.staff else None,
                    annual=str(x.annual),
                    due=str(x.due),
                    paid=str(x.paid),
                    owed=str(x.owed),
                    condition_met=x.condition_met,
                    note=x.note,
                    payments=[p.pk for p in x.payments],
                )
                for x in c.rows
            ],
        )
        for c in entitlements(user=request.auth, prefix=r.code, period=period)
    ]


class PaymentIn(Schema):
    community: str
    standard_code: str
    year: int
    amount: str
    paid_on: str
    voucher: str
    purpose: str = ""
    month: int | None = None
    staff: int | None = None
    note: str = ""


class PaymentOut(Schema):
    id: int
    community: str
    standard_code: str
    amount: str
    voucher: str


@router.post("/payments/", response={201: PaymentOut, 409: ErrorOut, **ERRORS})
def payment_create(request, payload: PaymentIn):
    p = services.payment_record(**payload.dict(), by=request.auth)
    return 201, PaymentOut(
        id=p.id,
        community=p.community_id,
        standard_code=p.standard_code,
        amount=str(p.amount),
        voucher=p.voucher,
    )


class StaffPostIn(Schema):
    community: str
    name: str
    post: str
    start: str
    end: str | None = None


class StaffPostOut(Schema):
    id: int
    community: str
    name: str
    post: str


@router.post("/posts/", response={201: StaffPostOut, **ERRORS})
def staff_post_create(request, payload: StaffPostIn):
    s = services.staff_post_add(**payload.dict(), by=request.auth)
    return 201, StaffPostOut(id=s.id, community=s.community_id, name=s.name, post=s.post)
