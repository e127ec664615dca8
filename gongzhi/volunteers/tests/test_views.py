"""Pages and API: the role matrix (in scope, out of scope, anonymous), and the resident's phone
flow — register, sign up, check in with the leader's code, see hours, points and star level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.volunteers import services
from gongzhi.volunteers.codes import checkin_code
from gongzhi.volunteers.models import CheckIn, SignUp, Volunteer
from gongzhi.volunteers.points import reward_create

from .conftest import DAGEN, JUNMEN, OTHER

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["volunteers:roster", "volunteers:no_shows", "volunteers:activity_new"]
EVERYONE_PAGES = ["volunteers:home", "volunteers:activity_list", "volunteers:teams", "volunteers:rewards"]


@pytest.mark.parametrize("name", STAFF_PAGES + EVERYONE_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    r = client.get(reverse(name))
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.parametrize(
    "role,scope,allowed",
    [
        ("resident", JUNMEN, set(EVERYONE_PAGES)),
        ("grid_worker", JUNMEN, set(EVERYONE_PAGES) | {"volunteers:roster"}),
        ("community_worker", JUNMEN, set(EVERYONE_PAGES + STAFF_PAGES)),
        ("community_head", JUNMEN, set(EVERYONE_PAGES + STAFF_PAGES)),
        ("street_staff", "350102004", set(EVERYONE_PAGES + STAFF_PAGES)),
        ("district_staff", "350102", set(EVERYONE_PAGES + STAFF_PAGES)),
        ("department_staff", None, set()),
        ("expert", "350102", set()),
    ],
)
def test_page_role_matrix(client, make_user, role, scope, allowed):
    if scope is None:
        from tests.factories import DepartmentFactory

        scope = DepartmentFactory()
    client.force_login(make_user(role, scope))
    for name in STAFF_PAGES + EVERYONE_PAGES:
        r = client.get(reverse(name))
        assert (r.status_code == 200) == (name in allowed), (name, r.status_code)
        if name not in allowed:
            assert r.status_code == 403


def test_an_activity_out_of_scope_is_not_found(client, make_user, activity):
    for role, scope in [("community_worker", DAGEN), ("resident", OTHER), ("street_staff", "350102001")]:
        client.force_login(make_user(role, scope))
        assert client.get(reverse("volunteers:activity_detail", args=[activity.pk])).status_code == 404
        assert client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).status_code == 404
    for role, scope in [("community_worker", JUNMEN), ("street_staff", "350102004")]:
        client.force_login(make_user(role, scope))
        r = client.get(reverse("volunteers:activity_detail", args=[activity.pk]))
        assert r.status_code == 200 and "显示签到码" in r.content.decode()
        assert client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).status_code == 200


def test_a_plain_resident_sees_no_check_in_code_but_the_team_leader_does(
    client, make_volunteer, activity, staff
):
    user, v = make_volunteer()
    client.force_login(user)
    assert client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).status_code == 404
    team = services.team_create(community=activity.community, name="邻里互助队", leader=v, by=staff)
    activity.team = team
    activity.save()
    r = client.get(reverse("volunteers:checkin_screen", args=[activity.pk]))
    assert r.status_code == 200 and checkin_code(activity.pk, clock.now()) in r.content.decode()


def test_the_residents_phone_flow(client, make_resident, activity, staff):
    user = make_resident()
    client.force_login(user)
    assert "注册成为志愿者" in client.get(reverse("volunteers:home")).content.decode()
    r = client.post(reverse("volunteers:register_self"), {"skills": "理发"})
    assert r.status_code == 302
    v = Volunteer.objects.get(person=user.person)
    shift = activity.shifts.order_by("starts_at").first()
    client.post(reverse("volunteers:signup", args=[shift.pk]))
    assert SignUp.objects.get(volunteer=v).status == "confirmed"
    # A second sign-up is refused with a message, not an error page.
    r = client.post(
        reverse("volunteers:signup", args=[shift.pk]), HTTP_REFERER="http://testserver/x/", follow=True
    )
    assert "已报名该班次" in r.content.decode() and SignUp.objects.count() == 1
    t = shift.starts_at - dt.timedelta(minutes=5)
    with clock.at(t):
        r = client.post(
            reverse("volunteers:checkin", args=[activity.pk]),
            {"code": checkin_code(activity.pk, t), "action": "in"},
        )
    assert r.status_code == 302 and CheckIn.objects.count() == 1
    t2 = shift.starts_at + dt.timedelta(hours=2)
    with clock.at(t2):
        client.post(
            reverse("volunteers:checkin", args=[activity.pk]),
            {"code": checkin_code(activity.pk, t2), "action": "out"},
        )
        page = client.get(reverse("volunteers:home")).content.decode()
    assert "2.00" in page and "积分" in page
    reward_create(community=activity.community, name="洗衣液", cost=15, stock=2, by=staff)
    page = client.get(reverse("volunteers:rewards")).content.decode()
    assert "洗衣液" in page and "20" in page


def test_bad_input_on_pages_changes_nothing_and_never_errors(client, staff, activity):
    client.force_login(staff)
    r = client.post(reverse("volunteers:hours_enter", args=[activity.pk]), {"volunteer": "x", "hours": "abc"})
    assert r.status_code == 404
    r = client.post(
        reverse("volunteers:activity_new"),
        {"community": JUNMEN, "title": "t", "place": "p", "starts_at": "bad", "places": "x"},
    )
    assert r.status_code == 400
    r = client.post(reverse("volunteers:activity_new"), {"community": DAGEN, "title": "t", "place": "p"})
    assert r.status_code == 404


# API ---------------------------------------------------------------------------------------------


def test_api_anonymous_is_refused(client):
    assert client.get("/api/volunteers/activities/").status_code == 401


def test_api_resident_flow_and_refusals(client, make_resident, activity, staff):
    user = make_resident()
    client.force_login(user)
    assert client.get("/api/volunteers/me/").json()["code"] == "not_volunteer"
    r = client.post("/api/volunteers/volunteers/", {}, content_type="application/json")
    assert r.status_code == 201 and r.json()["channel"] == "self"
    assert client.post("/api/volunteers/volunteers/", {}, content_type="application/json").status_code == 409
    acts = client.get("/api/volunteers/activities/").json()
    assert [a["id"] for a in acts] == [activity.pk]
    shift_id = acts[0]["shifts"][0]["id"]
    r = client.post(f"/api/volunteers/shifts/{shift_id}/signup/")
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    assert client.post(f"/api/volunteers/shifts/{shift_id}/signup/").status_code == 409
    t = activity.shifts.get(pk=shift_id).starts_at
    with clock.at(t):
        r = client.post(
            f"/api/volunteers/activities/{activity.pk}/checkin/",
            {"code": "AAAAAAAA"},
            content_type="application/json",
        )
        assert r.status_code == 400 and r.json()["code"] == "bad_code"
        code = checkin_code(activity.pk, t)
        assert (
            client.post(
                f"/api/volunteers/activities/{activity.pk}/checkin/",
                {"code": code},
                content_type="application/json",
            ).status_code
            == 201
        )
        r = client.post(
            f"/api/volunteers/activities/{activity.pk}/checkin/",
            {"code": code},
            content_type="application/json",
        )
        assert r.status_code == 409
    with clock.at(t + dt.timedelta(hours=1)):
        code = checkin_code(activity.pk, t + dt.timedelta(hours=1))
        r = client.post(
            f"/api/volunteers/activities/{activity.pk}/checkout/",
            {"code": code},
            content_type="application/json",
        )
    assert r.status_code == 200 and Decimal(str(r.json()["hours"])) == Decimal("1.00")
    me = client.get("/api/volunteers/me/").json()
    assert Decimal(str(me["hours_checkin"])) == 1 and me["stars"] == 0 and Decimal(str(me["points"])) == 10
    # The roster is staff-only.
    assert client.get("/api/volunteers/volunteers/").status_code == 403


@pytest.mark.parametrize(
    "role,scope,status",
    [("community_worker", JUNMEN, 200), ("community_worker", DAGEN, 404), ("resident", OTHER, 404)],
)
def test_api_activity_scope(client, make_user, activity, role, scope, status):
    client.force_login(make_user(role, scope))
    assert client.get(f"/api/volunteers/activities/{activity.pk}/").status_code == status


def test_api_staff_register_a_walk_in_only_in_scope(client, make_user, make_resident):
    junmen, dagen = make_resident(JUNMEN), make_resident(DAGEN)
    client.force_login(make_user("community_worker", JUNMEN))
    r = client.post(
        "/api/volunteers/volunteers/", {"person_id": junmen.person_id}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["channel"] == "staff"
    r = client.post(
        "/api/volunteers/volunteers/", {"person_id": dagen.person_id}, content_type="application/json"
    )
    assert r.status_code == 404
    assert [v["id"] for v in client.get("/api/volunteers/volunteers/").json()] == [
        r for r in Volunteer.objects.values_list("pk", flat=True)
    ]


def test_home_panels_for_the_volunteer_and_for_staff(client, make_volunteer, staff, activity):
    user, v = make_volunteer()
    services.signup_create(shift=activity.shifts.first(), volunteer=v, by=user)
    client.force_login(user)
    html = client.get(reverse("web:home")).content.decode()
    assert "已报名的班次" in html and "志愿服务" in html
    client.force_login(staff)
    html = client.get(reverse("web:home")).content.decode()
    assert "注册志愿者" in html and "近30天未到岗" in html
