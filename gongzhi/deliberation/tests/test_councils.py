"""Council management: set up a council, edit it, add, edit and end members — the page, the API and
the services asking one guard (rules.COUNCIL); bad input refused plainly, nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.deliberation import council_services as cs
from gongzhi.deliberation.models import Council, CouncilMember

from .conftest import JUNMEN, STREET

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


def _scope(code, other_community):
    return other_community.code if code == "OTHER" else code


def _council_post(**change):
    return {
        "level": "community",
        "region": JUNMEN,
        "name": "军门社区议事会",
        "support_threshold": "8",
        "quorum": "half",
        "boundary": "本社区公共事务",
        "refers": "执法、规划事项转介街道",
        **change,
    }


def test_staff_sets_up_a_council_under_the_street_council(staff, street_user, client):
    from gongzhi.core.models import Region

    street = cs.council_create(
        by=street_user, region=Region.objects.get(code=STREET), level="street", name="东街街道议事会"
    )
    client.force_login(staff)
    assert 'data-testid="council-new-link"' in client.get("/deliberation/").content.decode()
    r = client.post("/deliberation/council/new/", _council_post())
    council = Council.objects.get(region_id=JUNMEN)
    assert r.status_code == 302 and r["Location"] == f"/deliberation/council/{council.pk}/members/"
    assert council.parent_id == street.pk and council.support_threshold == 8
    assert council.refers == "执法、规划事项转介街道" and council.community_id == JUNMEN
    page = client.get(f"/deliberation/council/{council.pk}/").content.decode()
    assert "执法、规划事项转介街道" in page and 'data-testid="council-edit-link"' in page


def test_building_group_council(staff, client):
    from tests.factories import BuildingFactory

    building = BuildingFactory()
    client.force_login(staff)
    r = client.post(
        "/deliberation/council/new/",
        _council_post(level="group", name="1号楼议事小组", building=str(building.pk)),
    )
    assert r.status_code == 302
    assert Council.objects.get().building_id == building.pk


@pytest.mark.parametrize(
    "change,message",
    [
        ({"level": "street"}, "议事会层级与辖区不符"),
        ({"region": STREET}, "议事会层级与辖区不符"),  # a community worker may not pick the street
        ({"name": "  "}, "请填写议事会名称"),
        ({"support_threshold": "0"}, "列入议程所需支持户数"),
        ({"support_threshold": "很多"}, "列入议程所需支持户数"),
        ({"level": "group"}, "须选择本社区的一栋楼"),
        ({"quorum": "all"}, "法定人数"),
        ({"level": "district"}, "议事会层级与辖区不符"),
    ],
)
def test_council_form_refuses_bad_input(staff, client, change, message):
    client.force_login(staff)
    r = client.post("/deliberation/council/new/", _council_post(**change), follow=True)
    assert message in r.content.decode()
    assert Council.objects.count() == 0


def test_duplicate_name_refused(council, staff, client):
    client.force_login(staff)
    r = client.post("/deliberation/council/new/", _council_post(name=council.name))
    assert "已有名为" in r.content.decode() and Council.objects.filter(region_id=JUNMEN).count() == 1


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 302),
        ("community_head", JUNMEN, 302),
        ("street_staff", STREET, 302),
        ("district_staff", "350102", 302),
        ("resident", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("social_org_staff", JUNMEN, 403),
        ("community_worker", "OTHER", 200),  # the form answers: JUNMEN is not among its regions
    ],
)
def test_council_new_role_matrix(role, scope, status, make_user, client, other_community):
    client.force_login(make_user(role, _scope(scope, other_community)))
    assert client.get("/deliberation/council/new/").status_code == (200 if status != 403 else 403)
    r = client.post("/deliberation/council/new/", _council_post())
    assert r.status_code == status
    assert Council.objects.count() == (1 if status == 302 else 0)


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 302),
        ("community_head", JUNMEN, 302),
        ("street_staff", STREET, 302),
        ("resident", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("community_worker", "OTHER", 404),
    ],
)
def test_council_edit_role_matrix(role, scope, status, council, make_user, client, other_community):
    user = make_user(role, _scope(scope, other_community))
    client.force_login(user)
    url = f"/deliberation/council/{council.pk}/edit/"
    assert client.get(url).status_code == (200 if status == 302 else status)
    r = client.post(url, {"name": "新名称", "support_threshold": "5", "quorum": "two_thirds"})
    assert r.status_code == status
    council.refresh_from_db()
    assert (council.name == "新名称") == (status == 302)
    if status == 302:
        assert council.quorum == "two_thirds" and council.support_threshold == 5
    detail = client.get(f"/deliberation/council/{council.pk}/")
    if detail.status_code == 200:
        html = detail.content.decode()
        assert ('data-testid="council-edit-link"' in html) == (status == 302)
        assert ('data-testid="members-link"' in html) == (status == 302)


def test_council_edit_refuses_bad_threshold(council, staff, client):
    client.force_login(staff)
    r = client.post(
        f"/deliberation/council/{council.pk}/edit/", {"name": "x", "support_threshold": "-3"}, follow=True
    )
    assert "列入议程所需支持户数" in r.content.decode()
    council.refresh_from_db()
    assert council.name == "军门社区议事会" and council.support_threshold == 2


def test_street_council_not_editable_by_community(councils, staff, street_user):
    from gongzhi.core.errors import PermissionDenied

    street, _community = councils
    with pytest.raises(PermissionDenied):
        cs.council_update(by=staff, council=street, name="x", support_threshold=3)
    assert cs.council_update(by=street_user, council=street, name="街道议事会", support_threshold=3).name


# ------------------------------------------------------------------ members


def _member_post(**change):
    return {
        "kind": "resident_rep",
        "position": "member",
        "term_start": TODAY().replace(month=1, day=1).isoformat(),
        "term_end": TODAY().replace(year=TODAY().year + 2, month=12, day=31).isoformat(),
        **change,
    }


def test_member_from_the_registry_found_by_name_and_masked(council, staff, client):
    from gongzhi.core.models import Region
    from tests.factories import PersonFactory

    person = PersonFactory(name="林秀英")
    # Another community of the street: not in this council's area.
    PersonFactory(name="林秀芳", community=Region.objects.get(code="350102004003"))
    client.force_login(staff)
    url = f"/deliberation/council/{council.pk}/members/"
    page = client.get(url + "?q=林秀").content.decode()
    assert "林秀英" in page and "林秀芳" not in page
    assert person.id_number not in page and person.id_number_masked in page
    partial = client.get(url + "people/?q=林秀").content.decode()
    assert "林秀英" in partial and person.id_number not in partial
    r = client.post(url, _member_post(person=str(person.pk), position="chair"))
    assert r.status_code == 302
    m = CouncilMember.objects.get()
    assert m.person_id == person.pk and m.name == "林秀英" and m.position == "chair"
    page = client.get(url).content.decode()
    assert "林秀英" in page and f"/deliberation/member/{m.pk}/" in page


def test_member_for_an_organisation(council, staff, client):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(name="榕城物业", kind="property")
    client.force_login(staff)
    r = client.post(
        f"/deliberation/council/{council.pk}/members/",
        _member_post(kind="property", name="王经理", organization=str(org.pk)),
    )
    assert r.status_code == 302
    m = CouncilMember.objects.get()
    assert m.organization_id == org.pk and m.name == "王经理" and m.person_id is None


@pytest.mark.parametrize(
    "change,message",
    [
        ({"name": ""}, "请填写成员姓名"),
        ({"name": "甲", "term_end": "2000-01-01"}, "结束日期不能早于开始日期"),
        ({"name": "甲", "term_start": "明年"}, "请填写任期开始和结束日期"),
        ({"name": "甲", "kind": "mayor"}, "请选择成员类别"),
        ({"name": "甲", "position": "boss"}, "请选择职务"),
        ({"name": "甲", "person": "999999"}, "请从查找结果中选择"),
        ({"name": "甲", "organization": "abc"}, "请从查找结果中选择"),
        ({"name": "甲", "position": "chair"}, "同一时间只能有一位主任"),
    ],
)
def test_member_form_refuses_bad_input(council, staff, client, change, message):
    cs.council_member_add(
        by=staff, council=council, kind="rc", position="chair", name="主任甲",
        term_start=TODAY(), term_end=TODAY() + dt.timedelta(days=700),
    )  # fmt: skip
    client.force_login(staff)
    r = client.post(f"/deliberation/council/{council.pk}/members/", _member_post(**change), follow=True)
    assert message in r.content.decode()
    assert CouncilMember.objects.count() == 1


def test_member_outside_the_area_refused_by_the_service(council, staff, other_community):
    from gongzhi.deliberation.errors import DeliberationError
    from tests.factories import PersonFactory

    outsider = PersonFactory(community=other_community)
    with pytest.raises(DeliberationError, match="不在本议事会的辖区内"):
        cs.council_member_add(
            by=staff, council=council, kind="resident_rep", person=outsider,
            term_start=TODAY(), term_end=TODAY(),
        )  # fmt: skip
    assert CouncilMember.objects.count() == 0


@pytest.fixture
def member(council, staff):
    return cs.council_member_add(
        by=staff,
        council=council,
        kind="resident_rep",
        name="陈代表",
        term_start=TODAY() - dt.timedelta(days=30),
        term_end=TODAY() + dt.timedelta(days=300),
    )


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 302),
        ("community_head", JUNMEN, 302),
        ("street_staff", STREET, 302),
        ("resident", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("community_worker", "OTHER", 404),
    ],
)
def test_members_pages_role_matrix(role, scope, status, council, member, make_user, client, other_community):
    client.force_login(make_user(role, _scope(scope, other_community)))
    page_status = 200 if status == 302 else status
    assert client.get(f"/deliberation/council/{council.pk}/members/").status_code == page_status
    assert client.get(f"/deliberation/council/{council.pk}/members/people/?q=张").status_code == page_status
    assert client.get(f"/deliberation/member/{member.pk}/").status_code == page_status
    r = client.post(f"/deliberation/council/{council.pk}/members/", _member_post(name="新成员"))
    assert r.status_code == status
    r = client.post(f"/deliberation/member/{member.pk}/", {"action": "end", "on": TODAY().isoformat()})
    assert r.status_code == status
    member.refresh_from_db()
    assert (member.term_end == TODAY()) == (status == 302)
    assert CouncilMember.objects.count() == (2 if status == 302 else 1)


def test_member_edit_and_end(member, staff, client):
    client.force_login(staff)
    url = f"/deliberation/member/{member.pk}/"
    r = client.post(
        url,
        _member_post(position="vice_chair", kind="oc", term_start=member.term_start.isoformat(),
                     term_end=member.term_end.isoformat()),
    )  # fmt: skip
    member.refresh_from_db()
    assert r.status_code == 302 and member.position == "vice_chair" and member.kind == "oc"
    yesterday = (TODAY() - dt.timedelta(days=1)).isoformat()
    r = client.post(url, {"action": "end", "on": yesterday}, follow=True)
    assert "任期结束日期须在今天或以后" in r.content.decode()
    member.refresh_from_db()
    assert member.term_end > TODAY()
    r = client.post(url, {"action": "end", "on": "不知道"}, follow=True)
    assert "任期结束日期" in r.content.decode()
    r = client.post(url, {"action": "end", "on": TODAY().isoformat()})
    member.refresh_from_db()
    assert r.status_code == 302 and member.term_end == TODAY()


def test_ended_member_no_longer_counts(member, staff):
    from gongzhi.deliberation.errors import DeliberationError

    CouncilMember.objects.filter(pk=member.pk).update(term_end=TODAY() - dt.timedelta(days=1))
    with pytest.raises(DeliberationError, match="已经结束"):
        cs.council_member_end(by=staff, member=member)


def test_chair_after_the_old_chair_ends(council, staff):
    old = cs.council_member_add(
        by=staff, council=council, kind="rc", position="chair", name="老主任",
        term_start=TODAY() - dt.timedelta(days=100), term_end=TODAY() + dt.timedelta(days=100),
    )  # fmt: skip
    cs.council_member_end(by=staff, member=old, on=TODAY())
    new = cs.council_member_add(
        by=staff, council=council, kind="rc", position="chair", name="新主任",
        term_start=TODAY() + dt.timedelta(days=1), term_end=TODAY() + dt.timedelta(days=800),
    )  # fmt: skip
    assert new.position == "chair"


# ------------------------------------------------------------------ API


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 201),
        ("street_staff", STREET, 201),
        ("grid_worker", JUNMEN, 403),
        ("resident", JUNMEN, 403),
        ("community_worker", "OTHER", 403),
    ],
)
def test_api_council_and_members(role, scope, status, make_user, client, other_community):
    client.force_login(make_user(role, _scope(scope, other_community)))
    r = client.post(
        "/api/deliberation/councils",
        {"region": JUNMEN, "level": "community", "name": "军门社区议事会", "refers": "执法事项"},
        content_type="application/json",
    )
    assert r.status_code == status
    if status != 201:
        assert Council.objects.count() == 0
        return
    body = r.json()
    assert body["allowed_actions"] == ["edit", "members"] and body["refers"] == "执法事项"
    url = f"/api/deliberation/councils/{body['id']}/members"
    r = client.post(
        url,
        {
            "kind": "rc",
            "name": "李主任",
            "position": "chair",
            "term_start": "2025-01-01",
            "term_end": "2099-12-31",
        },
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["in_term"]
    mid = r.json()["id"]
    r = client.post(
        url,
        {
            "kind": "rc",
            "name": "另一位",
            "position": "chair",
            "term_start": "2025-01-01",
            "term_end": "2099-12-31",
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "chair_taken"
    r = client.post(f"/api/deliberation/members/{mid}/end", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["term_end"] == clock.now().date().isoformat()
    assert len(client.get(url).json()) == 1


def test_api_member_end_refused_for_grid_worker(member, make_user, client):
    client.force_login(make_user("grid_worker", JUNMEN))
    r = client.get("/api/deliberation/councils")
    assert r.json()[0]["allowed_actions"] == []
    assert (
        client.post(
            f"/api/deliberation/members/{member.pk}/end", {}, content_type="application/json"
        ).status_code
        == 403
    )
