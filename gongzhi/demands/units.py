"""Handling units: derived from regions and departments; who belongs to which unit.

A user belongs to a unit through a role assignment:
  community unit  ← community worker / community head assigned to that community
  street unit     ← street staff assigned to that street
  district unit   ← district staff assigned to that district
  department unit ← department staff assigned to that department
The unit one level up (`parent`) decides disputed returns and extensions.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from gongzhi.core.models import Department, Region, RegionLevel, RoleAssignment
from gongzhi.core.roles import Role

from .models import HandlingLevel, HandlingUnit

LEVEL_KIND: dict[int, str] = {
    RegionLevel.COMMUNITY: HandlingLevel.COMMUNITY,
    RegionLevel.STREET: HandlingLevel.STREET,
    RegionLevel.DISTRICT: HandlingLevel.DISTRICT,
}
KIND_ROLES: dict[str, tuple[str, ...]] = {
    HandlingLevel.COMMUNITY: (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD),
    HandlingLevel.STREET: (Role.STREET_STAFF,),
    HandlingLevel.DISTRICT: (Role.DISTRICT_STAFF,),
    HandlingLevel.DEPARTMENT: (Role.DEPARTMENT_STAFF,),
}
_CACHE_ATTR = "_gongzhi_demand_units"


@transaction.atomic
def unit_for_region(region: Region) -> HandlingUnit:
    """The unit of a community, street or district (created with its parents when missing)."""
    kind = LEVEL_KIND.get(region.level)
    if kind is None:
        raise ValueError(f"no handling unit for region level {region.level}")
    unit = HandlingUnit.objects.filter(kind=kind, region=region, department__isnull=True).first()
    if unit is not None:
        return unit
    parent = None
    if region.parent is not None and region.level > RegionLevel.DISTRICT:
        parent = unit_for_region(region.parent)
    name = region.short_name if kind == HandlingLevel.COMMUNITY else region.name
    return HandlingUnit.objects.create(kind=kind, region=region, name=name, parent=parent)


@transaction.atomic
def unit_for_department(department: Department) -> HandlingUnit:
    unit = HandlingUnit.objects.filter(department=department).first()
    if unit is not None:
        return unit
    parent = unit_for_region(department.region) if department.region.level in LEVEL_KIND else None
    return HandlingUnit.objects.create(
        kind=HandlingLevel.DEPARTMENT,
        region=department.region,
        department=department,
        name=department.name,
        parent=parent,
    )


def units_sync(district: Region) -> int:
    """Create the units of a district: itself, its streets and communities, its departments
    (not the integration app's "XX区各社区", which handles nothing)."""
    before = HandlingUnit.objects.count()
    for region in Region.objects.filter(
        code__startswith=district.code, level__gte=RegionLevel.DISTRICT
    ).order_by("level", "code"):
        unit_for_region(region)
    for department in handling_departments(district.code):
        unit_for_department(department)
    # made by an earlier version: keep them (demands may point at them), but out of the pickers
    HandlingUnit.objects.filter(
        region__code__startswith=district.code,
        department__code__startswith=NON_HANDLING_DEPARTMENT_PREFIX,
        active=True,
    ).update(active=False)
    return HandlingUnit.objects.count() - before


# The integration app's built-in source "XX区各社区" (社区采集) is a Department whose code
# starts with this; it stands for the communities' own data entry, not an office that
# handles demands (the communities have their own units).
NON_HANDLING_DEPARTMENT_PREFIX = "community-"


def handling_departments(district_code: str):
    """The district's departments that may handle demands."""
    return Department.objects.filter(region__code__startswith=district_code).exclude(
        code__startswith=NON_HANDLING_DEPARTMENT_PREFIX
    )


def member_unit_ids(user) -> set[int]:
    """The units `user` works in (cached on the user object)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if user is not None and user.is_authenticated and user.is_active:
        q = Q()
        found = False
        for a in RoleAssignment.objects.filter(user=user, active=True):
            for kind, roles in KIND_ROLES.items():
                if a.role not in roles:
                    continue
                if kind == HandlingLevel.DEPARTMENT and a.department_id:
                    q |= Q(department_id=a.department_id)
                    found = True
                elif kind != HandlingLevel.DEPARTMENT and a.region_id:
                    q |= Q(kind=kind, region_id=a.region_id, department__isnull=True)
                    found = True
        if found:
            ids = set(HandlingUnit.objects.filter(q).values_list("id", flat=True))
    try:
        setattr(user, _CACHE_ATTR, ids)
    except AttributeError:
        pass
    return ids


def is_member(user, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in member_unit_ids(user)


def reviewer_unit_id(unit: HandlingUnit) -> int:
    """The unit that decides this unit's disputed returns and extensions: its parent, or
    itself at the top (the district)."""
    return unit.parent_id or unit.id


def unit_members(unit: HandlingUnit):
    """Users who work in `unit`."""
    from gongzhi.core.models import User

    roles = KIND_ROLES[unit.kind]
    if unit.kind == HandlingLevel.DEPARTMENT:
        q = Q(assignments__department_id=unit.department_id)
    else:
        q = Q(assignments__region_id=unit.region_id)
    return User.objects.filter(
        q, assignments__role__in=roles, assignments__active=True, is_active=True
    ).distinct()


def units_under(region_code: str):
    """Units serving a region and below (for pickers and dashboards)."""
    return HandlingUnit.objects.filter(region__code__startswith=region_code, active=True)


@transaction.atomic
def units_for_regions(*, codes: list[str]) -> int:
    """The handling units of these regions (districts, streets, communities), with their parents,
    created in bulk where missing (the regions_imported hook). Returns how many were created."""
    levels = {RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY}
    # Only districts the platform serves (set up by units_sync, as the demo does): importing a whole
    # province's codes must not make every district an Open311 jurisdiction.
    served = set(
        HandlingUnit.objects.filter(kind=HandlingLevel.DISTRICT, department__isnull=True).values_list(
            "region_id", flat=True
        )
    )
    wanted = {c for c in codes if len(c) >= 6 and c[:6] in served}
    wanted |= {c[:n] for c in wanted for n in (6, 9) if len(c) > n}
    regions = sorted(
        Region.objects.filter(code__in=wanted, level__in=levels).only("code", "name", "level", "parent_id"),
        key=lambda r: (r.level, r.code),
    )
    units = dict(
        HandlingUnit.objects.filter(region_id__in=wanted, department__isnull=True).values_list(
            "region_id", "id"
        )
    )
    created = 0
    for level in sorted(levels):
        new = []
        for region in regions:
            if region.level != level or region.code in units:
                continue
            kind = LEVEL_KIND[region.level]
            name = region.short_name if kind == HandlingLevel.COMMUNITY else region.name
            parent = units.get(region.parent_id or "") if region.level > RegionLevel.DISTRICT else None
            new.append(HandlingUnit(kind=kind, region_id=region.code, name=name, parent_id=parent))
        for unit in HandlingUnit.objects.bulk_create(new):
            units[unit.region_id] = unit.pk
        created += len(new)
    return created


def unit_for_new_department(*, department: Department) -> None:
    """The department_created hook: a department that may handle demands gets its unit."""
    if handling_departments(department.region_id[:6]).filter(pk=department.pk).exists():
        unit_for_department(department)


def units_ensure_for_community(community: Region) -> None:
    """Make sure the units that may receive a demand in `community` exist: the community,
    its street, its district and the district's departments (created on first need)."""
    district_code = community.code[:6]
    have = set(
        HandlingUnit.objects.filter(
            region_id__in=[community.code, community.code[:9], district_code]
        ).values_list("region_id", flat=True)
    )
    if len(have) < 3:
        unit_for_region(community)
    missing = handling_departments(district_code).filter(handling_unit__isnull=True)
    for department in missing:
        unit_for_department(department)
