"""Pages: the role matrix (in scope, out of scope, anonymous), the phone pages' content, the
upload endpoint's idempotency, and the guard agreement test for the ledger workflow."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from gongzhi.core.errors import ApplicationError
from gongzhi.visits import services
from gongzhi.visits.models import ItemState, LedgerItem, Visit
from gongzhi.visits.workflow import WORKFLOW

pytestmark = pytest.mark.django_db
C = "350102004001"


@pytest.fixture
def world(place, staff, make_user):
    h = place["households"]
    services.coverage_apply(community=place["community"], by=staff["head"])
    from django.utils import timezone

    services.plans_generate(
        community=place["community"], month=timezone.localdate().replace(day=1), by=staff["head"]
    )
    item = services.ledger_item_open(
        community_code=C, by=staff["grid"], title="楼道灯不亮", category="safety", household=h[0]
    )
    return {**place, **staff, "item": item, "resident": make_user("resident", C)}


PAGES = {
    "my_day": lambda w: reverse("visits:my_day"),
    "household": lambda w: reverse("visits:household", args=[w["households"][0].pk]),
    "coverage": lambda w: reverse("visits:coverage") + f"?c={C}",
    "plans": lambda w: reverse("visits:plans") + f"?c={C}",
    "ledger": lambda w: reverse("visits:ledger"),
    "ledger_item": lambda w: reverse("visits:ledger_item", args=[w["item"].pk]),
    "figures": lambda w: reverse("visits:figures"),
}
# role → page → status (other_grid is a grid worker of another community)
EXPECTED = {
    "grid": dict.fromkeys(PAGES, 200),
    "head": dict.fromkeys(PAGES, 200),
    "street": {**dict.fromkeys(PAGES, 200), "my_day": 403, "household": 404},
    "other_grid": {
        **dict.fromkeys(PAGES, 200),
        "household": 404,
        "coverage": 404,
        "plans": 404,
        "ledger_item": 404,
    },
    "resident": {**dict.fromkeys(PAGES, 403), "household": 404, "ledger_item": 404},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(client, world, role):
    client.force_login(world[role])
    got = {name: client.get(url(world)).status_code for name, url in PAGES.items()}
    assert got == EXPECTED[role]


def test_anonymous_is_sent_to_log_in(client, world):
    for url in PAGES.values():
        r = client.get(url(world))
        assert r.status_code == 302 and "/login" in r["Location"]
    r = client.post(reverse("visits:upload"), {"household": world["households"][0].pk})
    assert r.status_code == 302


def test_out_of_scope_lists_show_nothing_of_the_community(client, world):
    client.force_login(world["other_grid"])
    body = client.get(reverse("visits:ledger")).content.decode()
    assert "楼道灯不亮" not in body


def test_the_phone_page_shows_the_plan_masked_with_due_states(client, world):
    client.force_login(world["grid"])
    body = client.get(reverse("visits:my_day")).content.decode()
    head = world["households"][0].head.name
    assert head not in body and head[0] in body
    assert 'data-due="' in body
    assert 'class="tabbar' in body or "tabbar" in body


def test_upload_records_once_and_a_replay_changes_nothing(client, world):
    client.force_login(world["grid"])
    data = {
        "household": world["households"][0].pk,
        "client_uuid": str(uuid.uuid4()),
        "met": "户主本人",
        "situation": "一切正常",
        "raised": "希望增加助餐点",
        "category": "elderly",
        "offline": "1",
    }
    r1 = client.post(reverse("visits:upload"), data)
    r2 = client.post(reverse("visits:upload"), data)
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["id"] == r2.json()["id"] and r2.json()["replayed"]
    assert Visit.objects.count() == 1 and LedgerItem.objects.filter(title="希望增加助餐点").count() == 1
    bad = client.post(reverse("visits:upload"), {**data, "client_uuid": str(uuid.uuid4()), "met": ""})
    assert bad.status_code == 400 and bad.json()["code"] == "met_required"
    client.force_login(world["other_grid"])
    assert (
        client.post(reverse("visits:upload"), {**data, "client_uuid": str(uuid.uuid4())}).status_code == 404
    )


def test_an_offline_capture_uploaded_two_days_later_is_accepted_and_flagged(client, world):
    """Issue 14: what the phone's queue sends (offline=1, captured_at as the phone's ISO time,
    visited_at as the form's local time) is accepted days later, marked as a late upload; too old,
    in the future or unreadable: refused with the reason, nothing recorded."""
    import datetime as dt

    from django.utils import timezone

    client.force_login(world["grid"])
    captured = timezone.now() - dt.timedelta(days=2)
    data = {
        "household": world["households"][0].pk,
        "client_uuid": str(uuid.uuid4()),
        "met": "户主本人",
        "situation": "地下室信号差，离线登记",
        "visited_at": timezone.localtime(captured - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "captured_at": captured.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "offline": "1",
    }
    r = client.post(reverse("visits:upload"), data)
    assert r.status_code == 201 and r.json()["late_upload"] is True
    v = Visit.objects.get(pk=r.json()["id"])
    assert v.late_upload and v.offline and abs((v.captured_at - captured).total_seconds()) < 1
    old = (timezone.now() - dt.timedelta(days=8)).astimezone(dt.UTC)
    for captured_at, code in (
        (old.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "offline_too_old"),
        ((timezone.now() + dt.timedelta(hours=2)).isoformat(), "future_capture"),
        ("yesterday", "bad_capture"),
    ):
        bad = client.post(
            reverse("visits:upload"),
            {**data, "client_uuid": str(uuid.uuid4()), "captured_at": captured_at, "visited_at": ""},
        )
        assert bad.status_code == 400 and bad.json()["code"] == code and bad.json()["message"]
    assert Visit.objects.count() == 1
    # The head sees it: the visit diary marks the late upload.
    import io

    import openpyxl

    client.force_login(world["head"])
    month = timezone.localtime(v.visited_at).strftime("%Y-%m")
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("visits:diary_export") + f"?month={month}").content)
    ).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "离线逾期补传" in text


def test_the_visit_form_records_and_a_bad_form_changes_nothing(client, world):
    client.force_login(world["grid"])
    url = reverse("visits:visit_create", args=[world["households"][1].pk])
    r = client.post(url, {"met": "", "situation": "x"}, HTTP_REFERER="http://testserver/visits/")
    assert r.status_code == 302 and Visit.objects.count() == 0
    r = client.post(url, {"met": "老人", "situation": "身体好", "visited_at": "2000-01-01T10:00"})
    assert Visit.objects.count() == 0
    r = client.post(url, {"met": "老人", "situation": "身体好"})
    assert r.status_code == 302 and Visit.objects.count() == 1


def test_head_applies_coverage_and_generates_plans_from_the_pages(client, world):
    client.force_login(world["head"])
    assert client.get(reverse("visits:coverage") + f"?c={C}&size=250").status_code == 200
    assert client.post(reverse("visits:coverage_apply"), {"c": C, "size": "250"}).status_code == 302
    assert client.post(reverse("visits:plans_generate"), {"c": C, "minimum": "5"}).status_code == 302
    client.force_login(world["grid"])
    assert client.post(reverse("visits:coverage_apply"), {"c": C}).status_code == 403
    from gongzhi.visits.views import _figures

    assert {"care.calls_answered_in_time", "care.meals_served", "elections.turnout"} <= set(_figures())
    client.force_login(world["head"])
    for f in _figures():
        assert client.get(reverse("visits:figures") + f"?f={f}").status_code == 200


def _item_in(state, world):
    item = services.ledger_item_open(
        community_code=C, by=world["grid"], title="事项", category="other", household=world["households"][0]
    )
    if state == ItemState.ANSWERED:
        services.ledger_item_answer(item=item, by=world["grid"], answer="已答复")
    elif state == ItemState.DEMAND:
        services.ledger_item_to_demand(item=item, by=world["grid"])
    item.refresh_from_db()
    return item


@pytest.mark.parametrize("state", [ItemState.OPEN, ItemState.ANSWERED, ItemState.DEMAND])
@pytest.mark.parametrize("role", ["grid", "head", "street", "other_grid", "resident"])
def test_guard_agreement(client, world, state, role):
    """For every state × role × step: allowed ⇔ the service succeeds ⇔ the page shows the button."""
    user = world[role]
    client.force_login(user)
    calls = {
        "answer": lambda i: services.ledger_item_answer(item=i, by=user, answer="已答复"),
        "to_demand": lambda i: services.ledger_item_to_demand(item=i, by=user),
        "to_topic": lambda i: services.ledger_item_to_topic(item=i, by=user),
    }
    for step, call in calls.items():
        item = _item_in(state, world)
        allowed = step in WORKFLOW.allowed(item, user)
        r = client.get(reverse("visits:ledger_item", args=[item.pk]))
        shown = r.status_code == 200 and f'data-action="{step}"' in r.content.decode()
        try:
            call(item)
            ok = True
        except ApplicationError:
            ok = False
        assert allowed == ok == shown, (state, role, step, allowed, ok, shown)


def test_excel_ledgers_are_scoped_and_masked(client, world):
    import io

    import openpyxl

    services.visit_record(
        household=world["households"][0], by=world["grid"], met="户主", situation="正常", raised="路灯坏了"
    )
    client.force_login(world["head"])
    for name in ("visits:ledger_export", "visits:diary_export"):
        r = client.get(reverse(name))
        assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
        assert "路灯坏了" in text and world["households"][0].head.name not in text
    client.force_login(world["other_grid"])
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("visits:ledger_export")).content)).active
    assert sheet.max_row == 1  # the header only
    client.force_login(world["resident"])
    assert client.get(reverse("visits:ledger_export")).status_code == 403


def test_the_service_worker_is_served_under_visits_with_its_scope(client, world):
    """Anyone may fetch the script (the browser checks it for updates); it may control /visits/,
    the browser's HTTP cache keeps no copy, and it is the static file itself."""
    from pathlib import Path

    r = client.get(reverse("visits:service_worker"))
    assert r.status_code == 200
    assert r["Service-Worker-Allowed"] == "/visits/"
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Cache-Control"] == "no-cache"
    static = Path(services.__file__).parent / "static" / "visits" / "sw.js"
    assert r.content == static.read_bytes()
    client.force_login(world["grid"])
    for url in (reverse("visits:my_day"), reverse("visits:household", args=[world["households"][0].pk])):
        body = client.get(url).content.decode()
        assert 'data-sw="/visits/sw.js"' in body and 'data-scope="/visits/"' in body
        assert f'data-user="{world["grid"].pk}"' in body
    # The plan's households are marked for the service worker to keep ahead.
    body = client.get(reverse("visits:my_day")).content.decode()
    assert "data-offline" in body


@pytest.mark.parametrize("demo", [False, True])
def test_the_worker_is_told_where_the_code_went_not_the_code(client, world, settings, demo):
    from gongzhi.visits.models import ConfirmationCode

    settings.GONGZHI_DEMO = demo
    client.force_login(world["grid"])
    h = world["households"][0]
    r = client.post(reverse("visits:code_issue", args=[h.pk]), follow=True)
    code = ConfirmationCode.objects.get(household=h)
    body = r.content.decode()
    assert r.status_code == 200 and "确认码已发送到该户登记的手机" in body
    assert (code.code in body) is demo
