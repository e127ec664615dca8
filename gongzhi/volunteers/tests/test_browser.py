"""The resident's phone (375 px): check in with the leader's code, see hours and star level, the
points catalogue and the time bank; no page scrolls sideways. Screenshots for the README tour:
test-artifacts/volunteers-phone-*.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core import clock
from gongzhi.core.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.core.regions import regions_import
    from gongzhi.volunteers import points, services
    from gongzhi.volunteers.models import Shift, SignUp
    from tests.factories import PersonFactory, user_with_role

    if not Region.objects.filter(code=JUNMEN).exists():  # transactional tests start empty
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    junmen = Region.objects.get(code=JUNMEN)
    staff = user_with_role("community_worker", JUNMEN, username="junmen", password=PASSWORD)
    person = PersonFactory(name="林秀英", sex="F", birth_date=dt.date(1968, 3, 12))
    resident = user_with_role("resident", JUNMEN, username="linxy", display_name="林秀英", password=PASSWORD)
    resident.person = person
    resident.save(update_fields=["person"])
    v = services.volunteer_register(person=person, by=resident, skills="理发")
    now = clock.now()
    activity = services.activity_create(
        community=junmen,
        title="敬老院陪伴",
        place="东街街道敬老院",
        by=staff,
        shifts=[(now - dt.timedelta(hours=1), now + dt.timedelta(hours=2), 6)],
    )
    shift = activity.shifts.get()
    # Signed up yesterday (set up directly: the shift has started by now).
    SignUp.objects.create(
        community=junmen,
        shift=shift,
        volunteer=v,
        status="confirmed",
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    Shift.objects.filter(pk=shift.pk).update(taken=1)
    past = services.activity_create(community=junmen, title="楼道清洁日", place="军门小区", by=staff)
    services.hours_enter(
        volunteer=v,
        activity=past,
        hours=Decimal("3"),
        served_on=dt.date.today() - dt.timedelta(days=3),
        reason="纸质签到表",
        by=staff,
    )
    points.reward_create(community=junmen, name="洗衣液", donor="永辉超市东街店", cost=20, stock=12, by=staff)
    points.reward_create(community=junmen, name="理发券", donor="东街口美发店", cost=30, stock=5, by=staff)
    return {"resident": resident, "activity": activity}


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_resident_checks_in_from_the_phone(live_server, chromium, screenshot, world):
    from gongzhi.volunteers.codes import checkin_code
    from gongzhi.volunteers.models import CheckIn

    base = live_server.url
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        _login(page, base, "linxy")
        activity = world["activity"]
        page.goto(
            f"{base}/volunteers/activities/{activity.pk}/checkin/?code={checkin_code(activity.pk, clock.now())}"
        )
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-phone-checkin")
        page.click("button[value=in]")
        page.wait_for_url(f"{base}/volunteers/")
        assert CheckIn.objects.count() == 1
        assert "签到成功" in page.content()
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-phone-hours")
        page.goto(f"{base}/volunteers/rewards/")
        assert page.locator("[data-testid=my-points]").inner_text() == "30"
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-phone-points")
        page.goto(f"{base}/volunteers/timebank/")
        _no_sideways_scroll(page)
        screenshot(page, "volunteers-phone-timebank")
    finally:
        context.close()
