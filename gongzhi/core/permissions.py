"""`require()`: the one check services and views call before acting."""

from __future__ import annotations

from .errors import NotFound, PermissionDenied


def require(user, perm: str, obj=None, *, hide: bool = False) -> None:
    """Raise unless `user` holds `perm` (over `obj`). With hide=True an object out of
    scope answers 404, so that its existence is not revealed."""
    if user is not None and user.has_perm(perm, obj):
        return
    if hide and obj is not None:
        raise NotFound()
    raise PermissionDenied()
