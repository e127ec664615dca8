"""The home page per role and the access-log page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.audit import access_log_record
from gongzhi.core.models import AccessLogEntry
from tests.factories import DepartmentFactory, OrganizationFactory, PersonFactory

COMMUNITY = "350102004001"


def _login(user) -> Client:
    user.save()
    client = Client()
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


def _log(user, code, purpose):
    return access_log_record(
        user=user,
        action="reveal",
        object_type="registry.person",
        object_id="1",
        community_code=code,
        purpose="aid_check",
        note=purpose,
    )


def test_community_worker_home_shows_counts_tags_and_shortcuts(make_user, junmen):
    from gongzhi.registry.models import PersonTag

    people = PersonFactory.create_batch(3, community=junmen)
    PersonTag.objects.create(community=junmen, person=people[0], kind="disabled")
    PersonFactory(community_id="350102004003")  # another community: not counted
    response = _login(make_user("community_worker", COMMUNITY)).get(reverse("web:home"))
    assert response.context["kind"] == "community"
    assert response.context["summary"]["people"] == 3
    assert response.context["summary"]["tags"][0]["n"] == 1
    page = response.content.decode()
    assert "残疾人" in page and reverse("registry:import") in page and reverse("registry:person_list") in page


def test_district_home_lists_streets_with_counts(make_user):
    PersonFactory(community_id=COMMUNITY)
    PersonFactory(community_id="350102004003")
    response = _login(make_user("district_staff", "350102")).get(reverse("web:home"))
    assert response.context["kind"] == "region"
    rows = {r["region"].code: r for r in response.context["communities"]}
    assert rows["350102004"]["people"] == 2
    assert "东街街道" in response.content.decode()


def test_street_home_lists_its_communities(make_user):
    PersonFactory(community_id="350102004003")
    response = _login(make_user("street_staff", "350102004")).get(reverse("web:home"))
    rows = {r["region"].code: r for r in response.context["communities"]}
    assert rows["350102004003"]["people"] == 1 and COMMUNITY in rows


def test_resident_home_shows_their_own_record_masked(make_user, junmen):
    person = PersonFactory(community=junmen, name="居民本人")
    user = make_user("resident", COMMUNITY)
    user.person = person
    response = _login(user).get(reverse("web:home"))
    page = response.content.decode()
    assert response.context["kind"] == "resident"
    assert "居民本人" in page and person.id_number_masked in page and person.id_number not in page
    assert reverse("registry:person_list") not in page


@pytest.mark.parametrize(
    "role, scope, expected",
    [
        ("social_org_staff", OrganizationFactory, "居民个人信息不向社会组织开放"),
        ("expert", "350102", "评审只涉及项目材料"),
        ("system_admin", "350102", "查看个人信息访问日志"),
    ],
)
def test_roles_without_registry_access_get_a_clear_page(make_user, role, scope, expected):
    user = make_user(role, scope() if callable(scope) else scope)
    response = _login(user).get(reverse("web:home"))
    page = response.content.decode()
    assert response.context["kind"] == "other"
    assert expected in page and "您的角色不能查看居民登记信息" in page
    assert reverse("registry:person_list") not in page


@pytest.mark.parametrize(
    "role, scope, allowed",
    [
        ("community_head", COMMUNITY, True),
        ("street_staff", "350102004", True),
        ("district_staff", "350102", True),
        ("system_admin", "350102", True),
        ("community_worker", COMMUNITY, False),
        ("grid_worker", COMMUNITY, False),
        ("resident", COMMUNITY, False),
        ("department_staff", DepartmentFactory, False),
        ("social_org_staff", OrganizationFactory, False),
        ("expert", "350102", False),
    ],
)
def test_access_log_page_is_scoped_by_community_code(
    make_user, community_worker, other_community, role, scope, allowed
):
    _log(community_worker, COMMUNITY, "核对军门")
    _log(community_worker, "350102004003", "核对大根")
    _log(community_worker, other_community.code, "核对外区")
    user = make_user(role, scope() if callable(scope) else scope)
    response = _login(user).get(reverse("web:access_log"))
    page = response.content.decode()
    assert response.status_code == 200
    if not allowed:  # only their own entries, and they have none
        assert "核对军门" not in page and "核对大根" not in page and "核对外区" not in page
        assert "您本人" in page
        return
    assert "核对军门" in page and "核对外区" not in page
    assert ("核对大根" in page) == (role != "community_head")
    assert "日志链条完整" in page


def test_everyone_sees_their_own_entries_and_only_those(make_user, community_worker):
    _log(community_worker, COMMUNITY, "我自己核对")
    colleague = make_user("community_worker", COMMUNITY)
    _log(colleague, COMMUNITY, "同事核对")
    page = _login(community_worker).get(reverse("web:access_log")).content.decode()
    assert "我自己核对" in page and "同事核对" not in page
    head_page = _login(make_user("community_head", COMMUNITY)).get(reverse("web:access_log")).content.decode()
    assert "我自己核对" in head_page and "同事核对" in head_page


def test_access_log_page_shows_a_broken_chain(make_user, community_worker):
    entry = _log(community_worker, COMMUNITY, "核对军门")
    _log(community_worker, COMMUNITY, "再次核对")
    AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="被改过")
    page = _login(make_user("community_head", COMMUNITY)).get(reverse("web:access_log")).content.decode()
    assert "日志链条异常" in page and "日志链条完整" not in page


def test_access_log_anonymous_goes_to_login(client):
    assert client.get(reverse("web:access_log"))["Location"].startswith(reverse("login"))
