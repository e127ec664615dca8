"""App manifests: each capability declares itself in its own `manifest.py`; the platform discovers it.

Decidim's component manifest is the model. An app's `manifest.py` defines `manifest = AppManifest(...)`
with everything the rest of the platform needs to know about it:

- `permissions`: role → permission names it grants (the one role table is the union of these);
  `scoped_permissions`: those whose predicate is the plain "holds it over the object's community";
- `menu`: main-menu entries; `home_panels`: functions `(user) -> HomePanel | None` for the home page;
- `api`: `(prefix, "module:router")`; `urls`: `(prefix, "module")` included under that prefix;
- `demo`: steps of `gongzhi demo`, run in `order` across apps;
- `figures`: dashboard figures (`Figure`), each computed by one selector.

`core`, `web` and `config` read manifests through `manifests()` and never name an app, so a new app
touches only its own folder and one line of INSTALLED_APPS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string, module_has_submodule


@dataclass(frozen=True)
class MenuEntry:
    label: Any
    url_name: str
    perm: str | tuple[str, ...] | None  # shown when the user holds any of them; None: every signed-in user
    order: int = 100
    # Position in the phone's bottom tab bar (residents and grid workers work on phones), with a
    # shorter label for it; None: not a tab.
    tab: int | None = None
    tab_label: Any = None


@dataclass(frozen=True)
class PanelItem:
    label: Any
    count: int | None
    url: str = ""
    tone: str = ""  # "", "warn" or "bad": how urgent the count is


@dataclass(frozen=True)
class HomePanel:
    """A to-do panel on the home page. Without a template it is drawn as a titled list of counts;
    with one, the template is included with `panel` in its context (and `extra` for its own data)."""

    title: Any
    items: Sequence[PanelItem]
    order: int = 100
    template: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    """A dashboard figure: `selector(user=..., **params)` returns the number and the records behind it."""

    key: str
    label: Any
    selector: str  # dotted path, resolved when used
    unit: str = ""

    def compute(self, **kwargs):
        return import_string(self.selector)(**kwargs)


@dataclass
class DemoContext:
    """What demo steps share: the district to build, sizes, a seed and a way to talk to the console."""

    district: str
    residents: int
    seed: int
    out: Callable[[str], Any]
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStep:
    order: int
    label: Any
    run: Callable[[DemoContext], Any]


@dataclass(frozen=True)
class AppManifest:
    app_label: str
    permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    scoped_permissions: Iterable[str] = ()
    menu: Sequence[MenuEntry] = ()
    # The heading the app's menu entries fold under (apps naming the same heading share one);
    # None: the app's own name. A heading with one visible entry is shown as that entry.
    menu_section: Any = None
    # Pages anyone may use without an account (tabs for signed-out visitors, links on the login page).
    public_menu: Sequence[MenuEntry] = ()
    # (user) -> HomePanel, or a dict with a "template" the page includes, or None
    home_panels: Sequence[Callable[[Any], HomePanel | dict | None]] = ()
    api: tuple[str, str] | None = None
    urls: Sequence[tuple[str, str]] = ()  # (prefix, urls module) pairs
    demo: Sequence[DemoStep] = ()
    # Called by core's demo_accounts_ensure with {username: User}: give the demo accounts their
    # place in this app (the resident's person, the grid worker's grid, the organisation's staff).
    demo_account_hooks: Sequence[Callable[[dict], Any]] = ()
    figures: Sequence[Figure] = ()
    # Sharding by community (docs/deploy.md): a model with a `community` column is distributed by
    # it; every other model of the app is named here as a reference table (small, copied to every
    # node: codes, categories, units) or a local one (kept on the coordinator: the access log's chain).
    reference_tables: Sequence[str] = ()
    local_tables: Sequence[str] = ()
    # Unique keys of distributed tables that must hold across communities (a random token, a
    # device serial, one identity number one person): (model name, fields). Sharded, each is
    # checked on the coordinator or through a lookup table distributed by the key itself.
    global_keys: Sequence[tuple[str, tuple[str, ...]]] = ()
    # What the app does when something it depends on happens elsewhere, by name:
    # "regions_imported" (codes=[...]), "department_created" (department=...). Called by the
    # service that did it, in its transaction (never from a signal, never on a GET).
    hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    # Work the platform itself puts on a community (a month's visit plan, a courtyard's inspection,
    # a survey's sampled households): key → label. The app announces each piece through the
    # "community_work" hook (and "community_work_done" when it is done where it is done); the
    # district's lists say which listed duty admits which key.
    community_work: Mapping[str, Any] = field(default_factory=dict)
    # Pieces this app draws on other apps' pages: slot name → templates included there, with that
    # page's context (the host page writes {% app_slot "demands.detail" %}; web's gz tags).
    template_slots: Mapping[str, Sequence[str]] = field(default_factory=dict)


@functools.cache
def manifests() -> tuple[AppManifest, ...]:
    """Every installed app's manifest, in INSTALLED_APPS order (apps without one are skipped)."""
    found: list[AppManifest] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "manifest"):
            continue
        module = import_module(f"{config.name}.manifest")
        manifest = getattr(module, "manifest", None)
        if isinstance(manifest, AppManifest):
            found.append(manifest)
    return tuple(found)


