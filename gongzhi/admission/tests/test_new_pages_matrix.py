"""The role matrix of the pages added for 一表通, sending tasks, editing and the person picker: every
role, in and out of scope, gets the page (200) or not (403, 404, or the login page); the home page
shows departments and streets what became of the tasks they sent."""

import pytest

from gongzhi.admission import services
from gongzhi.admission.models import InboxTask

from .conftest import DISTRICT, JUNMEN, STREET, app_data
from .test_forms import _approved_form

pytestmark = pytest.mark.django_db

DACHENG = "350102004003"
ROLES = [
    ("own_department", None),
    ("other_department", None),
    ("district_staff", DISTRICT),
    ("district_staff", "350103"),
    ("street_staff", STREET),
    ("street_staff", "350102001"),
    ("community_worker", JUNMEN),
    ("community_worker", DACHENG),
    ("community_head", JUNMEN),
    ("grid_worker", JUNMEN),
    ("resident", JUNMEN),
]
# page -> the roles (index in ROLES) that get it
EXPECT = {
    "report": {6, 8},
    "reports": {0, 2},
    "edit": {0},
    "tasks": {0, 1, 4, 5},
    "task_new": {0, 1, 4, 5},
    "people": {6, 7, 8},
}


@pytest.fixture
def world(now, dept, dept_user, reviewer, published):
    form = _approved_form(dept, dept_user, reviewer)
    draft = services.application_create(department=dept, data=app_data(title="草稿"), by=dept_user)
    task = InboxTask.objects.get(application=form, community_id=JUNMEN)
    return {
        "report": f"/admission/inbox/{task.pk}/report/",
        "reports": f"/admission/applications/{form.pk}/reports/",
        "edit": f"/admission/applications/{draft.pk}/edit/",
        "tasks": "/admission/tasks/",
        "task_new": "/admission/tasks/new/",
        "people": "/admission/certificates/people/?q=张",
    }


def test_role_matrix_of_the_new_pages(world, client, make_user, dept, other_dept):
    seen = {}
    for i, (role, scope) in enumerate(ROLES):
        if role == "own_department":
            user = make_user("department_staff", dept)
        elif role == "other_department":
            user = make_user("department_staff", other_dept)
        else:
            user = make_user(role, scope)
        client.force_login(user)
        for page, url in world.items():
            status = client.get(url).status_code
            seen[(page, i)] = status
            assert status in (200, 302, 403, 404), (page, role, scope, status)
    wrong = {
        (page, ROLES[i], status)
        for (page, i), status in seen.items()
        if (status == 200) != (i in EXPECT[page])
    }
    assert wrong == set()
    client.logout()
    for url in world.values():
        assert client.get(url).status_code in (302, 403)


def test_home_shows_senders_what_became_of_their_tasks(now, dept, dept_user, community_worker, client):
    (t,) = services.task_send(title="台账", communities=[JUNMEN], by=dept_user, department=dept)
    services.task_refuse(task=t, by=community_worker)
    client.force_login(dept_user)
    html = client.get("/").content.decode()
    assert "被社区拒绝（未准入）" in html and "/admission/tasks/?state=refused" in html
