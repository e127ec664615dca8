"""API of service-record certificates (/api/volunteers/certificates/): list (scoped), issue, revoke,
and the public check by code (no token; only what a verifier needs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut

from . import certificates as certs
from . import rules, selectors

router = Router(tags=["volunteers"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CertificateIn(Schema):
    volunteer_id: int
    start: dt.date
    end: dt.date


class RevokeIn(Schema):
    reason: str


class CertificateOut(Schema):
    id: int
    code: str
    volunteer_id: int
    holder: str
    period_start: dt.date
    period_end: dt.date
    hours: Decimal
    hours_checkin: Decimal
    hours_staff: Decimal
    activities: int
    issuer: str
    issued_at: dt.datetime
    valid: bool
    revoke_reason: str


class PublicCertificateOut(Schema):
    """Exactly the public page's fields: never the full name, the identity number or a phone."""

    code: str
    holder_masked: str
    hours: Decimal
    period_start: dt.date
    period_end: dt.date
    issuer: str
    issued_on: dt.date
    valid: bool
    revoked_on: dt.date | None


def _out(c) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "volunteer_id": c.volunteer_id,
        "holder": c.holder,
        "period_start": c.period_start,
        "period_end": c.period_end,
        "hours": c.hours,
        "hours_checkin": c.hours_checkin,
        "hours_staff": c.hours_staff,
        "activities": c.activities,
        "issuer": c.issuer,
        "issued_at": c.issued_at,
        "valid": c.valid,
        "revoke_reason": c.revoke_reason,
    }


@router.get("/certificates/", response={200: list[CertificateOut], **ERRORS})
def certificate_list(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Staff: the certificates of their communities; a volunteer: their own."""
    require(request.auth, rules.BROWSE)
    limit = max(1, min(limit, 200))
    qs = certs.certificate_list(user=request.auth)[max(0, offset) : max(0, offset) + limit]
    return [_out(c) for c in qs]


@router.post("/certificates/", response={201: CertificateOut, **ERRORS})
def certificate_issue(request, payload: CertificateIn):
    require(request.auth, rules.CERTIFY)
    volunteer = selectors.volunteer_get(user=request.auth, pk=payload.volunteer_id)
    c = certs.certificate_issue(volunteer=volunteer, start=payload.start, end=payload.end, by=request.auth)
    return Status(201, _out(c))


@router.post("/certificates/{pk}/revoke/", response={200: CertificateOut, **ERRORS})
def certificate_revoke(request, pk: int, payload: RevokeIn):
    c = certs.certificate_get(user=request.auth, pk=pk)
    return _out(certs.certificate_revoke(certificate=c, reason=payload.reason, by=request.auth))


@router.get(
    "/certificates/verify/{code}/",
    response={200: PublicCertificateOut, 400: ErrorOut, 404: ErrorOut},
    auth=None,
)
def certificate_verify(request, code: str):
    """Public: anyone holding the code may check the certificate."""
    return asdict(certs.certificate_public(code=code))
