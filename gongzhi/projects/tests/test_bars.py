"""Barring an organisation after a violation (it can neither submit nor be approved while barred;
lifting early keeps the record) and overdue evaluation reports listed, by role."""

import datetime as dt

import pytest
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.projects import bars, selectors, services
from gongzhi.projects.models import Bar, ProjectEvent
from gongzhi.projects.workflow import APPLICATION

from .conftest import JUNMEN, NOW
from .test_funding import _project, apply, score_all, to_review

pytestmark = pytest.mark.django_db


def _bar(w, months=12, by="street"):
    street = w[by]
    from gongzhi.core.models import Region

    return bars.bar_create(
        by=street,
        organization=w["org"],
        region=Region.objects.get(code="350102004"),
        reason="虚报服务人次",
        months=months,
    )


def test_a_barred_organisation_cannot_submit_nor_be_approved(w):
    draft = apply(w, submit=False)
    bar = _bar(w)
    assert (bar.starts_on, bar.ends_on) == (dt.date(2026, 12, 1), dt.date(2027, 12, 1))
    assert "submit" not in APPLICATION.allowed(draft, w["org_staff"])
    with pytest.raises(ApplicationError) as exc:
        services.application_act(by=w["org_staff"], application=draft, action="submit")
    assert exc.value.code == "organization_barred" and "2027-12-01" in str(exc.value.message)
    # Already in review when barred: it cannot be approved.
    bars.bar_lift(by=w["street"], bar=bar, reason="误录")
    in_review = apply(w)
    to_review(w, in_review, experts=("expert",))
    score_all(w, in_review)
    second = _bar(w)
    assert "approve" not in APPLICATION.allowed(in_review, w["staff"])
    with pytest.raises(ApplicationError) as exc:
        services.application_act(by=w["staff"], application=in_review, action="approve")
    assert exc.value.code == "organization_barred"
    # The bar ends on its last day; lifted, the approval goes ahead.
    assert bars.active_bar(w["org"].pk, dt.date(2027, 11, 30)) == second
    assert bars.active_bar(w["org"].pk, dt.date(2027, 12, 1)) is None
    bars.bar_lift(by=w["street"], bar=second, reason="复核后撤销")
    in_review.refresh_from_db()
    assert "approve" in APPLICATION.allowed(in_review, w["staff"])


def test_lifting_early_needs_a_reason_and_keeps_the_record(w):
    bar = _bar(w, months=6)
    with pytest.raises(ApplicationError) as exc:
        bars.bar_lift(by=w["street"], bar=bar, reason=" ")
    assert exc.value.code == "bar_lift_reason"
    bars.bar_lift(by=w["street"], bar=bar, reason="已整改并退回资金")
    assert bars.active_bar(w["org"].pk) is None and Bar.objects.get().lift_reason == "已整改并退回资金"
    with pytest.raises(ApplicationError) as exc:
        bars.bar_lift(by=w["street"], bar=bar, reason="again")
    assert exc.value.code == "bar_not_active"
    assert list(ProjectEvent.objects.filter(kind__startswith="bar").values_list("kind", flat=True)) == [
        "bar_lift",
        "bar",
    ]


def test_bad_input_changes_nothing(w, make_user):
    for months in (0, 61, "x", None):
        with pytest.raises(ApplicationError) as exc:
            _bar(w, months=months)
        assert exc.value.code == "bar_months"
    with pytest.raises(PermissionDenied):
        _bar(w, by="org_staff")
    client = Client()
    client.force_login(w["street"])
    base = {"organization": w["org"].pk, "region": "350102004", "months": "12"}
    assert client.post("/projects/bars/", {**base, "reason": ""}).status_code == 400
    assert client.post("/projects/bars/", {**base, "reason": "x", "region": "350102005"}).status_code == 404
    assert client.post("/projects/bars/", {**base, "reason": "x", "organization": "nope"}).status_code == 404
    assert Bar.objects.count() == 0
    r = client.post("/projects/bars/", {**base, "reason": "挪用资金"})
    assert r.status_code == 302 and Bar.objects.get().reason == "挪用资金"


def test_overdue_reports_listed_and_counted_from_one_selector(w):
    p = _project(w)
    mid = p.evaluations.get(kind="midterm")
    assert list(bars.overdue_reports(user=w["street"])) == []
    with clock.at(dt.datetime.combine(mid.due_on + dt.timedelta(days=2), dt.time(10), tzinfo=NOW.tzinfo)):
        overdue = list(bars.overdue_reports(user=w["street"]))
        assert overdue == [mid]
        assert selectors.todo_counts(user=w["street"])["overdue_reports"] == 1
        client = Client()
        client.force_login(w["street"])
        html = client.get("/projects/bars/").content.decode()
        assert 'data-testid="overdue-reports"' in html and p.application.title in html
        # Handed in late: no longer overdue, flagged late (which holds the next payment).
        ev = services.evaluation_act(by=w["org_staff"], evaluation=mid, action="submit_report", text="自评")
        assert ev.late and list(bars.overdue_reports(user=w["street"])) == []


@pytest.mark.parametrize(
    "role", ["org_staff", "staff", "street", "expert", "community_worker", "resident", "street_elsewhere"]
)
def test_bars_page_role_matrix(w, make_user, role):
    user = (
        make_user("street_staff", "350102005")
        if role == "street_elsewhere"
        else w.get(role) or make_user(role, JUNMEN)
    )
    bar = _bar(w)
    client = Client()
    client.force_login(user)
    viewers = {"org_staff", "staff", "street", "expert", "community_worker", "street_elsewhere"}
    r = client.get("/projects/bars/")
    assert r.status_code == (200 if role in viewers else 403)
    if r.status_code == 200:
        assert "虚报服务人次" in r.content.decode(), role
        assert ("禁止组织申报" in r.content.decode()) == (role in {"staff", "street", "street_elsewhere"})
    r = client.post(f"/projects/bars/{bar.pk}/lift/", {"reason": "整改完成"})
    expected = 302 if role in ("staff", "street") else 403
    assert r.status_code == expected, role
    assert (Bar.objects.get().lifted_at is not None) == (expected == 302)
