"""A 375-px phone: residents and grid workers get a bottom tab bar, the office roles a menu
button; no page scrolls sideways (tables become cards); the resident and grid-worker pages
have no critical or serious axe-core violations. Screenshots: test-artifacts/phone-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.models import Region
from tests.browser.axe import axe_serious as _axe_serious
from tests.browser.session import log_in, regions_loaded
from tests.factories import DwellingFactory, PersonFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():

    regions_loaded()  # transactional tests start empty
    _reseed_reference_data()
    dwelling = DwellingFactory(building__estate__name="军门小区", building__name="3号楼", number="301")
    person = PersonFactory(
        name="林秀英",
        sex="F",
        birth_date=dt.date(1958, 3, 12),
        dwelling=dwelling,
        address=dwelling.address,
        id_number="35010219580312002X",
    )
    person.set_phone("0591-87654321")
    person.save()
    PersonFactory.create_batch(3, community=Region.objects.get(code=JUNMEN))
    return {
        "resident": user_with_role(
            "resident", JUNMEN, username="linxy", display_name="林秀英", password=PASSWORD
        ),
        "grid": user_with_role(
            "grid_worker", JUNMEN, username="grid1", display_name="陈伟", password=PASSWORD
        ),
        "worker": user_with_role(
            "community_worker", JUNMEN, username="junmen", display_name="王芳", password=PASSWORD
        ),
    }


def _reseed_reference_data():
    import importlib

    from django.apps import apps as django_apps

    from gongzhi.demands.models import Category

    if not Category.objects.exists():
        seed = importlib.import_module("gongzhi.demands.migrations.0002_seed_reference_data").seed
        seed(django_apps, None)


def _phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    return context, context.new_page()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def _tab_bar_works(page, base, label, path):
    bar = page.locator("[data-testid=tabbar]")
    assert bar.is_visible()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1  # fixed at the bottom of the screen
    assert page.locator(".mainnav").is_hidden()
    bar.get_by_text(label, exact=True).click()
    page.wait_for_url(f"{base}{path}")


def test_resident_on_a_phone(live_server, chromium, screenshot, world):
    base = live_server.url
    context, page = _phone(chromium)
    log_in(page, base, "linxy")
    screenshot(page, "phone-01-resident-home")
    problems = {}
    for path in ("/", "/demands/submit/", "/demands/mine/", "/demands/track/"):
        page.goto(f"{base}{path}")
        _no_sideways_scroll(page)
        found = _axe_serious(page)
        if found:
            problems[path] = found
    assert problems == {}
    page.goto(f"{base}/")
    _tab_bar_works(page, base, "反映", "/demands/submit/")
    screenshot(page, "phone-02-resident-submit")
    _tab_bar_works(page, base, "我的诉求", "/demands/mine/")
    context.close()


def test_grid_worker_on_a_phone(live_server, chromium, screenshot, world):
    base = live_server.url
    context, page = _phone(chromium)
    log_in(page, base, "grid1")
    screenshot(page, "phone-03-grid-home")
    problems = {}
    for path in ("/", "/registry/people/", "/registry/places/", "/demands/intake/", "/demands/reported/"):
        page.goto(f"{base}{path}")
        _no_sideways_scroll(page)
        found = _axe_serious(page)
        if found:
            problems[path] = found
    assert problems == {}
    page.goto(f"{base}/")
    _tab_bar_works(page, base, "居民", "/registry/people/")
    # the people list is a stack of cards, each cell labelled with its column
    first_cell = page.locator("table.data tbody tr td").first
    assert first_cell.get_attribute("data-label")
    screenshot(page, "phone-04-grid-people")
    _tab_bar_works(page, base, "上报", "/demands/intake/")
    assert page.locator("#id_channel").input_value() == "grid_visit"
    screenshot(page, "phone-05-grid-intake")
    context.close()


def test_community_worker_menu_button_on_a_phone(live_server, chromium, screenshot, world):
    base = live_server.url
    context, page = _phone(chromium)
    log_in(page, base, "junmen")
    assert page.locator("[data-testid=tabbar]").count() == 0
    menu = page.locator("[data-testid=phone-menu]")
    assert menu.is_visible()
    menu.locator("summary").click()
    screenshot(page, "phone-06-worker-menu-open")
    menu.get_by_role("link", name="居民查询").click()
    page.wait_for_url(f"{base}/registry/people/**")
    _no_sideways_scroll(page)
    for path in ("/", "/demands/queue/", "/access-log/", "/registry/import/"):
        page.goto(f"{base}{path}")
        _no_sideways_scroll(page)
    context.close()


def test_signed_out_resident_is_not_at_a_dead_end(live_server, chromium, screenshot, world):
    base = live_server.url
    context, page = _phone(chromium)
    page.goto(f"{base}/accounts/login/")
    _no_sideways_scroll(page)
    assert _axe_serious(page) == []
    page.get_by_role("link", name="查询进度").first.click()
    page.wait_for_url(f"{base}/demands/track/")
    _tab_bar_works(page, base, "我要反映", "/demands/submit/")
    screenshot(page, "phone-07-anonymous-submit")
    _no_sideways_scroll(page)
    page.goto(f"{base}/no-such-page/")
    assert page.locator(".error-card").is_visible()
    screenshot(page, "phone-08-not-found")
    context.close()
