"""The main menu: each entry shows when the user holds its permission anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    label: object
    url_name: str
    perm: str | tuple[str, ...] | None  # shown when the user holds any of them; None: every signed-in user


MENU: list[MenuEntry] = [
    MenuEntry(_("工作台"), "web:home", None),
    MenuEntry(_("居民查询"), "registry:person_list", "registry.view_person"),
    MenuEntry(_("楼栋房屋"), "registry:place_tree", "registry.view_person"),
    MenuEntry(_("导入居民"), "registry:import", "registry.import_person"),
    MenuEntry(
        _("访问日志"),
        "web:access_log",
        ("core.view_access_log", "registry.reveal_person", "registry.export_person"),
    ),
]


def register(entry: MenuEntry) -> None:
    MENU.append(entry)


def menu_for(user, path: str) -> list[dict]:
    items = []
    for entry in MENU:
        perms = (entry.perm,) if isinstance(entry.perm, str) else entry.perm or ()
        if perms and not any(user.has_perm(p) for p in perms):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items
