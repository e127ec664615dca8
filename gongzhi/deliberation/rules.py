"""Permissions of deliberation.

| permission              | who                                                                   |
|-------------------------|-----------------------------------------------------------------------|
| deliberation.view       | grid worker, community worker/head, street, district, social-org staff |
| deliberation.manage     | community worker/head, street, district staff: councils, agenda,       |
|                         | referral, decisions, polls, paper ballots, resolutions                |
| deliberation.propose    | residents: propose and support topics of councils in their community  |
| deliberation.vote       | any signed-in user; whether they may vote is the poll's frozen roll   |
| deliberation.receive    | manage, held over the council a topic is referred to                  |
"""

from __future__ import annotations

import rules

from gongzhi.core.roles import Role
from gongzhi.core.scoping import in_scope

VIEW = "deliberation.view"
MANAGE = "deliberation.manage"
PROPOSE = "deliberation.propose"
VOTE = "deliberation.vote"
RECEIVE = "deliberation.receive"

_STAFF = {VIEW, MANAGE}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {PROPOSE},
    Role.GRID_WORKER: {VIEW},
    Role.SOCIAL_ORG_STAFF: {VIEW},
    Role.COMMUNITY_WORKER: _STAFF,
    Role.COMMUNITY_HEAD: _STAFF,
    Role.STREET_STAFF: _STAFF,
    Role.DISTRICT_STAFF: _STAFF,
}
SCOPED = (VIEW, MANAGE, PROPOSE)


@rules.predicate
def signed_in(user, obj=None) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def manages_receiving_council(user, topic=None) -> bool:
    """Staff of the council a topic is referred to decide whether to accept it."""
    if topic is None:
        return rules.has_perm(MANAGE, user)
    referral = topic.referrals.filter(state="pending").select_related("to_council").first()
    return referral is not None and in_scope(user, MANAGE, referral.to_council.region_id)


if not rules.perm_exists(VOTE):
    rules.add_perm(VOTE, signed_in)
if not rules.perm_exists(RECEIVE):
    rules.add_perm(RECEIVE, manages_receiving_council)
