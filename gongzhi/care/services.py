"""Every write of home-based elderly care."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core import clock, pii
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.idnumber import normalise_phone
from gongzhi.core.models import Region, RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.organizations.models import Organization
from gongzhi.registry.models import PersonTag

from . import rules
from .errors import error
from .models import (
    Call,
    CallDevice,
    CallOutcome,
    CareLevel,
    CareProfile,
    EmergencyContact,
    MealEnrolment,
    MealLog,
    MealPoint,
    ServiceOrder,
    ServiceRecord,
)

ELDERLY_AGE = 60
HOURLY_RATE = Decimal("30")  # yuan an hour of purchased home care, unless the order says otherwise
ANSWER_MINUTES = 5  # a one-key call is answered in time within five minutes
CALL_LATE_DAYS = 7  # a call the gateway held back longer than this is refused (a clock gone wrong)
# Meal subsidy per meal by registry tag (the highest applies), in yuan.
MEAL_SUBSIDY = {
    "extreme_hardship": Decimal("12"),
    "minimum_allowance": Decimal("8"),
    "elderly_alone": Decimal("5"),
    "elderly_80": Decimal("5"),
    "disabled": Decimal("5"),
}


def _age(person, today) -> int | None:
    b = person.birth_date
    if b is None:
        return None
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


@transaction.atomic
def profile_create(
    *, person, by, living_alone: bool = False, care_level: int = 0, assessed_on=None
) -> CareProfile:
    require(by, rules.MANAGE, person, hide=True)
    today = timezone.localdate(clock.now())
    age = _age(person, today)
    if age is None or age < ELDERLY_AGE:
        raise error("not_elderly")
    if CareProfile.objects.filter(person=person).exists():
        raise error("profile_exists")
    return CareProfile.objects.create(
        community_id=person.community_id,
        person=person,
        living_alone=bool(living_alone),
        care_level=int(care_level),
        assessed_on=assessed_on,
        created_by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def profile_update(
    *, profile: CareProfile, by, living_alone: bool, care_level: int, assessed_on: dt.date | None
) -> CareProfile:
    """The facts of the assessment: living alone, the care level and the day it was assessed."""
    require(by, rules.MANAGE, profile, hide=True)
    if care_level not in CareLevel.values:
        raise error("bad_level")
    if assessed_on is not None and assessed_on > timezone.localdate(clock.now()):
        raise error("future_time")
    profile.living_alone = bool(living_alone)
    profile.care_level = care_level
    profile.assessed_on = assessed_on
    profile.save(update_fields=["living_alone", "care_level", "assessed_on"])
    return profile


@transaction.atomic
def contact_add(
    *,
    profile: CareProfile,
    by,
    name: str,
    phone: str,
    relation: str = "",
    consent: bool,
    consent_by: str = "",
) -> EmergencyContact:
    """An emergency contact is kept only with their consent: who gave it (the contact by default),
    who recorded it and when."""
    require(by, rules.MANAGE, profile, hide=True)
    if not consent:
        raise error("consent_required")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise error("name_required")
    try:
        phone = normalise_phone(phone or "")
    except ApplicationError:
        raise error("bad_phone") from None
    if not phone:
        raise error("bad_phone")
    return EmergencyContact.objects.create(
        community_id=profile.community_id,
        profile=profile,
        name=name,
        relation=(relation or "").strip()[:20],
        phone_encrypted=pii.encrypt(phone),
        phone_tail=phone[-4:],
        consent_at=clock.now(),
        consent_by=(consent_by or "").strip()[:50] or name,
        consent_recorded_by=by,
    )


@transaction.atomic
def contact_remove(*, contact: EmergencyContact, by) -> None:
    """A contact withdrawn (or no longer reachable): the row and its phone are deleted, not hidden."""
    require(by, rules.MANAGE, contact, hide=True)
    contact.delete()


SERIAL = re.compile(r"^[A-Za-z0-9-]{1,30}$")


@transaction.atomic
def device_install(*, profile: CareProfile, serial: str, by) -> CallDevice:
    require(by, rules.MANAGE, profile, hide=True)
    serial = (serial or "").strip().upper()
    if not SERIAL.match(serial):
        raise error("bad_serial")
    if CallDevice.objects.filter(serial=serial).exists():
        raise error("serial_exists")
    return CallDevice.objects.create(
        community_id=profile.community_id,
        profile=profile,
        serial=serial,
        installed_on=timezone.localdate(clock.now()),
    )


@transaction.atomic
def device_deactivate(*, device: CallDevice, by) -> CallDevice:
    """A device taken back: it keeps its calls, and further calls from it are refused."""
    require(by, rules.MANAGE, device, hide=True)
    device = CallDevice.objects.select_for_update().get(pk=device.pk)
    if not device.active:
        raise error("device_inactive")
    device.active = False
    device.deactivated_on = timezone.localdate(clock.now())
    device.save(update_fields=["active", "deactivated_on"])
    return device


def _call_device(serial: str, at: dt.datetime | None, by) -> tuple[CallDevice, dt.datetime]:
    device = CallDevice.objects.filter(serial=(serial or "").strip().upper()).first()
    if device is None or (by is not None and not by.has_perm(rules.INTAKE, device)):
        raise error("device_unknown")
    if not device.active:
        raise error("device_inactive")
    at = at or clock.now()
    if at > clock.now() + dt.timedelta(minutes=1):
        raise error("future_time")
    if at < clock.now() - dt.timedelta(days=CALL_LATE_DAYS):
        raise error("stale_time", n=CALL_LATE_DAYS)
    return device, at


def call_receive(*, serial: str, at: dt.datetime | None = None, by=None) -> Call:
    """The call centre's gateway logs a press of the one-key button. `by` is the gateway's account
    (care.intake over the device's community; a device out of its scope is as unknown as one never
    registered); None for the platform itself (the demo)."""
    device, at = _call_device(serial, at, by)
    return Call.objects.create(community_id=device.community_id, device=device, at=at)


def call_receive_once(
    *, serial: str, external_id: str, at: dt.datetime | None = None, by=None
) -> tuple[Call, bool]:
    """The same, idempotent on the call platform's own id for the press: a gateway retrying after a
    timeout gets the call already logged back (created False), however many retries arrive at once
    (the unique constraint on device and id settles the race)."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64 or not external_id.isprintable():
        raise error("call_id")
    device, at = _call_device(serial, at, by)
    try:
        with transaction.atomic():
            call = Call.objects.create(
                community_id=device.community_id, device=device, at=at, external_id=external_id
            )
        return call, True
    except IntegrityError:
        return Call.objects.get(device=device, external_id=external_id), False


