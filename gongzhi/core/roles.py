"""Roles and the one table that says what each role may do.

A role is held over a scope (a region at any level, a department or an organisation).
Permissions are names `app.action`; rules.py turns each into a predicate that also checks
that the object lies inside the scope of an assignment whose role grants it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    COMMUNITY_HEAD = "community_head", _("社区书记/主任")
    STREET_STAFF = "street_staff", _("街道工作人员")
    DISTRICT_STAFF = "district_staff", _("区民政工作人员")
    DEPARTMENT_STAFF = "department_staff", _("部门工作人员")
    SOCIAL_ORG_STAFF = "social_org_staff", _("社会组织工作人员")
    EXPERT = "expert", _("评审专家")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


# Registry permissions.
VIEW_PERSON = "registry.view_person"  # see residents (masked)
CHANGE_PERSON = "registry.change_person"  # add and edit residents, households, dwellings
REVEAL_PERSON = "registry.reveal_person"  # see full identity number / phone, stating a purpose
IMPORT_PERSON = "registry.import_person"  # import residents from a spreadsheet
EXPORT_PERSON = "registry.export_person"  # export residents to Excel (masked)
MANAGE_PLACES = "registry.manage_places"  # grids, estates, buildings
VIEW_ACCESS_LOG = "core.view_access_log"  # read the personal-data access log
MANAGE_USERS = "core.manage_users"  # users and role assignments

_REGISTRY_WORK = {VIEW_PERSON, CHANGE_PERSON, REVEAL_PERSON, EXPORT_PERSON}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.RESIDENT: set(),
    Role.GRID_WORKER: _REGISTRY_WORK - {EXPORT_PERSON},
    Role.COMMUNITY_WORKER: _REGISTRY_WORK | {IMPORT_PERSON, MANAGE_PLACES},
    Role.COMMUNITY_HEAD: _REGISTRY_WORK | {IMPORT_PERSON, MANAGE_PLACES, VIEW_ACCESS_LOG},
    Role.STREET_STAFF: {VIEW_PERSON, REVEAL_PERSON, EXPORT_PERSON, VIEW_ACCESS_LOG},
    Role.DISTRICT_STAFF: {VIEW_PERSON, REVEAL_PERSON, EXPORT_PERSON, IMPORT_PERSON, VIEW_ACCESS_LOG},
    # Departments read residents only through their sharing rules (integration.department_read:
    # the fields their kind may read, every read logged), never through the register itself.
    Role.DEPARTMENT_STAFF: set(),
    Role.SOCIAL_ORG_STAFF: set(),
    Role.EXPERT: set(),
    Role.SYSTEM_ADMIN: {VIEW_ACCESS_LOG, MANAGE_USERS},
}


def register_permissions(role: str, perms: set[str]) -> None:
    """Other apps add their permissions to the table at import time (from their rules.py)."""
    ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS[role] | set(perms)


def roles_with(perm: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}
