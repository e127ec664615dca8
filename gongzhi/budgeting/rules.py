"""Permissions of budgeting: staff run rounds (scoped); residents propose; anyone signed in may try
to vote (the frozen roll decides)."""

from gongzhi.core.roles import Role

VIEW = "budgeting.view"
MANAGE = "budgeting.manage"
PROPOSE = "budgeting.propose"
VOTE = "deliberation.vote"  # signed in; the roll decides

_STAFF = {VIEW, MANAGE}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {VIEW, PROPOSE},
    Role.GRID_WORKER: {VIEW},
    Role.COMMUNITY_WORKER: _STAFF,
    Role.COMMUNITY_HEAD: _STAFF,
    Role.STREET_STAFF: _STAFF,
    Role.DISTRICT_STAFF: _STAFF,
}
SCOPED = (VIEW, MANAGE, PROPOSE)
