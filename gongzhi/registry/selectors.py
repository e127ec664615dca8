"""Every read of the register goes through here, scoped to what the user may see."""

from __future__ import annotations

import re

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gongzhi.core import pii
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.roles import VIEW_PERSON
from gongzhi.core.scoping import scoped

from .models import Building, Dwelling, Estate, Grid, Household, Person, PersonTag

_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ID_FULL = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def person_queryset(*, user, perm: str = VIEW_PERSON) -> QuerySet[Person]:
    return scoped(Person.objects.all(), user, perm)


def current_tags_q(kind: str) -> Q:
    today = timezone.localdate()
    return Exists(
        PersonTag.objects.filter(person=OuterRef("pk"), kind=kind, valid_from__lte=today).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )
    )


def person_search(
    *,
    user,
    q: str = "",
    name: str = "",
    id_tail: str = "",
    phone: str = "",
    address: str = "",
    tag: str = "",
    community: str = "",
    status: str = "active",
    perm: str = VIEW_PERSON,
) -> QuerySet[Person]:
    """Search the residents the user may see. `q` is read as what it looks like: four
    characters of an identity number, a mobile number, a full identity number, or a name
    (prefix) / address fragment."""
    qs = person_queryset(user=user, perm=perm)
    q = (q or "").strip()
    if q:
        if _ID_TAIL.match(q):
            id_tail = q.upper()
        elif _PHONE.match(q):
            phone = q
        elif _ID_FULL.match(q):
            from gongzhi.core.idnumber import IdNumberError, parse

            try:
                value = parse(q).value
            except IdNumberError:
                value = q.upper()
            qs = qs.filter(id_number_hash=pii.keyed_hash(value))
        else:
            qs = qs.filter(Q(name__startswith=q) | Q(address__contains=q))
    if name:
        qs = qs.filter(name__startswith=name.strip())
    if id_tail:
        qs = qs.filter(id_tail=id_tail.strip().upper())
    if phone:
        phone = phone.strip()
        qs = (
            qs.filter(phone_tail=phone)
            if len(phone) == 4
            else qs.filter(phone_hash=pii.keyed_hash(phone, purpose="phone"))
        )
    if address:
        qs = qs.filter(address__contains=address.strip())
    if tag:
        qs = qs.filter(current_tags_q(tag))
    if community:
        qs = qs.filter(community__code__startswith=community)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("community").order_by("name", "id")


def person_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Person:
    person = (
        person_queryset(user=user, perm=perm)
        .select_related("community", "dwelling__building__estate", "membership__household")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise NotFound()
    return person


def person_tags(*, person: Person) -> QuerySet[PersonTag]:
    return person.tags.select_related("source_department").order_by("-valid_from")


def household_queryset(*, user, perm: str = VIEW_PERSON) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user, perm)


def household_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Household:
    household = (
        household_queryset(user=user, perm=perm)
        .select_related("community", "dwelling__building__estate", "head")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def household_members(*, household: Household):
    return household.members.select_related("person").order_by("relationship", "person__birth_date")


def estate_list(*, user, community: str | None = None, perm: str = VIEW_PERSON) -> QuerySet[Estate]:
    qs = scoped(Estate.objects.all(), user, perm)
    if community:
        qs = qs.filter(community__code__startswith=community)
    return (
        qs.annotate(building_count=Count("buildings"))
        .select_related("community")
        .order_by("community_id", "name")
    )


def estate_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Estate:
    estate = scoped(Estate.objects.all(), user, perm).select_related("community").filter(pk=pk).first()
    if estate is None:
        raise NotFound()
    return estate


def building_list(*, user, estate: Estate, perm: str = VIEW_PERSON) -> QuerySet[Building]:
    return (
        scoped(Building.objects.filter(estate=estate), user, perm)
        .annotate(dwelling_count=Count("dwellings", distinct=True))
        .select_related("grid")
        .order_by("name")
    )


def building_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Building:
    building = (
        scoped(Building.objects.all(), user, perm)
        .select_related("estate", "community", "grid")
        .filter(pk=pk)
        .first()
    )
    if building is None:
        raise NotFound()
    return building


def dwelling_list(*, building: Building) -> QuerySet[Dwelling]:
    return building.dwellings.annotate(resident_count=Count("residents")).order_by(
        "entrance", "-floor", "number"
    )


def dwelling_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Dwelling:
    dwelling = (
        scoped(Dwelling.objects.all(), user, perm)
        .select_related("building__estate", "community")
        .filter(pk=pk)
        .first()
    )
    if dwelling is None:
        raise NotFound()
    return dwelling


def grid_list(*, user, perm: str = VIEW_PERSON) -> QuerySet[Grid]:
    return scoped(Grid.objects.all(), user, perm).select_related("community", "worker")


def communities_in_scope(*, user, perm: str = VIEW_PERSON) -> QuerySet[Region]:
    """The communities a user may work in (for pickers and the drill-down)."""
    return scoped(Region.objects.filter(level=5), user, perm, field="code").order_by("code")
