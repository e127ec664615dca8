"""The funding fixture: a district call, an organisation with its staff, another organisation's
staff, district and street staff, two experts; time frozen."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongzhi.core import clock
from gongzhi.organizations.models import Organization
from gongzhi.projects import services

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 10, tzinfo=TZ)
JUNMEN, OTHER = "350102004001", "350102004003"
RUBRIC = [{"key": "need", "label": "需求"}, {"key": "design", "label": "设计"}]


@pytest.fixture(autouse=True)
def frozen():
    with clock.at(NOW):
        yield


@pytest.fixture
def w(make_user, db):
    from gongzhi.core.models import Region

    junmen, district = Region.objects.get(code=JUNMEN), Region.objects.get(code="350102")
    org = Organization.objects.create(name="邻里服务社", kind="social_org", region=junmen)
    other_org = Organization.objects.create(name="别家服务社", kind="social_org", region=junmen)
    staff = make_user("district_staff", "350102")
    call = services.call_create(
        by=staff,
        region=district,
        title="秋季创投",
        budget=100000,
        closes_at=NOW + dt.timedelta(days=10),
        rubric=RUBRIC,
    )
    return {
        "junmen": junmen,
        "org": org,
        "org_staff": make_user("social_org_staff", org),
        "other_staff": make_user("social_org_staff", other_org),
        "staff": staff,
        "street": make_user("street_staff", "350102004"),
        "expert": make_user("expert", "350102"),
        "expert2": make_user("expert", "350102"),
        "call": call,
    }
