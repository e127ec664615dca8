"""User and role management: who may and who may not, scope, and every change in the history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core import users as services
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import ChangeRecord, Region, RoleAssignment, User
from tests.factories import DepartmentFactory

JUNMEN = "350102004001"  # 军门社区, 东街街道, 鼓楼区
STREET = "350102004"
DISTRICT = "350102"

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


@pytest.fixture
def other_district(db) -> Region:
    return Region.objects.filter(level=3).exclude(code=DISTRICT).order_by("code").first()


@pytest.fixture
def other_community(other_district) -> Region:
    return Region.objects.filter(level=5, code__startswith=other_district.code).order_by("code").first()


@pytest.fixture
def admin(make_user):
    return make_user("system_admin", DISTRICT)


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


def _history(user) -> list[str]:
    return list(
        ChangeRecord.objects.filter(object_type="core.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --------------------------------------------------------------------------- the role matrix

PAGE_ROLES = [
    ("system_admin", DISTRICT, 200),
    ("system_admin", "other", 200),  # opens, but lists only its own district (below)
    ("community_worker", JUNMEN, 403),
    ("community_head", JUNMEN, 403),
    ("grid_worker", JUNMEN, 403),
    ("street_staff", STREET, 403),
    ("district_staff", DISTRICT, 403),
    ("resident", JUNMEN, 403),
]


@pytest.mark.parametrize(("role", "scope", "status"), PAGE_ROLES)
def test_who_may_open_user_management(make_user, other_district, worker, role, scope, status):
    user = make_user(role, other_district.code if scope == "other" else scope)
    client = _login(user)
    assert client.get(reverse("web:user_list")).status_code == status
    assert client.get(reverse("web:user_create")).status_code == status
    detail = client.get(reverse("web:user_detail", args=[worker.pk])).status_code
    expected_detail = 404 if (status == 200 and scope == "other") else status
    assert detail == expected_detail


def test_signed_out_visitors_are_sent_to_login(worker):
    response = Client().get(reverse("web:user_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("community_worker", JUNMEN),
        ("street_staff", STREET),
        ("district_staff", DISTRICT),
        ("resident", JUNMEN),
    ],
)
def test_non_admins_may_change_nothing(make_user, worker, role, scope):
    user = make_user(role, scope)
    client = _login(user)
    before = RoleAssignment.objects.count()
    assert (
        client.post(
            reverse("web:user_assign", args=[worker.pk]), {"role": "grid_worker", "scope": f"r:{JUNMEN}"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("web:user_active", args=[worker.pk]), {"active": "0", "reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("web:user_create"),
            {
                "username": "x1",
                "display_name": "某某",
                "password": "Gz-long-pass-2026",
                "role": "resident",
                "scope": f"r:{JUNMEN}",
            },
        ).status_code
        == 403
    )
    worker.refresh_from_db()
    assert worker.is_active and RoleAssignment.objects.count() == before
    assert not User.objects.filter(username="x1").exists()
    assert not ChangeRecord.objects.filter(object_type="core.user").exists()


def test_admin_lists_only_users_with_a_role_in_scope(admin, make_user, worker, other_community):
    outside = make_user("community_worker", other_community.code)
    listed = set(services.users_visible(by=admin))
    assert worker in listed and admin in listed and outside not in listed
    html = _login(admin).get(reverse("web:user_list")).content.decode()
    assert worker.username in html and outside.username not in html


# --------------------------------------------------------------------------- create, assign, revoke


def test_admin_creates_a_user_with_a_first_role(admin):
    response = _login(admin).post(
        reverse("web:user_create"),
        {
            "username": "lin.wj",
            "display_name": "林文杰",
            "password": "Gz-long-pass-2026",
            "role": "grid_worker",
            "scope": f"r:{JUNMEN}",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="lin.wj")
    assert user.check_password("Gz-long-pass-2026")
    assert list(user.assignments.values_list("role", "region_id", "active")) == [
        ("grid_worker", JUNMEN, True)
    ]
    assert _history(user) == ["create", "role_assign"]
    assert set(ChangeRecord.objects.filter(object_id=str(user.pk)).values_list("by", flat=True)) == {admin.pk}
    assert Client().login(username="lin.wj", password="Gz-long-pass-2026")


def test_admin_cannot_create_or_assign_outside_scope(admin, worker, other_community):
    client = _login(admin)
    response = client.post(
        reverse("web:user_create"),
        {
            "username": "far",
            "display_name": "外区",
            "password": "Gz-long-pass-2026",
            "role": "community_worker",
            "scope": f"r:{other_community.code}",
        },
    )
    assert response.status_code == 403 and not User.objects.filter(username="far").exists()
    response = client.post(
        reverse("web:user_assign", args=[worker.pk]),
        {"role": "community_worker", "scope": f"r:{other_community.code}"},
    )
    assert response.status_code == 403
    assert worker.assignments.count() == 1 and _history(worker) == []


def test_the_scope_must_fit_the_role(admin, worker):
    client = _login(admin)
    response = client.post(
        reverse("web:user_assign", args=[worker.pk]), {"role": "street_staff", "scope": f"r:{JUNMEN}"}
    )
    assert response.status_code == 400
    assert "街道工作人员的管辖范围必须是一个街道/乡镇" in response.content.decode()
    response = client.post(
        reverse("web:user_assign", args=[worker.pk]), {"role": "department_staff", "scope": f"r:{DISTRICT}"}
    )
    assert response.status_code == 400
    assert worker.assignments.count() == 1 and _history(worker) == []


def test_admin_assigns_a_department_role_and_revokes_it(admin, worker):
    dept = DepartmentFactory(region_id=DISTRICT)
    client = _login(admin)
    assert (
        client.post(
            reverse("web:user_assign", args=[worker.pk]),
            {"role": "department_staff", "scope": f"d:{dept.pk}"},
        ).status_code
        == 302
    )
    assignment = worker.assignments.get(role="department_staff")
    assert assignment.department == dept and assignment.active
    assert client.post(reverse("web:user_revoke", args=[worker.pk, assignment.pk])).status_code == 302
    assignment.refresh_from_db()
    assert not assignment.active
    assert _history(worker) == ["role_assign", "role_revoke"]
    assert worker.has_perm("registry.view_person")  # the community role is still there


def test_assigning_twice_is_refused(admin, worker):
    with pytest.raises(ApplicationError) as exc:
        services.role_assign(
            by=admin, user=worker, role="community_worker", region=Region.objects.get(code=JUNMEN)
        )
    assert exc.value.code == "already_assigned"


def test_admin_cannot_revoke_a_role_outside_scope(admin, make_user, other_community):
    both = make_user("community_worker", JUNMEN)
    far = RoleAssignment.objects.create(user=both, role="community_worker", region=other_community)
    with pytest.raises(PermissionDenied):
        services.role_revoke(by=admin, assignment=far)
    far.refresh_from_db()
    assert far.active


def test_admin_cannot_revoke_their_own_admin_role(admin):
    own = admin.assignments.get()
    with pytest.raises(ApplicationError) as exc:
        services.role_revoke(by=admin, assignment=own)
    assert exc.value.code == "own_admin_role"


# --------------------------------------------------------------------------- disable


def test_admin_disables_and_enables_an_account(admin, worker):
    client = _login(admin)
    worker.set_password("Gz-long-pass-2026")
    worker.save()
    assert (
        client.post(
            reverse("web:user_active", args=[worker.pk]), {"active": "0", "reason": "已调离社区"}
        ).status_code
        == 302
    )
    worker.refresh_from_db()
    assert not worker.is_active
    assert not Client().login(username=worker.username, password="Gz-long-pass-2026")
    record = ChangeRecord.objects.filter(object_id=str(worker.pk), action="disable").get()
    assert record.note == "已调离社区" and record.by == admin
    assert client.post(reverse("web:user_active", args=[worker.pk]), {"active": "1"}).status_code == 302
    worker.refresh_from_db()
    assert worker.is_active and _history(worker) == ["disable", "enable"]


def test_disabling_needs_a_reason(admin, worker):
    with pytest.raises(ApplicationError) as exc:
        services.user_set_active(by=admin, user=worker, active=False, reason="  ")
    assert exc.value.code == "reason_required"
    worker.refresh_from_db()
    assert worker.is_active


def test_admin_cannot_disable_a_user_who_also_works_elsewhere(admin, worker, other_community):
    RoleAssignment.objects.create(user=worker, role="community_worker", region=other_community)
    with pytest.raises(PermissionDenied):
        services.user_set_active(by=admin, user=worker, active=False, reason="调离")
    worker.refresh_from_db()
    assert worker.is_active


def test_admin_cannot_disable_themselves(admin):
    with pytest.raises(ApplicationError) as exc:
        services.user_set_active(by=admin, user=admin, active=False, reason="测试")
    assert exc.value.code == "own_account"


def test_out_of_scope_admin_cannot_see_or_disable(make_user, other_district, worker):
    far_admin = make_user("system_admin", other_district.code)
    with pytest.raises(NotFound):
        services.user_set_active(by=far_admin, user=worker, active=False, reason="x")
    assert (
        _login(far_admin)
        .post(reverse("web:user_active", args=[worker.pk]), {"active": "0", "reason": "x"})
        .status_code
        == 404
    )
    worker.refresh_from_db()
    assert worker.is_active


def test_admin_home_links_user_management(admin):
    html = _login(admin).get(reverse("web:home")).content.decode()
    assert f'href="{reverse("web:user_list")}" data-testid="manage-users"' in html
