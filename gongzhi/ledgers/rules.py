"""Permissions of the electronic ledgers.

| permission     | who                                                       |
|----------------|-----------------------------------------------------------|
| ledgers.view   | community worker/head, street, district staff (scoped)   |
"""

from gongzhi.core.roles import Role

VIEW = "ledgers.view"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COMMUNITY_WORKER: {VIEW},
    Role.COMMUNITY_HEAD: {VIEW},
    Role.STREET_STAFF: {VIEW},
    Role.DISTRICT_STAFF: {VIEW},
}
SCOPED = (VIEW,)
