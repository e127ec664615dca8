"""Pages and endpoints by role (the permission matrix), and the page flows."""

import pytest

from gongzhi.integration.models import LinkCandidate, Merge
from gongzhi.integration.services import batch_submit
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db

ROLES = [
    ("district_staff", "350102"),
    ("street_staff", "350102004"),
    ("community_head", "350102004001"),
    ("grid_worker", "350102004001"),
    ("department_staff", "dept"),
    ("resident", "350102004001"),
    ("system_admin", "35"),
]
# page → roles that may open it
MATRIX = {
    "/integration/": {"district_staff", "department_staff"},
    "/integration/sources/new/": {"district_staff"},
    "/integration/review/": {"district_staff", "street_staff"},
    "/integration/conflicts/": {"district_staff", "street_staff"},
    "/integration/merges/": {"district_staff", "street_staff"},
    "/integration/department/": {"department_staff"},
    "/integration/sharing/": {"system_admin"},
    "/api/integration/sources": {"district_staff", "department_staff"},
    "/api/integration/review": {"district_staff", "street_staff"},
    "/api/integration/department/people?purpose=aid_check": {"department_staff"},
}


@pytest.fixture
def user_for(make_user, civil_affairs):
    def make(role, scope):
        return make_user(role, civil_affairs if scope == "dept" else scope)

    return make


@pytest.mark.parametrize("role,scope", ROLES, ids=[r for r, _s in ROLES])
@pytest.mark.parametrize("url", list(MATRIX))
def test_permission_matrix(client, user_for, role, scope, url):
    client.force_login(user_for(role, scope))
    status = client.get(url).status_code
    if role in MATRIX[url]:
        assert status == 200, (url, role, status)
    else:
        assert status in (401, 403, 404), (url, role, status)


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/integration/").status_code == 302
    assert client.get("/api/integration/sources").status_code == 401


def test_menu_shows_the_entries_of_the_role(client, user_for):
    client.force_login(user_for("district_staff", "350102"))
    html = client.get("/").content.decode()
    assert (
        "/integration/" in html and "/integration/review/" in html and "/integration/department/" not in html
    )
    client.force_login(user_for("department_staff", "dept"))
    html = client.get("/").content.decode()
    assert "/integration/department/" in html and "/integration/review/" not in html


def test_configure_upload_and_read_the_report(client, officer, civil_affairs):
    client.force_login(officer)
    r = client.post(
        "/integration/sources/new/",
        {
            "department": civil_affairs.pk,
            "name": "低保名册",
            "file_format": "csv",
            "trust_rank": "2",
            "column": ["姓名", "身份证号", "性别", "出生日期", "社区代码", "联系电话", ""],
            "target": ["name", "id_number", "sex", "birth_date", "community", "phone", ""],
            "codes_sex": "男=1\n女=2",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    detail = r["Location"]
    source_id = int(detail.rstrip("/").split("/")[-1])
    assert "低保名册" in client.get(detail).content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = csv_bytes([row(), row(name="")])
    r = client.post(f"/integration/sources/{source_id}/upload/", {"file": SimpleUploadedFile("a.csv", data)})
    assert r.status_code == 302
    report = client.get(r["Location"]).content.decode()
    assert "姓名为空" in report and "新建居民" in report
    # the same file again: a message, nothing new
    r = client.post(
        f"/integration/sources/{source_id}/upload/", {"file": SimpleUploadedFile("a.csv", data)}, follow=True
    )
    assert "已经导入过" in r.content.decode()
    assert Person.objects.count() == 1


def test_bad_mapping_is_refused_with_a_message(client, officer, civil_affairs):
    client.force_login(officer)
    r = client.post(
        "/integration/sources/new/",
        {
            "department": civil_affairs.pk,
            "name": "x",
            "file_format": "csv",
            "column": ["社区"],
            "target": ["community"],
        },
    )
    assert r.status_code == 200 and "请指定哪一列是姓名" in r.content.decode()


def test_review_side_by_side_is_masked_and_accepting_links(client, officer, civil_source):
    zhang = PersonFactory(name="张伟", id_number=idn(seq=11))
    batch_submit(
        by=officer,
        source=civil_source,
        # no number, no phone, born a day apart: uncertain, for a person to decide
        data=csv_bytes([row(id_number="", phone="", birth="1980-05-18")]),
        filename="a.csv",
    )
    candidate = LinkCandidate.objects.get()
    client.force_login(officer)
    html = client.get(f"/integration/review/{candidate.pk}/").content.decode()
    assert zhang.id_number not in html and zhang.id_number_masked in html
    assert zhang.phone not in html and zhang.phone_masked in html
    r = client.post(f"/integration/review/{candidate.pk}/", {"action": "accept"})
    assert r.status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == "accepted" and candidate.record.person_id == zhang.pk


def test_merge_and_undo_from_the_page(client, officer):
    a = PersonFactory(name="黄梅", id_number="")
    b = PersonFactory(name="黄梅", id_number="")
    client.force_login(officer)
    html = client.get("/integration/merges/", {"kept": a.pk, "absorbed": b.pk}).content.decode()
    assert "确认合并" in html
    client.post("/integration/merges/new/", {"kept": a.pk, "absorbed": b.pk, "reason": "重复登记"})
    assert not Person.objects.filter(pk=b.pk).exists()
    merge = Merge.objects.get()
    client.post(f"/integration/merges/{merge.pk}/undo/")
    assert Person.objects.filter(pk=b.pk).exists()


def test_provenance_page_shows_sources_and_dates(client, officer, civil_source, make_user):
    batch, _new = batch_submit(by=officer, source=civil_source, data=csv_bytes([row()]), filename="a.csv")
    person = batch.records.get().person
    worker = make_user("community_worker", "350102004001")
    client.force_login(worker)
    html = client.get(f"/integration/people/{person.pk}/provenance/").content.decode()
    assert "低保名册" in html and batch.observed_on.isoformat() in html
    assert person.id_number not in html
    other = make_user("community_worker", "350102001001")
    client.force_login(other)
    assert client.get(f"/integration/people/{person.pk}/provenance/").status_code == 404
    client.force_login(worker)
    body = client.get(f"/api/integration/people/{person.pk}/provenance").json()
    assert {f["field"] for f in body["fields"]} >= {"name", "id_number", "phone"}


def test_api_push_reports_rejected_rows(client, officer, civil_source):
    client.force_login(officer)
    r = client.post(
        f"/api/integration/sources/{civil_source.pk}/rows",
        {"rows": [row(), row(name="")]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["accepted"], body["rejected"], body["created"]) == (1, 1, 1)
    assert "姓名为空" in body["rejected_rows"][0]["errors"][0]["message"]
    again = client.post(
        f"/api/integration/sources/{civil_source.pk}/rows",
        {"rows": [row(), row(name="")]},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_provenance_marks_the_values_the_register_shows(officer, civil_source):
    from gongzhi.integration.selectors import person_provenance

    first = csv_bytes([row(phone="13800000001")])
    batch_submit(by=officer, source=civil_source, data=first, filename="a.csv")
    batch_submit(
        by=officer, source=civil_source, data=csv_bytes([row(phone="13900000002")]), filename="b.csv"
    )
    person = Person.objects.get()
    fields = {f["field"]: f for f in person_provenance(person)["fields"]}
    assert fields["phone"]["shown"] == "139****0002"
    assert [v["chosen"] for v in fields["phone"]["values"]] == [True, False]
    assert fields["birth_date"]["shown"] == "1980年"  # the year only, beside the masked number
