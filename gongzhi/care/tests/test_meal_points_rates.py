"""Meal points (助餐点) from the page: community staff set them up and edit them (name, address,
operator optional, capacity, opening days); and the hourly rate of a service order, set by the staff
who place orders (0 < rate ≤ 500), shown on the order and used by the monthly statement. Who may
and who may not; bad input refused with a message and nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.care import selectors, services
from gongzhi.care.models import MealPoint, ServiceOrder
from gongzhi.core.errors import ApplicationError

from .test_pages import OTHER, C, order, w  # noqa: F401  (fixtures shared with the page tests)

pytestmark = pytest.mark.django_db


def _point(**extra):
    data = {
        "community": C,
        "name": "新设助餐点",
        "address": "军门社区1号",
        "capacity": "50",
        "day": ["1", "3", "5"],
    }
    data.update(extra)
    return data


# ---- meal points ---------------------------------------------------------------------------

LIST_EXPECTED = {
    "worker": (200, True),
    "head": (200, True),
    "grid": (200, False),
    "street": (200, False),
    "outsider": (200, True),
    "provider": (403, False),
    "resident": (403, False),
}


@pytest.mark.parametrize("role", list(LIST_EXPECTED))
def test_meal_point_page_role_matrix(client, w, role):  # noqa: F811
    client.force_login(w[role])
    r = client.get(reverse("care:meal_points"))
    status, form = LIST_EXPECTED[role]
    assert r.status_code == status
    if status == 200:
        html = r.content.decode()
        assert ('data-testid="meal-point-form"' in html) is form
        assert ("长者食堂" in html) is (role != "outsider")
        assert (reverse("care:meal_point_edit", args=[w["point"].pk]) in html) is (role in ("worker", "head"))


CREATE_EXPECTED = {
    "worker": 302,
    "head": 302,
    "grid": 403,
    "street": 403,
    "outsider": 400,  # care.manage in another community only
    "provider": 403,
    "resident": 403,
}


@pytest.mark.parametrize("role", list(CREATE_EXPECTED))
def test_meal_point_create_role_matrix(client, w, role):  # noqa: F811
    client.force_login(w[role])
    r = client.post(reverse("care:meal_point_create"), _point())
    assert r.status_code == CREATE_EXPECTED[role]
    created = MealPoint.objects.filter(name="新设助餐点")
    if r.status_code == 302:
        p = created.get()
        assert (p.community_id, p.capacity, p.opening_days, p.operator) == (C, 50, "135", None)
        assert p.opening_labels == ["周一", "周三", "周五"]
    else:
        assert not created.exists()


def test_meal_point_create_anonymous(client, w):  # noqa: F811
    r = client.post(reverse("care:meal_point_create"), _point())
    assert r.status_code == 302 and "login" in r["Location"]
    assert client.get(reverse("care:meal_points")).status_code == 302
    assert not MealPoint.objects.filter(name="新设助餐点").exists()


@pytest.mark.parametrize(
    "change,text",
    [
        ({"name": ""}, "请填写助餐点名称"),
        ({"name": "食" * 61}, "请填写助餐点名称"),
        ({"name": "长者食堂"}, "已有同名的助餐点"),
        ({"address": "址" * 201}, "地址不能超过200个字"),
        ({"capacity": ""}, "每日供餐能力须为1到1000"),
        ({"capacity": "0"}, "每日供餐能力须为1到1000"),
        ({"capacity": "1001"}, "每日供餐能力须为1到1000"),
        ({"capacity": "many"}, "每日供餐能力须为1到1000"),
        ({"day": []}, "请至少选择一个开放日"),
        ({"day": ["1", "8"]}, "请至少选择一个开放日"),
        ({"operator": "999999"}, "运营机构须为"),
        ({"community": OTHER}, "请选择您负责的社区"),
        ({"community": "350102004"}, "请选择您负责的社区"),
        ({"community": ""}, "请选择您负责的社区"),
    ],
)
def test_meal_point_bad_input_changes_nothing(client, w, change, text):  # noqa: F811
    client.force_login(w["worker"])
    before = list(MealPoint.objects.order_by("pk").values())
    r = client.post(reverse("care:meal_point_create"), _point(**change), HTTP_REFERER="/care/meals/points/")
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert text in page
    assert list(MealPoint.objects.order_by("pk").values()) == before


def test_meal_point_operator_of_the_district_only(w):  # noqa: F811
    from gongzhi.core.models import Region
    from tests.factories import OrganizationFactory

    district = Region.objects.get_or_create(
        code="350199", defaults={"name": "另一区", "level": 3, "parent": Region.objects.get(code="3501")}
    )[0]
    far = OrganizationFactory(region=district)
    with pytest.raises(ApplicationError) as e:
        services.meal_point_save(
            by=w["worker"],
            community=w["point"].community,
            name="甲",
            capacity=10,
            opening_days="12",
            operator=far,
        )
    assert e.value.code == "bad_operator"
    p = services.meal_point_save(
        by=w["worker"],
        community=w["point"].community,
        name="甲",
        capacity=10,
        opening_days="12",
        operator=w["org"],
    )
    assert p.operator == w["org"]
    assert w["org"] in selectors.operator_choices(communities=[w["point"].community])
    assert far not in selectors.operator_choices(communities=[w["point"].community])


EDIT_EXPECTED = {"worker": 200, "head": 200, "grid": 404, "street": 404, "outsider": 404, "provider": 404}


@pytest.mark.parametrize("role", list(EDIT_EXPECTED))
def test_meal_point_edit_role_matrix(client, w, role):  # noqa: F811
    point = w["point"]
    client.force_login(w[role])
    url = reverse("care:meal_point_edit", args=[point.pk])
    assert client.get(url).status_code == EDIT_EXPECTED[role]
    r = client.post(url, {"name": "改名食堂", "capacity": "20", "day": ["6", "7"]})
    point.refresh_from_db()
    if EDIT_EXPECTED[role] == 200:
        assert r.status_code == 302
        assert (point.name, point.capacity, point.opening_days) == ("改名食堂", 20, "67")
    else:
        assert r.status_code == 404 and point.name == "长者食堂"


def test_meal_point_edit_keeps_its_name_and_refuses_a_taken_one(client, w):  # noqa: F811
    MealPoint.objects.create(community_id=C, name="第二食堂")
    point = w["point"]
    client.force_login(w["head"])
    url = reverse("care:meal_point_edit", args=[point.pk])
    assert client.post(url, {"name": "长者食堂", "capacity": "30", "day": ["1"]}).status_code == 302
    r = client.post(url, {"name": "第二食堂", "capacity": "99", "day": ["1"]}, HTTP_REFERER=url)
    assert "已有同名的助餐点" in client.get(r["Location"]).content.decode()
    point.refresh_from_db()
    assert (point.name, point.capacity) == ("长者食堂", 30)


def test_the_enrolment_page_links_to_the_meal_points(client, w):  # noqa: F811
    client.force_login(w["grid"])
    assert reverse("care:meal_points") in client.get(reverse("care:enrolments")).content.decode()


# ---- the hourly rate of a service order --------------------------------------------------------

RATE_EXPECTED = {
    "worker": (302, True),
    "head": (302, True),
    "grid": (404, False),
    "street": (404, False),
    "provider": (404, False),
    "other_provider": (404, False),
    "outsider": (404, False),
}


@pytest.mark.parametrize("role", list(RATE_EXPECTED))
def test_rate_role_matrix(client, w, order, role):  # noqa: F811
    client.force_login(w[role])
    status, form = RATE_EXPECTED[role]
    page = client.get(reverse("care:order", args=[order.pk]))
    if page.status_code == 200:
        assert ('data-testid="rate-form"' in page.content.decode()) is form
    r = client.post(reverse("care:order_rate", args=[order.pk]), {"hourly_rate": "45.50"})
    assert r.status_code == status
    order.refresh_from_db()
    assert order.hourly_rate == (Decimal("45.50") if status == 302 else Decimal("30"))


@pytest.mark.parametrize("rate", ["0", "-5", "500.01", "abc", "", "1.005", "NaN", "Infinity"])
def test_rate_bad_input_changes_nothing(client, w, order, rate):  # noqa: F811
    client.force_login(w["worker"])
    url = reverse("care:order", args=[order.pk])
    r = client.post(reverse("care:order_rate", args=[order.pk]), {"hourly_rate": rate}, HTTP_REFERER=url)
    assert r.status_code == 302
    assert "每小时单价须大于0元、不超过500元" in client.get(r["Location"]).content.decode()
    order.refresh_from_db()
    assert order.hourly_rate == Decimal("30")


def test_rate_bounds_and_the_statement_uses_it(client, w, order):  # noqa: F811
    for ok in ("0.01", "500"):
        services.order_rate_set(order=order, rate=ok, by=w["head"])
        order.refresh_from_db()
        assert order.hourly_rate == Decimal(ok)
    client.force_login(w["worker"])
    client.post(reverse("care:order_rate", args=[order.pk]), {"hourly_rate": "40"})
    assert (
        'data-testid="hourly-rate">40.00<'
        in client.get(reverse("care:order", args=[order.pk])).content.decode()
    )
    record = services.record_add(order=order, by=w["provider"], minutes=90, content="助浴")
    services.record_confirm(record=record, by=w["provider"], confirmer="老人本人")
    month = timezone.localdate().replace(day=1)
    (row,) = selectors.monthly_statement(user=w["worker"], month=month)
    assert row["lines"][0]["amount"] == Decimal("60.00")  # 1.5 hours at 40 yuan
    # Once a service is confirmed, the rate is settled.
    with pytest.raises(ApplicationError) as e:
        services.order_rate_set(order=order, rate="50", by=w["worker"])
    assert e.value.code == "rate_locked"
    order.refresh_from_db()
    assert order.hourly_rate == Decimal("40")


def test_order_created_with_a_rate_from_the_eligibility_page(client, w):  # noqa: F811
    client.force_login(w["worker"])
    data = {"profile": w["profile"].pk, "provider": w["org"].pk, "hours": "1"}
    r = client.post(
        reverse("care:order_create"), {**data, "hourly_rate": "600"}, HTTP_REFERER="/care/eligibility/"
    )
    assert "每小时单价须大于0元" in client.get(r["Location"]).content.decode()
    assert not ServiceOrder.objects.exists()
    client.post(reverse("care:order_create"), {**data, "hourly_rate": "35.5"})
    assert ServiceOrder.objects.get().hourly_rate == Decimal("35.50")
    ServiceOrder.objects.all().delete()
    client.post(reverse("care:order_create"), data)  # no rate given: the default
    assert ServiceOrder.objects.get().hourly_rate == Decimal("30")
