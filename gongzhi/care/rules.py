"""Permissions of home-based elderly care (居家养老).

| permission      | who                                                                       |
|-----------------|---------------------------------------------------------------------------|
| care.view       | grid worker, community worker/head, street and district staff (scoped)    |
| care.manage     | profiles, contacts, devices, meal enrolment, service orders: community worker/head |
| care.calls      | answer one-key calls: grid worker, community worker/head                  |
| care.intake     | post a one-key call from the call centre (POST /api/care/calls, usually with an API   |
|                 | token of a service account): community worker/head, street and district staff      |
| care.serve      | a care provider's staff (social_org_staff, scoped to its organisation): the orders |
|                 | given to their organisation, service records; meal points record meals too |
"""

from __future__ import annotations

from gongzhi.core.roles import Role

VIEW = "care.view"
MANAGE = "care.manage"
CALLS = "care.calls"
SERVE = "care.serve"
INTAKE = "care.intake"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.GRID_WORKER: {VIEW, CALLS},
    Role.COMMUNITY_WORKER: {VIEW, MANAGE, CALLS, SERVE, INTAKE},
    Role.COMMUNITY_HEAD: {VIEW, MANAGE, CALLS, SERVE, INTAKE},
    Role.STREET_STAFF: {VIEW, INTAKE},
    Role.DISTRICT_STAFF: {VIEW, INTAKE},
    Role.SOCIAL_ORG_STAFF: {SERVE},
}
SCOPED = (VIEW, MANAGE, CALLS, SERVE, INTAKE)
