"""The people endpoints: masking, reveal and the access log, search and paging, create and
edit with their errors, history, and the number of queries a page costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core import pii
from gongzhi.core.history import history_for
from gongzhi.core.models import AccessAction, AccessLogEntry
from gongzhi.registry.models import HouseholdMember, Person, PersonTag
from tests.factories import DwellingFactory, HouseholdFactory, PersonFactory, valid_id_number

from .test_api_support import API, JUNMEN, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


@pytest.fixture
def client(worker):
    return token_client(worker)


@pytest.fixture
def person(junmen):
    return PersonFactory(community=junmen, id_number__phone="13912345678")


# Masking ---------------------------------------------------------------------------------


def _leaks(content: bytes, person: Person) -> list[str]:
    """Full values, or the parts a mask must hide, found in a response body."""
    text = content.decode()
    secrets = [person.id_number, person.phone, person.id_number[6:14]]  # the birth date digits
    return [s for s in secrets if s and s in text]


def test_list_and_detail_are_masked(client, person, junmen):
    household = HouseholdFactory(community=junmen, head=person)
    HouseholdMember.objects.create(community=junmen, household=household, person=person, relationship="02")
    for path in (
        f"{API}/persons",
        f"{API}/persons?q={person.id_tail}",
        f"{API}/persons/{person.pk}",
        f"{API}/households/{household.pk}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _leaks(response.content, person) == [], path
        assert pii.mask_id_number(person.id_number) in response.content.decode(), path
        assert "139****5678" in response.content.decode(), path
    detail = client.get(f"{API}/persons/{person.pk}").json()
    assert detail["id_number_masked"].startswith(person.id_number[:4])
    assert detail["id_number_masked"].endswith(person.id_number[-4:])
    assert "*" * 10 in detail["id_number_masked"]


def test_history_shows_identity_number_only_masked(client, person):
    response = client.patch(
        f"{API}/persons/{person.pk}",
        {"version": 1, "phone": "13700001111"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    history = client.get(f"{API}/persons/{person.pk}/history")
    assert history.json()["count"] == 1
    assert history.json()["items"][0]["changes"]["phone"] == ["139****5678", "137****1111"]
    assert "13700001111" not in history.content.decode()
    assert "13912345678" not in history.content.decode()


# Reveal and the access log ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"purpose": ""},
        {"purpose": " 看"},
        {"purpose": "ab"},
        {"purpose": "看看"},
        {"purpose": "\u200b\u200b"},
        {"purpose": "核实低保申请"},
    ],
)
def test_reveal_without_a_purpose_is_400_and_logs_nothing(client, person, body):
    response = client.post(f"{API}/persons/{person.pk}/reveal", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "purpose_required",
        "message": "请从列表中选择查看或导出的用途。",
        "field": "purpose",
    }
    assert person.id_number not in response.content.decode()
    assert AccessLogEntry.objects.count() == 0


def test_reveal_with_a_purpose_returns_full_values_and_logs_once(client, worker, person):
    response = client.post(
        f"{API}/persons/{person.pk}/reveal",
        {"purpose": "aid_check", "note": "核实低保申请"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": person.pk,
        "id_number": person.id_number,
        "phone": "13912345678",
        "birth_date": person.birth_date.isoformat(),  # shown with the number it is part of
    }
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.object_type, entry.object_id) == (
        worker,
        AccessAction.REVEAL,
        "registry.person",
        str(person.pk),
    )
    assert (entry.purpose, entry.purpose_note, entry.community_code, entry.fields) == (
        "aid_check",
        "核实低保申请",
        JUNMEN,
        ["id_number", "phone"],
    )


def test_reveal_refused_writes_no_log(make_user, person):
    department_staff = make_user("department_staff", "350102")
    response = token_client(department_staff).post(
        f"{API}/persons/{person.pk}/reveal",
        {"purpose": "aid_check", "note": "核实低保申请"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert AccessLogEntry.objects.count() == 0


def test_reveal_visible_but_outside_the_reveal_scope_is_403(make_user, person, monkeypatch):
    """Viewing reaches the whole district, revealing only another community: 403, not 404."""
    from gongzhi.core.models import RoleAssignment
    from gongzhi.core.roles import ROLE_PERMISSIONS
    from gongzhi.registry.rules import VIEW_PERSON

    monkeypatch.setitem(ROLE_PERMISSIONS, "expert", {VIEW_PERSON})  # a role that only views
    user = make_user("expert", "350102")
    RoleAssignment.objects.create(user=user, role="grid_worker", region_id="350102001001")
    client = token_client(user)
    assert client.get(f"{API}/persons/{person.pk}").status_code == 200
    response = client.post(
        f"{API}/persons/{person.pk}/reveal",
        {"purpose": "aid_check", "note": "核实低保申请"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert AccessLogEntry.objects.count() == 0


# Search and paging -----------------------------------------------------------------------


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def test_search_parameters(client, junmen):
    dwelling = DwellingFactory()
    a = PersonFactory(community=junmen, name="林则徐", id_number__phone="13811112222", dwelling=dwelling)
    a.address = dwelling.address
    a.save()
    b = PersonFactory(community=junmen, name="林觉民", id_number__phone="13833334444")
    c = PersonFactory(community=junmen, name="严复", status="moved_out")
    PersonTag.objects.create(community=junmen, person=b, kind="veteran", source_label="退役军人事务局")
    PersonTag.objects.create(
        community=junmen,
        person=a,
        kind="veteran",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 1, 1),  # no longer holds
    )
    assert _names(client.get(f"{API}/persons")) == {"林则徐", "林觉民"}
    assert _names(client.get(f"{API}/persons?q=林")) == {"林则徐", "林觉民"}
    assert _names(client.get(f"{API}/persons?name=林则")) == {"林则徐"}
    assert _names(client.get(f"{API}/persons?q={b.id_tail}")) == {"林觉民"}
    assert _names(client.get(f"{API}/persons?id_tail={a.id_tail}")) == {"林则徐"}
    assert _names(client.get(f"{API}/persons?q={a.id_number}")) == {"林则徐"}
    assert _names(client.get(f"{API}/persons?phone=13833334444")) == {"林觉民"}
    assert _names(client.get(f"{API}/persons?phone=2222")) == {"林则徐"}
    assert _names(client.get(f"{API}/persons?address={dwelling.building.estate.name}")) == {"林则徐"}
    assert _names(client.get(f"{API}/persons?tag=veteran")) == {"林觉民"}
    assert _names(client.get(f"{API}/persons?community={JUNMEN}")) == {"林则徐", "林觉民"}
    assert _names(client.get(f"{API}/persons?community=350102001001")) == set()
    assert _names(client.get(f"{API}/persons?status=moved_out")) == {c.name}
    item = next(i for i in client.get(f"{API}/persons").json()["items"] if i["name"] == "林觉民")
    assert item["tags"] == ["veteran"]


def test_paging_is_capped(client, junmen):
    for _ in range(5):
        PersonFactory(community=junmen)
    first = client.get(f"{API}/persons?limit=2").json()
    assert (first["count"], first["limit"], first["offset"], len(first["items"])) == (5, 2, 0, 2)
    rest = client.get(f"{API}/persons?limit=2&offset=4").json()
    assert len(rest["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in rest["items"]})
    assert client.get(f"{API}/persons?limit=100000").json()["limit"] == 200
    assert client.get(f"{API}/persons?limit=0").json()["limit"] == 1


def test_person_list_queries_do_not_grow_with_the_page(client, junmen, django_assert_max_num_queries):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{API}/persons?limit=200")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            p = PersonFactory(community=junmen)
            PersonTag.objects.create(community=junmen, person=p, kind="disabled", grade=2)
            PersonTag.objects.create(community=junmen, person=p, kind="party_member")

    add(3)
    page_queries()  # the token's first use is recorded once
    small = page_queries()
    add(40)
    assert page_queries() == small
    with django_assert_max_num_queries(8):  # token, scope, count, page, tags (+ token touch)
        response = client.get(f"{API}/persons?limit=200")
    assert len(response.json()["items"]) == 43
    assert all(sorted(i["tags"]) == ["disabled", "party_member"] for i in response.json()["items"])


def test_detail_shows_tags_with_source_and_validity_household_and_address(client, junmen):
    from tests.factories import DepartmentFactory

    dwelling = DwellingFactory()
    person = PersonFactory(community=junmen, dwelling=dwelling, address=dwelling.address)
    household = HouseholdFactory(community=junmen, dwelling=dwelling, head=person)
    HouseholdMember.objects.create(community=junmen, household=household, person=person, relationship="02")
    department = DepartmentFactory(name="鼓楼区残联")
    PersonTag.objects.create(
        community=junmen,
        person=person,
        kind="disabled",
        grade=2,
        disability_category="physical",
        source_department=department,
        valid_from=dt.date(2023, 3, 1),
    )
    PersonTag.objects.create(
        community=junmen,
        person=person,
        kind="unemployed",
        source_label="社区采集",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2020, 6, 30),
    )
    body = client.get(f"{API}/persons/{person.pk}").json()
    tags = {t["kind"]: t for t in body["tags"]}
    assert tags["disabled"]["source"] == "鼓楼区残联"
    assert tags["disabled"]["source_department"] == department.code
    assert (tags["disabled"]["valid_from"], tags["disabled"]["valid_to"]) == ("2023-03-01", None)
    assert tags["disabled"]["is_current"] is True and tags["disabled"]["grade"] == 2
    assert tags["unemployed"]["source"] == "社区采集" and tags["unemployed"]["source_department"] is None
    assert (tags["unemployed"]["valid_to"], tags["unemployed"]["is_current"]) == ("2020-06-30", False)
    assert body["household"] == {
        "id": household.pk,
        "number": household.number,
        "relationship": "02",
        "relationship_label": "户主",
    }
    assert body["dwelling"]["id"] == dwelling.pk
    assert body["address"] == dwelling.address and body["dwelling"]["address"] == dwelling.address


# Create ----------------------------------------------------------------------------------


def test_create_derives_sex_and_birth_from_the_identity_number(client, worker):
    id_number = valid_id_number("350102", dt.date(1990, 2, 3), male=False)
    response = client.post(
        f"{API}/persons",
        {
            "community": JUNMEN,
            "name": "陈碧玉",
            "id_number": id_number,
            "phone": "0591-87654321",
            "note": "窗口登记",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sex"], body["birth_year"], body["version"]) == ("F", 1990, 1)
    assert "1990-02-03" not in response.content.decode()  # the date only with the revealed number
    assert (
        body["id_number_masked"] == pii.mask_id_number(id_number)
        and id_number not in response.content.decode()
    )
    person = Person.objects.get(pk=body["id"])
    assert (person.id_number, person.phone, person.created_by) == (id_number, "0591-87654321", worker)
    record = history_for(person).get()
    assert (record.action, record.by, record.note) == ("create", worker, "窗口登记")


_VALID = valid_id_number("350102", dt.date(1990, 2, 3))
_WRONG_CHECK = _VALID[:17] + ("0" if _VALID[17] != "0" else "1")


def _post(client, body: dict):
    return client.post(f"{API}/persons", body, content_type="application/json")


@pytest.mark.parametrize(
    "body,code,field",
    [
        ({"name": "", "sex": "M"}, "name_required", "name"),
        ({"name": "王" * 51, "sex": "M"}, "name_too_long", "name"),
        ({"name": "王五"}, "sex_required", "sex"),
        ({"name": "王五", "sex": "X"}, "sex_required", "sex"),
        ({"name": "王五", "id_number": _WRONG_CHECK}, "id_check", "id_number"),
        ({"name": "王五", "id_number": "35010219900203"}, None, "id_number"),
        ({"name": "王五", "sex": "M", "phone": "12345"}, "phone_invalid", "phone"),
        ({"name": "王五", "sex": "M", "birth_date": "1990-13-01"}, "birth_date_invalid", "birth_date"),
        ({"name": "王五", "sex": "M", "ethnicity": "zz"}, "invalid_choice", "ethnicity"),
        ({"name": "王五", "sex": "M", "dwelling_id": 999999}, "dwelling_not_found", "dwelling_id"),
        ({"name": "王五", "sex": "M", "community": "350102004"}, "not_community", "community"),
        ({"name": "王五", "sex": "M", "community": "999999999999"}, "community_required", "community"),
    ],
)
def test_create_errors_are_documented_json_and_change_nothing(client, body, code, field):
    before = Person.objects.count()
    response = _post(client, {"community": JUNMEN, **body})
    assert response.status_code == 400, response.content
    error = response.json()
    assert set(error) == {"code", "message", "field"}
    assert error["field"] == field
    if code:
        assert error["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # a Chinese message
    assert Person.objects.count() == before


def test_create_duplicate_identity_number(client, person):
    response = _post(client, {"community": JUNMEN, "name": "重复", "id_number": person.id_number})
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_id_number"
    assert response.json()["field"] == "id_number"
    assert Person.objects.count() == 1


def test_create_with_a_dwelling_of_the_community_takes_its_address(client):
    dwelling = DwellingFactory()
    response = _post(client, {"community": JUNMEN, "name": "王五", "sex": "M", "dwelling_id": dwelling.pk})
    assert response.status_code == 201, response.content
    assert response.json()["address"] == dwelling.address


def test_create_with_a_dwelling_elsewhere_is_refused(make_user, other_community):
    user = make_user("community_worker", JUNMEN)
    from gongzhi.core.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role="community_worker", region=other_community)
    elsewhere = DwellingFactory(building__estate__community=other_community)
    response = _post(
        token_client(user), {"community": JUNMEN, "name": "王五", "sex": "M", "dwelling_id": elsewhere.pk}
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("dwelling_other_community", "dwelling_id")


# Edit ------------------------------------------------------------------------------------


def _patch(client, person, body: dict):
    return client.patch(f"{API}/persons/{person.pk}", body, content_type="application/json")


def test_edit_changes_only_what_was_sent_and_bumps_the_version(client, worker, person):
    response = _patch(client, person, {"version": 1, "workplace": "福州市第一医院", "note": "电话核实"})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["workplace"] == "福州市第一医院"
    person.refresh_from_db()
    assert (person.workplace, person.name, person.phone, person.version) == (
        "福州市第一医院",
        person.name,
        "13912345678",
        2,
    )
    record = history_for(person).get()
    assert (record.by, record.note, record.changes) == (
        worker,
        "电话核实",
        {"workplace": ["", "福州市第一医院"]},
    )


def test_edit_on_a_stale_version_is_409_and_changes_nothing(client, person):
    assert _patch(client, person, {"version": 1, "workplace": "甲"}).status_code == 200
    response = _patch(client, person, {"version": 1, "workplace": "乙"})
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("stale", "version")
    person.refresh_from_db()
    assert (person.workplace, person.version) == ("甲", 2)


def test_edit_validation_error(client, person):
    response = _patch(client, person, {"version": 1, "name": "  "})
    assert response.status_code == 400
    assert response.json() == {"code": "name_required", "message": "请填写姓名。", "field": "name"}
    person.refresh_from_db()
    assert person.version == 1


def test_edit_needs_the_version(client, person):
    response = _patch(client, person, {"workplace": "甲"})
    assert response.status_code in (400, 422)
    person.refresh_from_db()
    assert person.workplace == ""


def test_edit_moving_to_a_community_outside_the_scope_is_refused(client, person, other_community):
    response = _patch(client, person, {"version": 1, "community": other_community.code})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.community_id == JUNMEN


def test_edit_moving_within_the_scope(make_user, person):
    user = make_user("community_head", "350102004")  # the whole street
    response = _patch(token_client(user), person, {"version": 1, "community": "350102004003"})
    assert response.status_code == 200, response.content
    assert response.json()["community"] == "350102004003"
    assert Person.objects.get(pk=person.pk).community_id == "350102004003"
