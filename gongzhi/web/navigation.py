"""The main menu: the apps' manifest entries, each shown when the user holds its permission anywhere."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from gongzhi.core.manifests import MenuEntry, menu_entries

__all__ = ["MenuEntry", "menu_for"]


def menu_for(user, path: str) -> list[dict]:
    items = []
    for entry in menu_entries():
        perms = (entry.perm,) if isinstance(entry.perm, str) else entry.perm or ()
        if perms and not any(user.has_perm(p) for p in perms):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active, "phone_tab": entry.phone_tab})
    return items
