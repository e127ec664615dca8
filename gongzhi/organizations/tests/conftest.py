import datetime as dt

import pytest

JUNMEN = "350102004001"
OTHER = "350102004003"  # 大根社区, another community of 东街街道


@pytest.fixture
def regions(db):
    from gongzhi.core.models import Region

    return {
        "junmen": Region.objects.get(code=JUNMEN),
        "other": Region.objects.get(code=OTHER),
        "district": Region.objects.get(code="350102"),
    }


@pytest.fixture
def estate(regions):
    from gongzhi.registry.models import Estate

    return Estate.objects.create(community=regions["junmen"], name="军门小区")


@pytest.fixture
def staff(make_user):
    return make_user("community_worker", JUNMEN)


@pytest.fixture
def social_org(regions, staff):
    from gongzhi.organizations.services import organization_register

    return organization_register(
        by=staff,
        name="军门长者服务社",
        kind="community_social_org",
        region=regions["junmen"],
        registration="filed",
        service_field="elderly",
        staff_count=3,
        social_worker_count=1,
        communities_served=[JUNMEN],
    )


@pytest.fixture
def today():
    return dt.date(2026, 11, 30)
