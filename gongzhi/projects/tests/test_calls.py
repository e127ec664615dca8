"""Calls published and edited (budget changes on the ledger, the rubric fixed once applications
are in), items drawn from the needs list, applications written and revised by organisations'
staff, the call pages by role, and the funding API (scoped, documented refusals)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.ledger import ledger_verify
from gongzhi.core.models import Region
from gongzhi.organizations.models import Need
from gongzhi.projects import services
from gongzhi.projects.models import Application, CallItem, FundAccount, FundingCall, ProjectEvent

from .conftest import JUNMEN, NOW, OTHER, RUBRIC

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def need(w):
    return Need.objects.create(
        community=w["junmen"], title="长者助餐", service_field="elderly", source="visit", households=42
    )


def _apply(w, **kw):
    args = dict(
        by=w["org_staff"],
        call=w["call"],
        organization=w["org"],
        community=w["junmen"],
        title="长者助餐",
        budget_total=60000,
        requested=30000,
    )
    return services.application_create(**(args | kw))


# --- calls ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, code",
    [
        ({"title": " "}, "title_required"),
        ({"budget": "-5"}, "amount_invalid"),
        ({"budget": "1e12"}, "amount_invalid"),
        ({"closes_at": NOW - dt.timedelta(hours=1)}, "closes_in_past"),
        ({"rubric": [{"key": "", "label": "x"}]}, "rubric_required"),
        ({"region": "350102004001"}, "call_region"),
    ],
)
def test_call_create_refusals_change_nothing(w, change, code):
    args = dict(
        by=w["staff"],
        region=Region.objects.get(code="350102"),
        title="冬季创投",
        budget=50000,
        closes_at=NOW + dt.timedelta(days=20),
        rubric=RUBRIC,
    )
    if "region" in change:
        change = {"region": Region.objects.get(code=change["region"])}
    before = (FundingCall.objects.count(), FundAccount.objects.count(), ProjectEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        services.call_create(**(args | change))
    assert exc.value.code == code
    assert (FundingCall.objects.count(), FundAccount.objects.count(), ProjectEvent.objects.count()) == before


def test_call_update_moves_budget_on_ledger_and_fixes_rubric(w):
    call = w["call"]
    args = dict(title="秋季创投（调整）", closes_at=NOW + dt.timedelta(days=15), rubric=RUBRIC)
    services.call_update(by=w["staff"], call=call, budget=120000, eligibility="3A以上", **args)
    call.refresh_from_db()
    call.account.refresh_from_db()
    assert (call.budget, call.account.balance, call.eligibility) == (
        Decimal(120000),
        Decimal(120000),
        "3A以上",
    )
    assert ledger_verify(FundAccount)[1] == []
    app = _apply(w)
    services.application_act(by=w["org_staff"], application=app, action="submit")
    with pytest.raises(ApplicationError) as exc:
        services.call_update(
            by=w["staff"], call=call, budget=120000, **(args | {"rubric": [{"key": "x", "label": "新"}]})
        )
    assert exc.value.code == "rubric_fixed" and exc.value.status == 409
    with pytest.raises(PermissionDenied):
        services.call_update(by=w["org_staff"], call=call, budget=1, **args)
    services.call_phase_set(by=w["staff"], call=call, phase="review")
    with pytest.raises(ApplicationError) as exc:
        services.call_update(by=w["staff"], call=call, budget=1, **args)
    assert exc.value.code == "wrong_phase"
    call.refresh_from_db()
    assert call.budget == Decimal(120000) and call.rubric == RUBRIC


def test_call_items_from_needs(w, need, make_user):
    item = services.call_item_add(by=w["staff"], call=w["call"], need=need)
    assert (item.title, item.serves_id, item.households) == ("长者助餐", JUNMEN, 42)
    with pytest.raises(ApplicationError) as exc:
        services.call_item_add(by=w["staff"], call=w["call"], need=need)
    assert exc.value.code == "need_in_call"
    far = Need.objects.create(
        community=Region.objects.get(code="350103001001")
        if Region.objects.filter(code="350103001001").exists()
        else Region.objects.filter(level=5).exclude(code__startswith="350102").first(),
        title="外区需求",
        service_field="other",
        source="visit",
    )
    with pytest.raises(ApplicationError) as exc:
        services.call_item_add(by=w["staff"], call=w["call"], need=far)
    assert exc.value.code == "need_outside_call"
    with pytest.raises(PermissionDenied):
        services.call_item_add(by=w["org_staff"], call=w["call"], title="自拟")
    assert CallItem.objects.count() == 1
    app = _apply(w, item=item)
    assert app.item == item


def test_application_fields_and_update(w):
    for kw, code in (
        ({"matched_funds": "多"}, "matched_invalid"),
        ({"households_target": "x"}, "target_invalid"),
        ({"requested": 36001}, "grant_share"),
    ):
        with pytest.raises(ApplicationError) as exc:
            _apply(w, **kw)
        assert exc.value.code == code
    assert not Application.objects.exists()
    app = _apply(w)
    services.application_update(
        by=w["org_staff"],
        application=app,
        community=w["junmen"],
        title="长者助餐与探访",
        budget_total=80000,
        requested=48000,
        households_target=120,
    )
    app.refresh_from_db()
    assert (app.title, app.requested, app.households_target) == ("长者助餐与探访", Decimal(48000), 120)
    with pytest.raises(ApplicationError) as exc:
        services.application_update(
            by=w["other_staff"],
            application=app,
            community=w["junmen"],
            title="x",
            budget_total=10,
            requested=1,
        )
    assert exc.value.code == "not_your_organization"
    services.application_act(by=w["org_staff"], application=app, action="submit")
    with pytest.raises(ApplicationError) as exc:
        services.application_update(
            by=w["org_staff"], application=app, community=w["junmen"], title="x", budget_total=10, requested=1
        )
    assert exc.value.code == "wrong_status"
    services.application_act(by=w["staff"], application=app, action="request_revision", note="补充预算明细")
    services.application_update(
        by=w["org_staff"],
        application=app,
        community=w["junmen"],
        title="修改后",
        budget_total=10,
        requested=6,
    )
    app.refresh_from_db()
    assert app.title == "修改后"


def test_application_community_within_the_call(w, make_user):
    from gongzhi.organizations.models import Organization

    district_org = Organization.objects.create(name="区级服务中心", kind="social_org", region_id="350102")
    staff = make_user("social_org_staff", district_org)
    street_call = services.call_create(
        by=w["street"],
        region=Region.objects.get(code="350102004"),
        title="街道微创投",
        budget=20000,
        closes_at=NOW + dt.timedelta(days=5),
        rubric=RUBRIC,
    )
    elsewhere = (
        Region.objects.filter(level=5, code__startswith="350102")
        .exclude(code__startswith="350102004")
        .first()
    )
    with pytest.raises(ApplicationError) as exc:
        _apply(w, by=staff, call=street_call, organization=district_org, community=elsewhere)
    assert exc.value.code == "community_outside_call"
    assert not Application.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def test_call_pages_publish_edit_items_phase_reviewers(w, need):
    client = _client(w["staff"])
    form = {
        "region": "350102",
        "title": "冬季创投",
        "budget": "50000",
        "closes_at": "2026-12-20T17:00",
        "categories": "养老",
        "eligibility": "",
        "rubric": "需求契合度\n项目设计\n需求契合度\n",
    }
    r = client.post("/projects/calls/new/", form | {"closes_at": "2026-11-20T17:00"})
    assert r.status_code == 400 and "截止时间必须晚于现在" in r.content.decode()
    r = client.post("/projects/calls/new/", form | {"budget": "十万"})
    assert r.status_code == 400
    assert not FundingCall.objects.filter(title="冬季创投").exists()
    r = client.post("/projects/calls/new/", form)
    call = FundingCall.objects.get(title="冬季创投")
    assert r.status_code == 302 and [x["label"] for x in call.rubric] == ["需求契合度", "项目设计"]
    keys = [x["key"] for x in call.rubric]
    r = client.post(f"/projects/calls/{call.pk}/edit/", form | {"rubric": "项目设计\n预算合理性\n需求契合度"})
    assert r.status_code == 302
    call.refresh_from_db()
    kept = {x["label"]: x["key"] for x in call.rubric}
    assert kept["需求契合度"] == keys[0] and kept["项目设计"] == keys[1] and kept["预算合理性"] not in keys
    r = client.post(f"/projects/calls/{call.pk}/items/", {"need": str(need.pk)})
    assert r.status_code == 302 and call.items.get().need == need
    r = client.post(f"/projects/calls/{call.pk}/items/", {"need": "", "title": ""})
    assert r.status_code == 400 and "请填写名称" in r.content.decode()
    page = client.get(f"/projects/calls/{call.pk}/").content.decode()
    assert "长者助餐" in page and "截止征集，进入评审" in page
    assert client.post(f"/projects/calls/{call.pk}/phase/", {"phase": "decided"}).status_code == 302
    call.refresh_from_db()
    assert call.phase == "open"  # only the next phase
    client.post(f"/projects/calls/{call.pk}/phase/", {"phase": "review"})
    call.refresh_from_db()
    assert call.phase == "review"
    assert "为评审中的申报指派专家" in client.get(f"/projects/calls/{call.pk}/").content.decode()


def test_reviewers_assigned_from_call_page(w):
    app = _apply(w)
    services.application_act(by=w["org_staff"], application=app, action="submit")
    services.call_phase_set(by=w["staff"], call=w["call"], phase="review")
    services.application_act(by=w["staff"], application=app, action="start_review")
    client = _client(w["staff"])
    r = client.post(f"/projects/calls/{w['call'].pk}/reviewers/", {"experts": [str(w["org_staff"].pk)]})
    assert r.status_code == 400 and not app.assignments.exists()
    r = client.post(
        f"/projects/calls/{w['call'].pk}/reviewers/", {"experts": [str(w["expert"].pk), str(w["expert2"].pk)]}
    )
    assert r.status_code == 302 and app.assignments.count() == 2


def test_application_pages(w, need):
    item = services.call_item_add(by=w["staff"], call=w["call"], need=need)
    client = _client(w["org_staff"])
    form = {
        "item": str(item.pk),
        "community": JUNMEN,
        "title": "长者助餐",
        "budget_total": "60000",
        "requested": "40000",
        "matched_funds": "5000",
        "households_target": "80",
        "people_target": "120",
    }
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", form)
    assert r.status_code == 400 and "申请资助不能超过项目总预算的60%" in r.content.decode()
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", form | {"community": OTHER + "9"})
    assert r.status_code == 400
    assert not Application.objects.exists()
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", form | {"requested": "36000"})
    app = Application.objects.get()
    assert r.status_code == 302 and app.item == item and app.organization == w["org"]
    assert client.get(f"/projects/applications/{app.pk}/edit/").status_code == 200
    r = client.post(f"/projects/applications/{app.pk}/edit/", form | {"requested": "30000", "title": "助餐"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert (app.title, app.requested) == ("助餐", Decimal(30000))
    other = _client(w["other_staff"])
    assert other.get(f"/projects/applications/{app.pk}/edit/").status_code == 404


@pytest.mark.parametrize(
    "role", ["org_staff", "other_staff", "staff", "street", "expert", "community_worker", "resident"]
)
def test_call_pages_role_matrix(w, make_user, role):
    user = w.get(role) or make_user(role, JUNMEN)
    client = _client(user)
    viewers = {"org_staff", "other_staff", "staff", "street", "expert", "community_worker"}
    managers = {"staff", "street"}
    call = w["call"]
    assert client.get(f"/projects/calls/{call.pk}/").status_code == (200 if role in viewers else 403)
    assert client.get("/projects/calls/new/").status_code == (200 if role in managers else 403)
    # The street's staff see the district's call but may not edit it (not over its region).
    edit = client.get(f"/projects/calls/{call.pk}/edit/").status_code
    assert edit == (200 if role == "staff" else 403)
    apply_page = client.get(f"/projects/calls/{call.pk}/apply/").status_code
    assert apply_page == (200 if role in ("org_staff", "other_staff") else 403)
    r = client.post(f"/projects/calls/{call.pk}/phase/", {"phase": "review"})
    assert r.status_code == (302 if role == "staff" else 403)
    call.refresh_from_db()
    assert call.phase == ("review" if role == "staff" else "open")


def test_call_out_of_scope_404(w, make_user):
    from gongzhi.core.models import Region

    far = Region.objects.filter(level=3).exclude(code="350102").first()
    client = _client(make_user("district_staff", far.code))
    assert client.get(f"/projects/calls/{w['call'].pk}/").status_code == 404
    assert client.get(f"/api/projects/calls/{w['call'].pk}").status_code == 404
    assert client.get("/api/projects/calls").json() == []


# --- API -------------------------------------------------------------------------------------


def test_api_flow_and_refusals(w, need):
    staff, org = _client(w["staff"]), _client(w["org_staff"])
    call = w["call"]
    r = staff.post(
        f"/api/projects/calls/{call.pk}/items", {"need_id": need.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["households"] == 42
    r = staff.post(
        f"/api/projects/calls/{call.pk}/items", {"need_id": need.pk}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "need_in_call"
    assert (
        staff.post(
            f"/api/projects/calls/{call.pk}/items", {"need_id": 999999}, content_type="application/json"
        ).status_code
        == 404
    )
    body = {
        "call_id": call.pk,
        "community": JUNMEN,
        "title": "助餐",
        "budget_total": "100",
        "requested": "61",
    }
    r = org.post("/api/projects/applications", body, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "grant_share"
    assert staff.post("/api/projects/applications", body, content_type="application/json").status_code == 403
    r = org.post("/api/projects/applications", body | {"requested": "60"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["allowed_actions"] == ["submit"]
    app_id = r.json()["id"]
    r = org.post(f"/api/projects/applications/{app_id}/submit", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = org.post(f"/api/projects/applications/{app_id}/submit", {}, content_type="application/json")
    assert r.status_code == 409
    assert (
        staff.post(
            f"/api/projects/calls/{call.pk}/phase", {"phase": "decided"}, content_type="application/json"
        ).status_code
        == 409
    )
    assert (
        staff.post(
            f"/api/projects/calls/{call.pk}/phase", {"phase": "review"}, content_type="application/json"
        ).status_code
        == 200
    )
    staff.post(f"/api/projects/applications/{app_id}/start_review", {}, content_type="application/json")
    app = Application.objects.get(pk=app_id)
    services.reviewers_assign(by=w["staff"], application=app, experts=[w["expert"]])
    expert = _client(w["expert"])
    reviews = expert.get("/api/projects/reviews").json()
    assert reviews[0]["title"] is None and not reviews[0]["declared"]  # blind until declared
    rid = reviews[0]["id"]
    r = expert.post(
        f"/api/projects/reviews/{rid}/scores",
        {"scores": {"need": 3, "design": 4}},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "declare_first"
    r = expert.post(
        f"/api/projects/reviews/{rid}/declare", {"conflict": False}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["title"] == "助餐"
    r = expert.post(
        f"/api/projects/reviews/{rid}/scores",
        {"scores": {"need": 9, "design": 4}},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "score_invalid"
    r = expert.post(
        f"/api/projects/reviews/{rid}/scores",
        {"scores": {"need": 3, "design": 4}},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["submitted"]
    assert expert.get("/api/projects/reviews").status_code == 200
    assert org.get("/api/projects/reviews").status_code == 403
    r = staff.post(f"/api/projects/applications/{app_id}/approve", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    projects = org.get("/api/projects/projects").json()
    detail = staff.get(f"/api/projects/projects/{projects[0]['id']}").json()
    first = detail["instalments"][0]
    assert first["can_pay"] and not detail["instalments"][1]["can_pay"]
    assert org.post(f"/api/projects/instalments/{first['id']}/pay").status_code == 403
    r = staff.post(f"/api/projects/instalments/{first['id']}/pay")
    assert r.status_code == 200 and r.json()["paid_at"]
    assert staff.post(f"/api/projects/instalments/{first['id']}/pay").status_code == 409
    ev = detail["evaluations"][0]
    r = org.post(
        f"/api/projects/evaluations/{ev['id']}/submit_report", {"text": ""}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "report_required"
    r = org.post(
        f"/api/projects/evaluations/{ev['id']}/submit_report",
        {"text": "已服务"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert ledger_verify(FundAccount)[1] == []


def test_api_role_matrix_and_docs(w, make_user):
    for role, status in (
        ("resident", 403),
        ("community_worker", 200),
        ("expert", 200),
        ("social_org_staff", 200),
    ):
        scope = w["org"] if role == "social_org_staff" else ("350102" if role == "expert" else JUNMEN)
        client = _client(make_user(role, scope))
        assert client.get("/api/projects/calls").status_code == status
        assert client.get("/api/projects/applications").status_code == status
        assert client.get("/api/projects/projects").status_code == status
    assert Client().get("/api/projects/calls").status_code == 401
    schema = _client(w["staff"]).get("/api/openapi.json").json()
    op = schema["paths"]["/api/projects/applications"]["post"]["responses"]
    assert {"400", "403", "404", "409"} <= set(op)
