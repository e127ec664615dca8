"""Applications' budget lines, matched funds and team (totals, bad input refused with nothing
changed, who may edit them when), shown on the application and review pages and in the API; the
contract recorded once by the approver."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.projects import contracts, details, services
from gongzhi.projects.models import (
    Application,
    BudgetLine,
    Contract,
    MatchedFund,
    ProjectEvent,
    TeamMember,
)

from .conftest import JUNMEN, NOW
from .test_funding import score_all, to_review

pytestmark = pytest.mark.django_db

LINES = [
    {"item": "人员费", "unit_price": "3000", "quantity": "6"},
    {"item": "活动费", "unit_price": "500", "quantity": "12"},
    {"item": "物料费", "unit_price": "12.5", "quantity": "40"},
]  # 18000 + 6000 + 500 = 24500
FUNDS = [{"source": "街道配套", "amount": "3000"}, {"source": "企业捐赠", "amount": "1500"}]
TEAM = [
    {"name": "王芳", "role": "项目主管", "certified": True},
    {"name": "李强", "role": "志愿者", "certified": False},
]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _apply(w, **kw):
    args = dict(
        by=w["org_staff"],
        call=w["call"],
        organization=w["org"],
        community=w["junmen"],
        title="长者助餐",
        budget_total=None,
        requested=10000,
        budget_lines=LINES,
        fund_lines=FUNDS,
        team=TEAM,
    )
    return services.application_create(**(args | kw))


def _counts():
    return (
        Application.objects.count(),
        BudgetLine.objects.count(),
        MatchedFund.objects.count(),
        TeamMember.objects.count(),
        ProjectEvent.objects.count(),
    )


# --- totals --------------------------------------------------------------------------------------


def test_totals_from_lines(w):
    app = _apply(w)
    assert app.budget_total == Decimal("24500.00")
    assert app.matched_funds == Decimal("4500.00")
    assert [r.amount for r in app.budget_lines.all()] == [
        Decimal("18000.00"),
        Decimal("6000.00"),
        Decimal("500.00"),
    ]
    assert [(m.name, m.certified) for m in app.team.all()] == [("王芳", True), ("李强", False)]
    # A total typed as well must agree with the lines.
    assert _apply(w, budget_total="24500", title="二").budget_total == Decimal("24500.00")


def test_typed_total_disagreeing_with_lines_is_refused(w):
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _apply(w, budget_total="30000")
    assert exc.value.code == "budget_mismatch"
    assert "30000.00" in str(exc.value.message) and "24500.00" in str(exc.value.message)
    assert _counts() == before


def test_grant_cap_applies_to_the_lines_total(w):
    with pytest.raises(ApplicationError) as exc:
        _apply(w, requested="14701")  # 60% of 24500 is 14700
    assert exc.value.code == "grant_share"
    assert _apply(w, requested="14700").requested == Decimal("14700.00")


def test_matched_typed_must_agree_and_budget_required_without_lines(w):
    with pytest.raises(ApplicationError) as exc:
        _apply(w, matched_funds="100")
    assert exc.value.code == "matched_mismatch"
    with pytest.raises(ApplicationError) as exc:
        _apply(w, budget_lines=[])
    assert exc.value.code == "budget_required"
    # Without lines the typed figures stand, as before.
    app = _apply(w, budget_lines=None, fund_lines=None, team=None, budget_total=60000, matched_funds=0)
    assert app.budget_total == Decimal("60000.00") and not app.budget_lines.exists()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"budget_lines": [{"item": "活动费", "unit_price": "-500", "quantity": "2"}]}, "budget_line_number"),
        ({"budget_lines": [{"item": "活动费", "unit_price": "五百", "quantity": "2"}]}, "budget_line_number"),
        (
            {"budget_lines": [{"item": "活动费", "unit_price": "3,000", "quantity": "2"}]},
            "budget_line_number",
        ),
        ({"budget_lines": [{"item": "活动费", "unit_price": "NaN", "quantity": "2"}]}, "budget_line_number"),
        ({"budget_lines": [{"item": "活动费", "unit_price": "500", "quantity": "0"}]}, "budget_line_number"),
        ({"budget_lines": [{"item": "活动费", "unit_price": True, "quantity": "1"}]}, "budget_line_number"),
        ({"budget_lines": [{"item": "=SUM(A1:A9)", "unit_price": "5", "quantity": "1"}]}, "line_formula"),
        ({"budget_lines": [{"item": " ", "unit_price": "5", "quantity": "1"}]}, "budget_line_format"),
        ({"budget_lines": ["活动费 5 1"]}, "budget_line_format"),
        (
            {"budget_lines": [{"item": "x", "unit_price": "9999999999", "quantity": "2"}]},
            "budget_line_too_large",
        ),
        ({"budget_lines": [{"item": "x", "unit_price": "1", "quantity": "1"}] * 31}, "budget_too_many"),
        ({"fund_lines": [{"source": "街道", "amount": "-1"}]}, "fund_line_amount"),
        ({"fund_lines": [{"source": "@cmd", "amount": "1"}]}, "line_formula"),
        ({"fund_lines": [{"source": "a", "amount": "1"}] * 11}, "funds_too_many"),
        ({"team": [{"name": "+1", "role": "主管"}]}, "line_formula"),
        ({"team": [{"name": "王芳", "role": ""}]}, "team_line_format"),
        ({"team": [{"name": "王芳", "role": "主管", "certified": "maybe"}]}, "team_line_format"),
        ({"team": [{"name": "a", "role": "b"}] * 31}, "team_too_many"),
    ],
)
def test_bad_rows_refused_nothing_changed(w, change, code):
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _apply(w, **change)
    assert exc.value.code == code and exc.value.status == 400
    assert _counts() == before


def test_formula_message_names_the_list_and_row(w):
    with pytest.raises(ApplicationError) as exc:
        _apply(w, budget_lines=LINES + [{"item": "=1+1", "unit_price": "1", "quantity": "1"}])
    assert "第4行" in str(exc.value.message) and "预算明细" in str(exc.value.message)


# --- the textareas -------------------------------------------------------------------------------


def test_parse_textareas():
    assert details.parse_budget("人员费 3000 6\n\n 社区 活动 费｜500｜12 \n") == [
        {"item": "人员费", "unit_price": "3000", "quantity": "6"},
        {"item": "社区 活动 费", "unit_price": "500", "quantity": "12"},
    ]
    assert details.parse_funds("街道配套 5000") == [{"source": "街道配套", "amount": "5000"}]
    assert details.parse_team("王芳 项目主管 是\n李强 志愿者\n张三 社工 督导 否") == [
        {"name": "王芳", "role": "项目主管", "certified": True},
        {"name": "李强", "role": "志愿者", "certified": False},
        {"name": "张三", "role": "社工 督导", "certified": False},
    ]
    for text, code in (("活动费 500", "budget_line_format"), ("=A1", "line_formula")):
        with pytest.raises(ApplicationError) as exc:
            details.parse_budget(text)
        assert exc.value.code == code


# --- editing: who, when --------------------------------------------------------------------------


def test_update_replaces_rows_and_keeps_them_when_omitted(w):
    app = _apply(w)
    kw = dict(by=w["org_staff"], application=app, community=w["junmen"], title="长者助餐", requested=3000)
    services.application_update(**kw, budget_total=None, budget_lines=LINES[:1])
    app.refresh_from_db()
    assert app.budget_total == Decimal("18000.00") and app.budget_lines.count() == 1
    assert app.team.count() == 2 and app.fund_lines.count() == 2  # omitted: unchanged
    with pytest.raises(ApplicationError) as exc:  # the kept lines still bind the total
        services.application_update(**kw, budget_total="20000")
    assert exc.value.code == "budget_mismatch"
    services.application_update(**kw, budget_total=None, team=[])
    assert not app.team.exists()


@pytest.mark.parametrize("who", ["other_staff", "staff", "street", "expert"])
def test_only_the_organisation_edits(w, who):
    app = _apply(w)
    before = _counts()
    with pytest.raises((ApplicationError, PermissionDenied)) as exc:
        services.application_update(
            by=w[who], application=app, community=w["junmen"], title="改", requested=1, budget_lines=[]
        )
    assert exc.value.status in (403, 400)
    assert _counts() == before and app.budget_lines.count() == 3


def test_edit_only_in_draft_or_revision(w):
    app = _apply(w)
    services.application_act(by=w["org_staff"], application=app, action="submit")
    kw = dict(by=w["org_staff"], community=w["junmen"], title="长者助餐", requested=3000, budget_lines=[])
    with pytest.raises(ApplicationError) as exc:
        services.application_update(application=app, **kw, budget_total=100)
    assert exc.value.code == "wrong_status" and app.budget_lines.count() == 3
    client = _client(w["org_staff"])
    r = client.get(f"/projects/applications/{app.pk}/edit/")
    assert r.status_code == 302 and r["Location"] == f"/projects/applications/{app.pk}/"
    r = client.post(
        f"/projects/applications/{app.pk}/edit/", {"community": JUNMEN, "title": "x", "requested": "1"}
    )
    assert r.status_code == 400 and app.budget_lines.count() == 3
    services.application_act(by=w["staff"], application=app, action="request_revision", note="细化预算")
    assert client.get(f"/projects/applications/{app.pk}/edit/").status_code == 200
    services.application_update(application=app, **kw, budget_total=10000)
    assert not app.budget_lines.exists()


# --- pages ---------------------------------------------------------------------------------------


def test_form_page_saves_rows_and_refuses_bad_lines(w):
    client = _client(w["org_staff"])
    data = {
        "community": JUNMEN,
        "title": "邻里守望",
        "budget_total": "",
        "requested": "4000",
        "matched_funds": "",
        "households_target": "30",
        "people_target": "60",
        "budget_text": "人员费 3000 2\n宣传费 1000 2",
        "funds_text": "街道配套 2000",
        "team_text": "王芳 项目主管 是\n李强 志愿者 否",
    }
    before = _counts()
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", data | {"budget_text": "活动费 abc 2"})
    assert r.status_code == 400 and "预算明细第1行" in r.content.decode()
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", data | {"team_text": "=cmd|' /C calc'!A0 x"})
    assert r.status_code == 400 and "公式" in r.content.decode()
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", data | {"budget_total": "9000"})
    assert r.status_code == 400 and "8000.00" in r.content.decode()
    assert _counts() == before
    r = client.post(f"/projects/calls/{w['call'].pk}/apply/", data)
    assert r.status_code == 302
    app = Application.objects.get(title="邻里守望")
    assert app.budget_total == Decimal("8000.00") and app.matched_funds == Decimal("2000.00")
    page = client.get(f"/projects/applications/{app.pk}/edit/").content.decode()
    assert "人员费 3000 2" in page and "王芳 项目主管 是" in page
    page = client.get(f"/projects/applications/{app.pk}/").content.decode()
    assert "宣传费" in page and "李强" in page and "8000.00" in page


@pytest.mark.parametrize(
    "role, status",
    [
        ("org_staff", 200),
        ("other_staff", 404),
        ("staff", 200),
        ("street", 200),
        ("expert", 404),
        ("community_worker", 404),
        ("resident", 403),
    ],
)
def test_application_page_role_matrix(w, make_user, role, status):
    app = _apply(w)
    user = w.get(role) or make_user(role, JUNMEN)
    client = _client(user)
    assert client.get(f"/projects/applications/{app.pk}/").status_code == status
    r = client.get(f"/api/projects/applications/{app.pk}")
    if role in ("org_staff", "staff", "street"):
        assert len(r.json()["budget_lines"]) == 3
        assert r.json()["editable"] == (role == "org_staff")
    elif r.status_code == 200:  # others in scope see the application, not its rows
        assert r.json()["budget_lines"] is None
    edit = client.post(f"/projects/applications/{app.pk}/edit/", {"title": "x", "budget_text": ""})
    assert edit.status_code in ((200, 400) if role == "org_staff" else (403, 404))
    assert BudgetLine.objects.filter(application=app).count() == 3


def test_review_page_shows_rows_after_declaring(w):
    app = _apply(w)
    services.application_act(by=w["org_staff"], application=app, action="submit")
    (a,) = to_review(w, app, experts=("expert",))
    client = _client(w["expert"])
    assert "活动费" not in client.get(f"/projects/reviews/{a.pk}/").content.decode()
    assert client.get("/api/projects/reviews").json()[0]["budget_lines"] is None  # blind until declared
    services.review_declare(by=w["expert"], assignment=a, conflict=False)
    page = client.get(f"/projects/reviews/{a.pk}/").content.decode()
    assert "活动费" in page and "王芳" in page and "企业捐赠" in page
    (out,) = client.get("/api/projects/reviews").json()
    assert [r["item"] for r in out["budget_lines"]] == ["人员费", "活动费", "物料费"] and len(
        out["team"]
    ) == 2


# --- API -----------------------------------------------------------------------------------------


def test_api_rows_create_update_and_refusals(w):
    org = _client(w["org_staff"])
    body = {
        "call_id": w["call"].pk,
        "community": JUNMEN,
        "title": "助餐",
        "requested": "5000",
        "budget_lines": [{"item": "人员费", "unit_price": 3000, "quantity": 3}],
        "fund_lines": [{"source": "街道", "amount": "1000"}],
        "team": [{"name": "王芳", "role": "主管", "certified": True}],
    }
    before = _counts()
    bad = body | {"budget_lines": [{"item": "人员费", "unit_price": "=1+2", "quantity": 3}]}
    r = org.post("/api/projects/applications", bad, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "budget_line_number"
    r = org.post("/api/projects/applications", body | {"budget_total": "1"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "budget_mismatch"
    assert _counts() == before
    r = org.post("/api/projects/applications", body, content_type="application/json")
    assert r.status_code == 200, r.content
    out = r.json()
    assert Decimal(out["budget_total"]) == 9000 and out["budget_lines"][0]["amount"] in ("9000.00", 9000)
    assert out["team"] == [{"name": "王芳", "role": "主管", "certified": True}] and out["editable"]
    put = {k: v for k, v in body.items() if k != "call_id"} | {
        "budget_lines": [{"item": "a", "unit_price": 1, "quantity": 20000}]
    }
    r = org.put(f"/api/projects/applications/{out['id']}", put, content_type="application/json")
    assert r.status_code == 200 and Decimal(r.json()["budget_total"]) == 20000
    r = _client(w["other_staff"]).put(
        f"/api/projects/applications/{out['id']}", put | {"budget_lines": []}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["code"] == "not_your_organization"
    assert BudgetLine.objects.filter(application_id=out["id"]).count() == 1
    assert (
        _client(w["staff"])
        .put(f"/api/projects/applications/{out['id']}", put, content_type="application/json")
        .status_code
        == 403
    )
    org.post(f"/api/projects/applications/{out['id']}/submit", {}, content_type="application/json")
    r = org.put(f"/api/projects/applications/{out['id']}", put, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "wrong_status"


# --- contract ------------------------------------------------------------------------------------


def _project(w):
    app = _apply(w)
    services.application_act(by=w["org_staff"], application=app, action="submit")
    to_review(w, app, experts=("expert",))
    score_all(w, app)
    return services.application_act(by=w["staff"], application=app, action="approve").project


def test_contract_recorded_once_by_the_approver(w):
    p = _project(w)
    today = NOW.date()
    for who in ("org_staff", "expert"):
        with pytest.raises(PermissionDenied):
            contracts.contract_record(by=w[who], project=p, number="GL-2026-01", signed_on=today)
    for number, signed, code in (
        ("", today, "contract_number"),
        ("=HYPERLINK()", today, "contract_number"),
        ("GL-1", today + dt.timedelta(days=1), "contract_date"),
        ("GL-1", "昨天", "contract_date"),
    ):
        with pytest.raises(ApplicationError) as exc:
            contracts.contract_record(by=w["staff"], project=p, number=number, signed_on=signed)
        assert exc.value.code == code
    assert not Contract.objects.exists()
    c = contracts.contract_record(by=w["street"], project=p, number="GL-2026-01", signed_on=today.isoformat())
    assert c.amount == p.grant and c.party_region_id == "350102" and c.party_organization == w["org"]
    with pytest.raises(ApplicationError) as exc:
        contracts.contract_record(by=w["staff"], project=p, number="GL-2026-02", signed_on=today)
    assert exc.value.code == "contract_exists" and exc.value.status == 409
    assert Contract.objects.get().number == "GL-2026-01"
    assert ProjectEvent.objects.filter(kind="contract_recorded").count() == 1


@pytest.mark.parametrize("role", ["org_staff", "staff", "street", "expert", "community_worker"])
def test_contract_page_and_api_role_matrix(w, make_user, role):
    p = _project(w)
    user = w.get(role) or make_user(role, JUNMEN)
    client = _client(user)
    page = client.get(f"/projects/projects/{p.pk}/").content.decode()
    approver = role in ("staff", "street")
    assert ('name="number"' in page) == approver
    r = client.post(f"/projects/projects/{p.pk}/contract/", {"number": "X-1", "signed_on": "2099-01-01"})
    assert r.status_code == (400 if approver else 403)
    r = client.post(
        f"/api/projects/projects/{p.pk}/contract",
        {"number": "GL-9", "signed_on": NOW.date().isoformat()},
        content_type="application/json",
    )
    assert r.status_code == (200 if approver else 403)
    detail = client.get(f"/api/projects/projects/{p.pk}").json()
    assert (detail["contract"] or {}).get("number") == ("GL-9" if approver else None)
    if approver:
        page = client.get(f"/projects/projects/{p.pk}/").content.decode()
        assert "GL-9" in page and 'name="number"' not in page
        r = client.post(
            f"/projects/projects/{p.pk}/contract/", {"number": "GL-10", "signed_on": "2026-12-01"}
        )
        assert r.status_code == 302 and Contract.objects.get().number == "GL-9"
