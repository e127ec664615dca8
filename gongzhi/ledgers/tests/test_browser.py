"""The ledger dashboards in a browser: the district's table of its streets carries every figure
as a column, so it scrolls inside its card (the first column stays) and the page itself never
scrolls sideways, on a desktop or at 375 px; no critical or serious axe-core violations.
Screenshots: test-artifacts/ledgers-*.png."""

from __future__ import annotations

import pytest

from gongzhi.core.models import Region
from tests.browser.session import DESKTOP, PASSWORD, PHONE, regions_loaded, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from gongzhi.facilities.demo import standards_seed
    from gongzhi.facilities.models import Premises
    from tests.factories import PersonFactory, user_with_role

    regions_loaded()  # transactional tests start empty
    standards_seed()
    user_with_role("district_staff", "350102", username="district", password=PASSWORD)
    for _ in range(3):
        PersonFactory(community_id=JUNMEN)
    Premises.objects.create(community_id=JUNMEN, name="居委会办公室", use="office", area=80)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_district_dashboard_fits_its_page(live_server, chromium, screenshot, world, viewport):
    from tests.browser.axe import axe_serious

    phone = viewport["width"] < 400
    context, page = signed_in(chromium, live_server.url, "district", viewport, phone=phone)
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
