"""Writes to the registers: keyword-only, atomic, permission first, one event each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import in_scope

from .errors import error
from .events import event_record
from .models import (
    CoBuildingAgreement,
    Grade,
    Organization,
    OrganizationKind,
    OrganizationProfile,
    OwnersCommittee,
    PledgedResource,
    Registration,
    ResourceKind,
    ServiceField,
)
from .rules import MANAGE

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def _choice(value: str, choices, label) -> str:
    value = (value or "").strip()
    if value == "":
        return ""
    if value in choices.values:
        return value
    raise error("choice_invalid", value=value, label=label)


def _count(value, label) -> int:
    try:
        n = int(value or 0)
    except (TypeError, ValueError):
        raise error("number_invalid", label=label) from None
    if n < 0:
        raise error("number_invalid", label=label)
    return n


def _communities(by, codes: Iterable[str]) -> list[Region]:
    out = []
    for code in codes:
        region = Region.objects.filter(code=str(code).strip()).first()
        if region is None:
            raise error("region_not_found", code=code)
        if region.level != 5:
            raise error("not_community", name=region.name)
        if not in_scope(by, MANAGE, region.code):
            raise error("region_out_of_scope", name=region.name)
        out.append(region)
    return out


@transaction.atomic
def organization_register(
    *,
    by,
    name: str,
    kind: str,
    region: Region,
    credit_code: str = "",
    contact_name: str = "",
    registration: str = "",
    service_field: str = "",
    grade: str = "",
    staff_count=0,
    social_worker_count=0,
    address: str = "",
    communities_served: Iterable[str] = (),
) -> Organization:
    """Add an organisation to the registers, with its profile and the communities it serves."""
    require(by, MANAGE, region)
    name = (name or "").strip()
    if not name:
        raise error("name_required")
    if len(name) > 120:
        raise error("name_too_long")
    if kind not in OrganizationKind.values:
        raise error("kind_invalid")
    credit_code = (credit_code or "").strip().upper()
    if credit_code and not CREDIT_CODE.match(credit_code):
        raise error("credit_code_invalid")
    registration = _choice(registration, Registration, _label(Registration))
    service_field = _choice(service_field, ServiceField, _label(ServiceField))
    grade = _choice(grade, Grade, _label(Grade))
    staff = _count(staff_count, "专职人员")
    social_workers = _count(social_worker_count, "持证社工")
    if social_workers > staff:
        raise error("social_workers_exceed_staff")
    served = _communities(by, communities_served)
    if Organization.objects.filter(name=name, kind=kind, region=region).exists():
        raise error("duplicate")
    org = Organization(
        name=name, kind=kind, region=region, credit_code=credit_code, contact_name=contact_name[:50]
    )
    org.created_by = by
    org.save()
    profile = OrganizationProfile.objects.create(
        organization=org,
        registration=registration,
        service_field=service_field,
        grade=grade,
        staff_count=staff,
        social_worker_count=social_workers,
        address=(address or "")[:200],
    )
    if served:
        profile.communities_served.set(served)
    event_record("organization_registered", org, by=by, community=served[0] if served else None, kind=kind)
    return org


def _label(choices) -> str:
    return {Registration: "登记方式", ServiceField: "服务领域", Grade: "评估等级"}.get(choices, "")


@transaction.atomic
def agreement_sign(
    *,
    by,
    organization: Organization,
    community: Region,
    signed_on: dt.date,
    expires_on: dt.date | None = None,
    content: str = "",
    resources: Iterable[dict] = (),
) -> CoBuildingAgreement:
    """A unit based in the area signs a co-building agreement with a community, pledging resources
    (each {kind, description, quantity, unit})."""
    require(by, MANAGE, community)
    if community.level != 5:
        raise error("not_community", name=community.name)
    if organization.kind != OrganizationKind.RESIDENT_UNIT:
        raise error("not_unit")
    if signed_on is None:
        raise error("date_required", label="签订日期")
    if expires_on is not None and expires_on <= signed_on:
        raise error("dates_invalid")
    rows = []
    for r in resources:
        kind = _choice(r.get("kind", ""), ResourceKind, "资源类型")
        try:
            quantity = Decimal(str(r.get("quantity", "")))
        except InvalidOperation:
            raise error("resource_invalid") from None
        if not kind or quantity <= 0:
            raise error("resource_invalid")
        rows.append((kind, str(r.get("description", ""))[:200], quantity, str(r.get("unit", ""))[:10]))
    try:
        with transaction.atomic():
            agreement = CoBuildingAgreement.objects.create(
                community=community,
                organization=organization,
                signed_on=signed_on,
                expires_on=expires_on,
                content=(content or "")[:300],
                created_by=by,
            )
    except IntegrityError:
        raise error("agreement_exists") from None
    PledgedResource.objects.bulk_create(
        PledgedResource(
            community=community, agreement=agreement, kind=k, description=d, quantity=q, unit=u, created_by=by
        )
        for k, d, q, u in rows
    )
    event_record("agreement_signed", agreement, by=by, organization=organization.pk, resources=len(rows))
    return agreement


@transaction.atomic
def committee_record(
    *,
    by,
    estate,
    term_start: dt.date,
    term_end: dt.date,
    filed_on: dt.date | None = None,
    member_count: int = 5,
    director_name: str = "",
) -> OwnersCommittee:
    """Record a term of an estate's owners' committee (a new term is a new row)."""
    require(by, MANAGE, estate.community_id)
    if term_start is None or term_end is None:
        raise error("date_required", label="任期")
    if term_end <= term_start:
        raise error("term_invalid")
    members = _count(member_count, "委员人数")
    if not 3 <= members <= 11:
        raise error("members_invalid")
    try:
        with transaction.atomic():
            committee = OwnersCommittee.objects.create(
                community_id=estate.community_id,
                estate=estate,
                term_start=term_start,
                term_end=term_end,
                filed_on=filed_on,
                member_count=members,
                director_name=(director_name or "")[:50],
                created_by=by,
            )
    except IntegrityError:
        raise error("term_exists") from None
    event_record("committee_recorded", committee, by=by, estate=estate.pk)
    return committee


def region_get(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise NotFound()
    return region
