"""The old-courtyards page in a browser, on a desktop and at 375 px, for the community head (with
the scheduling and 准物业 forms): no sideways scrolling on the phone, no critical or serious axe-core
violations, and scheduling an inspection from the form works. Screenshots: test-artifacts/visits-courtyards-*.png."""

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
    from gongzhi.visits import courtyards
    from tests.factories import EstateFactory, OrganizationFactory, user_with_role

    regions_loaded()  # transactional tests start empty
    head = user_with_role("community_head", JUNMEN, username="junmenhead", password=PASSWORD)
    OrganizationFactory(name="军门社区物业服务社")
    yard = EstateFactory(name="福州路老院落", address="福州路12号", has_property_management=False)
    bare = EstateFactory(name="南门兜老院落", has_property_management=False)
    today = dt.date.today()
    courtyards.arrangement_record(
        estate=yard,
        by=head,
        provider_name="院落居民自管小组",
        services=["cleaning", "security"],
        fee="10",
        starts_on=today - dt.timedelta(days=60),
    )
    courtyards.inspections_plan(estate_ids=[yard.pk], items=["pipes", "fire"], due=today, by=head)
    return {"yard": yard, "bare": bare}


def test_courtyards_page_on_desktop_and_phone(live_server, chromium, screenshot, world):
    from gongzhi.visits.models import CourtyardInspection

    base = live_server.url
    problems: dict[str, object] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = name == "phone"
        context, page = signed_in(chromium, base, "junmenhead", viewport, phone=phone)
        response = page.goto(f"{base}/visits/courtyards/")
        assert response is not None and response.status == 200
        assert "院落居民自管小组" in page.content()
        screenshot(page, f"visits-courtyards-{name}")
        if phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems[f"phone width {name}"] = width
        found = _axe_serious(page)
        if found:
            problems[name] = found
        if not phone:  # schedule the bare courtyard from the form
            form = page.locator('[data-testid="schedule-form"]')
            form.get_by_label("南门兜老院落").check()
            form.locator("input[name=due]").fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
            form.get_by_role("button").click()
            page.wait_for_url(f"{base}/visits/courtyards/")
            assert CourtyardInspection.objects.filter(estate=world["bare"]).count() == 1
        context.close()
    assert problems == {}
