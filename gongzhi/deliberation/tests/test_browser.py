"""Deliberation in a browser at 375 px and on a desktop: the council forms (new, edit, members),
the council page and a resolution's page with its two hand-on forms and a resolution already handed
to a unit; no page scrolls sideways on the phone and none has critical or serious axe-core
violations. Screenshots: test-artifacts/deliberation-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.models import Region
from tests.browser.axe import axe_serious as _axe_serious
from tests.browser.session import regions_loaded, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"


@pytest.fixture
def world():
    from gongzhi.budgeting import services as bs
    from gongzhi.deliberation import resolution_services as rs
    from gongzhi.deliberation import services as s
    from gongzhi.demands.units import unit_for_region
    from tests.factories import user_with_role

    regions_loaded()  # transactional tests start empty
    from gongzhi.demands.models import Category

    if not Category.objects.exists():  # the reference data migrations seeded, flushed by an earlier test
        import importlib

        from django.apps import apps as django_apps

        importlib.import_module("gongzhi.demands.migrations.0002_seed_reference_data").seed(django_apps, None)
    junmen = Region.objects.get(code=JUNMEN)
    worker = user_with_role("community_worker", JUNMEN, username="junmen", password=PASSWORD)
    council = s.council_create(by=worker, region=junmen, level="community", name="军门社区议事会")
    today = dt.date.today()
    s.council_member_add(
        by=worker,
        council=council,
        kind="rc",
        position="chair",
        name="林主任",
        term_start=today - dt.timedelta(days=30),
        term_end=today + dt.timedelta(days=700),
    )
    unit = unit_for_region(junmen)
    bs.round_create(by=worker, region=junmen, title="军门社区微实事", budget=200000)

    def decided(title):
        t = s.topic_propose(by=worker, council=council, title=title, body="居民反映多次")
        s.topic_agenda(by=worker, topic=t)
        s.topic_decide(
            by=worker,
            topic=t,
            outcome="deliberation",
            text="由物业更换，社区督促",
            owner="军门社区居委会",
            deadline=today + dt.timedelta(days=30),
        )
        t.refresh_from_db()
        return t

    handed = decided("3 号楼楼道灯更换")
    rs.resolution_task_create(by=worker, topic=handed, unit_id=unit.pk, category_code="property-leaks")
    open_topic = decided("小区健身器材维修")
    return {"council": council, "handed": handed, "open": open_topic}


def test_council_and_resolution_pages_on_phone_and_desktop(live_server, chromium, screenshot, world):
    base = live_server.url
    c = world["council"].pk
    pages = [
        ("council-new", "/deliberation/council/new/"),
        ("council-edit", f"/deliberation/council/{c}/edit/"),
        ("council-members", f"/deliberation/council/{c}/members/"),
        ("council", f"/deliberation/council/{c}/"),
        ("resolution-handed", f"/deliberation/topic/{world['handed'].pk}/"),
        ("resolution-open", f"/deliberation/topic/{world['open'].pk}/"),
    ]
    problems: dict[str, object] = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = name == "phone"
        context, page = signed_in(chromium, base, "junmen", viewport, phone=phone)
        for slug, path in pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            screenshot(page, f"deliberation-{slug}-{name}")
            if phone:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems[f"{path} (phone width)"] = width
            found = _axe_serious(page)
            if found:
                problems[f"{path} ({name})"] = found
        # The handed resolution shows its task; the open one offers both ways, as the guard says.
        page.goto(f"{base}/deliberation/topic/{world['handed'].pk}/")
        assert page.locator("[data-testid=resolution-task]").count() == 1
        assert page.locator("form[data-action=task]").count() == 0
        page.goto(f"{base}/deliberation/topic/{world['open'].pk}/")
        assert page.locator("form[data-action=task]").count() == 1
        assert page.locator("form[data-action=project]").count() == 1
        context.close()
    assert problems == {}, __import__("json").dumps(problems, ensure_ascii=False, indent=1)
