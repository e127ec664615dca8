"""Pages added to the admission app: sending tasks to communities (派发任务), editing an application
while the guard allows it, and the person picker of certificates. Each with its role matrix."""

import pytest

from gongzhi.admission import services
from gongzhi.admission.models import Application, ApplicationEvent, InboxTask

from .conftest import DISTRICT, JUNMEN, STREET

pytestmark = pytest.mark.django_db

DACHENG = "350102004003"
OTHER_STREET_COMMUNITY = "350102001001"


def _scope(role, dept):
    if role == "department_staff":
        return dept
    return {"district_staff": DISTRICT, "street_staff": STREET}.get(role, JUNMEN)


SEND_PAGES = ["/admission/tasks/", "/admission/tasks/new/"]
SENDERS = {"department_staff", "street_staff"}


@pytest.mark.parametrize(
    "role",
    [
        "department_staff",
        "street_staff",
        "district_staff",
        "community_worker",
        "community_head",
        "resident",
        "grid_worker",
    ],
)
def test_role_matrix_of_sending(role, client, make_user, dept):
    client.force_login(make_user(role, _scope(role, dept)))
    for url in SEND_PAGES:
        status = client.get(url).status_code
        assert (status == 200) == (role in SENDERS), (role, url, status)
    r = client.post(
        "/api/admission/tasks/",
        {"title": "x", "communities": [JUNMEN], "street": STREET},
        content_type="application/json",
    )
    assert (r.status_code == 200) == (role == "street_staff"), (role, r.status_code)


