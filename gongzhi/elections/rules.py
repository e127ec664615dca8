"""Permissions of residents' committee elections (居委会直选).

| permission        | who                                                        |
|-------------------|------------------------------------------------------------|
| elections.view    | community worker/head, street and district staff (scoped)  |
| elections.manage  | create an election, draw and publish the roll, record votes and results: community head, street staff |
"""

from gongzhi.core.roles import Role

VIEW = "elections.view"
MANAGE = "elections.manage"
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COMMUNITY_WORKER: {VIEW},
    Role.COMMUNITY_HEAD: {VIEW, MANAGE},
    Role.STREET_STAFF: {VIEW, MANAGE},
    Role.DISTRICT_STAFF: {VIEW},
}
SCOPED = (VIEW, MANAGE)
