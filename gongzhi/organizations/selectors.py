"""Reads of the registers: every list scoped through core.scoping, every figure with its records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scope_q, scoped
from gongzhi.registry import selectors as registry

from .models import (
    HOLDING,
    BookerKind,
    Booking,
    BookingStatus,
    CoBuildingAgreement,
    Organization,
    OrganizationKind,
    OwnersCommittee,
    PledgedResource,
    Space,
)
from .rules import BOOK, MANAGE_SPACES, VIEW, contact_unit_ids, covered_communities

SOCIAL_KINDS = (OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION)
_LEVEL_LENGTHS = (2, 4, 6, 9)


@dataclass
class FigureValue:
    """A figure: the number, and the records it counted (for the drill-down and the export)."""

    value: float | int | None
    records: Any
    numerator: int | None = None
    denominator: int | None = None


def _org_visible_q(user, perm: str) -> Q:
    """An organisation is visible where it is based, where it serves, and below where it is based
    (a district-wide organisation is seen by the district's communities)."""
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        if p == "":
            return Q()
        ancestors = [p[:n] for n in _LEVEL_LENGTHS if n < len(p)]
        q |= (
            Q(region__code__startswith=p)
            | Q(region__code__in=ancestors)
            | Q(profile__communities_served__code__startswith=p)
        )
    return q


def organization_list(
    *, user, kind: str | tuple = "", q: str = "", community: str = "", perm: str = VIEW
) -> QuerySet[Organization]:
    ids = Organization.objects.filter(_org_visible_q(user, perm)).values("pk")
    qs = Organization.objects.filter(pk__in=ids)
    if isinstance(kind, tuple):
        qs = qs.filter(kind__in=kind)
    elif kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    if community:
        qs = qs.filter(
            Q(region__code__startswith=community) | Q(profile__communities_served__code=community)
        ).distinct()
    return qs.select_related("region", "profile").order_by("kind", "name")


def organization_get(*, user, pk: int, perm: str = VIEW) -> Organization:
    org = organization_list(user=user, perm=perm).filter(pk=pk).first()
    if org is None:
        raise NotFound()
    return org


def organization_served(*, organization: Organization) -> QuerySet:
    profile = getattr(organization, "profile", None)
    if profile is None:
        return organization.region.__class__.objects.none()
    return profile.communities_served.order_by("code")


def _household_count():
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from gongzhi.registry.models import Household

    counts = (
        Household.objects.filter(dwelling__building__estate=OuterRef("pk"))
        .order_by()
        .values("dwelling__building__estate")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def company_estates(*, user, organization: Organization, perm: str = VIEW):
    """The registry's estates this property company manages, within the user's scope, each with
    `building_count` and `household_count` (the registry's households in its dwellings)."""
    return (
        registry.estate_list(user=user, perm=perm)
        .filter(property_company=organization)
        .annotate(household_count=_household_count())
    )


def company_estate_choices(*, user, organization: Organization, limit: int = 2000):
    """The estates the user may add to this property company (the picker): in the user's MANAGE
    scope and the company's region, not managed by it yet; each with its current company."""
    from gongzhi.registry.models import Estate

    from .rules import estate_scope_prefixes

    prefixes = estate_scope_prefixes(user, organization)
    if not prefixes:
        return Estate.objects.none()
    q = Q()
    for p in prefixes:
        q |= Q(community__code__startswith=p)
    return (
        Estate.objects.filter(q)
        .exclude(property_company=organization)
        .select_related("community", "property_company")
        .order_by("community_id", "name")[:limit]
    )


def property_companies(*, user, perm: str = VIEW) -> list[Organization]:
    """Property companies in scope, each with `estate_count`: the registry's estates it manages."""
    from collections import Counter

    managed = Counter(
        registry.estate_list(user=user, perm=perm)
        .filter(property_company__isnull=False)
        .values_list("property_company_id", flat=True)
    )
    companies = list(organization_list(user=user, kind=OrganizationKind.PROPERTY_COMPANY, perm=perm))
    for c in companies:
        c.estate_count = managed.get(c.pk, 0)  # type: ignore[attr-defined]  # annotation for the template
    return companies


def agreement_list(*, user, perm: str = VIEW) -> QuerySet[CoBuildingAgreement]:
    return (
        scoped(CoBuildingAgreement.objects.all(), user, perm)
        .select_related("organization", "community")
        .annotate(resource_count=Count("resources"))
    )


def resource_list(*, user, perm: str = VIEW) -> QuerySet[PledgedResource]:
    return scoped(PledgedResource.objects.all(), user, perm).select_related(
        "agreement__organization", "community"
    )


def _current_terms() -> QuerySet[OwnersCommittee]:
    later = OwnersCommittee.objects.filter(estate=OuterRef("estate"), term_start__gt=OuterRef("term_start"))
    return OwnersCommittee.objects.filter(~Exists(later))


def committee_list(*, user, overdue: bool = False, perm: str = VIEW) -> QuerySet[OwnersCommittee]:
    """The current term of each estate's owners' committee; `overdue`: re-election past due."""
    qs = scoped(_current_terms(), user, perm).select_related("estate", "community")
    if overdue:
        qs = qs.filter(term_end__lt=clock.now().date())
    return qs.order_by("term_end", "pk")


def committee_members(*, committee: OwnersCommittee) -> QuerySet:
    return committee.members.select_related("person").order_by("role", "pk")


def estate_owners(*, user, estate_id: int, limit: int = 1000) -> list[tuple[Any, str]]:
    """The registry's owners of dwellings in an estate that the user may see, each with the
    dwelling they own (for the committee member picker)."""
    from gongzhi.registry.models import DwellingOwner

    people = registry.person_queryset(user=user).values("pk")
    rows = (
        DwellingOwner.objects.filter(dwelling__building__estate_id=estate_id, person__in=people)
        .select_related("person", "dwelling__building")
        .order_by("person__name", "person_id", "dwelling_id")[:limit]
    )
    seen: dict[int, tuple[Any, str]] = {}
    for o in rows:
        if o.person_id not in seen:
            d = o.dwelling
            seen[o.person_id] = (o.person, f"{o.person.name} · {d.building.name}{d.entrance}-{d.number}")
    return list(seen.values())


def register_counts(*, user, perm: str = VIEW) -> dict[str, int]:
    orgs = organization_list(user=user, perm=perm)
    by_kind = dict(orgs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "social": by_kind.get(OrganizationKind.SOCIAL_ORGANIZATION, 0)
        + by_kind.get(OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION, 0),
        "units": by_kind.get(OrganizationKind.RESIDENT_UNIT, 0),
        "companies": by_kind.get(OrganizationKind.PROPERTY_COMPANY, 0),
        "committees": committee_list(user=user, perm=perm).count(),
        "overdue": committee_list(user=user, overdue=True, perm=perm).count(),
        "agreements": agreement_list(user=user, perm=perm).count(),
    }


# --- figures ---------------------------------------------------------------------------


def _share(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def orgs_per_10k(*, user, perm: str = VIEW) -> FigureValue:
    """Social organisations per 10,000 active residents in the user's scope."""
    orgs = organization_list(user=user, kind=SOCIAL_KINDS, perm=perm)
    from gongzhi.registry.codes import PersonStatus

    residents = registry.person_queryset(user=user, perm=perm).filter(status=PersonStatus.ACTIVE).count()
    n = orgs.count()
    value = round(10000 * n / residents, 2) if residents else None
    return FigureValue(value, orgs, n, residents)


def property_coverage(*, user, perm: str = VIEW) -> FigureValue:
    """Share of the registry's estates (in scope) managed by a property company."""
    estates = registry.estate_list(user=user, perm=perm)
    total = estates.count()
    managed = estates.filter(property_company__isnull=False)
    n = managed.count()
    return FigureValue(_share(n, total), managed, n, total)


def committee_coverage(*, user, perm: str = VIEW) -> FigureValue:
    """Share of the estates (in scope) with an owners' committee registered."""
    estates = registry.estate_list(user=user, perm=perm)
    total = estates.count()
    covered = estates.filter(pk__in=OwnersCommittee.objects.values("estate"))
    n = covered.count()
    return FigureValue(_share(n, total), covered, n, total)


def resources_pledged_vs_used(*, user, perm: str = VIEW) -> FigureValue:
    """Pledged resources used, as a share of the pledged quantity (same units summed per kind)."""
    qs = resource_list(user=user, perm=perm)
    totals = qs.aggregate(q=Sum("quantity"), u=Sum("used"))
    q, u = totals["q"] or 0, totals["u"] or 0
    return FigureValue(round(100 * float(u) / float(q), 2) if q else None, qs)


# --- shared spaces and bookings ----------------------------------------------------------

MAX_SEARCH_DAYS = 14
MAX_SEARCH_SPACES = 100


def _spaces_q(user, perm: str) -> Q:
    """Spaces in the user's scope for `perm`, and a unit contact's own unit's spaces."""
    units = contact_unit_ids(user)
    q = scope_q(user, perm)
    return q | Q(owner_id__in=units) if units else q


def space_list(*, user, kind: str = "", community: str = "", perm: str = BOOK) -> QuerySet[Space]:
    qs = Space.objects.filter(active=True).filter(_spaces_q(user, perm)).select_related("community", "owner")
    if kind:
        qs = qs.filter(kind=kind)
    if community:
        qs = qs.filter(community__code__startswith=community)
    return qs.order_by("community_id", "name")


def space_get(*, user, pk: int, perm: str = BOOK) -> Space:
    space = (
        Space.objects.filter(_spaces_q(user, perm)).select_related("community", "owner").filter(pk=pk).first()
    )
    if space is None:
        raise NotFound()
    return space


@dataclass
class FreeSlots:
    space: Space
    day: dt.date
    slots: list[tuple[dt.datetime, dt.datetime]]


# What the availability search reads of a space (its page and the API show no more).
_AVAILABILITY_FIELDS = (
    "id",
    "community_id",
    "owner_id",
    "name",
    "kind",
    "capacity",
    "opens",
    "closes",
    "open_weekdays",
    "slot_minutes",
    "approval_required",
    "community__name",
    "owner__name",
)


def availability_spaces(
    *, user, start: dt.datetime, end: dt.datetime, kind: str = "", community: str = "", space_ids=None
) -> QuerySet[Space]:
    """The spaces of the availability search, each with `busy`: the bookings that hold it in
    [start, end) as "start-end,…" in epoch seconds, read by a correlated subquery over the
    partial index of holding bookings by (space, ends_at). One statement for spaces and bookings."""
    from django.db import connection

    spaces = space_list(user=user, kind=kind, community=community).only(*_AVAILABILITY_FIELDS)
    if space_ids is not None:
        spaces = spaces.filter(pk__in=space_ids)
    if connection.vendor == "postgresql":
        ranges = (
            "string_agg(CAST(EXTRACT(EPOCH FROM b.starts_at) AS bigint) || '-' || "
            "CAST(EXTRACT(EPOCH FROM b.ends_at) AS bigint), ',')"
        )
    else:
        ranges = "group_concat(strftime('%%s', b.starts_at) || '-' || strftime('%%s', b.ends_at), ',')"
    table = Space._meta.db_table
    holding = ", ".join(["%s"] * len(HOLDING))
    sql = (
        f"SELECT {ranges} FROM {Booking._meta.db_table} b WHERE b.space_id = {table}.id "
        f"AND b.status IN ({holding}) AND b.ends_at > %s AND b.starts_at < %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    return spaces.annotate(busy=RawSQL(sql, (*[str(h) for h in HOLDING], adapt(start), adapt(end))))


def availability(
    *, user, date_from: dt.date, date_to: dt.date, kind: str = "", community: str = "", space_ids=None
) -> list[FreeSlots]:
    """Free slots of the spaces in scope (of a kind, near a community) day by day: one query for
    the spaces and the bookings that hold them in the range, then one sweep per space in local
    wall-clock time."""
    date_to = min(date_to, date_from + dt.timedelta(days=MAX_SEARCH_DAYS - 1))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    space_rows = list(
        availability_spaces(
            user=user, start=start, end=end, kind=kind, community=community, space_ids=space_ids
        )[:MAX_SEARCH_SPACES]
    )
    now = clock.now().astimezone(tz).replace(tzinfo=None)
    out: list[FreeSlots] = []
    for space in space_rows:
        busy = sorted(_local_ranges(space.busy, tz))  # type: ignore[attr-defined]  # the annotation
        n_busy = len(busy)
        step = dt.timedelta(minutes=space.slot_minutes)
        i = 0  # sweep: bookings that hold a space never overlap, so one pass over them suffices
        day = date_from
        while day <= date_to:
            if str(day.isoweekday()) in space.open_weekdays:
                slot = dt.datetime.combine(day, space.opens)
                close = dt.datetime.combine(day, space.closes)
                free = []
                while slot + step <= close:
                    slot_end = slot + step
                    while i < n_busy and busy[i][1] <= slot:
                        i += 1
                    if slot > now and not (i < n_busy and busy[i][0] < slot_end):
                        free.append((slot.replace(tzinfo=tz), slot_end.replace(tzinfo=tz)))
                    slot = slot_end
                out.append(FreeSlots(space, day, free))
            day += dt.timedelta(days=1)
    return out


def _local_ranges(text: str | None, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    """ "start-end,…" in epoch seconds → local wall-clock times without a zone (plain arithmetic)."""
    if not text:
        return []
    out = []
    for pair in text.split(","):
        s, e = pair.split("-")
        out.append(
            (
                dt.datetime.fromtimestamp(int(s), tz).replace(tzinfo=None),
                dt.datetime.fromtimestamp(int(e), tz).replace(tzinfo=None),
            )
        )
    return out


def holding_between(*, space_ids: list[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """The bookings that hold these spaces at some moment in [start, end). Read through the
    partial index on (space, ends_at) of holding bookings: the scan starts at `start` and runs
    over what ends later, which is the little still ahead of it (history lies behind)."""
    return Booking.objects.filter(
        space_id__in=space_ids, status__in=HOLDING, ends_at__gt=start, starts_at__lt=end
    )


def bookings_mine(*, user) -> QuerySet[Booking]:
    return Booking.objects.filter(booked_by=user).select_related("space", "series").order_by("-starts_at")


def bookings_to_handle(*, user) -> QuerySet[Booking]:
    """Bookings of the spaces the user manages: pending approval, and today's (check-in, no-show)."""
    today = timezone.localdate(clock.now())
    tz = timezone.get_current_timezone()
    day_start = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
    return (
        Booking.objects.filter(_managed_bookings_q(user))
        .filter(
            Q(status=BookingStatus.PENDING, starts_at__gt=clock.now())
            | Q(
                status=BookingStatus.CONFIRMED,
                starts_at__gte=day_start,
                starts_at__lt=day_start + dt.timedelta(days=1),
            )
        )
        .exclude(booker_kind=BookerKind.BLOCK)
        .select_related("space", "booked_by", "organization")
        .order_by("starts_at")
    )


def space_bookings(*, space: Space, day_from: dt.date, days: int = 7) -> QuerySet[Booking]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day_from, dt.time(0), tzinfo=tz)
    return (
        Booking.objects.filter(
            space=space,
            status__in=(BookingStatus.PENDING, *HOLDING),
            starts_at__lt=start + dt.timedelta(days=days),
            ends_at__gt=start,
        )
        .select_related("organization", "booked_by")
        .order_by("starts_at")
    )


def _managed_bookings_q(user) -> Q:
    """Bookings of the spaces the user manages: in their MANAGE_SPACES scope, or of their units'
    own spaces (a unit contact)."""
    units = contact_unit_ids(user)
    q = scope_q(user, MANAGE_SPACES)
    return q | Q(space__owner_id__in=units) if units else q


def booking_get(*, user, pk: int) -> Booking:
    booking = (
        Booking.objects.filter(Q(booked_by=user) | _managed_bookings_q(user))
        .select_related("space", "series")
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking


def space_usage(*, user, days: int = 30, perm: str = MANAGE_SPACES) -> FigureValue:
    """Hours booked vs hours open over the past `days` days, per space and by booker kind; the
    value is the share of open hours used (blocks excluded)."""
    end = clock.now()
    start = end - dt.timedelta(days=days)
    spaces = list(scoped(Space.objects.filter(active=True), user, perm).order_by("community_id", "name"))
    rows = []
    total_open = total_booked = 0.0
    by_space: dict[int, dict[str, float]] = {}
    for space_id, kind, s, e in (
        Booking.objects.filter(space__in=spaces, status__in=HOLDING, starts_at__gte=start, starts_at__lt=end)
        .exclude(booker_kind=BookerKind.BLOCK)
        .values_list("space_id", "booker_kind", "starts_at", "ends_at")
    ):
        by_space.setdefault(space_id, {}).setdefault(kind, 0.0)
        by_space[space_id][kind] += (e - s).total_seconds() / 3600
    for space in spaces:
        daily = (
            dt.datetime.combine(dt.date.min, space.closes) - dt.datetime.combine(dt.date.min, space.opens)
        ).total_seconds() / 3600
        open_days = sum(
            1 for k in range(days) if str((start + dt.timedelta(days=k)).isoweekday()) in space.open_weekdays
        )
        open_hours = daily * open_days
        booked = by_space.get(space.pk, {})
        rows.append(
            {
                "space": space,
                "open_hours": open_hours,
                "booked_hours": sum(booked.values()),
                "by_kind": booked,
            }
        )
        total_open += open_hours
        total_booked += sum(booked.values())
    value = round(100 * total_booked / total_open, 2) if total_open else None
    return FigureValue(value, rows)


def booking_fees(*, user, days: int = 30, perm: str = MANAGE_SPACES) -> FigureValue:
    """Fees of the bookings that held a space over the past `days` days (yuan), with the bookings."""
    end = clock.now()
    charged = (
        scoped(Booking.objects.filter(status__in=HOLDING, fee__gt=0), user, perm)
        .filter(starts_at__gte=end - dt.timedelta(days=days), starts_at__lt=end)
        .select_related("space")
        .order_by("-starts_at")
    )
    total = charged.aggregate(s=Sum("fee"))["s"] or 0
    return FigureValue(float(total), charged, charged.count())


def organization_share_of_premises(*, user, days: int = 30, perm: str = MANAGE_SPACES) -> FigureValue:
    """Share of the hours booked in the community's own premises that organisations booked."""
    usage = space_usage(user=user, days=days, perm=perm)
    own = [r for r in usage.records if r["space"].owner_id is None]
    booked = sum(r["booked_hours"] for r in own)
    by_orgs = sum(r["by_kind"].get(BookerKind.ORGANIZATION, 0.0) for r in own)
    return FigureValue(round(100 * by_orgs / booked, 2) if booked else None, own)


def booking_counts(*, user) -> dict[str, int]:
    now = clock.now()
    counts = {
        "mine": Booking.objects.filter(
            booked_by=user, starts_at__gt=now, status__in=(BookingStatus.PENDING, *HOLDING)
        ).count()
    }
    if user.has_perm(MANAGE_SPACES):
        handle = bookings_to_handle(user=user)
        counts["pending"] = handle.filter(status=BookingStatus.PENDING).count()
        counts["today"] = handle.filter(status=BookingStatus.CONFIRMED).count()
    return counts


# --- a unit based in the area, for its contact (驻区单位联络员) ----------------------------------


def unit_list(*, user) -> QuerySet[Organization]:
    """The units the user is the contact of."""
    return Organization.objects.filter(pk__in=contact_unit_ids(user), kind=OrganizationKind.RESIDENT_UNIT)


def unit_get(*, user, pk: int | None = None) -> Organization:
    """One of the user's units (the first when no pk is given); any other unit is not found."""
    units = unit_list(user=user).select_related("region").order_by("pk")
    unit = units.filter(pk=pk).first() if pk is not None else units.first()
    if unit is None:
        raise NotFound()
    return unit


def unit_agreements(*, unit: Organization) -> QuerySet[CoBuildingAgreement]:
    return CoBuildingAgreement.objects.filter(organization=unit).select_related("community")


def unit_resources(*, unit: Organization) -> QuerySet[PledgedResource]:
    return (
        PledgedResource.objects.filter(agreement__organization=unit)
        .select_related("agreement", "community")
        .order_by("community_id", "kind", "pk")
    )


def unit_spaces(*, unit: Organization) -> QuerySet[Space]:
    return Space.objects.filter(owner=unit).select_related("community").order_by("name")


def unit_needs(*, unit: Organization):
    """The open and matched needs of the communities the unit's current agreements cover (the
    needs list: titles, fields, households counted — no one's personal data)."""
    from .models import Need, NeedStatus

    return (
        Need.objects.filter(community_id__in=covered_communities([unit.pk]))
        .exclude(status=NeedStatus.MET)
        .select_related("community")
        .order_by("-households", "pk")
    )


def unit_offers(*, unit: Organization):
    from .models import ResourceOffer

    return (
        ResourceOffer.objects.filter(resource__agreement__organization=unit)
        .select_related("need", "resource")
        .order_by("-created_at")
    )


def unit_bookings_to_handle(*, user, unit: Organization) -> QuerySet[Booking]:
    """Pending and today's bookings of the unit's own spaces."""
    return bookings_to_handle(user=user).filter(space__owner=unit)


def unit_counts(*, user) -> dict[str, int]:
    """The unit contact's home panel: what waits for them."""
    from .models import NeedStatus, OfferStatus, ResourceOffer

    units = list(contact_unit_ids(user))
    handle = bookings_to_handle(user=user).filter(space__owner_id__in=units)
    from .models import Need

    offered = ResourceOffer.objects.filter(resource__agreement__organization_id__in=units)
    return {
        "pending": handle.filter(status=BookingStatus.PENDING).count(),
        "today": handle.filter(status=BookingStatus.CONFIRMED).count(),
        "needs": Need.objects.filter(community_id__in=covered_communities(units), status=NeedStatus.OPEN)
        .exclude(pk__in=offered.values("need"))
        .count(),
        "offers": offered.filter(status=OfferStatus.OFFERED).count(),
    }


def object_or_404(model, pk, *related):
    """The row by its id (a number, or digits as a form posts them), before the caller's guard;
    anything else, or no such row, is not found."""
    if not isinstance(pk, int):
        pk = int(pk) if str(pk).isdigit() and len(str(pk)) < 19 else None
    obj = model.objects.select_related(*related).filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise NotFound()
    return obj
