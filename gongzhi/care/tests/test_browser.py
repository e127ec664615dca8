"""Elderly care in a browser, on a desktop and at 375 px: the profile, devices and calls, meal
enrolment and the meal points, the provider's order and the monthly statement; no page scrolls sideways on the phone
and none has critical or serious axe-core violations. Screenshots: test-artifacts/care-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.axe import axe_serious as _axe_serious
from tests.browser.session import regions_loaded, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from gongzhi.care import services
    from gongzhi.care.models import MealPoint
    from gongzhi.registry.models import PersonTag
    from tests.factories import OrganizationFactory, PersonFactory, user_with_role

    regions_loaded()  # transactional tests start empty
    worker = user_with_role("community_worker", JUNMEN, username="junmen", password=PASSWORD)
    org = OrganizationFactory(kind="social_org", name="军门社区邻里互助服务社")
    provider = user_with_role("social_org_staff", org, username="socialorg", password=PASSWORD)
    elder = PersonFactory(birth_date=dt.date(1938, 3, 1), name="陈秀英")
    PersonTag.objects.create(community_id=JUNMEN, person=elder, kind="minimum_allowance")
    profile = services.profile_create(person=elder, by=worker, living_alone=True, care_level=2)
    services.contact_add(
        profile=profile, by=worker, name="林女士", relation="女儿", phone="13900001111", consent=True
    )
    device = services.device_install(profile=profile, serial="YJT0001", by=worker)
    services.call_receive(serial=device.serial)
    old = services.device_install(profile=profile, serial="YJT0000", by=worker)
    services.device_deactivate(device=old, by=worker)
    point = MealPoint.objects.create(
        community_id=JUNMEN,
        name="军门社区长者食堂",
        address="军门社区服务中心一楼",
        operator=org,
        capacity=80,
    )
    services.meal_enrol(profile=profile, point=point, by=worker)
    order = services.order_create(profile=profile, provider=org, hours_per_month=20, by=worker)
    rec = services.record_add(order=order, by=provider, minutes=90, content="助浴")
    services.record_confirm(record=rec, by=provider, confirmer="本人")
    services.record_add(order=order, by=provider, minutes=60, content="助洁")
    return {"profile": profile, "order": order, "point": point}


def _tour(chromium, screenshot, base, username, pages, tag):
    problems: dict[str, object] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = name == "phone"
        context, page = signed_in(chromium, base, username, viewport, phone=phone)
        for slug, path in pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            screenshot(page, f"care-{tag}-{slug}-{name}")
            if phone:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems[f"{path} (phone width)"] = width
            found = _axe_serious(page)
            if found:
                problems[f"{path} ({name})"] = found
        context.close()
    assert problems == {}


def test_care_pages_on_desktop_and_phone(live_server, chromium, screenshot, world):
    order = world["order"]
    _tour(
        chromium,
        screenshot,
        live_server.url,
        "junmen",
        [
            ("index", "/care/"),
            ("profile", f"/care/profiles/{world['profile'].pk}/"),
            ("calls", "/care/calls/"),
            ("enrolments", "/care/meals/enrolments/"),
            ("meal-points", "/care/meals/points/"),
            ("meal-point", f"/care/meals/points/{world['point'].pk}/"),
            ("orders", "/care/orders/"),
            ("order", f"/care/orders/{order.pk}/"),
            ("statement", "/care/statement/"),
        ],
        "worker",
    )
    _tour(
        chromium,
        screenshot,
        live_server.url,
        "socialorg",
        [
            ("orders", "/care/orders/"),
            ("order", f"/care/orders/{order.pk}/"),
            ("statement", "/care/statement/"),
        ],
        "socialorg",
    )