@transaction.atomic
def call_answer(*, call: Call, by, outcome: str, note: str = "") -> Call:
    """Answer a call: an urgent demand (the demands loop), a care visit (a ledger item for the
    household's covering worker, due today), or a false alarm."""
    call = (
        Call.objects.select_for_update(of=("self",)).select_related("device__profile__person").get(pk=call.pk)
    )
    require(by, rules.CALLS, call, hide=True)
    if call.outcome != CallOutcome.PENDING:
        raise error("already_answered")
    if outcome not in (CallOutcome.DEMAND, CallOutcome.VISIT, CallOutcome.FALSE_ALARM):
        raise error("bad_outcome")
    person = call.device.profile.person
    title = f"一键通呼叫：{pii.mask_name(person.name)}"
    body = (note or "").strip()[:200] or "老人按下一键通呼叫按钮，请尽快联系并上门查看。"
    if outcome == CallOutcome.DEMAND:
        from gongzhi.demands.models import Channel
        from gongzhi.demands.services import demand_create

        dwelling = person.dwelling if person.dwelling_id else None
        call.demand = demand_create(
            by=by,
            channel=Channel.HOTLINE,
            title=title,
            body=body,
            community=Region.objects.get(code=call.community_id),
            building=dwelling.building if dwelling is not None else None,
            person=person,
            created_at=clock.now(),
        )
    elif outcome == CallOutcome.VISIT:
        from gongzhi.registry.models import HouseholdMember
        from gongzhi.visits.models import Coverage
        from gongzhi.visits.services import ledger_item_open

        member = HouseholdMember.objects.filter(person=person).select_related("household").first()
        household = member.household if member else None
        cover = (
            Coverage.objects.filter(household=household).select_related("worker").first()
            if household
            else None
        )
        call.ledger_item = ledger_item_open(
            community_code=call.community_id,
            by=by,
            title=title,
            detail=body,
            category="elderly",
            owner=cover.worker if cover else by,
            deadline=timezone.localdate(clock.now()),
            household=household,
        )
    call.outcome = outcome
    call.note = (note or "")[:200]
    call.answered_at = clock.now()
    call.answered_by = by
    call.save()
    return call


def _subsidy(profile: CareProfile, today) -> tuple[Decimal, str]:
    kinds = set(
        PersonTag.objects.filter(person_id=profile.person_id, kind__in=MEAL_SUBSIDY)
        .exclude(valid_to__lt=today)
        .values_list("kind", flat=True)
    )
    if not kinds:
        return Decimal("0"), ""
    best = max(kinds, key=lambda k: MEAL_SUBSIDY[k])
    return MEAL_SUBSIDY[best], best


