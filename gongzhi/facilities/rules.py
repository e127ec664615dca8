"""Permissions of the facilities register and the standards.

| permission            | who                                                               |
|-----------------------|-------------------------------------------------------------------|
| facilities.view       | community worker/head, street, district staff (scoped)           |
| facilities.manage     | record premises and facilities: community worker/head, street, district (scoped) |
| facilities.standards  | add a version of a standard: district staff, system admin         |
| facilities.pay        | record funding and allowances paid to a community: street, district (scoped) |
"""

from gongzhi.core.roles import Role

VIEW = "facilities.view"
MANAGE = "facilities.manage"
STANDARDS = "facilities.standards"
PAY = "facilities.pay"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COMMUNITY_WORKER: {VIEW, MANAGE},
    Role.COMMUNITY_HEAD: {VIEW, MANAGE},
    Role.STREET_STAFF: {VIEW, MANAGE, PAY},
    Role.DISTRICT_STAFF: {VIEW, MANAGE, STANDARDS, PAY},
    Role.SYSTEM_ADMIN: {STANDARDS},
}
SCOPED = (VIEW, MANAGE, STANDARDS, PAY)


def may_manage(user, community: str) -> bool:
    """May `user` record or correct the premises and facilities of `community` (its code)? The
    one answer for pages, the API and the services (which `require` the same permission)."""
    return user is not None and user.has_perm(MANAGE, community)


def may_add_standard(user, scope: str = "") -> bool:
    """May `user` add a version of a standard for `scope` (a region-code prefix, "" nationwide)?
    Only within the user's own scope: a district's staff for their district or part of it."""
    from gongzhi.core.scoping import in_scope

    return user is not None and user.has_perm(STANDARDS) and in_scope(user, STANDARDS, scope)
