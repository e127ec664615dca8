"""The resident record: masked by default, reveal with a purpose into the access log, edit
with history and optimistic locking, group tags; search with HTMX and a bounded query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry, ChangeRecord
from gongzhi.registry.models import HouseholdMember, Person, PersonTag
from tests.factories import HouseholdFactory, PersonFactory, valid_id_number

from .test_pages_support import (
    REVEALERS,
    htmx,
    login,
    scope_for,
    world_fixture,  # noqa: F401  (the `world` fixture)
)


def _full_id(person: Person) -> str:
    return Person.objects.get(pk=person.pk).id_number


# --- masking and reveal ---------------------------------------------------------------------


def test_record_shows_identity_number_and_phone_masked(world, community_worker):
    person = world.inside.person
    person.set_phone("13812345678")
    person.save()
    page = login(community_worker).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    full = _full_id(person)
    assert person.id_number_masked in page and "138****5678" in page
    assert full not in page and "13812345678" not in page
    assert page.count(full[:4] + "*" * 10 + full[-4:]) >= 1


@pytest.mark.parametrize("role", sorted(REVEALERS))
def test_reveal_with_a_purpose_shows_the_numbers_and_logs_one_entry(world, make_user, role):
    person = world.inside.person
    user = make_user(role, scope_for(role))
    response = htmx(
        login(user),
        "post",
        reverse("registry:person_reveal", args=[person.pk]),
        {"purpose": "aid_check", "note": "核对低保申请"},
    )
    assert response.status_code == 200
    assert _full_id(person) in response.content.decode()
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id, entry.purpose, entry.purpose_note) == (
        user,
        "reveal",
        str(person.pk),
        "aid_check",
        "核对低保申请",
    )
    assert entry.community_code == person.community_id


def test_reveal_without_a_purpose_is_refused_with_a_message_and_not_logged(world, community_worker):
    person = world.inside.person
    response = htmx(
        login(community_worker), "post", reverse("registry:person_reveal", args=[person.pk]), {"purpose": " "}
    )
    page = response.content.decode()
    assert "请从列表中选择查看或导出的用途" in page
    assert _full_id(person) not in page
    assert AccessLogEntry.objects.count() == 0


def test_reveal_without_permission_is_refused_with_a_message(world, make_user, monkeypatch):
    from gongzhi.core.roles import ROLE_PERMISSIONS
    from gongzhi.registry.rules import VIEW_PERSON

    monkeypatch.setitem(ROLE_PERMISSIONS, "expert", {VIEW_PERSON})  # a role that may see, not reveal
    person = world.inside.person
    viewer = make_user("expert", "350102")
    response = htmx(
        login(viewer), "post", reverse("registry:person_reveal", args=[person.pk]), {"purpose": "aid_check"}
    )
    page = response.content.decode()
    assert "没有查看完整身份号码和电话的权限" in page
    assert _full_id(person) not in page
    assert AccessLogEntry.objects.count() == 0
    # and the record page offers no reveal form to them
    assert (
        "查看完整信息"
        not in login(viewer).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    )


# --- edit -------------------------------------------------------------------------------------


def _edit_data(person: Person, **changes) -> dict:
    data = {
        "version": person.version,
        "name": person.name,
        "former_names": "",
        "id_number": "",
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "ethnicity": person.ethnicity,
        "phone": "",
        "residence_type": person.residence_type,
        "status": person.status,
        "address": person.address,
        "hukou_address": "",
        "workplace": "",
        "notes": "",
    }
    data.update(changes)
    return data


def test_edit_saves_keeps_identity_number_when_box_is_empty_and_records_history(world, community_worker):
    person = world.inside.spouse
    id_before, phone_before = _full_id(person), Person.objects.get(pk=person.pk).phone
    client = login(community_worker)
    url = reverse("registry:person_edit", args=[person.pk])
    response = client.post(url, _edit_data(person, workplace="鼓楼区第一中心小学", phone=""))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.workplace == "鼓楼区第一中心小学"
    assert person.id_number == id_before and person.phone == phone_before
    assert person.version == 2
    change = ChangeRecord.objects.get(
        object_type="registry.person", object_id=str(person.pk), action="update"
    )
    assert change.changes["workplace"] == ["", "鼓楼区第一中心小学"]
    assert change.by == community_worker
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "鼓楼区第一中心小学" in page and "修改" in page


def test_edit_on_a_stale_form_is_refused_and_changes_nothing(world, community_worker):
    person = world.inside.spouse
    client = login(community_worker)
    url = reverse("registry:person_edit", args=[person.pk])
    stale = _edit_data(person, workplace="第二次")
    assert client.post(url, _edit_data(person, workplace="第一次")).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 400
    assert "这条记录已被他人修改" in response.content.decode()
    person.refresh_from_db()
    assert person.workplace == "第一次" and person.version == 2


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"id_number": "350102198005170019"}, "id_number", "校验位错误"),
        ({"phone": "12345"}, "phone", "电话号码格式不正确"),
        ({"name": ""}, "name", ""),
        ({"sex": "F"}, "sex", "所填性别与身份号码不符"),
        ({"birth_date": "1990-01-01"}, "birth_date", "所填出生日期与身份号码不符"),
    ],
)
def test_edit_with_bad_input_shows_the_error_beside_the_field_and_changes_nothing(
    world, community_worker, changes, field, message
):
    person = world.inside.person  # a man born 1980-05-17 (tests/factories.py)
    before = (person.name, person.sex, person.birth_date, _full_id(person), person.version)
    response = login(community_worker).post(
        reverse("registry:person_edit", args=[person.pk]), _edit_data(person, **changes)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page or 'class="field-error"' in page
    person.refresh_from_db()
    assert (person.name, person.sex, person.birth_date, person.id_number, person.version) == before
    assert not ChangeRecord.objects.filter(object_id=str(person.pk), action="update").exists()


def test_edit_replaces_the_identity_number_when_a_new_one_is_typed(world, community_worker):
    person = world.inside.person
    new = valid_id_number("350102", dt.date(1980, 5, 17), male=True)
    response = login(community_worker).post(
        reverse("registry:person_edit", args=[person.pk]), _edit_data(person, id_number=new)
    )
    assert response.status_code == 302
    assert _full_id(person) == new


# --- tags -------------------------------------------------------------------------------------


def test_add_and_end_a_group_tag(world, community_worker):
    person = world.inside.spouse
    client = login(community_worker)
    response = htmx(
        client,
        "post",
        reverse("registry:person_tag_add", args=[person.pk]),
        {"kind": "disabled", "grade": "2"},
    )
    assert response.status_code == 200 and "残疾人" in response.content.decode()
    tag = PersonTag.objects.get(person=person, kind="disabled")
    assert tag.grade == 2 and tag.is_current
    response = htmx(client, "post", reverse("registry:person_tag_end", args=[tag.pk]))
    tag.refresh_from_db()
    assert tag.valid_to is not None
    assert "结束于" in response.content.decode()
    actions = set(ChangeRecord.objects.filter(object_id=str(person.pk)).values_list("action", flat=True))
    assert {"tag_add", "tag_end"} <= actions


def test_a_tag_with_a_bad_grade_is_refused_beside_the_field(world, community_worker):
    person = world.inside.spouse
    response = htmx(
        login(community_worker),
        "post",
        reverse("registry:person_tag_add", args=[person.pk]),
        {"kind": "disabled", "grade": "7"},
    )
    assert "grade" in response.context["tag_form"].errors
    assert not PersonTag.objects.filter(person=person, kind="disabled").exists()


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["name", "tail", "phone", "address"],
)
def test_one_search_box_finds_by_name_id_tail_phone_and_address(world, community_worker, query):
    person = world.inside.person
    person.set_phone("13912340000")
    person.address = "军门新村五座"
    person.save()
    q = {
        "name": person.name[:2],
        "tail": _full_id(person)[-4:],
        "phone": "13912340000",
        "address": "新村五",
    }[query]
    response = htmx(
        login(community_worker), "get", reverse("registry:person_list"), {"q": q}, target="results"
    )
    page = response.content.decode()
    assert "<html" not in page  # the partial for HTMX
    assert person.name in page
    assert world.outside.person.name not in page


def test_group_tag_filter(world, community_worker):
    response = login(community_worker).get(reverse("registry:person_list"), {"tag": "elderly_alone"})
    page = response.content.decode()
    assert world.inside.person.name in page and world.inside.spouse.name not in page


def test_street_user_filters_by_community(world, make_user, junmen):
    street = make_user("street_staff", "350102004")
    other = PersonFactory(community_id="350102004003", name="大根社区居民")
    page = login(street).get(reverse("registry:person_list"), {"community": junmen.code}).content.decode()
    assert world.inside.person.name in page and other.name not in page
    page = login(street).get(reverse("registry:person_list")).content.decode()
    assert other.name in page


def test_search_is_paginated(community_worker, junmen):
    PersonFactory.create_batch(25, community=junmen, name="分页测试")
    client = login(community_worker)
    first = client.get(reverse("registry:person_list"), {"q": "分页"}).content.decode()
    second = client.get(reverse("registry:person_list"), {"q": "分页", "page": 2}).content.decode()
    assert first.count("分页测试</a>") == 20 and second.count("分页测试</a>") == 5


def _crowd(junmen, n):
    for _i in range(n):
        person = PersonFactory(community=junmen)
        PersonTag.objects.create(community=junmen, person=person, kind="party_member")
        household = HouseholdFactory(community=junmen)
        HouseholdMember.objects.create(
            community=junmen, household=household, person=person, relationship="02"
        )


def test_search_page_query_count_is_bounded_and_does_not_grow_with_rows(
    community_worker, junmen, django_assert_max_num_queries
):
    client = login(community_worker)
    _crowd(junmen, 3)
    client.get(reverse("registry:person_list"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("registry:person_list"))
    _crowd(junmen, 17)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("registry:person_list"))
    assert response.content.decode().count("党员</span>") == 20
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("registry:person_list"))
    assert len(many) == len(few)
