"""Permissions of the registers, lists and shared spaces (declared in organizations/manifest.py).

| permission                  | who                                                             |
|-----------------------------|-----------------------------------------------------------------|
| organizations.view          | grid, community, street, district staff; social-org staff       |
| organizations.manage        | community worker/head, street and district staff                |
| organizations.book          | residents, social-org staff, community worker/head, street staff |
| organizations.manage_spaces | community worker/head, street staff                             |
All are scoped: held over the community (or region) of the record.

Who sets the estates a property company manages: `may_set_estates` (the guard the service,
the company's page and the API ask). The permission is `organizations.manage`, held over the
estates: a community worker links the estates of their community to a company based at the
district; each estate must lie in the user's scope and in the company's region.
"""

from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_prefixes

VIEW = "organizations.view"  # read the registers
MANAGE = "organizations.manage"  # add to the registers, import them
BOOK = "organizations.book"  # book a shared space
MANAGE_SPACES = "organizations.manage_spaces"  # spaces, blocked periods, approvals, check-in

_STAFF = {VIEW, MANAGE, BOOK, MANAGE_SPACES}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {BOOK},
    Role.GRID_WORKER: {VIEW},
    Role.COMMUNITY_WORKER: _STAFF,
    Role.COMMUNITY_HEAD: _STAFF,
    Role.STREET_STAFF: {VIEW, MANAGE, BOOK, MANAGE_SPACES},
    Role.DISTRICT_STAFF: {VIEW, MANAGE},
    Role.SOCIAL_ORG_STAFF: {VIEW, BOOK},
}
SCOPED = (VIEW, MANAGE, BOOK, MANAGE_SPACES)


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
