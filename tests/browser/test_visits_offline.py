"""Offline on a phone. The grid worker opens today's plan once with signal: the service worker
(/visits/sw.js) keeps the diary pages — today's plan and its households' pages. In the basement
the network is cut: the plan page reloads from the phone's copy, the household's page opens, a
visit is recorded (kept in the phone's IndexedDB queue); the network comes back and the visit is
uploaded exactly once — a second flush of the queue changes nothing. Logging out empties the kept
pages. Screenshots: test-artifacts/visits-*.png."""

from __future__ import annotations

import pytest

from gongzhi.core.models import Region
from tests.browser.session import log_in
from tests.browser.test_phone_browser import (
    JUNMEN,
    PASSWORD,
    PHONE,
    _no_sideways_scroll,
    _reseed_reference_data,
)
from tests.factories import DwellingFactory, HouseholdFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = "gz-visits-pages-v1"
KEPT = (
    "async (path) => { const c = await caches.open('" + PAGES + "');"
    " return (await c.keys()).filter(r => new URL(r.url).pathname === path).length; }"
)
QUEUED = (
    "() => new Promise(r => { const q = indexedDB.open('gongzhi-visits'); q.onsuccess = () => {"
    " const t = q.result.transaction('queue').objectStore('queue').count(); t.onsuccess = () => r(t.result); }; })"
)


def _until(page, script, arg, expected, timeout=20.0):
    """Evaluate an async script (awaited) until it answers `expected`."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        got = page.evaluate(script, arg)
        if got == expected or time.monotonic() > deadline:
            assert got == expected, (script, arg, got)
            return
        page.wait_for_timeout(250)


@pytest.fixture
def world():
    from django.utils import timezone

    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import
    from gongzhi.visits import services

    if not Region.objects.filter(code=JUNMEN).exists():
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    _reseed_reference_data()
    dwelling = DwellingFactory(building__estate__name="军门小区", building__name="3号楼", number="301")
    head = PersonFactory(name="林秀英", dwelling=dwelling)
    household = HouseholdFactory(dwelling=dwelling, head=head)
    grid = user_with_role("grid_worker", JUNMEN, username="grid1", display_name="陈伟", password=PASSWORD)
    boss = user_with_role("community_head", JUNMEN, username="head1", password=PASSWORD)
    community = Region.objects.get(code=JUNMEN)
    services.coverage_apply(community=community, by=boss)
    services.plans_generate(community=community, month=timezone.localdate().replace(day=1), by=boss)
    return {"household": household, "grid": grid}


def test_the_diary_opens_offline_and_a_visit_made_there_is_uploaded_once(
    live_server, chromium, screenshot, world
):
    from gongzhi.visits.models import Visit

    base = live_server.url
    hh = world["household"].pk
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": 26.08, "longitude": 119.30},
        permissions=["geolocation"],
    )
    page = context.new_page()
    log_in(page, base, "grid1")
    sw = page.request.get(f"{base}/visits/sw.js")
    assert sw.ok and sw.headers["service-worker-allowed"] == "/visits/"
    assert sw.headers["content-type"].startswith("text/javascript")

    # Once with signal: the service worker takes the page over and keeps the plan's households.
    page.goto(f"{base}/visits/")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{base}/visits/"
    _until(page, KEPT, "/visits/", 1)
    _until(page, KEPT, f"/visits/household/{hh}/", 1)

    # The basement: no network. The plan reloads from the phone's copy.
    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert response.headers.get("x-gongzhi-offline") == "1"
    assert page.locator("[data-testid=plan]").is_visible()
    assert page.locator("#offline-status").is_visible()
    _no_sideways_scroll(page)
    screenshot(page, "visits-00-offline-plan")

    # The household's page too, kept ahead; the visit is kept in the phone's queue.
    page.locator(f"a[href='/visits/household/{hh}/']").first.click()
    page.wait_for_url(f"{base}/visits/household/{hh}/")
    assert "林秀英" not in page.content()  # masked at the door
    assert page.locator("#visit-form").is_visible()
    page.fill("#id_met", "户主本人")
    page.fill("#id_situation", "地下室没有信号，身体状况良好")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#offline-note:not([hidden])", timeout=10000)
    screenshot(page, "visits-01-offline-saved")
    assert page.evaluate(QUEUED) == 1
    assert "1" in page.locator("#offline-status").inner_text()
    assert Visit.objects.count() == 0

    # Signal again: uploaded once.
    uploads: list = []
    page.on("response", lambda r: "/visits/upload/" in r.url and uploads.append(r.status))
    context.set_offline(False)
    page.evaluate("window.gongzhiVisitsFlush()")
    _until(page, QUEUED, None, 0)
    page.wait_for_timeout(300)
    assert 201 in uploads, uploads
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.offline and visit.client_uuid is not None and visit.latitude == pytest.approx(26.08)
    assert visit.household_id == hh and visit.worker == world["grid"]
    page.evaluate("window.gongzhiVisitsFlush()")  # nothing left to send: nothing changes
    page.goto(f"{base}/visits/")
    screenshot(page, "visits-02-my-day")
    assert Visit.objects.count() == 1

    # Logging out on the phone: the kept pages go.
    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_url("**/accounts/login/**", timeout=10000)
    page.goto(f"{base}/visits/")  # redirected to log in: the service worker forgets the pages
    _until(page, KEPT, "/visits/", 0, timeout=10)
    context.close()
