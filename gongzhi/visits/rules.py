"""Permissions of grid work (包片联户、走访日记、民情台账).

| permission        | who                                                                  |
|-------------------|----------------------------------------------------------------------|
| visits.view       | grid worker, community worker/head, street and district staff        |
| visits.record     | record visits, open and answer ledger items: grid and community workers, head |
| visits.assign     | coverage (who covers which households) and plans: community head, street staff |
| visits.escalate   | turn a ledger item into a demand: grid and community workers, head   |
| visits.courtyards | old courtyards: schedule inspections, record 准物业 arrangements: community worker/head (their community), street staff (its communities) |

All are held over the record's community (scoped).
"""

from __future__ import annotations

from gongzhi.core.roles import Role

VIEW = "visits.view"
RECORD = "visits.record"
ASSIGN = "visits.assign"
ESCALATE = "visits.escalate"
COURTYARDS = "visits.courtyards"

_WORK = {VIEW, RECORD, ESCALATE}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.GRID_WORKER: _WORK,
    Role.COMMUNITY_WORKER: _WORK | {COURTYARDS},
    Role.COMMUNITY_HEAD: _WORK | {ASSIGN, COURTYARDS},
    Role.STREET_STAFF: {VIEW, ASSIGN, COURTYARDS},
    Role.DISTRICT_STAFF: {VIEW},
}
SCOPED = (VIEW, RECORD, ASSIGN, ESCALATE, COURTYARDS)
# Roles whose holders cover households (包片联户).
COVERING_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER)
