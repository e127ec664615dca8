"""Production parts: health and readiness endpoints, the replica router, the
Content-Security-Policy header, gunicorn's worker count."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client, RequestFactory
from django.urls import reverse

from config import routers
from gongzhi.core import health, server
from gongzhi.registry.models import Person


def test_healthz_answers_without_the_database():
    # No `db` fixture: any database access here would raise.
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database_queue_and_cache(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checked"] == ["database", "task_queue", "cache"]


@pytest.mark.parametrize("failing", ["database", "task_queue", "cache"])
def test_readyz_names_what_failed(db, monkeypatch, failing):
    def broken():
        raise DatabaseError("down")

    monkeypatch.setitem(health.CHECKS, failing, broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": [failing]}


def test_pages_carry_a_csp_with_a_nonce_and_no_inline_handlers(db, make_user):
    client = Client()
    client.force_login(make_user("district_staff", "350102"), backend="gongzhi.core.auth.GongzhiModelBackend")
    response = client.get(reverse("demands:rates"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html
    assert "onchange=" not in html and "onclick=" not in html


def test_replica_router_sends_reads_only_inside_replica_reads(settings):
    router = routers.ReplicaRouter()
    settings.GONGZHI_READ_REPLICA = "replica"
    assert router.db_for_read(Person) is None
    with routers.replica_reads():
        assert router.db_for_read(Person) == "replica"
        assert router.db_for_write(Person) == "default"
    assert router.db_for_read(Person) is None
    assert router.allow_migrate("replica", "registry") is False
    assert router.allow_migrate("default", "registry") is None


def test_without_a_replica_reads_stay_on_the_primary():
    with routers.replica_reads():
        assert routers.ReplicaRouter().db_for_read(Person) is None


@pytest.mark.parametrize(
    ("method", "view_name", "expected"),
    [
        ("GET", "web:home", "replica"),
        ("GET", "registry:person_list", "replica"),
        ("POST", "web:home", None),
        ("GET", "registry:person_detail", None),
    ],
)
def test_replica_middleware_routes_the_dashboard_and_search_pages(settings, method, view_name, expected):
    settings.GONGZHI_READ_REPLICA = "replica"
    seen = {}

    def view(request):
        seen["db"] = routers.ReplicaRouter().db_for_read(Person)
        return "response"

    middleware = routers.ReplicaReadsMiddleware(
        lambda request: middleware.process_view(request, view, (), {}) or view(request)
    )
    request = getattr(RequestFactory(), method.lower())("/")
    request.resolver_match = type("Match", (), {"view_name": view_name})()
    assert middleware(request) == "response"
    assert seen["db"] == expected
    assert routers.ReplicaRouter().db_for_read(Person) is None  # reset after the request


def test_gunicorn_workers_from_cpu_count_capped_and_overridable(monkeypatch):
    monkeypatch.delenv("GONGZHI_WEB_WORKERS", raising=False)
    monkeypatch.setattr(server.os, "sched_getaffinity", lambda pid: {0, 1})
    assert server.web_workers() == 5
    monkeypatch.setattr(server.os, "sched_getaffinity", lambda pid: set(range(16)))
    assert server.web_workers() == server.MAX_WORKERS
    monkeypatch.setenv("GONGZHI_WEB_WORKERS", "3")
    assert server.web_workers() == 3
    argv = server.gunicorn_argv(bind="127.0.0.1:8000")
    assert argv[argv.index("--workers") + 1] == "3" and "--access-logfile" in argv
