"""Permissions of deliberation.

| permission              | who                                                                   |
|-------------------------|-----------------------------------------------------------------------|
| deliberation.view       | grid worker, community worker/head, street, district, social-org staff |
| deliberation.manage     | community worker/head, street, district staff: councils, agenda,       |
|                         | referral, decisions, polls, paper ballots, resolutions                |
| deliberation.propose    | residents: propose and support topics of councils in their community  |
| deliberation.vote       | any signed-in user; whether they may vote is the poll's frozen roll   |
| deliberation.receive    | manage, held over the council a topic is referred to                  |
| deliberation.chair      | the council's chair (主任) in term: approves a meeting's minutes       |
| deliberation.discuss    | propose or manage over the topic: residents and staff comment, report  |
| deliberation.council    | manage over the council's region: create and edit a council, add,     |
|                         | edit and end its members (community staff their community's and its  |
|                         | groups', street staff their street's and its communities')           |
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
CHAIR = "deliberation.chair"
DISCUSS = "deliberation.discuss"
COUNCIL = "deliberation.council"

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


def member_q(user):
    """Council memberships of this user: linked by account or through their person."""
    from django.db.models import Q

    person_id = getattr(user, "person_id", None)
    return Q(user=user) | (Q(person_id=person_id) if person_id else Q(pk__in=[]))


@rules.predicate
def chairs_council(user, obj=None) -> bool:
    """The user is the chair (主任) in term of the council of this meeting (or of any council)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    from gongzhi.core import clock

    from .models import CouncilMember

    today = clock.now().date()
    qs = CouncilMember.objects.filter(
        member_q(user), position="chair", term_start__lte=today, term_end__gte=today
    )
    if obj is not None:
        council_id = getattr(obj, "council_id", None)
        if council_id is None:
            return False
        qs = qs.filter(council_id=council_id)
    return qs.exists()


@rules.predicate
def discusses(user, obj=None) -> bool:
    """Residents (propose) and staff (manage) of the object's area take part in online discussion."""
    if obj is None:
        return rules.has_perm(PROPOSE, user) or rules.has_perm(MANAGE, user)
    from gongzhi.core.scoping import community_code_of

    code = community_code_of(obj)
    return in_scope(user, PROPOSE, code) or in_scope(user, MANAGE, code)


def council_code(obj) -> str | None:
    """The region a council speaks for (its community, or its street); for a member, its council's;
    for a region (a council about to be created there), the region itself."""
    from gongzhi.core.models import Region

    if isinstance(obj, Region):
        return obj.code
    council = getattr(obj, "council", obj)
    return getattr(council, "community_id", None) or getattr(council, "region_id", None)


@rules.predicate
def manages_council(user, obj=None) -> bool:
    """The one guard of council management: the page's links, the API and the services ask it."""
    if obj is None:
        from gongzhi.core.scoping import scope_prefixes

        return bool(scope_prefixes(user, MANAGE))
    return in_scope(user, MANAGE, council_code(obj))


if not rules.perm_exists(COUNCIL):
    rules.add_perm(COUNCIL, manages_council)
if not rules.perm_exists(CHAIR):
    rules.add_perm(CHAIR, chairs_council)
if not rules.perm_exists(DISCUSS):
    rules.add_perm(DISCUSS, discusses)
if not rules.perm_exists(VOTE):
    rules.add_perm(VOTE, signed_in)
if not rules.perm_exists(RECEIVE):
    rules.add_perm(RECEIVE, manages_receiving_council)
