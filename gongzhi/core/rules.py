"""Permissions as predicates: each permission in the role table is `holds it over the
object's community` (or anywhere, when asked without an object)."""

from __future__ import annotations

import rules

from .scoping import community_code_of, has_anywhere, in_scope


def scoped_permission(perm: str) -> rules.Predicate:
    @rules.predicate(name=f"in_scope[{perm}]")
    def check(user, obj=None) -> bool:
        if obj is None:
            return has_anywhere(user, perm)
        return in_scope(user, perm, community_code_of(obj))

    return check


def add_scoped_perms(*perms: str) -> None:
    for perm in perms:
        if not rules.perm_exists(perm):
            rules.add_perm(perm, scoped_permission(perm))
