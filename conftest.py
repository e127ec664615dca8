"""Shared test fixtures: the Fuzhou region tree loaded once per test database, users by role."""

from __future__ import annotations

from pathlib import Path

import pytest

REGION_DIR = Path(__file__).parent / "gongzhi" / "core" / "data" / "regions"
SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


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
