"""Permissions of the registers, lists and shared spaces (declared in organizations/manifest.py).

| permission                  | who                                                             |
|-----------------------------|-----------------------------------------------------------------|
| organizations.view          | grid, community, street, district staff; social-org staff       |
| organizations.manage        | community worker/head, street and district staff                |
| organizations.book          | residents, social-org staff, community worker/head, street staff |
| organizations.manage_spaces | community worker/head, street staff; unit contacts (their unit's spaces) |
| organizations.pledge        | community worker/head, street and district staff; unit contacts (their unit) |
| organizations.unit          | unit contacts: their unit's page, offers of its resources to needs |
view, manage and book are scoped: held over the community (or region) of the record. The
others add to that scope the unit contact's own unit (驻区单位联络员, a role held over one unit
based in the area): its agreements, pledged resources, spaces and their bookings — never
another unit's, and not the region around it. A unit contact sees the needs of the communities
their unit's current agreements cover and offers the unit's resources to them (`organizations.unit`
over a need, a resource or the unit).

Who sets the estates a property company manages: `may_set_estates` (the guard the service,
the company's page and the API ask). The permission is `organizations.manage`, held over the
estates: a community worker links the estates of their community to a company based at the
district; each estate must lie in the user's scope and in the company's region.
"""

import rules

from gongzhi.core.roles import Role
from gongzhi.core.rules import scoped_permission
from gongzhi.core.scoping import scope_prefixes

VIEW = "organizations.view"  # read the registers
MANAGE = "organizations.manage"  # add to the registers, import them
BOOK = "organizations.book"  # book a shared space
MANAGE_SPACES = "organizations.manage_spaces"  # spaces, blocked periods, approvals, check-in
PLEDGE = "organizations.pledge"  # record and update a unit's pledged resources
UNIT = "organizations.unit"  # act for one's own unit based in the area (驻区单位联络员)

_STAFF = {VIEW, MANAGE, BOOK, MANAGE_SPACES}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {BOOK},
    Role.GRID_WORKER: {VIEW},
    Role.COMMUNITY_WORKER: _STAFF,
    Role.COMMUNITY_HEAD: _STAFF,
    Role.STREET_STAFF: {VIEW, MANAGE, BOOK, MANAGE_SPACES},
    Role.DISTRICT_STAFF: {VIEW, MANAGE},
    Role.SOCIAL_ORG_STAFF: {VIEW, BOOK},
    # Held over the unit, never over its region: the predicates below read the unit itself.
    Role.UNIT_CONTACT: {UNIT},
}
for _role in (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.STREET_STAFF, Role.DISTRICT_STAFF):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {PLEDGE}
SCOPED = (VIEW, MANAGE, BOOK)

_UNITS_ATTR = "_gongzhi_contact_units"


def contact_unit_ids(user) -> frozenset[int]:
    """The units based in the area `user` is an active unit contact of (cached on the user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _UNITS_ATTR, None)
    if cached is not None:
        return cached
    from gongzhi.core.models import RoleAssignment

    ids = frozenset(
        RoleAssignment.objects.filter(
            user=user,
            active=True,
            role=Role.UNIT_CONTACT,
            organization__kind="resident_unit",
        ).values_list("organization_id", flat=True)
    )
    setattr(user, _UNITS_ATTR, ids)
    return ids


def unit_of(obj) -> int | None:
    """The unit based in the area a record belongs to (None: not a unit's record)."""
    from .models import (
        Booking,
        BookingSeries,
        CoBuildingAgreement,
        Organization,
        PledgedResource,
        ResourceOffer,
        Space,
    )

    if isinstance(obj, Organization):
        return obj.pk if obj.kind == "resident_unit" else None
    if isinstance(obj, CoBuildingAgreement):
        return obj.organization_id
    if isinstance(obj, PledgedResource):
        return obj.agreement.organization_id
    if isinstance(obj, ResourceOffer):
        return obj.resource.agreement.organization_id
    if isinstance(obj, Space):
        return obj.owner_id
    if isinstance(obj, (Booking, BookingSeries)):
        return obj.space.owner_id
    return None


def covered_communities(unit_ids) -> set[str]:
    """The communities the units' current co-building agreements cover."""
    from django.db.models import Q

    from gongzhi.core import clock

    from .models import CoBuildingAgreement

    today = clock.now().date()
    return set(
        CoBuildingAgreement.objects.filter(organization_id__in=unit_ids)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .values_list("community_id", flat=True)
    )


@rules.predicate
def for_own_unit(user, obj=None) -> bool:
    """The record is one of the user's units' (asked without a record: the user has a unit)."""
    units = contact_unit_ids(user)
    if obj is None:
        return bool(units)
    unit = unit_of(obj)
    return unit is not None and unit in units


@rules.predicate
def unit_reaches(user, obj=None) -> bool:
    """A unit contact acting for their unit: on its own records, or on a need of a community
    their unit's current agreements cover."""
    from .models import Need

    if isinstance(obj, Need):
        units = contact_unit_ids(user)
        return bool(units) and obj.community_id in covered_communities(units)
    return for_own_unit(user, obj)


def _add(perm, predicate) -> None:
    if rules.perm_exists(perm):
        rules.remove_perm(perm)
    rules.add_perm(perm, predicate)


_add(MANAGE_SPACES, scoped_permission(MANAGE_SPACES) | for_own_unit)
_add(PLEDGE, scoped_permission(PLEDGE) | for_own_unit)
_add(UNIT, unit_reaches)


def estate_scope_prefixes(user, company) -> list[str]:
    """Where `user` may set the estates of `company`: the region-code prefixes inside both the
    user's MANAGE scope and the company's region ([] = nowhere)."""
    if company is None or getattr(company, "kind", None) != "property_company":
        return []
    region = company.region_id
    out = []
    for p in scope_prefixes(user, MANAGE):
        if p.startswith(region):
            out.append(p)
        elif region.startswith(p):
            out.append(region)
    return sorted(set(out))


def may_set_estates(user, company) -> bool:
    """May `user` add estates to, or remove them from, this property company (somewhere)?"""
    return bool(estate_scope_prefixes(user, company))
