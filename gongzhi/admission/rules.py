"""Permissions of work admission and who holds them.

Scopes: a department worker holds their department's district; district staff the district; street
and community staff their street or community. Applications belong to the district (`region_id`),
tasks to the community (`community_id`)."""

from __future__ import annotations

import rules as django_rules

from gongzhi.core.models import RoleAssignment
from gongzhi.core.roles import Role
from gongzhi.core.scoping import in_scope

VIEW_LISTS = "admission.view_lists"
MANAGE_LISTS = "admission.manage_lists"
APPLY = "admission.apply"
REVIEW = "admission.review"
VIEW_CATALOGUE = "admission.view_catalogue"
INBOX = "admission.inbox"  # see and answer the community's tasks
SEND_TASK = "admission.send_task"  # a department or street sends a task to communities
VIEW_RECONCILIATION = "admission.view_reconciliation"
ISSUE_CERTIFICATE = "admission.issue_certificate"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.DEPARTMENT_STAFF: {VIEW_LISTS, APPLY, VIEW_CATALOGUE, SEND_TASK, VIEW_RECONCILIATION},
    Role.COMMUNITY_WORKER: {VIEW_LISTS, VIEW_CATALOGUE, INBOX, ISSUE_CERTIFICATE},
    Role.COMMUNITY_HEAD: {VIEW_LISTS, VIEW_CATALOGUE, INBOX, ISSUE_CERTIFICATE},
    Role.STREET_STAFF: {VIEW_LISTS, VIEW_CATALOGUE, SEND_TASK, VIEW_RECONCILIATION},
    Role.DISTRICT_STAFF: {VIEW_LISTS, MANAGE_LISTS, REVIEW, VIEW_CATALOGUE, VIEW_RECONCILIATION},
    Role.RESIDENT: {VIEW_LISTS},
}

# Plain "holds it over the object's region" predicates; APPLY adds "and it is their department".
SCOPED = (
    VIEW_LISTS,
    MANAGE_LISTS,
    REVIEW,
    VIEW_CATALOGUE,
    INBOX,
    SEND_TASK,
    VIEW_RECONCILIATION,
    ISSUE_CERTIFICATE,
)


def user_department_ids(user) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_admission_departments", None)
    if cached is None:
        # by id: the ledgers measure for a stand-in of the user (`ledgers.viewers`), not the user row
        pk = getattr(user, "pk", None)
        cached = (
            set()
            if pk is None
            else set(
                RoleAssignment.objects.filter(
                    user_id=pk, active=True, role=Role.DEPARTMENT_STAFF, department__isnull=False
                ).values_list("department_id", flat=True)
            )
        )
        user._admission_departments = cached
    return cached


@django_rules.predicate
def _applies_for(user, obj=None) -> bool:
    from gongzhi.core.scoping import has_anywhere

    if obj is None:
        return has_anywhere(user, APPLY)
    department_id = getattr(obj, "department_id", None)
    if hasattr(obj, "pk") and department_id is not None:
        return department_id in user_department_ids(user) and in_scope(user, APPLY, obj.region_id)
    return in_scope(user, APPLY, getattr(obj, "code", None))


if not django_rules.perm_exists(APPLY):
    django_rules.add_perm(APPLY, _applies_for)
