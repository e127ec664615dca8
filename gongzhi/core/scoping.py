"""Scoping: what a user may see, decided in one place.

A user's assignments give region-code prefixes per permission; a record belongs to the
community whose code it carries, and lies in scope when one of those prefixes starts it.
Every selector filters through `scoped()`; every object check goes through `in_scope()`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .roles import ROLE_PERMISSIONS

_CACHE_ATTR = "_gongzhi_scope_cache"


def _assignment_rows(user) -> list[tuple[str, str]]:
    """(role, region-code prefix) for each active assignment, cached on the user object."""
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is not None:
        return cache
    from .models import RoleAssignment

    rows: list[tuple[str, str]] = []
    if user is not None and user.is_authenticated and user.is_active:
        for a in RoleAssignment.objects.filter(user=user, active=True).select_related(
            "department", "organization"
        ):
            if a.region_id:
                rows.append((a.role, a.region_id))
            elif a.department is not None:  # loaded by select_related
                rows.append((a.role, a.department.region_id))
            elif a.organization is not None:
                rows.append((a.role, a.organization.region_id))
    if user is not None:
        try:
            setattr(user, _CACHE_ATTR, rows)
        except AttributeError:  # AnonymousUser instances are shared; do not cache on them
            pass
    return rows


def clear_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _minimal(prefixes: set[str]) -> list[str]:
    """Drop any prefix already covered by a shorter one."""
    out: list[str] = []
    for p in sorted(prefixes, key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return sorted(out)


def scope_prefixes(user, perm: str) -> list[str]:
    """Region-code prefixes within which `user` holds `perm` ([""] = everywhere, [] = nowhere)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    return _minimal({code for role, code in _assignment_rows(user) if perm in ROLE_PERMISSIONS.get(role, ())})


def has_anywhere(user, perm: str) -> bool:
    return bool(scope_prefixes(user, perm))


def in_scope(user, perm: str, code: str | None) -> bool:
    if code is None:
        return False
    return any(code.startswith(p) for p in scope_prefixes(user, perm))


def scope_q(user, perm: str, field: str = "community_id") -> Q:
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return Q(pk__in=[])
    # A foreign key to Region takes the prefix lookup through its target (`community__code`);
    # Django resolves it on the local column, without a join.
    prefix_field = field[:-3] + "__code" if field.endswith("_id") else field
    q = Q()
    for p in prefixes:
        if p == "":
            return Q()
        q |= Q(**{field: p}) if len(p) == 12 else Q(**{f"{prefix_field}__startswith": p})
    return q


def scoped(qs: QuerySet, user, perm: str, field: str = "community_id") -> QuerySet:
    """The rows of `qs` that `user` may see under `perm`."""
    return qs.filter(scope_q(user, perm, field))


def community_code_of(obj) -> str | None:
    """The region code a record belongs to (its community, or the region itself)."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    from .models import Region

    if isinstance(obj, Region):
        return obj.code
    for attr in ("community_id", "region_id", "community_code"):
        value = getattr(obj, attr, None)
        if value:
            return value
    return None


def user_regions(user, perm: str):
    """The regions at the top of the user's scope for `perm` (for pickers and headings)."""
    from .models import Region

    prefixes = scope_prefixes(user, perm)
    if prefixes == [""]:
        return Region.objects.filter(level=1)
    return Region.objects.filter(code__in=prefixes)
