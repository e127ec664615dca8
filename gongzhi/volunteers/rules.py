"""Permissions of the volunteers app.

| permission           | who                                                                   |
|----------------------|-----------------------------------------------------------------------|
| volunteers.browse    | see activities and shifts: residents and staff (scoped)               |
| volunteers.join      | residents: register themselves, sign up, check in, redeem (scoped)    |
| volunteers.view      | the roster of volunteers and teams: community, street, district staff |
| volunteers.manage    | register walk-ins, teams, activities, shifts, staff hour entry,       |
|                      | corrections, reward catalogue: community worker/head, street, district |
| volunteers.lead      | show an activity's check-in code: staff who manage it, or the leader  |
|                      | of the activity's team                                                |
| volunteers.figures   | figures: community head, street, district staff                       |
| volunteers.certify   | issue and revoke service-record certificates (志愿服务记录证明) for the  |
|                      | hours recorded in their communities: community worker/head, street,    |
|                      | district ("whoever records it certifies it")                          |
"""

from __future__ import annotations

import rules

from gongzhi.core.roles import Role
from gongzhi.core.rules import scoped_permission

BROWSE = "volunteers.browse"
JOIN = "volunteers.join"
VIEW = "volunteers.view"
MANAGE = "volunteers.manage"
LEAD = "volunteers.lead"
FIGURES = "volunteers.figures"
CERTIFY = "volunteers.certify"

_STAFF = {BROWSE, VIEW, MANAGE, CERTIFY}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {BROWSE, JOIN},
    Role.GRID_WORKER: {BROWSE, VIEW},
    Role.COMMUNITY_WORKER: _STAFF,
    Role.COMMUNITY_HEAD: _STAFF | {FIGURES},
    Role.STREET_STAFF: _STAFF | {FIGURES},
    Role.DISTRICT_STAFF: _STAFF | {FIGURES},
}
SCOPED = (BROWSE, JOIN, VIEW, MANAGE, FIGURES, CERTIFY)


@rules.predicate
def leads_activity_team(user, activity=None) -> bool:
    """The signed-in resident leads the team that runs this activity (or, asked without an
    activity, leads some team)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    from .models import Team

    if activity is None:
        return Team.objects.filter(leader__person_id=person_id).exists()
    team_id = getattr(activity, "team_id", None)
    if not team_id:
        return False
    return Team.objects.filter(pk=int(team_id), leader__person_id=person_id).exists()


rules.add_perm(LEAD, scoped_permission(MANAGE) | leads_activity_team)
