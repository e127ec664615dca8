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
    CommitteeMember,
    CommitteeRole,
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


def _clean_organization(
    *,
    by,
    name: str,
    kind: str,
    credit_code: str,
    registration: str,
    service_field: str,
    grade: str,
    staff_count,
    social_worker_count,
    communities_served: Iterable[str],
) -> dict:
    """The checked values of an organisation's register entry (raises the first problem)."""
    name = (name or "").strip()
    if not name:
        raise error("name_required")
    if len(name) > 120:
        raise error("name_too_long")
    if kind not in REGISTER_KINDS:
        raise error("kind_invalid")
    credit_code = (credit_code or "").strip().upper()
    if credit_code and not CREDIT_CODE.match(credit_code):
        raise error("credit_code_invalid")
    staff = _count(staff_count, "专职人员")
    social_workers = _count(social_worker_count, "持证社工")
    if social_workers > staff:
        raise error("social_workers_exceed_staff")
    return {
        "name": name,
        "credit_code": credit_code,
        "registration": _choice(registration, Registration, _label(Registration)),
        "service_field": _choice(service_field, ServiceField, _label(ServiceField)),
        "grade": _choice(grade, Grade, _label(Grade)),
        "staff": staff,
        "social_workers": social_workers,
        "served": _communities(by, communities_served),
    }


def _write(org: Organization, v: dict, *, kind: str, region: Region, contact_name: str, address: str):
    """Save checked values (from _clean_organization) onto the organisation and its profile."""
    org.name, org.kind, org.region, org.credit_code = v["name"], kind, region, v["credit_code"]
    org.contact_name = (contact_name or "")[:50]
    org.save()
    profile = OrganizationProfile.objects.filter(organization=org).first() or OrganizationProfile(
        organization=org
    )
    profile.registration, profile.service_field, profile.grade = (
        v["registration"],
        v["service_field"],
        v["grade"],
    )
    profile.staff_count, profile.social_worker_count = v["staff"], v["social_workers"]
    profile.address = (address or "")[:200]
    profile.save()
    return profile


# The kinds kept in the organisation register (owners' committees have their own register).
REGISTER_KINDS = (
    OrganizationKind.SOCIAL_ORGANIZATION,
    OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION,
    OrganizationKind.RESIDENT_UNIT,
    OrganizationKind.PROPERTY_COMPANY,
)


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
    v = _clean_organization(
        by=by,
        name=name,
        kind=kind,
        credit_code=credit_code,
        registration=registration,
        service_field=service_field,
        grade=grade,
        staff_count=staff_count,
        social_worker_count=social_worker_count,
        communities_served=communities_served,
    )
    if Organization.objects.filter(name=v["name"], kind=kind, region=region).exists():
        raise error("duplicate")
    org = Organization()
    org.created_by = by
    profile = _write(org, v, kind=kind, region=region, contact_name=contact_name, address=address)
    served = v["served"]
    if served:
        profile.communities_served.set(served)
    event_record("organization_registered", org, by=by, community=served[0] if served else None, kind=kind)
    return org


@transaction.atomic
def organization_update(
    *,
    by,
    organization: Organization,
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
    """Change an organisation's register entry (held over where it is based, before and after)."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    require(by, MANAGE, org)
    require(by, MANAGE, region)
    v = _clean_organization(
        by=by,
        name=name,
        kind=kind,
        credit_code=credit_code,
        registration=registration,
        service_field=service_field,
        grade=grade,
        staff_count=staff_count,
        social_worker_count=social_worker_count,
        communities_served=communities_served,
    )
    if Organization.objects.filter(name=v["name"], kind=kind, region=region).exclude(pk=org.pk).exists():
        raise error("duplicate")
    before = {"name": org.name, "kind": org.kind, "region": org.region_id}
    org.updated_by = by
    profile = _write(org, v, kind=kind, region=region, contact_name=contact_name, address=address)
    # Communities outside the editor's scope that the organisation already serves stay as they are.
    kept = [r for r in profile.communities_served.all() if not in_scope(by, MANAGE, r.code)]
    profile.communities_served.set([*kept, *v["served"]])
    event_record("organization_updated", org, by=by, community=None, before=before)
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


@transaction.atomic
def committee_update(
    *,
    by,
    committee: OwnersCommittee,
    term_start: dt.date,
    term_end: dt.date,
    filed_on: dt.date | None = None,
    member_count: int = 5,
    director_name: str = "",
) -> OwnersCommittee:
    """Correct a term of an owners' committee (dates, filing, size)."""
    c = OwnersCommittee.objects.select_for_update().get(pk=committee.pk)
    require(by, MANAGE, c)
    if term_start is None or term_end is None:
        raise error("date_required", label="任期")
    if term_end <= term_start:
        raise error("term_invalid")
    members = _count(member_count, "委员人数")
    if not 3 <= members <= 11:
        raise error("members_invalid")
    if members < c.members.count():
        raise error("members_fewer_than_recorded", n=c.members.count())
    if OwnersCommittee.objects.filter(estate_id=c.estate_id, term_start=term_start).exclude(pk=c.pk).exists():
        raise error("term_exists")
    c.term_start, c.term_end, c.filed_on, c.member_count = term_start, term_end, filed_on, members
    if not c.members.filter(role=CommitteeRole.DIRECTOR).exists():
        c.director_name = (director_name or "")[:50]
    c.updated_by = by
    c.save()
    event_record("committee_updated", c, by=by)
    return c


def owner_of_estate(*, person_id: int, estate_id: int) -> bool:
    """Does the registry record this person as an owner of a dwelling in the estate?"""
    from gongzhi.registry.models import DwellingOwner

    return DwellingOwner.objects.filter(person_id=person_id, dwelling__building__estate_id=estate_id).exists()


@transaction.atomic
def committee_member_add(*, by, committee: OwnersCommittee, person, role: str = "member") -> CommitteeMember:
    """Add an owner of the estate to a term of its owners' committee; the director's name on the
    term follows the member recorded as director."""
    c = OwnersCommittee.objects.select_for_update(of=("self",)).select_related("estate").get(pk=committee.pk)
    require(by, MANAGE, c)
    if role not in CommitteeRole.values:
        raise error("choice_invalid", value=role, label="职务")
    if person is None or not owner_of_estate(person_id=person.pk, estate_id=c.estate_id):
        raise error("not_an_owner", estate=c.estate.name)
    if c.members.count() >= c.member_count:
        raise error("committee_full", n=c.member_count)
    if role == CommitteeRole.DIRECTOR and c.members.filter(role=CommitteeRole.DIRECTOR).exists():
        raise error("director_exists")
    try:
        with transaction.atomic():
            member = CommitteeMember.objects.create(
                community_id=c.community_id, committee=c, person=person, role=role, created_by=by
            )
    except IntegrityError:
        raise error("member_exists") from None
    if role == CommitteeRole.DIRECTOR:
        c.director_name = person.name[:50]
        c.save(update_fields=["director_name", "updated_at"])
    event_record("committee_member_added", c, by=by, person=person.pk, role=role)
    return member


@transaction.atomic
def committee_member_remove(*, by, member: CommitteeMember) -> None:
    m = CommitteeMember.objects.select_for_update(of=("self",)).select_related("committee").get(pk=member.pk)
    require(by, MANAGE, m.committee)
    committee, person_id, role = m.committee, m.person_id, m.role
    m.delete()
    if role == CommitteeRole.DIRECTOR:
        committee.director_name = ""
        committee.save(update_fields=["director_name", "updated_at"])
    event_record("committee_member_removed", committee, by=by, person=person_id, role=role)


def region_get(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise NotFound()
    return region
