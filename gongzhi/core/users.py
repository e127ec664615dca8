"""Users and role assignments, managed by a system administrator within their scope.

An administrator (core.manage_users over a region) sees the users who hold at least one
role inside that region, creates users with a first role there, assigns and withdraws roles
whose scope lies inside it, and disables or re-enables accounts all of whose roles lie
inside it. Every change is written to the edit history (ChangeRecord) with who and why.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError, NotFound, PermissionDenied
from .history import change_record, history_for
from .models import ChangeRecord, Department, Region, RegionLevel, RoleAssignment, User
from .roles import MANAGE_USERS, Role
from .scoping import clear_cache, scope_prefixes

# The kind of scope each role is held over: a region of a level, a department or an organisation.
ROLE_SCOPE: dict[str, str] = {
    Role.RESIDENT: "community",
    Role.GRID_WORKER: "community",
    Role.COMMUNITY_WORKER: "community",
    Role.COMMUNITY_HEAD: "community",
    Role.STREET_STAFF: "street",
    Role.DISTRICT_STAFF: "district",
    Role.DEPARTMENT_STAFF: "department",
    Role.SOCIAL_ORG_STAFF: "organization",
    Role.UNIT_CONTACT: "organization",
    Role.EXPERT: "region",
    Role.SYSTEM_ADMIN: "region",
}
ACTION_LABELS = {
    "create": _("创建账号"),
    "role_assign": _("分配角色"),
    "role_revoke": _("收回角色"),
    "disable": _("停用账号"),
    "enable": _("重新启用"),
}
SCOPE_LEVEL = {
    "community": RegionLevel.COMMUNITY,
    "street": RegionLevel.STREET,
    "district": RegionLevel.DISTRICT,
}


def _scope_code(assignment: RoleAssignment) -> str:
    if assignment.region_id:
        return assignment.region_id
    # Exactly one of region, department and organization is set (the table's check constraint).
    if assignment.department is not None:
        return assignment.department.region_id
    if assignment.organization is not None:
        return assignment.organization.region_id
    raise ValueError(f"role assignment {assignment.pk} has no scope")


def _within(by, code: str) -> bool:
    return any(code.startswith(p) for p in scope_prefixes(by, MANAGE_USERS))


def _require_manager(by) -> None:
    if not scope_prefixes(by, MANAGE_USERS):
        raise PermissionDenied()


# --------------------------------------------------------------------------- reads


def users_visible(*, by) -> QuerySet[User]:
    """Users holding at least one role (active or not) inside the administrator's scope."""
    prefixes = scope_prefixes(by, MANAGE_USERS)
    if not prefixes:
        return User.objects.none()
    if "" in prefixes:
        return User.objects.all().order_by("username")
    q = Q()
    for p in prefixes:
        q |= (
            Q(assignments__region__code__startswith=p)
            | Q(assignments__department__region__code__startswith=p)
            | Q(assignments__organization__region__code__startswith=p)
        )
    ids = User.objects.filter(q).values("id")
    return User.objects.filter(id__in=ids).order_by("username")