@transaction.atomic
def meal_enrol(*, profile: CareProfile, point: MealPoint, by) -> MealEnrolment:
    """Enrol an elder at a meal point of their community; the subsidy a meal is set by the registry
    tags that hold today (the highest applies) and kept on the enrolment."""
    require(by, rules.MANAGE, profile, hide=True)
    if point.community_id != profile.community_id:
        raise error("bad_point")
    CareProfile.objects.select_for_update().filter(pk=profile.pk).first()  # one enrolment at a time
    if MealEnrolment.objects.filter(profile=profile, ended_on__isnull=True).exists():
        raise error("enrolled")
    today = timezone.localdate(clock.now())
    subsidy, basis = _subsidy(profile, today)
    try:
        with transaction.atomic():
            return MealEnrolment.objects.create(
                community_id=profile.community_id,
                profile=profile,
                point=point,
                enrolled_on=today,
                subsidy=subsidy,
                subsidy_basis=basis,
            )
    except IntegrityError:  # enrolled meanwhile (the database's partial unique constraint)
        raise error("enrolled") from None


@transaction.atomic
def meal_end(*, enrolment: MealEnrolment, by) -> MealEnrolment:
    """End an enrolment today; its meals stay, and no meal is logged on it after today."""
    require(by, rules.MANAGE, enrolment, hide=True)
    enrolment = MealEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.ended_on is not None:
        raise error("enrolment_ended")
    enrolment.ended_on = max(timezone.localdate(clock.now()), enrolment.enrolled_on)
    enrolment.save(update_fields=["ended_on"])
    return enrolment


@transaction.atomic
def meal_log(*, enrolment: MealEnrolment, by, day: dt.date | None = None) -> MealLog:
    """One meal a day per enrolled elder (the database's unique constraint holds it)."""
    require(by, rules.SERVE, enrolment, hide=True)
    day = day or timezone.localdate(clock.now())
    if day > timezone.localdate(clock.now()):
        raise error("future_time")
    if enrolment.ended_on is not None and day > enrolment.ended_on:
        raise error("enrolment_ended")
    try:
        with transaction.atomic():
            return MealLog.objects.create(
                community_id=enrolment.community_id,
                enrolment=enrolment,
                day=day,
                subsidy=enrolment.subsidy,
                served_by=by,
            )
    except IntegrityError:
        raise error("meal_logged") from None


def provider_ids(user) -> set[int]:
    """The organisations whose staff the user is (a care provider's account sees only its orders)."""
    return set(
        RoleAssignment.objects.filter(
            user=user, active=True, role="social_org_staff", organization__isnull=False
        ).values_list("organization_id", flat=True)
    )


def profile_entitlement(profile: CareProfile, today: dt.date | None = None) -> tuple[int, list[str]]:
    """The hours of purchased home care the profile's elder is entitled to, and the rules that hold."""
    from gongzhi.registry.models import Person

    from .eligibility import entitlement, facts

    today = today or timezone.localdate(clock.now())
    found = facts(Person.objects.filter(pk=profile.person_id), today)
    return entitlement(found[0]) if found else (0, [])


@transaction.atomic
def order_create(
    *,
    profile: CareProfile,
    provider: Organization,
    hours_per_month: int,
    by,
    hourly_rate: Decimal | None = None,
) -> ServiceOrder:
    """A service order to a provider for an elder the rules entitle (care.eligibility), for at
    most the entitled hours a month; the entitlement and its basis are kept on the order."""
    require(by, rules.MANAGE, profile, hide=True)
    if provider.kind not in (
        "social_org",
        "community_social_org",
        "resident_unit",
    ) or not profile.community_id.startswith(provider.region_id[:6]):
        raise error("not_provider")
    if not isinstance(hours_per_month, int) or not 1 <= hours_per_month <= 200:
        raise error("bad_hours")
    entitled, basis = profile_entitlement(profile)
    if not entitled:
        raise error("not_entitled")
    if hours_per_month > entitled:
        raise error("over_entitlement", n=entitled)
    rate = HOURLY_RATE if hourly_rate is None else _rate(hourly_rate)
    return ServiceOrder.objects.create(
        community_id=profile.community_id,
        profile=profile,
        provider=provider,
        hours_per_month=hours_per_month,
        entitled_hours=entitled,
        basis=",".join(basis),
        hourly_rate=rate,
        starts_on=timezone.localdate(clock.now()),
        created_by=by,
    )


MAX_RATE = Decimal("500")


