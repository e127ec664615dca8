"""Shared test fixtures: the Fuzhou region tree loaded once per test database, users by role."""

from __future__ import annotations

from pathlib import Path

import pytest

REGION_DIR = Path(__file__).parent / "gongzhi" / "core" / "data" / "regions"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from gongzhi.core.regions import regions_import

    with django_db_blocker.unblock():
        regions_import(paths=sorted(REGION_DIR.glob("*.csv")))


@pytest.fixture
def make_user(db):
    """make_user(role, scope) with scope a region code, a Department or an Organization."""
    from tests.factories import user_with_role

    return user_with_role


@pytest.fixture
def community_worker(make_user):
    return make_user("community_worker", "350102004001")  # 军门社区


@pytest.fixture
def junmen(db):
    from gongzhi.core.models import Region

    return Region.objects.get(code="350102004001")


@pytest.fixture
def other_community(db):
    from gongzhi.core.models import Region

    return (
        Region.objects.get(code="350103001001")
        if Region.objects.filter(code="350103001001").exists()
        else Region.objects.filter(level=5).exclude(code__startswith="350102").first()
    )


# Browser tests: Debian's Chromium driven by Playwright; screenshots go to test-artifacts/.
ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    import os

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name): save a full-page PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
