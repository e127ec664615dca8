"""The registers, spaces, four lists and public-benefit funding in a browser, on a desktop and at
375 px: no page scrolls sideways on the phone, and no page has critical or serious axe-core
violations. Screenshots for the README tour: test-artifacts/orgs-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.core.models import Region
from tests.browser.axe import axe_serious as _axe_serious
from tests.browser.session import log_in, regions_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from gongzhi.organizations import bookings, lists, services
    from gongzhi.projects import services as funding
    from gongzhi.registry.models import Building, Dwelling, DwellingOwner, Estate, Person
    from tests.factories import user_with_role

    regions_loaded()  # transactional tests start empty
    junmen, district = Region.objects.get(code=JUNMEN), Region.objects.get(code="350102")
    worker = user_with_role(
        "community_worker", JUNMEN, username="junmen", display_name="王芳", password=PASSWORD
    )
    staff = user_with_role(
        "district_staff", "350102", username="district", display_name="区民政局", password=PASSWORD
    )
    now = clock.now()
    org = services.organization_register(
        by=worker,
        name="军门社区邻里互助服务社",
        kind="social_org",
        region=junmen,
        registration="filed",
        service_field="elderly",
        grade="3A",
        staff_count=4,
        social_worker_count=2,
        communities_served=[JUNMEN],
    )
    socialorg = user_with_role(
        "social_org_staff", org, username="socialorg", display_name="林主任", password=PASSWORD
    )
    expert = user_with_role("expert", "350102", username="expert", display_name="评审专家", password=PASSWORD)
    other_expert = user_with_role("expert", "350102", username="expert2", password=PASSWORD)
    unit = services.organization_register(
        by=worker, name="军门片区中心小学", kind="resident_unit", region=junmen
    )
    services.agreement_sign(
        by=worker,
        organization=unit,
        community=junmen,
        signed_on=now.date() - dt.timedelta(days=100),
        content="场地共享",
        resources=[{"kind": "space", "description": "风雨操场周末开放", "quantity": 16, "unit": "小时/周"}],
    )
    estate = Estate.objects.create(community=junmen, name="军门小区")
    building = Building.objects.create(community=junmen, estate=estate, name="1号楼")
    committee = services.committee_record(
        by=worker,
        estate=estate,
        term_start=now.date() - dt.timedelta(days=400),
        term_end=now.date() + dt.timedelta(days=1400),
        member_count=5,
    )
    for i, name in enumerate(("陈建国", "林秀英", "黄志明")):
        d = Dwelling.objects.create(community=junmen, building=building, number=f"20{i}", area=88)
        p = Person.objects.create(community=junmen, name=name, sex="1")
        DwellingOwner.objects.create(community=junmen, dwelling=d, person=p)
        services.committee_member_add(
            by=worker, committee=committee, person=p, role="director" if i == 0 else "member"
        )
    space = bookings.space_create(
        by=worker,
        community=junmen,
        name="第一活动室",
        kind="room",
        place="党群服务中心二楼",
        capacity=30,
        area=60,
        opens=dt.time(8),
        closes=dt.time(21),
        price_per_hour=10,
    )
    resident = user_with_role("resident", JUNMEN, username="linxy", password=PASSWORD)
    need = lists.need_submit(by=resident, community=junmen, title="独居老人助餐", service_field="elderly")
    lists.public_service_add(
        by=worker,
        community=junmen,
        name="长者助餐",
        service_field="elderly",
        hours="工作日 11:00–12:30",
        place="长者食堂",
    )
    rubric = [{"key": "need", "label": "需求契合度"}, {"key": "design", "label": "项目设计"}]
    call = funding.call_create(
        by=staff,
        region=district,
        title="鼓楼区社区公益创投（秋季）",
        budget=800000,
        closes_at=now + dt.timedelta(days=20),
        rubric=rubric,
        categories="养老、儿童",
        eligibility="在鼓楼区登记或备案的社会组织",
    )
    item = funding.call_item_add(by=staff, call=call, need=need)
    app = funding.application_create(
        by=socialorg,
        call=call,
        organization=org,
        community=junmen,
        title="独居老人助餐与探访",
        budget_total=60000,
        requested=36000,
        households_target=80,
        item=item,
    )
    funding.application_act(by=socialorg, application=app, action="submit")
    old = funding.call_create(
        by=staff,
        region=district,
        title="鼓楼区社区公益创投（春季）",
        budget=600000,
        closes_at=now + dt.timedelta(days=1),
        rubric=rubric,
    )
    with clock.at(now - dt.timedelta(days=1)):
        done = funding.application_create(
            by=socialorg,
            call=old,
            organization=org,
            community=junmen,
            title="四点半课堂",
            budget_total=50000,
            requested=30000,
        )
        funding.application_act(by=socialorg, application=done, action="submit")
    with clock.at(now + dt.timedelta(days=2)):
        funding.call_phase_set(by=staff, call=old, phase="review")
        funding.application_act(by=staff, application=done, action="start_review")
        assignment = funding.reviewers_assign(by=staff, application=done, experts=[expert])[0]
    return {
        "org": org,
        "committee": committee,
        "space": space,
        "need": need,
        "call": call,
        "app": app,
        "assignment": assignment,
        "other_expert": other_expert,
    }


def _context(chromium, viewport):
    phone = viewport["width"] < 600
    context = chromium.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
    return context, context.new_page()


def _tour(chromium, screenshot, base, username, pages, tag):
    """Every page on a desktop and at 375 px: screenshot, axe, and no sideways scroll on the phone."""
    problems: dict[str, object] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = _context(chromium, viewport)
        log_in(page, base, username)
        for slug, path in pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            screenshot(page, f"orgs-{tag}-{slug}-{name}")
            if name == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems[f"{path} (phone width)"] = width
            found = _axe_serious(page)
            if found:
                problems[f"{path} ({name})"] = found
        context.close()
    assert problems == {}


def test_community_worker_pages(live_server, chromium, screenshot, world):
    pages = [
        ("register", "/organizations/"),
        ("register-units", "/organizations/?tab=units"),
        ("register-committees", "/organizations/?tab=committees"),
        ("organization", f"/organizations/{world['org'].pk}/"),
        ("organization-edit", f"/organizations/{world['org'].pk}/edit/"),
        ("committee", f"/organizations/committees/{world['committee'].pk}/"),
        ("spaces", "/organizations/spaces/"),
        ("space", f"/organizations/spaces/{world['space'].pk}/"),
        ("space-edit", f"/organizations/spaces/{world['space'].pk}/edit/"),
        ("lists", "/organizations/lists/"),
        ("need", f"/organizations/needs/{world['need'].pk}/"),
        ("figures", "/organizations/figures/"),
    ]
    _tour(chromium, screenshot, live_server.url, "junmen", pages, "worker")


def test_funding_pages_by_role(live_server, chromium, screenshot, world):
    base = live_server.url
    call = world["call"]
    _tour(
        chromium,
        screenshot,
        base,
        "socialorg",
        [
            ("funding", "/projects/"),
            ("call", f"/projects/calls/{call.pk}/"),
            ("apply", f"/projects/calls/{call.pk}/apply/"),
        ],
        "socialorg",
    )
    _tour(
        chromium,
        screenshot,
        base,
        "district",
        [
            ("call", f"/projects/calls/{call.pk}/"),
            ("call-edit", f"/projects/calls/{call.pk}/edit/"),
            ("call-new", "/projects/calls/new/"),
        ],
        "district",
    )
    _tour(
        chromium,
        screenshot,
        base,
        "expert",
        [("funding", "/projects/"), ("review", f"/projects/reviews/{world['assignment'].pk}/")],
        "expert",
    )


def test_a_booking_with_a_fee_on_the_phone(live_server, chromium, screenshot, world):
    from gongzhi.organizations.models import Booking

    base = live_server.url
    context, page = _context(chromium, PHONE)
    log_in(page, base, "linxy")
    tomorrow = (clock.now() + dt.timedelta(days=1)).date().isoformat()
    page.goto(f"{base}/organizations/spaces/{world['space'].pk}/?date={tomorrow}&start=10:00")
    page.fill("input[name=purpose]", "合唱排练")
    page.fill("input[name=slots]", "2")
    page.click("form.card.stack button[type=submit]")
    page.wait_for_load_state()
    assert "20.00" in page.content()  # two hours at 10 元
    screenshot(page, "orgs-resident-booked-phone")
    booking = Booking.objects.get(purpose="合唱排练")
    assert booking.fee == 20
    context.close()
