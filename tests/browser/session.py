"""What every browser test does before it looks at a page: the region codes loaded (a
transactional test starts with an empty database), a browser context the size of a desktop or a
phone, and a user signed in through the login form."""

from __future__ import annotations

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def regions_loaded(probe: str = "350102004001") -> None:
    """Import the region codes unless `probe` (军门社区) is already there."""
    from conftest import REGION_DIR
    from gongzhi.core.models import Region
    from gongzhi.core.regions import regions_import

    if not Region.objects.filter(code=probe).exists():
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))


def new_page(chromium, viewport: dict, *, phone: bool = False):
    """A Chinese-language context of that size (a touch phone if `phone`) and its page."""
    context = chromium.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
    return context, context.new_page()


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def signed_in(chromium, base: str, username: str, viewport: dict, *, phone: bool = False):
    """A new context with `username` signed in: (context, page)."""
    context, page = new_page(chromium, viewport, phone=phone)
    log_in(page, base, username)
    return context, page
