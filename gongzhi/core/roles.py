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
    UNIT_CONTACT = "unit_contact", _("驻区单位联络员")
    EXPERT = "expert", _("评审专家")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


# Core's own permissions; every app declares its own in its manifest (see core/manifests.py).
VIEW_ACCESS_LOG = "core.view_access_log"  # read the personal-data access log
MANAGE_USERS = "core.manage_users"  # users and role assignments

# Role → permissions, filled from the apps' manifests when the apps are ready.
ROLE_PERMISSIONS: dict[str, set[str]] = {role.value: set() for role in Role}


def register_permissions(role: str, perms: set[str]) -> None:
    """Other apps add their permissions to the table at import time (from their rules.py)."""
    ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS[role] | set(perms)


def roles_with(perm: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}
