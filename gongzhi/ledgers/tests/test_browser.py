"""The ledger dashboards in a browser: the district's table of its streets carries every figure
as a column, so it scrolls inside its card (the first column stays) and the page itself never
scrolls sideways, on a desktop or at 375 px; no critical or serious axe-core violations.
Screenshots: test-artifacts/ledgers-*.png."""

from __future__ import annotations

import pytest

from gongzhi.core.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import
    from gongzhi.facilities.demo import standards_seed
    from gongzhi.facilities.models import Premises
    from tests.factories import PersonFactory, user_with_role

    if not Region.objects.filter(code=JUNMEN).exists():  # transactional tests start empty
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    standards_seed()
    user_with_role("district_staff", "350102", username="district", password=PASSWORD)
    for _ in range(3):
        PersonFactory(community_id=JUNMEN)
    Premises.objects.create(community_id=JUNMEN, name="居委会办公室", use="office", area=80)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}])
def test_the_district_dashboard_fits_its_page(live_server, chromium, screenshot, world, viewport):
    from tests.browser.axe import axe_serious

    phone = viewport["width"] < 400
    context = chromium.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/ledgers/?region=350102")
    screenshot(page, f"ledgers-district-{viewport['width']}")
    assert (
        page.locator("[data-testid=ranking] tbody tr").count()
        == Region.objects.filter(parent_id="350102").count()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if not phone:  # the table is wider than its card and scrolls inside it
        assert page.evaluate(
            "(() => { const d = document.querySelector('.table-wide'); return d.scrollWidth > d.clientWidth; })()"
        )
        header = page.locator("[data-testid=ranking] thead a").first
        header.click()
        assert "/ledgers/figure/" in page.url
    assert axe_serious(page) == []
    context.close()
