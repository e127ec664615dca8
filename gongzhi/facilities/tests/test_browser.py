"""The register's entry pages in a browser, on a desktop and at 375 px: the community page with
its links, recording a room, a facility with its map pin, correcting and the standards form; no
page scrolls sideways on the phone and none has critical or serious axe-core violations.
Screenshots: test-artifacts/facilities-*.png."""

from __future__ import annotations

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
    from gongzhi.facilities.demo import standards_seed
    from gongzhi.facilities.models import Facility, Premises
    from tests.factories import EstateFactory, OrganizationFactory, user_with_role

    regions_loaded()  # transactional tests start empty
    standards_seed()
    user_with_role("community_worker", JUNMEN, username="junmen", password=PASSWORD)
    user_with_role("district_staff", "350102", username="district", password=PASSWORD)
    EstateFactory(latitude=26.0805, longitude=119.2995, name="军门小区")
    org = OrganizationFactory(name="军门社区长者服务社")
    room = Premises.objects.create(community_id=JUNMEN, name="居委会办公室", use="office", area=80)
    f = Facility.objects.create(
        community_id=JUNMEN,
        kind="meal_point",
        name="军门长者食堂",
        latitude=26.0801,
        longitude=119.3002,
        hours="11:00–13:00",
        operator_org=org,
    )
    return {"room": room, "facility": f}


def _check(page, screenshot, problems, name, slug, phone):
    screenshot(page, f"facilities-{slug}-{name}")
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems[f"{slug} (phone width)"] = width
    found = _axe_serious(page)
    if found:
        problems[f"{slug} ({name})"] = found


def test_register_pages_on_desktop_and_phone(live_server, chromium, screenshot, world):
    from gongzhi.facilities.models import Facility, Premises

    base = live_server.url
    problems: dict[str, object] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = name == "phone"
        context, page = signed_in(chromium, base, "junmen", viewport, phone=phone)
        pages = [
            ("community", f"/facilities/community/{JUNMEN}/"),
            ("premises-new", f"/facilities/community/{JUNMEN}/premises/new/"),
            ("premises-edit", f"/facilities/premises/{world['room'].pk}/"),
            ("facility-new", f"/facilities/community/{JUNMEN}/facilities/new/"),
            ("facility-edit", f"/facilities/facility/{world['facility'].pk}/"),
        ]
        for slug, path in pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            _check(page, screenshot, problems, name, slug, phone)
        # the community page links to the entry pages and shows the registered operator
        page.goto(f"{base}/facilities/community/{JUNMEN}/")
        assert page.get_by_test_id("premises-new").is_visible()
        assert "军门社区长者服务社" in page.content()
        # record a room through the form; a bad area is refused on the form, what was typed kept
        page.goto(f"{base}/facilities/community/{JUNMEN}/premises/new/")
        page.fill("#id_name", f"活动室{name}")
        page.select_option("#id_use", "elderly")
        page.fill("#id_area", "-60")
        page.click("[data-testid=premises-form] button[type=submit]")
        assert "面积必须是大于0的数字" in page.get_by_test_id("problem").inner_text()
        assert page.input_value("#id_name") == f"活动室{name}"
        _check(page, screenshot, problems, name, "premises-refused", phone)
        page.fill("#id_area", "60")
        page.click("[data-testid=premises-form] button[type=submit]")
        page.wait_for_url(f"{base}/facilities/community/{JUNMEN}/")
        assert Premises.objects.filter(name=f"活动室{name}", area=60).exists()
        # a facility placed by a click on the map
        page.goto(f"{base}/facilities/community/{JUNMEN}/facilities/new/")
        page.select_option("#id_kind", "fitness")
        page.fill("#id_name", f"健身点{name}")
        page.wait_for_function("document.querySelector('#pin-map.leaflet-container') !== null")
        page.locator("#pin-map").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = page.locator("#pin-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
        assert page.input_value("#id_latitude") != ""
        page.click("[data-testid=facility-form] button[type=submit]")
        page.wait_for_url(f"{base}/facilities/community/{JUNMEN}/")
        f = Facility.objects.get(name=f"健身点{name}")
        assert abs(f.latitude - 26.08) < 0.05 and abs(f.longitude - 119.3) < 0.05
        context.close()

        context, page = signed_in(chromium, base, "district", viewport, phone=phone)
        for slug, path in (
            ("standards", "/facilities/standards/"),
            ("standard-new", "/facilities/standards/new/?code=service-share"),
            ("standard-kind", "/facilities/standards/new/?kind=funding_per_households"),
        ):
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            _check(page, screenshot, problems, name, slug, phone)
        context.close()
    assert problems == {}
