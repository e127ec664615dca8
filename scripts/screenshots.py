"""Screenshots of the demo for the README tour: `make demo` in one shell, then

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Drives Debian's Chromium through Playwright, logging in with the demo accounts.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def login(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def shoot(page, out: Path, name: str, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # charts animate in
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print("saved", out / f"{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*", help="just these capability-app shots (file names)")
    opts = parser.parse_args()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    base = opts.base.rstrip("/")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        if opts.only:
            apps_tour(browser, base, out, set(opts.only))
            browser.close()
            return
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = login(context, base, "community")
        shoot(page, out, "community-home")
        page.goto(f"{base}/registry/people/?q=林")
        shoot(page, out, "resident-search")
        page.click("table.data tbody tr a >> nth=0")
        page.select_option("select[name=purpose]", "aid_check")
        page.fill("input[name=note]", "核对高龄津贴申请材料")
        page.click("#reveal-box button[type=submit]")
        page.wait_for_selector(".revealed")
        shoot(page, out, "resident-record-revealed")
        page.goto(f"{base}/registry/places/")
        page.click("a[href*='/registry/estates/'] >> nth=0")
        page.click("a[href*='/registry/buildings/'] >> nth=0")
        shoot(page, out, "building-grid")
        page.goto(f"{base}/access-log/")
        shoot(page, out, "access-log")
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = login(context, base, "district")
        shoot(page, out, "district-home")
        for path, name in (
            ("/demands/rates/", "demands-dashboard"),
            ("/demands/overdue/", "demands-overdue"),
            ("/demands/hot-issues/", "hot-issues"),
        ):
            page.goto(base + path)
            shoot(page, out, name)
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = login(context, base, "community")
        page.goto(f"{base}/demands/work/")
        shoot(page, out, "demands-work-list")
        page.click("table a[href*='/demands/'] >> nth=0")
        shoot(page, out, "demand-detail")
        context.close()

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
        )
        page = login(phone, base, "resident")
        page.goto(f"{base}/demands/submit/")
        shoot(page, out, "resident-submit-phone")
        phone.close()
        apps_tour(browser, base, out)
        browser.close()


# The capability apps: (account, start page, a regex for a link on it to follow or None, file name,
# phone?). The link followed is the first one in the page's main content whose path matches.
APPS_TOUR = [
    ("resident", "/deliberation/mine/", r"^/deliberation/poll/\d+/$", "deliberation-vote-phone", True),
    ("resident", "/budgeting/", r"^/budgeting/\d+/$", "budgeting-vote-phone", True),
    ("community", "/budgeting/", r"^/budgeting/\d+/$", "budgeting-results", False),
    ("resident", "/volunteers/", None, "volunteers-home-phone", True),
    ("resident", "/volunteers/timebank/", None, "volunteers-timebank-phone", True),
    ("community", "/volunteers/activities/", r"^/volunteers/activities/\d+/$", "volunteers-activity", False),
    ("community", "/organizations/lists/", None, "organizations-four-lists", False),
    ("resident", "/organizations/spaces/", None, "organizations-spaces-phone", True),
    ("expert", "/projects/", None, "projects-expert", False),
    ("grid", "/visits/", None, "visits-my-day-phone", True),
    ("grid", "/visits/", r"^/visits/household/\d+/$", "visits-household-phone", True),
    ("head", "/visits/coverage/", None, "visits-coverage", False),
    ("grid", "/visits/ledger/?level=grid", None, "visits-ledger-phone", True),
    ("community", "/admission/inbox/", None, "admission-inbox", False),
    ("unitcontact", "/organizations/unit/", None, "organizations-unit-contact", False),
    ("community", "/care/", None, "care-home", False),
    ("head", "/elections/", r"^/elections/\d+/$", "elections-detail", False),
    ("district", "/facilities/", None, "facilities-compliance", False),
    ("district", "/facilities/circle/", None, "facilities-circle", False),
    ("community", "/ledgers/", None, "ledgers-dashboard", False),
    ("district", "/ledgers/", None, "ledgers-district", False),
]


def apps_tour(browser, base: str, out: Path, only: set[str] | None = None) -> None:
    import re

    contexts: dict[tuple[str, bool], tuple] = {}
    for username, start, follow, name, on_phone in APPS_TOUR:
        if only and name not in only:
            continue
        key = (username, on_phone)
        if key not in contexts:
            if on_phone:
                context = browser.new_context(
                    viewport={"width": 375, "height": 812},
                    device_scale_factor=2,
                    is_mobile=True,
                    locale="zh-CN",
                )
            else:
                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            contexts[key] = (context, login(context, base, username))
        page = contexts[key][1]
        page.goto(base + start)
        if follow:
            hrefs = page.eval_on_selector_all(
                "main a[href]", "links => links.map(a => a.getAttribute('href'))"
            )
            target = next((h for h in hrefs if re.match(follow, h.split("?")[0])), None)
            if target is None:
                print("skipped", name, "(no link like", follow, "on", start + ")")
                continue
            page.goto(base + target)
        shoot(page, out, name, full=not on_phone)
    for context, _page in contexts.values():
        context.close()


if __name__ == "__main__":
    main()