def _rate(value) -> Decimal:
    """An hourly rate in yuan: more than 0, at most 500, at most two decimals (a string from a
    form or a Decimal)."""
    if isinstance(value, float) or value is None:
        raise error("bad_rate")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise error("bad_rate") from None
    if not rate.is_finite() or not Decimal("0") < rate <= MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise error("bad_rate")
    return rate.quantize(Decimal("0.01"))


@transaction.atomic
def order_rate_set(*, order: ServiceOrder, rate, by) -> ServiceOrder:
    """The staff who place orders (care.manage) set the price per hour. Once the elder or family
    has confirmed a service on the order, the rate is settled: the statements already drawn on it
    must not change, so it is refused (a new order carries a new rate)."""
    require(by, rules.MANAGE, order, hide=True)
    value = _rate(rate)
    order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
    if value == order.hourly_rate:
        return order
    if order.records.filter(confirmed_at__isnull=False).exists():
        raise error("rate_locked")
    order.hourly_rate = value
    order.save(update_fields=["hourly_rate"])
    return order


# ---- meal points (助餐点) ----------------------------------------------------------------------

MAX_CAPACITY = 1000


def _operator_ok(operator: Organization | None, community_id: str) -> None:
    if operator is not None and not (
        community_id.startswith(operator.region_id) or operator.region_id.startswith(community_id[:6])
    ):
        raise error("bad_operator")


@transaction.atomic
def meal_point_save(
    *,
    by,
    name: str,
    capacity,
    opening_days,
    address: str = "",
    operator: Organization | None = None,
    community: Region | None = None,
    point: MealPoint | None = None,
) -> MealPoint:
    """Create a meal point in `community`, or edit `point` (care.manage over it)."""
    if point is not None:
        require(by, rules.MANAGE, point, hide=True)
        point = MealPoint.objects.select_for_update().get(pk=point.pk)
        community_id = point.community_id
    else:
        if community is None or community.level != 5 or not by.has_perm(rules.MANAGE, community):
            raise error("bad_community")
        community_id = community.code
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise error("point_name_required")
    address = (address or "").strip()
    if len(address) > 200:
        raise error("address_too_long")
    _operator_ok(operator, community_id)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise error("bad_capacity")
    days = "".join(sorted({str(d) for d in (opening_days or [])}))
    if not days or any(d not in "1234567" for d in days):
        raise error("no_opening_days")
    taken = MealPoint.objects.filter(community_id=community_id, name=name)
    if point is not None:
        taken = taken.exclude(pk=point.pk)
    if taken.exists():
        raise error("point_name_taken", name=name)
    fields = {
        "name": name,
        "address": address,
        "operator": operator,
        "capacity": capacity,
        "opening_days": days,
    }
    try:
        with transaction.atomic():
            if point is None:
                return MealPoint.objects.create(community_id=community_id, **fields)
            for k, v in fields.items():
                setattr(point, k, v)
            point.save(update_fields=list(fields))
            return point
    except IntegrityError:  # the same name saved meanwhile (the unique constraint)
        raise error("point_name_taken", name=name) from None


def _may_serve(order: ServiceOrder, by) -> None:
    if order.provider_id in provider_ids(by):
        return
    if by.has_perm(rules.MANAGE, order):
        return
    raise error("other_provider") if by.has_perm(rules.SERVE) else PermissionDenied()


@transaction.atomic
def record_add(
    *, order: ServiceOrder, by, minutes: int, content: str, at: dt.datetime | None = None
) -> ServiceRecord:
    _may_serve(order, by)
    at = at or clock.now()
    if at > clock.now() + dt.timedelta(minutes=2):
        raise error("future_time")
    if not isinstance(minutes, int) or not 10 <= minutes <= 480:
        raise error("bad_minutes")
    content = (content or "").strip()
    if not content:
        raise error("content_required")
    if timezone.localdate(at) < order.starts_on:
        raise error("before_order")
    return ServiceRecord.objects.create(
        community_id=order.community_id,
        order=order,
        at=at,
        minutes=minutes,
        content=content[:200],
        recorded_by=by,
    )


@transaction.atomic
def record_confirm(*, record: ServiceRecord, by, confirmer: str) -> ServiceRecord:
    """The elder or a family member confirms the service (their name, at the door)."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related("order").get(pk=record.pk)
    _may_serve(record.order, by)
    if record.confirmed_at is not None:
        raise error("already_confirmed")
    confirmer = (confirmer or "").strip()[:50]
    if not confirmer:
        raise error("confirmer_required")
    record.confirmed_at = clock.now()
    record.confirmed_by_name = confirmer
    record.save(update_fields=["confirmed_at", "confirmed_by_name"])
    return record
