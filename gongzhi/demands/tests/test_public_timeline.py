"""Item 14 (issue 7): internal notes never reach the public. Dispatch, return, extension,
supervision, call-back and closing notes are for staff; the resident who submitted the demand
and anyone holding its tracking code see only the public steps and the notes written for
them (the reply). Every public surface is checked: the tracking page, the tracking API, the
resident's own detail page and API detail, Open311 GET requests and servicerequestupdates."""

from __future__ import annotations

import json

import pytest

from gongzhi.core.tokens import api_token_create
from gongzhi.demands import services

pytestmark = pytest.mark.django_db

DISPATCH_NOTE = "内部派单说明：先联系物业经理老王"
RETURN_REASON = "内部退单理由：该楼属于另一物业"
DECISION_NOTE = "内部审核意见：仍由社区办理"
SUPERVISE_NOTE = "内部催办：本周内必须办结"
CALLBACK_NOTE = "内部回访记录：居民情绪激动"
CLOSE_NOTE = "内部办结说明：经街道确认"
REPLY = "已联系物业更换灯具，楼道灯已恢复。"
SECRETS = [DISPATCH_NOTE, RETURN_REASON, DECISION_NOTE, SUPERVISE_NOTE, CALLBACK_NOTE, CLOSE_NOTE]


@pytest.fixture
def noted(people, units, category, junmen):
    """A demand submitted by a signed-in resident that went through every noted step."""
    street, worker = people["street_staff"], people["community_worker"]
    d = services.demand_create(
        by=people["resident"], channel="app", title="楼道灯不亮", body="3号楼楼道灯不亮", community=junmen
    )
    services.demand_dispatch(
        demand=d, unit=units["community"], by=street, category=category, note=DISPATCH_NOTE
    )
    services.demand_return(demand=d, by=worker, reason=RETURN_REASON)
    services.return_decide(demand=d, by=street, accept=False, note=DECISION_NOTE)
    d.refresh_from_db()
    services.demand_sign(demand=d, by=worker)
    services.demand_remind(demand=d, by=street, note=SUPERVISE_NOTE)
    services.demand_reply(demand=d, by=worker, reply=REPLY, resolution_kind="deliberation")
    services.demand_callback(demand=d, by=street, satisfaction="basic", resolved=True, note=CALLBACK_NOTE)
    services.demand_close(demand=d, by=street, note=CLOSE_NOTE)
    d.refresh_from_db()
    assert d.state == "closed"
    return d


def _text(response) -> str:
    """The body as read by a person: JSON decoded (its Chinese may be \\u-escaped)."""
    if "json" in response.get("Content-Type", ""):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def _no_secret(text) -> None:
    if not isinstance(text, str):
        text = _text(text)
    for secret in SECRETS:
        assert secret not in text, secret


def test_tracking_page_shows_public_steps_without_internal_notes(client, noted):
    r = client.get(f"/demands/track/{noted.tracking_code}/")
    assert r.status_code == 200
    text = r.content.decode()
    _no_secret(text)
    assert REPLY in text and "派单" in text


def test_tracking_api_hides_internal_notes(client, noted):
    r = client.get(f"/api/demands/track/{noted.tracking_code}")
    assert r.status_code == 200
    _no_secret(r)
    events = r.json()["events"]
    assert {e["kind"] for e in events} >= {"dispatched", "replied"}
    assert all(e["kind"] not in ("supervised", "classified", "reminded") for e in events)
    assert next(e for e in events if e["kind"] == "replied")["note"] == REPLY


def test_submitter_sees_only_the_public_timeline_on_the_detail_page_and_api(client, noted, people):
    resident = people["resident"]
    client.force_login(resident)
    page = client.get(f"/demands/{noted.pk}/")
    assert page.status_code == 200
    _no_secret(page.content.decode())
    _, key = api_token_create(user=resident, name="t")
    api = client.get(f"/api/demands/{noted.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200
    _no_secret(api)
    assert "reminded" not in {e["kind"] for e in api.json()["events"]}


def test_staff_still_see_internal_notes(client, noted, people):
    client.force_login(people["street_staff"])
    text = client.get(f"/demands/{noted.pk}/").content.decode()
    for secret in SECRETS:
        assert secret in text
    _, key = api_token_create(user=people["street_staff"], name="t")
    body = _text(client.get(f"/api/demands/{noted.pk}", HTTP_AUTHORIZATION=f"Bearer {key}"))
    for secret in SECRETS:
        assert secret in body


@pytest.mark.parametrize("who", ["anonymous", "submitter", "staff"])
def test_open311_requests_and_updates_hide_internal_notes(client, noted, people, who):
    key = ""
    if who != "anonymous":
        user = people["resident"] if who == "submitter" else people["street_staff"]
        key = "&api_key=" + api_token_create(user=user, name="o")[1]
    for fmt in ("json", "xml"):
        updates = client.get(f"/open311/v2/servicerequestupdates.{fmt}?jurisdiction_id=350102{key}")
        assert updates.status_code == 200
        _no_secret(updates)
        one = client.get(f"/open311/v2/requests/{noted.pk}.{fmt}?jurisdiction_id=350102{key}")
        assert one.status_code == 200
        _no_secret(one)
        many = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id=350102{key}")
        assert many.status_code == 200
        _no_secret(many)
    rows = client.get(f"/open311/v2/servicerequestupdates.json?jurisdiction_id=350102{key}").json()
    replied = [
        r for r in rows if r["service_request_id"] == str(noted.pk) and r["description"].startswith("答复")
    ]
    assert replied and REPLY in replied[0]["description"]
