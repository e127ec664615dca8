"""Permissions of residents' committee elections (居委会直选).

| permission          | who                                                                     |
|---------------------|-------------------------------------------------------------------------|
| elections.view      | community worker/head, street and district staff (scoped)               |
| elections.manage    | the election committee's work: create an election, draw and publish the |
|                     | roll, handle objections, register nominations, publish the candidates,  |
|                     | mark votes and record the results: community head, street staff         |
| elections.object    | residents of the community: see the published roll, candidates and      |
|                     | results of their community, object to the roll during its publication   |
| elections.respond   | accept or decline a nomination: the nominee (their account's person),   |
|                     | or the committee recording the nominee's written answer                 |
"""

from __future__ import annotations

import rules

from gongzhi.core.roles import Role
from gongzhi.core.scoping import in_scope

VIEW = "elections.view"
MANAGE = "elections.manage"
OBJECT = "elections.object"
RESPOND = "elections.respond"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {OBJECT},
    Role.COMMUNITY_WORKER: {VIEW},
    Role.COMMUNITY_HEAD: {VIEW, MANAGE},
    Role.STREET_STAFF: {VIEW, MANAGE},
    Role.DISTRICT_STAFF: {VIEW},
}
SCOPED = (VIEW, MANAGE, OBJECT)


@rules.predicate
def nominee_or_committee(user, candidate=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if candidate is None:
        return rules.has_perm(MANAGE, user) or getattr(user, "person_id", None) is not None
    person_id = getattr(user, "person_id", None)
    if person_id is not None and candidate.entry.person_id == person_id:
        return True
    return in_scope(user, MANAGE, candidate.community_id)


if not rules.perm_exists(RESPOND):
    rules.add_perm(RESPOND, nominee_or_committee)