def menu_entries() -> list[MenuEntry]:
    entries = [e for m in manifests() for e in m.menu]
    return sorted(entries, key=lambda e: e.order)  # stable: manifest order within one order value


def menu_sections() -> list[tuple[Any, list[MenuEntry]]]:
    """(heading, entries) in menu order: a heading sits where its first entry does."""
    sections: dict[str, tuple[Any, list[MenuEntry]]] = {}
    for m in manifests():
        heading = m.menu_section or apps.get_app_config(m.app_label).verbose_name
        sections.setdefault(str(heading), (heading, []))[1].extend(m.menu)
    ordered = [(h, sorted(es, key=lambda e: e.order)) for h, es in sections.values() if es]
    return sorted(ordered, key=lambda section: section[1][0].order)


def public_menu_entries() -> list[MenuEntry]:
    return sorted((e for m in manifests() for e in m.public_menu), key=lambda e: (e.tab or 0, e.order))


def demo_steps() -> list[DemoStep]:
    return sorted((s for m in manifests() for s in m.demo), key=lambda s: s.order)


def figures() -> dict[str, Figure]:
    return {f.key: f for m in manifests() for f in m.figures}


def role_permissions() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for m in manifests():
        for role, perms in m.permissions.items():
            table.setdefault(str(role), set()).update(perms)
    return table


def run_hook(name: str, **kwargs) -> None:
    """Call every app's hook of that name (see AppManifest.hooks)."""
    for m in manifests():
        hook = m.hooks.get(name)
        if hook is not None:
            hook(**kwargs)


def community_work() -> dict[str, Any]:
    """Every app's declared community work, key → label (see AppManifest.community_work)."""
    return {k: v for m in manifests() for k, v in m.community_work.items()}


def slot_templates(name: str) -> list[str]:
    """Every app's templates for this slot of a page (see AppManifest.template_slots)."""
    return [t for m in manifests() for t in m.template_slots.get(name, ())]


def url_includes() -> list[tuple[str, str]]:
    return [pair for m in manifests() for pair in m.urls]


def api_routers() -> list[tuple[str, str]]:
    return [m.api for m in manifests() if m.api]


_installed = False


def install() -> None:
    """Fill the role table and the scoped predicates from every manifest (CoreConfig.ready)."""
    global _installed
    if _installed:
        return
    from .roles import register_permissions
    from .rules import add_scoped_perms

    for m in manifests():
        for role, perms in m.permissions.items():
            register_permissions(str(role), set(perms))
        add_scoped_perms(*m.scoped_permissions)
    _installed = True
