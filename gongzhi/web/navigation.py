"""The main menu, from the apps' manifests: each entry shows when the user holds its permission anywhere.

On a phone the menu folds behind a menu button; residents and grid workers (whose work is
done on a phone) also get a bottom tab bar of the entries that carry a `tab` position, and
signed-out visitors get the public pages (我要反映, 查询进度) and the login page as tabs."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import MenuEntry, menu_entries, menu_sections, public_menu_entries
from gongzhi.core.roles import Role
from gongzhi.core.scoping import _assignment_rows as assignment_rows

__all__ = ["MenuEntry", "menu_for", "menu_groups_for", "public_items", "tabs_for", "uses_tab_bar"]

TAB_ROLES = {Role.RESIDENT, Role.GRID_WORKER}
MAX_TABS = 5


def _item(entry: MenuEntry, path: str, label=None) -> dict | None:
    try:
        url = reverse(entry.url_name)
    except NoReverseMatch:
        return None
    active = path == url if url == "/" else path.startswith(url)
    return {"label": label or entry.label, "url": url, "active": active}


def _allowed(user, entry: MenuEntry) -> bool:
    perms = (entry.perm,) if isinstance(entry.perm, str) else entry.perm or ()
    return not perms or any(user.has_perm(p) for p in perms)


def menu_for(user, path: str) -> list[dict]:
    items = []
    for entry in menu_entries():
        if not _allowed(user, entry):
            continue
        item = _item(entry, path)
        if item is not None:
            items.append(item)
    return items


def menu_groups_for(user, path: str) -> list[dict]:
    """The menu folded by capability: [{label, items, active}], a heading per app (or per
    shared menu_section). A heading with a single visible entry is drawn as that entry."""
    groups = []
    for heading, entries in menu_sections():
        items = [i for e in entries if _allowed(user, e) for i in [_item(e, path)] if i is not None]
        if items:
            groups.append({"label": heading, "items": items, "active": any(i["active"] for i in items)})
    return groups


def uses_tab_bar(user) -> bool:
    """Residents and grid workers, and nobody who also holds an office role."""
    roles = {role for role, _code in assignment_rows(user)}  # cached on the user by scoping
    return bool(roles) and roles <= TAB_ROLES and not user.is_superuser


def tabs_for(user, path: str) -> list[dict]:
    """The phone's bottom tab bar: at most five entries, in their tab order."""
    if user is None or not user.is_authenticated:
        entries = [*public_menu_entries(), MenuEntry(_("登录"), "login", None, tab=99)]
    elif uses_tab_bar(user):
        entries = [e for e in menu_entries() if e.tab is not None and _allowed(user, e)]
    else:
        return []
    items = []
    for entry in sorted(entries, key=lambda e: e.tab or 0)[:MAX_TABS]:
        item = _item(entry, path, entry.tab_label)
        if item is not None:
            items.append(item)
    return items


def public_items(path: str) -> list[dict]:
    """The pages anyone may use without an account (the login page links to them)."""
    items = [_item(e, path) for e in public_menu_entries()]
    return [i for i in items if i is not None]