def user_get(*, by, pk: int) -> User:
    """A user the administrator may manage; 404 otherwise (existence is not revealed)."""
    user = users_visible(by=by).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def user_assignments(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("region", "department", "organization")


def user_history(*, user: User, limit: int = 50) -> list[ChangeRecord]:
    """The account's changes, newest first, each with a plain label and what changed."""
    rows = list(history_for(user)[:limit])
    for r in rows:
        r.label = ACTION_LABELS.get(r.action, r.action)
        r.summary = "; ".join(str(new if new is not None else old) for old, new in r.changes.values())
    return rows


def scope_choices(*, by) -> dict[str, list]:
    """Regions and departments inside the administrator's scope, for the assignment form."""
    prefixes = scope_prefixes(by, MANAGE_USERS)
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    regions = (
        Region.objects.filter(q, level__gte=RegionLevel.DISTRICT).order_by("code")[:800] if prefixes else []
    )
    dq = Q()
    for p in prefixes:
        dq |= Q(region__code__startswith=p)
    departments = Department.objects.filter(dq).order_by("region_id", "name") if prefixes else []
    return {"regions": list(regions), "departments": list(departments)}


# --------------------------------------------------------------------------- writes


def _check_scope(*, by, role: str, region: Region | None, department: Department | None, organization) -> str:
    if role not in Role.values:
        raise ApplicationError("bad_role", _("请选择一个角色。"), field="role")
    given = [x for x in (region, department, organization) if x is not None]
    if len(given) != 1:
        raise ApplicationError(
            "scope_required", _("请选择这个角色的管辖范围（一个区划或部门）。"), field="scope"
        )
    kind = ROLE_SCOPE[role]
    if kind == "department" and department is None:
        raise ApplicationError("scope_kind", _("部门工作人员的管辖范围必须是一个部门。"), field="scope")
    if kind == "organization" and organization is None:
        raise ApplicationError("scope_kind", _("这个角色的管辖范围必须是一个组织。"), field="scope")
    # A unit contact speaks for a unit based in the area (驻区单位), not for any organisation.
    if role == Role.UNIT_CONTACT and getattr(organization, "kind", None) != "resident_unit":
        raise ApplicationError("scope_kind", _("驻区单位联络员的管辖范围必须是一个驻区单位。"), field="scope")
    if kind in SCOPE_LEVEL and (region is None or region.level != SCOPE_LEVEL[kind]):
        raise ApplicationError(
            "scope_level",
            _("%(role)s的管辖范围必须是一个%(level)s。")
            % {"role": Role(role).label, "level": RegionLevel(SCOPE_LEVEL[kind]).label},
            field="scope",
        )
    if kind == "region" and region is None:
        raise ApplicationError("scope_kind", _("这个角色的管辖范围必须是一个区划。"), field="scope")
    code = region.code if region is not None else (department or organization).region_id
    if not _within(by, code):
        raise PermissionDenied(_("只能在您管理的范围内分配角色。"))
    return code


@transaction.atomic
def user_create(
    *,
    by,
    username: str,
    display_name: str,
    password: str,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
    organization=None,
) -> User:
    """A new account with its first role (which places it inside the administrator's scope)."""
    _require_manager(by)
    username = (username or "").strip()
    if not username:
        raise ApplicationError("username_required", _("请填写用户名。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("username_taken", _("这个用户名已被使用，请换一个。"), field="username")
    _check_scope(by=by, role=role, region=region, department=department, organization=organization)
    user = User(username=username, display_name=(display_name or "").strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("weak_password", " ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    change_record(
        obj=user,
        by=by,
        action="create",
        changes={"username": [None, username], "display_name": [None, user.display_name]},
    )
    role_assign(by=by, user=user, role=role, region=region, department=department, organization=organization)
    return user


@transaction.atomic
def role_assign(
    *,
    by,
    user: User,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
    organization=None,
) -> RoleAssignment:
    _require_manager(by)
    # One assignment change per user at a time: the unique constraint cannot catch two parallel
    # assignments of the same role (its empty department/organisation columns are NULL, and
    # NULLs never collide), so the user's row is locked first.
    User.objects.select_for_update().filter(pk=user.pk).first()
    code = _check_scope(by=by, role=role, region=region, department=department, organization=organization)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, department=department, organization=organization
    )
    if not created and assignment.active:
        raise ApplicationError("already_assigned", _("该用户已经有这个角色。"), field="role")
    if not created:
        assignment.active = True
        assignment.save(update_fields=["active"])
    change_record(
        obj=user,
        by=by,
        action="role_assign",
        changes={"role": [None, f"{Role(role).label} · {assignment.scope_label}"]},
        note=code,
    )
    clear_cache(user)
    return assignment


@transaction.atomic
def role_revoke(*, by, assignment: RoleAssignment) -> RoleAssignment:
    _require_manager(by)
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("user", "region", "department", "organization")
        .get(pk=assignment.pk)
    )
    if not _within(by, _scope_code(assignment)):
        raise PermissionDenied(_("只能收回您管理范围内的角色。"))
    if assignment.user_id == by.id and assignment.role == Role.SYSTEM_ADMIN:
        raise ApplicationError("own_admin_role", _("不能收回您自己的管理员角色，请由上级管理员操作。"))
    if not assignment.active:
        return assignment
    assignment.active = False
    assignment.save(update_fields=["active"])
    change_record(
        obj=assignment.user,
        by=by,
        action="role_revoke",
        changes={"role": [f"{assignment.get_role_display()} · {assignment.scope_label}", None]},
        note=_scope_code(assignment),
    )
    clear_cache(assignment.user)
    return assignment


def _require_whole_user(by, user: User) -> None:
    """Only an administrator whose scope covers every role of the user may disable them."""
    outside = [a for a in user_assignments(user=user) if not _within(by, _scope_code(a))]
    if outside:
        raise PermissionDenied(_("该用户还在您管理范围以外担任角色，请由上级管理员停用。"))


@transaction.atomic
def user_set_active(*, by, user: User, active: bool, reason: str = "") -> User:
    """Disable an account (it can no longer sign in or use its tokens) or enable it again."""
    _require_manager(by)
    user = User.objects.select_for_update().get(pk=user_get(by=by, pk=user.pk).pk)
    if user.pk == by.pk:
        raise ApplicationError("own_account", _("不能停用您自己的账号。"))
    _require_whole_user(by, user)
    reason = (reason or "").strip()
    if not active and not reason:
        raise ApplicationError("reason_required", _("请说明停用的原因。"), field="reason")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    change_record(
        obj=user,
        by=by,
        action="enable" if active else "disable",
        changes={"is_active": [not active, active]},
        note=reason[:200],
    )
    clear_cache(user)
    return user
