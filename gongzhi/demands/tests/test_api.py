"""The demands API: create, list (scoped), detail, each transition; in scope / out of scope /
anonymous; bearer tokens and sessions."""

from __future__ import annotations

import json

import pytest

from gongzhi.demands.models import Demand

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db

BASE = "/api/demands/"


def bearer(user) -> dict:
    from gongzhi.core.tokens import api_token_create

    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data=None, **headers):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **headers)


def test_resident_creates_through_the_app_and_tracks_publicly(client, people):
    r = post(
        client,
        BASE,
        {"title": "垃圾未清运", "body": "三天没有清运", "community": JUNMEN},
        **bearer(people["resident"]),
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["channel"] == "app" and body["allowed_actions"] == []
    assert [e["kind"] for e in body["events"]] == ["created"]
    track = client.get(f"{BASE}track/{body['tracking_code']}")  # no credentials needed
    assert track.status_code == 200 and track.json()["state"] == "submitted"
    assert client.get(f"{BASE}track/GZNOSUCHCODE").status_code == 404


def test_create_refuses_bad_input_with_code_and_chinese_message(client, people):
    r = post(client, BASE, {"title": "", "body": "x", "community": JUNMEN}, **bearer(people["resident"]))
    assert r.status_code == 400 and r.json()["code"] == "title_required" and "标题" in r.json()["message"]
    r = post(
        client, BASE, {"title": "t", "body": "x", "community": "350102004"}, **bearer(people["resident"])
    )
    assert r.json()["code"] == "not_community"
    r = post(
        client,
        BASE,
        {"title": "t", "body": "x", "community": JUNMEN, "contact_phone": "12"},
        **bearer(people["resident"]),
    )
    assert r.json()["code"] == "bad_phone"


@pytest.mark.parametrize(
    "role, status",
    [
        ("community_worker", 201),
        ("grid_worker", 201),
        ("street_staff", 201),
        ("resident", 403),
        ("other_community_worker", 403),
    ],
)
def test_hotline_intake_needs_intake_right_in_scope(client, people, role, status):
    r = post(
        client,
        BASE,
        {"channel": "hotline", "title": "t", "body": "b", "community": JUNMEN},
        **bearer(people[role]),
    )
    assert r.status_code == status, r.content


def test_anonymous_is_refused(client, demand_in):
    d = demand_in("dispatched")
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}{d.pk}").status_code == 401
    assert post(client, f"{BASE}{d.pk}/sign").status_code == 401
    assert post(client, BASE, {"title": "t", "body": "b", "community": JUNMEN}).status_code == 401


@pytest.mark.parametrize(
    "role, sees",
    [
        ("community_worker", True),
        ("street_staff", True),
        ("district_staff", True),
        ("resident", True),  # their own
        ("other_resident", False),
        ("dagen_worker", False),
        ("other_street_staff", False),
        ("department_staff", False),
    ],
)
def test_list_and_detail_are_scoped(client, people, demand_in, role, sees):
    d = demand_in("handling")
    headers = bearer(people[role])
    listed = client.get(BASE, **headers).json()
    assert (d.tracking_code in [x["tracking_code"] for x in listed["items"]]) is sees
    assert client.get(f"{BASE}{d.pk}", **headers).status_code == (200 if sees else 404)


def test_the_whole_loop_through_the_api(client, people, units):
    resident, street, worker = (bearer(people[r]) for r in ("resident", "street_staff", "community_worker"))
    d = post(
        client, BASE, {"title": "楼道灯坏", "body": "2单元楼道灯不亮", "community": JUNMEN}, **resident
    ).json()
    url = f"{BASE}{d['id']}"
    r = post(
        client,
        f"{url}/dispatch",
        {"unit_id": units["community"].id, "category": "property-public-repair"},
        **street,
    )
    assert r.status_code == 200 and r.json()["state"] == "dispatched" and r.json()["due_at"]
    assert "sign" in client.get(url, **worker).json()["allowed_actions"]
    assert post(client, f"{url}/sign", **street).status_code == 403  # not the handling unit
    assert post(client, f"{url}/sign", **worker).json()["state"] == "handling"
    again = post(client, f"{url}/sign", **worker)
    assert again.status_code == 409 and again.json()["code"] == "already_signed"
    r = post(client, f"{url}/extension", {"reason": "需采购灯具", "working_days": 2}, **worker)
    assert r.status_code == 200
    r = post(client, f"{url}/extension/decide", {"accept": True}, **street)
    assert r.status_code == 200 and any(e["kind"] == "extension_approved" for e in r.json()["events"])
    r = post(client, f"{url}/remind", {"note": "请尽快"}, **street)
    assert r.status_code == 200
    r = post(client, f"{url}/supervise", {}, **street)
    assert r.status_code == 400 and r.json()["code"] == "supervise_before_deadline"
    r = post(client, f"{url}/reply", {"reply": "已更换灯泡", "resolution_kind": "deliberation"}, **worker)
    assert r.json()["state"] == "replied"
    r = post(client, f"{url}/rate", {"satisfaction": "unsatisfied", "resolved": False}, **resident)
    assert r.json()["state"] == "called_back"
    r = post(client, f"{url}/reopen", {"note": "灯又坏了"}, **street)
    assert r.json()["state"] == "handling"
    post(client, f"{url}/reply", {"reply": "已更换线路", "resolution_kind": "referral"}, **worker)
    r = post(client, f"{url}/callback", {"satisfaction": "satisfied", "resolved": True}, **street)
    assert r.json()["satisfaction"] == "satisfied"
    r = post(client, f"{url}/close", {}, **street)
    assert r.status_code == 200 and r.json()["state"] == "closed"
    kinds = [e["kind"] for e in client.get(url, **street).json()["events"]]
    assert kinds == [
        "created",
        "dispatched",
        "signed",
        "extension_requested",
        "extension_approved",
        "reminded",
        "replied",
        "called_back",
        "reopened",
        "replied",
        "called_back",
        "closed",
    ]


def test_return_and_decision_through_the_api(client, people, demand_in):
    d = demand_in("dispatched")
    worker, street, district = (
        bearer(people[r]) for r in ("community_worker", "street_staff", "district_staff")
    )
    r = post(client, f"{BASE}{d.pk}/return", {"reason": ""}, **worker)
    assert r.status_code == 400 and r.json()["code"] == "return_reason_required"
    r = post(client, f"{BASE}{d.pk}/return", {"reason": "属于物业公司职责"}, **worker)
    assert r.json()["state"] == "return_pending"
    assert post(client, f"{BASE}{d.pk}/return/decide", {"accept": True}, **district).status_code == 403
    r = post(client, f"{BASE}{d.pk}/return/decide", {"accept": False, "note": "属社区职责"}, **street)
    assert r.status_code == 200 and r.json()["state"] == "dispatched"


def test_session_auth_works_for_the_pages_scripts(client, people, demand_in):
    d = demand_in("dispatched")
    client.force_login(people["community_worker"])
    r = post(client, f"{BASE}{d.pk}/sign")
    assert r.status_code == 200
    assert Demand.objects.get(pk=d.pk).state == "handling"


def test_list_filters(client, people, demand_in):
    a, b = demand_in("dispatched"), demand_in("handling")
    headers = bearer(people["street_staff"])
    items = client.get(BASE, {"state": "handling"}, **headers).json()["items"]
    assert [x["id"] for x in items] == [b.pk]
    mine = client.get(BASE, {"mine": True}, **bearer(people["resident"])).json()
    assert {x["id"] for x in mine["items"]} == {a.pk, b.pk}


def test_ping(client):
    assert client.get(f"{BASE}ping").json() == {"ok": True}
