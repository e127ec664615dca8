"""A demand's whole loop in a real browser: a resident submits on a phone-sized screen and
gets a tracking code; the street dispatches and the community signs for it and replies
(HTMX buttons); the resident rates the answer on the tracking page. Screenshots go to
test-artifacts/demands-*.png.

It lives here, with the other browser tests, because live_server needs a transactional
database whose flush empties the shared region tree for the tests that would follow."""

import pytest

from gongzhi.core.models import Region
from gongzhi.demands.models import Demand
from tests.factories import BuildingFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import

    if not Region.objects.filter(code="350102004001").exists():  # transactional tests start empty
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    _reseed_reference_data()
    from gongzhi.demands.units import units_sync

    units_sync(Region.objects.get(code="350102"))  # the district is served: its handling units
    BuildingFactory(estate__name="军门小区", name="3号楼")
    return {
        "resident": user_with_role(
            "resident", "350102004001", username="linxy", display_name="林秀英", password=PASSWORD
        ),
        "worker": user_with_role(
            "community_worker", "350102004001", username="junmen", display_name="王芳", password=PASSWORD
        ),
        "street": user_with_role(
            "street_staff", "350102004", username="dongjie", display_name="陈明", password=PASSWORD
        ),
    }


def _reseed_reference_data():
    """The flush of an earlier transactional test also empties the seeded taxonomy and calendar."""
    import importlib

    from django.apps import apps as django_apps

    from gongzhi.demands.models import Category

    if not Category.objects.exists():
        seed = importlib.import_module("gongzhi.demands.migrations.0002_seed_reference_data").seed
        seed(django_apps, None)


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_submit_handle_and_rate(live_server, chromium, screenshot, world):
    base = live_server.url
    # 1. The resident, on a phone.
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = phone.new_page()
    login(page, base, "linxy")
    page.goto(f"{base}/demands/submit/")
    page.fill("input[name=title]", "3号楼楼道灯不亮")
    page.fill("textarea[name=body]", "3号楼2单元楼道灯坏了一周，晚上老人上下楼很危险。")
    page.wait_for_selector("#id_building option:has-text('3号楼')", state="attached")
    page.select_option("#id_building", label="军门小区3号楼")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "light.png", "mimeType": "image/png", "buffer": _png()}]
    )
    screenshot(page, "demands-01-submit-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=tracking-code]")
    code = page.inner_text("[data-testid=tracking-code]").strip()
    demand = Demand.objects.get(tracking_code=code)
    assert demand.building.name == "3号楼" and demand.photos.count() == 1
    screenshot(page, "demands-02-tracking-code")

    # 2. The street dispatches it to 军门社区.
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    login(staff, base, "dongjie")
    staff.goto(f"{base}/demands/queue/")
    staff.click("text=3号楼楼道灯不亮")
    form = staff.locator("form[data-action=dispatch]")
    form.locator("select[name=category]").select_option(label="公共设施维修 · 一般（5个工作日）")
    form.locator("select[name=unit]").select_option(label="军门社区（社区）")
    screenshot(staff, "demands-03-dispatch")
    form.locator("button[type=submit]").click()
    staff.wait_for_selector("[data-testid=state]:has-text('待签收')")
    desk.clear_cookies()

    # 3. The community signs for it and replies (HTMX, no page reload).
    login(staff, base, "junmen")
    staff.goto(f"{base}/demands/work/")
    screenshot(staff, "demands-04-work-list")
    staff.click("text=3号楼楼道灯不亮")
    staff.click("form[data-action=sign] button")
    staff.wait_for_selector("[data-testid=state]:has-text('办理中')")
    staff.fill(
        "form[data-action=reply] textarea[name=reply]", "已联系物业更换3号楼2单元楼道灯，并加装声控开关。"
    )
    staff.select_option("form[data-action=reply] select[name=resolution_kind]", "deliberation")
    screenshot(staff, "demands-05-handling")
    staff.click("form[data-action=reply] button[type=submit]")
    staff.wait_for_selector("[data-testid=state]:has-text('待回访')")
    screenshot(staff, "demands-06-replied")

    # 4. The resident rates the answer on the tracking page.
    page.goto(f"{base}/demands/track/{code}/")
    page.wait_for_selector("[data-testid=reply]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.check("input[name=resolved][value='1']")
    page.fill("textarea[name=note]", "修得很快，谢谢！")
    screenshot(page, "demands-07-rate-phone")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    screenshot(page, "demands-08-rated-phone")
    demand.refresh_from_db()
    assert (demand.state, demand.satisfaction, demand.resolved) == ("called_back", "satisfied", True)
    kinds = list(demand.events.values_list("kind", flat=True))
    assert kinds == ["created", "dispatched", "signed", "replied", "called_back"]

    # 5. The street's three-rates dashboard draws its chart.
    desk.clear_cookies()
    login(staff, base, "dongjie")
    staff.goto(f"{base}/demands/rates/")
    staff.wait_for_selector("#rates-chart canvas")
    assert "军门社区" in staff.inner_text("main")
    screenshot(staff, "demands-09-rates")
    phone.close()
    desk.close()


def _png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
