"""A community worker's day in a real browser: log in, search, open a record (masked),
reveal with a purpose, find the view in the access log."""

import datetime as dt

import pytest

from gongzhi.core.models import AccessLogEntry, Region
from tests.factories import DwellingFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import

    if not Region.objects.filter(code="350102004001").exists():  # transactional tests start empty
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    dwelling = DwellingFactory(building__estate__name="军门小区", building__name="3号楼", number="301")
    person = PersonFactory(
        name="林秀英",
        sex="F",
        birth_date=dt.date(1958, 3, 12),
        dwelling=dwelling,
        address=dwelling.address,
        id_number="35010219580312002X",
    )
    person.set_phone("13805912345")
    person.save()
    PersonFactory(name="林建国")
    PersonFactory(name="陈志强", community=Region.objects.get(code="350102001001"))  # another street
    worker = user_with_role(
        "community_worker",
        "350102004001",
        username="junmen",
        display_name="王芳",
        password="correct horse battery",
    )
    return person, worker


def test_search_open_masked_reveal_and_find_in_access_log(live_server, chromium, screenshot, world):
    person, worker = world
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "junmen")
    page.fill("input[name=password]", "correct horse battery")
    screenshot(page, "registry-01-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    screenshot(page, "registry-02-home")

    page.goto(f"{live_server.url}/registry/people/")
    page.fill("input[name=q]", "林")
    page.wait_for_selector("text=林秀英")
    page.wait_for_selector("text=林建国")
    assert page.locator("text=陈志强").count() == 0  # out of scope
    screenshot(page, "registry-03-search")

    page.click("text=林秀英")
    page.wait_for_url(f"**/registry/people/{person.pk}/")
    body = page.inner_text("main")
    assert "3501**********002X" in body and "138****2345" in body
    assert "35010219580312002X" not in body and "13805912345" not in body
    screenshot(page, "registry-04-record-masked")

    page.click("#reveal-box button[type=submit]")  # no purpose: refused with a message, nothing logged
    page.wait_for_selector("#reveal-box .field-error")
    assert "用途" in page.inner_text("#reveal-box .field-error")
    assert AccessLogEntry.objects.count() == 0
    page.select_option("select[name=purpose]", "aid_check")
    page.fill("input[name=note]", "核对高龄津贴申请材料")
    page.click("#reveal-box button[type=submit]")
    page.wait_for_selector(".revealed")
    body = page.inner_text("main")
    assert "35010219580312002X" in body and "13805912345" in body
    screenshot(page, "registry-05-revealed")
    entry = AccessLogEntry.objects.get()
    assert entry.user_id == worker.pk and entry.purpose_note == "核对高龄津贴申请材料"

    page.goto(f"{live_server.url}/access-log/")
    page.wait_for_selector("text=核对高龄津贴申请材料")
    assert "日志链条完整" in page.inner_text("main")
    screenshot(page, "registry-06-access-log")
    context.close()
