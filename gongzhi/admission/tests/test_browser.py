"""Work admission and dual evaluation in a browser, on a desktop (1280 px) and a phone (375 px):
军门社区's inbox (an unadmitted task refused in one click), the 一表通 form filled from the
records, an application under review with its fields, and last year's evaluation results with the
items withdrawn. No page scrolls sideways on the phone; axe-core finds nothing critical or serious.
Screenshots for the README tour: test-artifacts/admission-*.png."""

from __future__ import annotations

import json

import pytest

from gongzhi.core.models import Region
from tests.browser.axe import axe_serious as _axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct horse battery"
JUNMEN = "350102004001"
DACHENG = "350102004003"


@pytest.fixture
def world():
    from conftest import REGION_DIR
    from gongzhi.admission.demo import demo_admission
    from gongzhi.admission.models import Application, InboxTask
    from gongzhi.core.manifests import DemoContext
    from gongzhi.core.regions import regions_import
    from gongzhi.evaluation.demo import demo_evaluation
    from gongzhi.evaluation.models import Survey
    from gongzhi.evaluation.tests.conftest import make_households
    from tests.factories import user_with_role

    if not Region.objects.filter(code=JUNMEN).exists():  # transactional tests start empty
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
    make_households(JUNMEN, 40, estates=3)
    make_households(DACHENG, 40)
    worker = user_with_role(
        "community_worker", JUNMEN, username="junmen", display_name="王芳", password=PASSWORD
    )
    user_with_role("district_staff", "350102", username="office", display_name="联席办", password=PASSWORD)
    ctx = DemoContext(district="350102", residents=0, seed=3, out=lambda s: None)
    demo_admission(ctx)
    demo_evaluation(ctx)
    return {
        "worker": worker,
        "pending": Application.objects.get(state="under_review"),
        "form_task": InboxTask.objects.filter(
            community_id=JUNMEN, application__kind="form", state="open"
        ).first(),
        "results": Survey.objects.get(target="community"),
    }


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _check(page, viewport, problems: dict) -> None:
    if viewport is PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    found = _axe_serious(page)
    if found:
        problems[page.url] = found


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_inbox_form_application_and_results(size, live_server, chromium, screenshot, world):
    viewport = DESKTOP if size == "desktop" else PHONE
    base = live_server.url
    options = {"viewport": viewport, "locale": "zh-CN"}
    if viewport is PHONE:
        options.update(is_mobile=True, has_touch=True)
    problems: dict = {}
    context = chromium.new_context(**options)
    context.set_default_timeout(90_000)  # a shared, loaded machine: the live server answers slowly
    page = context.new_page()
    try:
        # the community: its inbox, an unadmitted task refused in one click, the 一表通 form
        _login(page, base, "junmen")
        page.goto(f"{base}/admission/inbox/")
        unadmitted = page.locator("[data-testid=unadmitted]")
        assert unadmitted.count() >= 1
        _check(page, viewport, problems)
        screenshot(page, f"admission-{size}-inbox")
        before = unadmitted.count()
        with page.expect_navigation():
            page.locator("[data-testid=refuse]").first.click()
        assert page.locator("[data-testid=unadmitted]").count() == before - 1
        page.goto(f"{base}/admission/inbox/{world['form_task'].pk}/report/")
        assert page.locator("tr[data-source=records]").count() == 6
        _check(page, viewport, problems)
        screenshot(page, f"admission-{size}-form")
        page.goto(f"{base}/admission/inbox/?state=withdrawn")
        assert page.locator("[data-testid=withdrawal-reason]").count() >= 1
        _check(page, viewport, problems)
        context.clear_cookies()

        # the joint office: an application under review, the evaluation's results
        _login(page, base, "office")
        page.goto(f"{base}/admission/applications/{world['pending'].pk}/")
        assert "其中 6 项由系统数据生成" in page.locator("[data-testid=coverage]").inner_text()
        assert page.locator("form[data-action=approve]").count() == 1
        _check(page, viewport, problems)
        screenshot(page, f"admission-{size}-application")
        page.goto(f"{base}/evaluation/{world['results'].pk}/results/")
        assert page.locator("[data-testid=items]").is_visible()
        assert page.locator("[data-testid=survey-withdrawals] li").count() >= 1
        _check(page, viewport, problems)
        screenshot(page, f"admission-{size}-evaluation-results")
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
