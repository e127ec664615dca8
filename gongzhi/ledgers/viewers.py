"""Who a figure is computed for: the user, narrowed to the region being measured.

Several apps' figure selectors take no `region` and measure the user's whole scope (the
organisations' coverage figures, for instance). Called for a community by a district user,
they would answer for the whole district, and every community in the dashboard's table would
show the same number. So every figure is computed for a stand-in whose scope is the user's
scope cut down to the region: each of the user's assignments that covers the region becomes
the same role over the region itself, and each one inside the region is kept as it is.

The snapshot and rollup tasks compute for `SYSTEM`, which sees everything: narrowed to a region
it holds every role over that region (the number anyone with the ledger over the region sees).
"""

from __future__ import annotations

from typing import Any

import rules as django_rules

from gongzhi.core.roles import ROLE_PERMISSIONS
from gongzhi.core.scoping import _CACHE_ATTR, _assignment_rows


class _System:
    """The snapshot and rollup tasks' user: sees everything (stores numbers, never shows records)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    pk = None
    id = None
    username = "system"

    def has_perm(self, perm, obj=None) -> bool:
        return True


SYSTEM = _System()


class RegionViewer:
    """A user's view of one region: the same roles, no wider than the region."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False

    def __init__(self, user, code: str):
        self._user = user
        self.region_code = code
        if getattr(user, "is_superuser", False):
            rows = [(role, code) for role in ROLE_PERMISSIONS]
        else:
            rows = []
            for role, prefix in _assignment_rows(user):
                if code.startswith(prefix):
                    rows.append((role, code))
                elif prefix.startswith(code):
                    rows.append((role, prefix))
        setattr(self, _CACHE_ATTR, rows)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return django_rules.has_perm(perm, self, obj)

    def has_perms(self, perms, obj: Any = None) -> bool:
        return all(self.has_perm(p, obj) for p in perms)

    def __getattr__(self, name: str):  # pk, username, … of the person behind the view
        return getattr(self._user, name)


def viewer_for(user, code: str) -> RegionViewer:
    if isinstance(user, RegionViewer):
        user = user._user
    return RegionViewer(user, code)