def test_a_department_sends_admitted_and_unadmitted_tasks(now, draft_app, dept, dept_user, reviewer, client):
    services.application_submit(application=draft_app, by=dept_user)
    services.application_decide(application=draft_app, step="approve", reason="ok", by=reviewer)
    client.force_login(dept_user)
    form = client.get("/admission/tasks/new/").content.decode()
    assert 'data-testid="gate"' in form and draft_app.title in form and f'value="d:{dept.pk}"' in form
    before = InboxTask.objects.count()
    r = client.post(
        "/admission/tasks/new/",
        {
            "sender": f"d:{dept.pk}",
            "title": "入户核实补充",
            "communities": [JUNMEN],
            "application": draft_app.pk,
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/admission/tasks/new/",
        {"sender": f"d:{dept.pk}", "title": "沿街商户台账", "communities": [JUNMEN, OTHER_STREET_COMMUNITY]},
    )
    assert r.status_code == 302
    new = InboxTask.objects.order_by("pk")[before:]
    assert sorted((t.title, t.community_id, t.application_id) for t in new) == sorted(
        [
            ("入户核实补充", JUNMEN, draft_app.pk),
            ("沿街商户台账", JUNMEN, None),
            ("沿街商户台账", OTHER_STREET_COMMUNITY, None),
        ]
    )
    listing = client.get("/admission/tasks/").content.decode()
    assert listing.count("沿街商户台账") == 2 and "入户核实补充" in listing


def test_a_street_sends_only_to_its_communities(now, make_user, client):
    street = make_user("street_staff", STREET)
    client.force_login(street)
    before = InboxTask.objects.count()
    r = client.post(
        "/admission/tasks/new/",
        {"sender": f"s:{STREET}", "title": "创城材料", "communities": [OTHER_STREET_COMMUNITY]},
    )
    assert r.status_code == 200 and InboxTask.objects.count() == before  # not a choice: the form refuses
    r = client.post(
        "/admission/tasks/new/", {"sender": f"s:{STREET}", "title": "创城材料", "communities": [JUNMEN]}
    )
    assert r.status_code == 302
    task = InboxTask.objects.get(title="创城材料")
    assert (task.source, task.application_id, task.community_id) == ("street", None, JUNMEN)
    body = client.get("/api/admission/tasks/").json()
    assert [t["title"] for t in body] == ["创城材料"]
    # the API refuses another street's community; nothing written
    r = client.post(
        "/api/admission/tasks/",
        {"title": "越界", "communities": [OTHER_STREET_COMMUNITY], "street": STREET},
        content_type="application/json",
    )
    assert r.status_code == 403 and not InboxTask.objects.filter(title="越界").exists()


def test_editing_follows_the_guard(now, draft_app, dept, dept_user, reviewer, other_dept, make_user, client):
    url = f"/admission/applications/{draft_app.pk}/edit/"
    client.force_login(dept_user)
    assert 'data-action="edit"' in client.get(f"/admission/applications/{draft_app.pk}/").content.decode()
    page = client.get(url)
    assert page.status_code == 200 and draft_app.title in page.content.decode()
    data = {
        "kind": "form",
        "title": "高龄津贴资格认证统计表",
        "communities": [JUNMEN],
        "period_start": "2026-06-01",
        "period_end": "2026-12-31",
        "hours_per_community": "4",
        "funding_per_community": "500",
        "legal_basis": "《老年人权益保障法》",
        "report_every": "quarter",
        "field_name_0": "高龄老人",
        "field_figure_0": "registry.elderly_80",
        "field_name_1": "核实人数",
        "field_figure_1": "",
    }
    assert client.post(url, data).status_code == 302
    app = Application.objects.get(pk=draft_app.pk)
    assert (app.kind, app.communities, app.report_every) == ("form", [JUNMEN], "quarter")
    assert [f["figure"] for f in app.form_fields] == ["registry.elderly_80", ""]
    event = ApplicationEvent.objects.get(application=app, kind="edited")
    assert "事项名称" in event.note and event.data["title"] == "高龄津贴资格认证统计表"
    # bad input: a figure nobody declares: shown, nothing changed
    r = client.post(url, {**data, "field_figure_1": "nope.figure"})
    assert r.status_code == 200 and "对应的指标不存在" in r.content.decode()
    assert Application.objects.get(pk=app.pk).form_fields == app.form_fields
    # others may not edit it
    for user in (make_user("department_staff", other_dept), reviewer):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404)
    # under review: nobody edits; sent back: the department edits again
    services.application_submit(application=app, by=dept_user)
    client.force_login(dept_user)
    assert client.get(url).status_code == 409
    assert 'data-action="edit"' not in client.get(f"/admission/applications/{app.pk}/").content.decode()
    services.application_decide(application=app, step="request_changes", reason="补充依据", by=reviewer)
    assert client.get(url).status_code == 200
    r = client.patch(
        f"/api/admission/applications/{app.pk}/",
        {"materials": "入户核实表 200 份"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["allowed_actions"] == ["edit", "submit"]
    assert Application.objects.get(pk=app.pk).materials == "入户核实表 200 份"


@pytest.fixture
def people(db):
    from gongzhi.core.models import Region
    from tests.factories import DwellingFactory, PersonFactory

    here = PersonFactory(name="林秀英", dwelling=DwellingFactory(), id_number="35010219580312002X")
    there = PersonFactory(name="林秀梅", community=Region.objects.get(code=DACHENG))
    return here, there


@pytest.mark.parametrize(
    ("role", "ok"),
    [
        ("community_worker", True),
        ("community_head", True),
        ("department_staff", False),
        ("street_staff", False),
        ("resident", False),
    ],
)
def test_role_matrix_of_the_person_picker(role, ok, client, make_user, dept, people):
    client.force_login(make_user(role, _scope(role, dept)))
    r = client.get("/admission/certificates/people/?q=林秀")
    assert (r.status_code == 200) == ok, (role, r.status_code)


def test_the_picker_finds_only_the_community_and_masks_numbers(client, community_worker, people, published):
    here, there = people
    client.force_login(community_worker)
    html = client.get("/admission/certificates/people/?q=林秀").content.decode()
    assert (
        'data-testid="people"' in html and f'value="{here.pk}"' in html and f'value="{there.pk}"' not in html
    )
    assert "35010219580312002X" not in html and here.id_number_masked in html and "1958-03-12" not in html
    # the last four of the identity number
    assert f'value="{here.pk}"' in client.get("/admission/certificates/people/?q=002X").content.decode()
    # a full number is the registry's reveal (its permission, its log); the number is never shown
    full = client.get("/admission/certificates/people/?q=35010219580312002X").content.decode()
    assert "35010219580312002X" not in full
    # without HTMX the page itself lists the people, and issuing through the picked person works
    page = client.get("/admission/certificates/?q=林秀英").content.decode()
    assert f'value="{here.pk}"' in page and "35010219580312002X" not in page
    r = client.post("/admission/certificates/", {"person": here.pk, "kind": "residence", "note": "入学"})
    assert r.status_code == 302
