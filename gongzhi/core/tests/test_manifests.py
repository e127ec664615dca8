"""App manifests: a new app (tests/sampleapp, installed by one line in the test settings) is wired in
everywhere — role table, predicates, menu, home panels, URLs, API, demo steps, figures — with no edit
outside its folder; and core imports no app above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from gongzhi.core.manifests import demo_steps, figures, manifests, menu_entries
from gongzhi.core.roles import ROLE_PERMISSIONS

ROOT = Path(__file__).resolve().parents[3]


def test_every_app_with_a_manifest_is_discovered():
    labels = [m.app_label for m in manifests()]
    for label in ("core", "registry", "integration", "demands", "organizations", "web", "sampleapp"):
        assert label in labels


def test_the_role_table_is_the_union_of_the_manifests():
    assert "sampleapp.view" in ROLE_PERMISSIONS["community_worker"]
    assert "registry.view_person" in ROLE_PERMISSIONS["grid_worker"]
    assert "registry.view_person" not in ROLE_PERMISSIONS["department_staff"]
    assert "demands.handle" in ROLE_PERMISSIONS["department_staff"]
    assert "sampleapp.view" not in ROLE_PERMISSIONS["resident"]


@pytest.mark.parametrize(
    "role,scope,allowed",
    [
        ("community_worker", "350102004001", True),
        ("street_staff", "350102004", True),
        ("resident", "350102004001", False),
        ("district_staff", "350102", False),
    ],
)
def test_a_new_apps_page_menu_and_panel_follow_its_permissions(client, make_user, role, scope, allowed):
    user = make_user(role, scope)
    client.force_login(user)
    assert client.get("/sample/").status_code == (200 if allowed else 403)
    home = client.get("/").content.decode()
    assert ("样例待办" in home) is allowed
    assert (reverse("sampleapp:index") in home) is allowed


def test_a_new_apps_api_router_is_mounted(client, community_worker):
    client.force_login(community_worker)
    assert client.get("/api/sample/ping/").json() == {"pong": True}
    assert "/api/sample/ping/" in client.get("/api/openapi.json").json()["paths"]


def test_a_new_apps_demo_step_and_figures_are_discovered():
    steps = demo_steps()
    assert [s.order for s in steps] == sorted(s.order for s in steps)
    assert "样例演示数据" in [str(s.label) for s in steps]
    assert "sample.wallets" in figures()
    assert [e.order for e in menu_entries()] == sorted(e.order for e in menu_entries())


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_core_imports_no_app_above_it():
    above = (
        "gongzhi.registry",
        "gongzhi.demands",
        "gongzhi.integration",
        "gongzhi.organizations",
        "gongzhi.web",
    )
    offenders = []
    for path in (ROOT / "gongzhi" / "core").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for module in _imports(path):
            if module.startswith(above):
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []


def test_config_names_no_app():
    for name in ("urls.py", "api.py"):
        text = (ROOT / "config" / name).read_text(encoding="utf-8")
        for app in ("registry", "demands", "integration", "organizations"):
            assert f"gongzhi.{app}" not in text, (name, app)
