"""Intake is the API's hot path (bench/demands_scale.py): a fixed, small number of statements,
and the answer built from what is at hand (no read-back of the demand or its timeline)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.demands import selectors
from gongzhi.demands.models import Category, Demand

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db

BASE = "/api/demands/"


@pytest.fixture
def operator_key(people):
    from gongzhi.core.tokens import api_token_create

    _, key = api_token_create(user=people["community_worker"], name="hotline")
    return key


@pytest.fixture
def warm_lookups(monkeypatch):
    """Let the per-process lookups keep rows inside the test's transaction (a server keeps
    only committed rows; a test runs in one transaction that is rolled back)."""
    monkeypatch.setattr(selectors, "_may_cache", lambda: True)
    selectors.lookups_clear()
    yield
    selectors.lookups_clear()


def intake(client, key, **extra):
    data = {
        "channel": "hotline",
        "title": "噪声扰民",
        "body": "夜间施工噪声，影响休息，请尽快处理。",
        "community": JUNMEN,
        "category": "env-noise",
        "contact_name": "张先生",
        "contact_phone": "13800138000",
        **extra,
    }
    return client.post(
        BASE,
        data=json.dumps(data, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def _writes_and_reads(queries) -> list[str]:
    return [
        q["sql"].split()[0] + " " + q["sql"].split('"')[1]
        for q in queries
        if q["sql"].startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))
    ]


def test_intake_statements_are_bounded(client, operator_key, django_assert_max_num_queries, warm_lookups):
    assert intake(client, operator_key).status_code == 201  # token last-used stamp, lookups warm
    # token, role assignments, the demand, its created event (+ savepoint/release here; on
    # a server BEGIN/COMMIT).
    with django_assert_max_num_queries(6):
        r = intake(client, operator_key, title="噪声扰民 2")
    assert r.status_code == 201, r.content
    with CaptureQueriesContext(connection) as ctx:
        assert intake(client, operator_key, title="噪声扰民 3").status_code == 201
    assert _writes_and_reads(ctx.captured_queries) == [
        "SELECT core_apitoken",
        "SELECT core_roleassignment",
        "INSERT demands_demand",
        "INSERT demands_demandevent",
    ]


def test_intake_cold_lookups_cost_two_reads(client, operator_key, django_assert_max_num_queries):
    """Inside a transaction nothing is remembered: the region and the category are read."""
    assert intake(client, operator_key).status_code == 201
    with django_assert_max_num_queries(8):
        assert intake(client, operator_key, title="噪声扰民 2").status_code == 201


def test_intake_answer_is_the_stored_demand_and_timeline(client, operator_key, people):
    r = intake(client, operator_key)
    assert r.status_code == 201, r.content
    body = r.json()
    demand = Demand.objects.get(pk=body["id"])
    assert body["tracking_code"] == demand.tracking_code and body["category"] == "env-noise"
    detail = client.get(f"{BASE}{demand.pk}", HTTP_AUTHORIZATION=f"Bearer {operator_key}")
    assert detail.status_code == 200
    stored = detail.json()
    assert body["events"] == stored["events"]
    assert [e["kind"] for e in body["events"]] == ["created"] and body["events"][0]["note"]
    assert body["allowed_actions"] == stored["allowed_actions"]
    assert {k: v for k, v in body.items() if k not in ("events", "allowed_actions")} == {
        k: v for k, v in stored.items() if k not in ("events", "allowed_actions")
    }


def test_category_change_is_seen_by_the_next_intake(client, operator_key, warm_lookups):
    assert intake(client, operator_key).json()["id"]
    cat = Category.objects.get(code="env-noise")
    cat.time_limit = "urgent"
    cat.save()  # drops the process's copies
    r = intake(client, operator_key, title="噪声扰民 2")
    assert Demand.objects.get(pk=r.json()["id"]).time_limit == "urgent"


def test_new_category_is_usable_at_once(client, operator_key, warm_lookups):
    assert intake(client, operator_key, category="no-such-leaf").json()["code"] == "category_not_leaf"
    parent = Category.objects.get(code="env-noise").parent
    Category.objects.create(code="no-such-leaf", name="新分类", parent=parent)
    assert intake(client, operator_key, category="no-such-leaf").status_code == 201
