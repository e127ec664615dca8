"""Offline capture on a phone: the network is cut, a visit is recorded at the door (kept in the
phone's IndexedDB queue), the network comes back and the visit is uploaded exactly once — a
second flush of the queue changes nothing. Screenshots: test-artifacts/visits-*.png."""

from __future__ import annotations

import pytest

from gongzhi.core.models import Region
from tests.browser.test_phone_browser import (
    JUNMEN,
    PASSWORD,
    PHONE,
    _login,
    _no_sideways_scroll,
    _reseed_reference_data,
)
from tests.factories import DwellingFactory, HouseholdFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import

    if not Region.objects.filter(code=JUNMEN).exists():
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    _reseed_reference_data()
    dwelling = DwellingFactory(building__estate__name="军门小区", building__name="3号楼", number="301")
    head = PersonFactory(name="林秀英", dwelling=dwelling)
    household = HouseholdFactory(dwelling=dwelling, head=head)
    user_with_role("grid_worker", JUNMEN, username="grid1", display_name="陈伟", password=PASSWORD)
    return {"household": household}


def test_a_visit_recorded_offline_is_uploaded_once(live_server, chromium, screenshot, world):
    from gongzhi.visits.models import Visit

    base = live_server.url
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": 26.08, "longitude": 119.30},
        permissions=["geolocation"],
    )
    page = context.new_page()
    _login(page, base, "grid1")
    page.goto(f"{base}/visits/household/{world['household'].pk}/")
    _no_sideways_scroll(page)
    assert "林秀英" not in page.content()  # masked at the door
    context.set_offline(True)
    page.fill("#id_met", "户主本人")
    page.fill("#id_situation", "地下室没有信号，身体状况良好")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#offline-note:not([hidden])", timeout=10000)
    screenshot(page, "visits-01-offline-saved")
    assert Visit.objects.count() == 0
    uploads: list = []
    page.on("response", lambda r: "/visits/upload/" in r.url and uploads.append(r.status))
    context.set_offline(False)
    page.evaluate("window.gongzhiVisitsFlush()")
    page.wait_for_function(
        "() => new Promise(r => { const q = indexedDB.open('gongzhi-visits', 1); q.onsuccess = () => {"
        " const t = q.result.transaction('queue').objectStore('queue').count(); t.onsuccess = () => r(t.result === 0); }; })",
        timeout=15000,
    )
    page.wait_for_timeout(300)
    assert 201 in uploads, uploads
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.offline and visit.client_uuid is not None and visit.latitude == pytest.approx(26.08)
    page.evaluate("window.gongzhiVisitsFlush()")  # nothing left to send: nothing changes
    page.goto(f"{base}/visits/")
    screenshot(page, "visits-02-my-day")
    assert Visit.objects.count() == 1
    context.close()
