"""Permissions of the registers, lists and shared spaces (declared in organizations/manifest.py).

| permission                  | who                                                             |
|-----------------------------|-----------------------------------------------------------------|
| organizations.view          | grid, community, street, district staff; social-org staff       |
| organizations.manage        | community worker/head, street and district staff                |
| organizations.book          | residents, social-org staff, community worker/head, street staff |
| organizations.manage_spaces | community worker/head, street staff                             |
All are scoped: held over the community (or region) of the record.
"""

from gongzhi.core.roles import Role

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
