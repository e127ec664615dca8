"""The resident's phone (375 px): check in with the leader's code, see hours and star level, the
points catalogue and the time bank; no page scrolls sideways. Screenshots for the README tour:
test-artifacts/volunteers-phone-*.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core import clock
from gongzhi.core.models import Region
from tests.browser.axe import axe_serious as _axe_serious
from tests.browser.session import log_in, regions_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from gongzhi.volunteers import points, services
    from gongzhi.volunteers.models import Shift, SignUp
    from tests.factories import PersonFactory, user_with_role

    regions_loaded()  # transactional tests start empty
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
        log_in(page, base, "linxy")
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


@pytest.fixture
def newcomer(world):
    """A resident of 军门 not yet a volunteer, and an activity whose shift starts in 20 minutes
    (sign-up still open, check-in already open); a certificate for the first resident."""
    from gongzhi.volunteers import certificates, services
    from gongzhi.volunteers.models import Volunteer
    from tests.factories import PersonFactory, user_with_role

    junmen = Region.objects.get(code=JUNMEN)
    person = PersonFactory(name="陈明", sex="M", birth_date=dt.date(1990, 6, 1))
    user = user_with_role("resident", JUNMEN, username="chenm", display_name="陈明", password=PASSWORD)
    user.person = person
    user.save(update_fields=["person"])
    staff = user_with_role("community_worker", JUNMEN, username="junmen2", password=PASSWORD)
    start = (clock.now() + dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    activity = services.activity_create(
        community=junmen,
        title="反诈宣传",
        place="军门社区广场",
        by=staff,
        shifts=[(start, start + dt.timedelta(hours=2), 5)],
        description="向居民发放反诈宣传册。",
    )
    v = Volunteer.objects.get(person__name="林秀英")
    cert = certificates.certificate_issue(
        volunteer=v, start=dt.date.today() - dt.timedelta(days=30), end=dt.date.today(), by=staff
    )
    return {"user": user, "activity": activity, "staff": staff, "certificate": cert}


def test_a_newcomer_registers_signs_up_and_checks_in_by_the_leaders_qr(
    live_server, chromium, screenshot, newcomer
):
    from gongzhi.volunteers.models import CheckIn, SignUp

    base = live_server.url
    activity = newcomer["activity"]
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    problems: dict = {}

    def check(name: str) -> None:
        _no_sideways_scroll(page)
        found = _axe_serious(page)
        if found:
            problems[page.url] = found
        screenshot(page, f"volunteers-phone-{name}")

    try:
        log_in(page, base, "chenm")
        page.goto(f"{base}/volunteers/")
        check("register")
        page.fill("input[name=skills]", "摄影")
        page.get_by_role("button", name="注册").click()
        page.wait_for_url(f"{base}/volunteers/")
        assert "您已注册成为志愿者" in page.content()
        page.goto(f"{base}/volunteers/activities/")
        check("activities")
        page.get_by_role("link", name="反诈宣传").first.click()
        page.wait_for_url(f"{base}/volunteers/activities/{activity.pk}/")
        check("activity")
        page.locator("[data-testid=shift] button", has_text="报名").click()
        page.wait_for_url(f"{base}/volunteers/activities/{activity.pk}/")
        assert "报名成功" in page.content()
        assert SignUp.objects.filter(volunteer__person__name="陈明", status="confirmed").count() == 1
        screenshot(page, "volunteers-phone-signed-up")

        # The leader's screen (any device): the QR code of this minute's check-in link.
        leader = chromium.new_context(viewport={"width": 800, "height": 900}, locale="zh-CN").new_page()
        log_in(leader, base, "junmen2")
        leader.goto(f"{base}/volunteers/activities/{activity.pk}/code/")
        assert leader.locator("[data-testid=checkin-qr] svg[role=img]").is_visible()
        link = leader.locator(".card a").first.get_attribute("href")
        screenshot(leader, "volunteers-leader-checkin-qr")
        leader.context.close()

        # The phone "scans" it: the link opens the check-in page with the code filled in.
        page.goto(link)
        assert page.locator("input[name=code]").input_value() == link.rsplit("=", 1)[1]
        check("checkin-scanned")
        page.click("button[value=in]")
        page.wait_for_url(f"{base}/volunteers/")
        assert "签到成功" in page.content()
        assert CheckIn.objects.filter(signup__volunteer__person__name="陈明").count() == 1
        check("checked-in")
        for path, name in (
            ("/volunteers/rewards/", "rewards"),
            ("/volunteers/timebank/", "timebank-2"),
            ("/volunteers/certificates/", "certificates"),
        ):
            page.goto(f"{base}{path}")
            check(name)
        context.close()

        # The public verification page, signed out, on a phone.
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/volunteers/verify/{newcomer['certificate'].code}/")
        assert page.locator("[data-testid=holder]").inner_text() == "林*英"
        check("certificate-verify")
    finally:
        context.close()
    assert problems == {}
