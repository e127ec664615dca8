"""Permissions of the demands module: the role table and the predicates.

Role → permission (added to core's table):

| permission            | who                                                                 |
|-----------------------|---------------------------------------------------------------------|
| demands.view          | grid worker, community worker/head, street, district staff (scoped); |
|                       | and any member of the demand's handling unit (department staff)     |
| demands.intake        | hotline / walk-in / grid-visit intake: grid worker, community       |
|                       | worker/head, street and district staff (scoped)                     |
| demands.dispatch      | classify, dispatch, reopen, close: community worker/head, street,   |
|                       | district staff (scoped)                                             |
| demands.handle        | sign for, return, ask extension, reply: members of the demand's     |
|                       | current handling unit only                                          |
| demands.review        | decide disputed returns and extensions: members of the unit one     |
|                       | level up (street for a community, district for a street/department) |
| demands.supervise     | remind before / supervise after the deadline: street, district staff |
| demands.callback      | call the resident back and record the rating: street, district staff |
| demands.view_rates    | three rates and the overdue board: community head, street, district |
| demands.submit        | residents submit their own demands (anyone may, even signed out)    |
| demands.rate          | the resident who submitted it rates the answer                      |
| demands.own           | residents: the "my demands" page                                    |
| demands.view_internal | internal steps and notes of the timeline: demands.view without the  |
|                       | submitter (a resident sees the public timeline of their own demand)  |
"""

from __future__ import annotations

import rules

from gongzhi.core.roles import Role
from gongzhi.core.rules import scoped_permission

from .units import is_member, member_unit_ids, reviewer_unit_id

VIEW = "demands.view"
INTAKE = "demands.intake"
DISPATCH = "demands.dispatch"
HANDLE = "demands.handle"
REVIEW = "demands.review"
SUPERVISE = "demands.supervise"
CALLBACK = "demands.callback"
VIEW_RATES = "demands.view_rates"
SUBMIT = "demands.submit"
OWN = "demands.own"
RATE = "demands.rate"
# Internal steps and notes of a demand's timeline: staff who may view it, not its submitter.
VIEW_INTERNAL = "demands.view_internal"

_WORKERS = {VIEW, INTAKE, DISPATCH, HANDLE, REVIEW, SUPERVISE, CALLBACK, VIEW_RATES}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: {SUBMIT, RATE, OWN},
    Role.GRID_WORKER: {VIEW, INTAKE},
    Role.COMMUNITY_WORKER: {VIEW, INTAKE, DISPATCH, HANDLE},
    Role.COMMUNITY_HEAD: {VIEW, INTAKE, DISPATCH, HANDLE, VIEW_RATES},
    Role.STREET_STAFF: _WORKERS,
    Role.DISTRICT_STAFF: _WORKERS,
    Role.DEPARTMENT_STAFF: {HANDLE},
}
SCOPED = (INTAKE, DISPATCH, SUPERVISE, CALLBACK, VIEW_RATES, OWN)

_scoped_view = scoped_permission(VIEW)


@rules.predicate
def is_member_of_current_unit(user, demand=None) -> bool:
    if demand is None:
        return bool(member_unit_ids(user))
    return is_member(user, getattr(demand, "unit_id", None))


@rules.predicate
def is_member_of_reviewing_unit(user, demand=None) -> bool:
    if demand is None:
        return bool(member_unit_ids(user)) and scoped_permission(REVIEW)(user)
    unit = getattr(demand, "unit", None)
    if unit is None:
        return False
    if not scoped_permission(REVIEW)(user, demand):
        return False
    return is_member(user, reviewer_unit_id(unit))


@rules.predicate
def is_submitter(user, demand=None) -> bool:
    if demand is None or not getattr(user, "is_authenticated", False):
        return False
    return demand.submitted_by_id == user.id


@rules.predicate
def is_superuser(user, demand=None) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _add(perm, predicate):
    if rules.perm_exists(perm):
        rules.remove_perm(perm)
    rules.add_perm(perm, predicate)


_add(VIEW, _scoped_view | is_member_of_current_unit | is_submitter)
_add(VIEW_INTERNAL, is_superuser | _scoped_view | is_member_of_current_unit)
_add(HANDLE, is_superuser | is_member_of_current_unit)
_add(REVIEW, is_superuser | is_member_of_reviewing_unit)
# Residents rate their own; anyone may submit (a signed-out resident leaves a phone number).
_add(RATE, is_submitter)
_add(SUBMIT, rules.always_allow)
