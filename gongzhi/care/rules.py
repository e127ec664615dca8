"""Permissions of home-based elderly care (居家养老).

| permission      | who                                                                       |
|-----------------|---------------------------------------------------------------------------|
| care.view       | grid worker, community worker/head, street and district staff (scoped)    |
| care.manage     | profiles, contacts, devices, meal enrolment, service orders: community worker/head |
| care.calls      | answer one-key calls: grid worker, community worker/head                  |
| care.serve      | a care provider's staff (social_org_staff, scoped to its organisation): the orders |
|                 | given to their organisation, service records; meal points record meals too |
"""

from __future__ import annotations

from gongzhi.core.roles import Role

VIEW = "care.view"
MANAGE = "care.manage"
CALLS = "care.calls"
SERVE = "care.serve"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.GRID_WORKER: {VIEW, CALLS},
    Role.COMMUNITY_WORKER: {VIEW, MANAGE, CALLS, SERVE},
    Role.COMMUNITY_HEAD: {VIEW, MANAGE, CALLS, SERVE},
    Role.STREET_STAFF: {VIEW},
    Role.DISTRICT_STAFF: {VIEW},
    Role.SOCIAL_ORG_STAFF: {SERVE},
}
SCOPED = (VIEW, MANAGE, CALLS, SERVE)
