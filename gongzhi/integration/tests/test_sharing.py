"""Sharing rules: a department reads only the fields its kind is allowed, of the residents in
its region; every read and export is logged."""

import pytest

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AccessLogEntry, Region
from gongzhi.integration import selectors
from gongzhi.integration.services import source_create
from tests.factories import PersonFactory

from .conftest import CIVIL_CODES, CIVIL_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    junmen = PersonFactory(name="郑敏", sex="F", community=Region.objects.get(code="350102004001"))
    elsewhere = PersonFactory(
        name="外区人", community=Region.objects.filter(level=5, code__startswith="350103").first()
    )
    return junmen, elsewhere


@pytest.fixture
def civil_user(make_user, civil_affairs):
    return make_user("department_staff", civil_affairs)


def test_civil_affairs_reads_its_fields_of_its_region_only(civil_user, civil_affairs, people):
    junmen, elsewhere = people
    fields, total, rows = selectors.department_read(
        user=civil_user, department=civil_affairs, fields=None, purpose="aid_check", note="低保复核"
    )
    assert "phone" not in fields and "id_number" in fields
    assert total == 1 and rows[0]["id"] == junmen.pk
    assert "phone" not in rows[0]
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.purpose, entry.count) == ("department_read", "aid_check", 1)
    assert "phone" not in entry.fields


def test_asking_for_a_field_not_shared_is_refused_and_not_logged(civil_user, civil_affairs, people):
    with pytest.raises(PermissionDenied) as exc:
        selectors.department_read(
            user=civil_user, department=civil_affairs, fields=["name", "phone"], purpose="aid_check"
        )
    assert "联系电话" in str(exc.value.message)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("purpose", ["", "ab", "看看", "\u200b\u200b", "低保复核"])
def test_a_read_without_a_purpose_from_the_list_is_refused(civil_user, civil_affairs, people, purpose):
    from gongzhi.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        selectors.department_read(user=civil_user, department=civil_affairs, fields=None, purpose=purpose)
    assert not AccessLogEntry.objects.exists()


def test_api_gives_only_shared_fields_and_refuses_others(client, civil_user, people):
    client.force_login(civil_user)
    r = client.get("/api/integration/department/people", {"purpose": "aid_check", "note": "低保复核"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert "phone" not in item and item["id_number"] == people[0].id_number  # full, and logged
    r = client.get(
        "/api/integration/department/people",
        {"purpose": "aid_check", "note": "低保复核", "fields": "name,phone"},
    )
    assert r.status_code == 403 and r.json()["code"] == "field_not_shared"
    assert AccessLogEntry.objects.filter(action="department_read").count() == 1


def test_page_shows_only_shared_fields_masked(client, civil_user, people):
    client.force_login(civil_user)
    r = client.get("/integration/department/", {"purpose": "aid_check", "note": "低保复核"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "郑敏" in html and "外区人" not in html
    assert people[0].phone_masked not in html and people[0].id_number not in html
    assert people[0].id_number_masked in html
    r = client.get("/integration/department/", {"purpose": "aid_check", "note": "低保复核", "f": "phone"})
    assert r.status_code == 403
    assert "郑敏" not in r.content.decode()


def test_health_may_read_phone_but_not_identity_numbers(client, make_user, health, people):
    user = make_user("department_staff", health)
    client.force_login(user)
    body = client.get(
        "/api/integration/department/people", {"purpose": "department_assist", "note": "家庭医生签约"}
    ).json()
    assert "phone" in body["items"][0] and "id_number" not in body["items"][0]
    assert (
        client.get(
            "/api/integration/department/people", {"purpose": "aid_check", "fields": "id_number"}
        ).status_code
        == 403
    )


def test_export_in_the_sources_own_layout_leaves_unshared_columns_empty(
    client, officer, civil_user, civil_affairs, people
):
    source = source_create(
        by=officer,
        department=civil_affairs,
        name="低保名册",
        file_format="csv",
        columns=CIVIL_COLUMNS,
        code_maps=CIVIL_CODES,
    )
    client.force_login(civil_user)
    r = client.get(
        "/api/integration/department/export",
        {"source": source.pk, "purpose": "export_filing", "note": "年度复核"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["header"] == list(CIVIL_COLUMNS)
    row = dict(zip(body["header"], body["rows"][0], strict=True))
    assert row["姓名"] == "郑敏" and row["性别"] == "女"  # the department's own code for 2
    assert row["民族"] == ""  # ethnicity is not shared with civil affairs
    assert row["联系电话"] == ""  # not shared with civil affairs
    assert row["身份证号"] == people[0].id_number
    entry = AccessLogEntry.objects.get(action="export")
    assert entry.count == 1 and "phone" not in entry.fields
    r = client.get(
        "/integration/department/export/",
        {"source": source.pk, "purpose": "export_filing", "note": "年度复核"},
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(CIVIL_COLUMNS) and "郑敏" in text


def test_sharing_rules_are_set_by_the_system_administrator(
    client, make_user, civil_user, civil_affairs, people
):
    admin = make_user("system_admin", "35")
    client.force_login(civil_user)
    assert client.get("/integration/sharing/").status_code == 403
    client.force_login(admin)
    assert client.get("/integration/sharing/").status_code == 200
    r = client.post("/integration/sharing/", {"civil_affairs": ["name", "phone"]})
    assert r.status_code == 302
    assert selectors.shared_fields(civil_affairs) == ["name", "phone"]


@pytest.mark.parametrize("purpose", ["看看", "ab", "\u200b"])
def test_page_and_api_refuse_free_text_purposes_without_reading(client, civil_user, people, purpose):
    client.force_login(civil_user)
    r = client.get("/api/integration/department/people", {"purpose": purpose})
    assert r.status_code == 400 and r.json()["code"] == "purpose_required"
    r = client.get("/integration/department/", {"purpose": purpose})
    assert r.status_code < 500
    assert "郑敏" not in r.content.decode()
    assert not AccessLogEntry.objects.exists()
