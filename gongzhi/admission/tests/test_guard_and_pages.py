import pytest
from django.db import transaction

from gongzhi.admission import services
from gongzhi.admission.models import Application
from gongzhi.admission.workflow import WORKFLOW
from gongzhi.core.errors import ApplicationError

from .conftest import DISTRICT, JUNMEN, STREET

pytestmark = pytest.mark.django_db

ROLES = [
    ("own_department", None),
    ("other_department", None),
    ("district_staff", DISTRICT),
    ("district_staff", "350103"),
    ("street_staff", STREET),
    ("community_worker", JUNMEN),
    ("community_head", JUNMEN),
    ("resident", JUNMEN),
]


def _user(make_user, dept, other_dept, role, scope):
    if role == "own_department":
        return make_user("department_staff", dept)
    if role == "other_department":
        return make_user("department_staff", other_dept)
    return make_user(role, scope)


class _Rollback(Exception):
    pass


def _service_succeeds(app, step, user) -> bool:
    try:
        with transaction.atomic():
            if step == "submit":
                services.application_submit(application=app, by=user)
            elif step == "edit":
                services.application_update(application=app, data={"title": "改过的名称"}, by=user)
            else:
                services.application_decide(application=app, step=step, reason="理由", by=user)
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


@pytest.mark.parametrize("state", Application.State.values)
def test_guard_agreement(state, now, draft_app, dept, other_dept, make_user, client):
    Application.objects.filter(pk=draft_app.pk).update(state=state)  # a mutable row; events are separate
    app = Application.objects.get(pk=draft_app.pk)
    for role, scope in ROLES:
        user = _user(make_user, dept, other_dept, role, scope)
        allowed = WORKFLOW.allowed(app, user)
        client.force_login(user)
        page = client.get(f"/admission/applications/{app.pk}/")
        html = page.content.decode() if page.status_code == 200 else ""
        for step in WORKFLOW.steps:
            succeeds = _service_succeeds(app, step, user)
            shown = f'data-action="{step}"' in html
            assert (step in allowed) == succeeds == shown, (state, role, step, allowed, succeeds, shown)


PAGES = [
    "/admission/lists/",
    "/admission/applications/",
    "/admission/catalogue/",
    "/admission/inbox/",
    "/admission/reconciliation/",
    "/admission/lists/draft/?district=350102",
]

EXPECT = {
    # role: pages answering 200 (others 403 or the login redirect)
    "department_staff": {0, 1, 2, 4},
    "community_worker": {0, 2, 3},
    "community_head": {0, 2, 3},
    "street_staff": {0, 2, 4},
    "district_staff": {0, 1, 2, 4, 5},
    "resident": {0},
    "grid_worker": {0},
}


@pytest.mark.parametrize("role", sorted(EXPECT))
def test_role_matrix_pages(role, client, make_user, dept, published):
    scope = (
        dept
        if role == "department_staff"
        else {"district_staff": DISTRICT, "street_staff": STREET}.get(role, JUNMEN)
    )
    client.force_login(make_user(role, scope))
    for i, url in enumerate(PAGES):
        status = client.get(url).status_code
        assert (status == 200) == (i in EXPECT[role]), (role, url, status)


def test_anonymous_sees_published_lists_only(client, published):
    assert client.get("/admission/lists/").status_code == 200
    assert client.get(f"/admission/lists/{published.pk}/export/").status_code == 200
    for url in PAGES[1:]:
        assert client.get(url).status_code in (302, 403)
    assert client.get("/api/admission/lists/350102/").json()["number"] == 1
    assert client.get("/api/admission/applications/").status_code == 401


def test_out_of_scope_staff_do_not_see_applications_or_tasks(now, draft_app, dept_user, client, make_user):
    services.application_submit(application=draft_app, by=dept_user)
    [task] = services.task_send(
        title="x", communities=[JUNMEN], by=dept_user, department=draft_app.department
    )
    outsider = make_user("district_staff", "350103")
    client.force_login(outsider)
    assert client.get(f"/admission/applications/{draft_app.pk}/").status_code == 404
    assert client.get("/api/admission/applications/").json() == []
    worker = make_user("community_worker", "350102004003")
    client.force_login(worker)
    assert client.post(f"/admission/inbox/{task.pk}/refuse/").status_code == 404
    assert client.post(f"/api/admission/inbox/{task.pk}/refuse/").status_code == 404


def test_community_refuses_through_page_and_api(now, dept, dept_user, published, community_worker, client):
    (t1,) = services.task_send(title="台账一", communities=[JUNMEN], by=dept_user, department=dept)
    (t2,) = services.task_send(title="台账二", communities=[JUNMEN], by=dept_user, department=dept)
    client.force_login(community_worker)
    html = client.get("/admission/inbox/").content.decode()
    assert html.count('data-testid="unadmitted"') == 2
    assert client.post(f"/admission/inbox/{t1.pk}/refuse/").status_code == 302
    body = client.post(f"/api/admission/inbox/{t2.pk}/refuse/").json()
    assert body["state"] == "refused" and "未经准入" in body["refusal_rule"]
    assert client.post(f"/api/admission/inbox/{t2.pk}/refuse/").status_code == 409


def test_review_through_api_returns_allowed_actions(now, draft_app, dept_user, reviewer, client):
    client.force_login(dept_user)
    body = client.post(
        f"/api/admission/applications/{draft_app.pk}/submit/", {}, content_type="application/json"
    ).json()
    assert body["state"] == "under_review" and body["allowed_actions"] == []
    client.force_login(reviewer)
    body = client.get(f"/api/admission/applications/{draft_app.pk}/").json()
    assert body["allowed_actions"] == ["request_changes", "approve", "refuse"]
    r = client.post(
        f"/api/admission/applications/{draft_app.pk}/refuse/", {"reason": ""}, content_type="application/json"
    )
    assert r.status_code == 400
    body = client.post(
        f"/api/admission/applications/{draft_app.pk}/refuse/",
        {"reason": "无经费"},
        content_type="application/json",
    ).json()
    assert body["state"] == "refused"


def test_import_page_shows_a_row_report(client, reviewer, published):
    from .test_services import _xlsx

    client.force_login(reviewer)
    client.post("/admission/lists/draft/", {"district": DISTRICT, "action": "open"})
    data = _xlsx([["清单类别", "编号", "事项名称"], ["负面清单", "N1", "招商引资"], ["?", "N2", "x"]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/admission/lists/draft/", {"district": DISTRICT, "file": SimpleUploadedFile("l.xlsx", data)}
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="report"' in html and "不认识" in html


def test_application_form_page(client, dept, dept_user, published, now):
    client.force_login(dept_user)
    assert client.get("/admission/applications/new/").status_code == 200
    r = client.post(
        "/admission/applications/new/",
        {
            "department": dept.pk,
            "kind": "task",
            "title": "t",
            "communities": [JUNMEN],
            "period_start": "2026-06-01",
            "period_end": "2026-05-01",
            "hours_per_community": "1",
            "funding_per_community": "0",
            "legal_basis": "x",
        },
    )
    assert r.status_code == 200
    assert not Application.objects.filter(title="t").exists()  # end before start: refused, nothing written
    good = {
        "department": dept.pk,
        "kind": "task",
        "title": "t2",
        "communities": [JUNMEN],
        "period_start": "2026-06-01",
        "period_end": "2026-07-01",
        "hours_per_community": "1",
        "funding_per_community": "0",
        "legal_basis": "x",
    }
    assert client.post("/admission/applications/new/", good).status_code == 302
    assert Application.objects.get(title="t2").state == "draft"
