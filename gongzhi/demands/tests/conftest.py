"""Fixtures for the demands tests: the units of 军门社区 (东街街道, 鼓楼区), users by role,
and demands brought to any state through the services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
JUNMEN = "350102004001"  # 军门社区, 东街街道
DAGEN = "350102004003"  # 大根社区, same street
STREET = "350102004"  # 东街街道
DISTRICT = "350102"  # 鼓楼区
OTHER_STREET_COMMUNITY = "350102001001"  # 中山社区, 鼓东街道


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _no_trained_model(settings, tmp_path_factory):
    """Intake asks the classifier for suggestions when a model is saved under DATA_DIR; a
    model left there by `make demo` must not change what the tests see."""
    settings.DATA_DIR = tmp_path_factory.getbasetemp() / "no-model"


@pytest.fixture(autouse=True)
def _fresh_calendar():
    from gongzhi.demands import calendar

    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def units(db):
    from gongzhi.core.models import Region
    from gongzhi.demands.units import unit_for_department, unit_for_region
    from tests.factories import DepartmentFactory

    dept = DepartmentFactory(code="gl-housing", name="鼓楼区住建局", kind="housing")
    return {
        "community": unit_for_region(Region.objects.get(code=JUNMEN)),
        "dagen": unit_for_region(Region.objects.get(code=DAGEN)),
        "street": unit_for_region(Region.objects.get(code=STREET)),
        "district": unit_for_region(Region.objects.get(code=DISTRICT)),
        "department": unit_for_department(dept),
        "other_street": unit_for_region(Region.objects.get(code=OTHER_STREET_COMMUNITY[:9])),
        "other_community": unit_for_region(Region.objects.get(code=OTHER_STREET_COMMUNITY)),
        "dept": dept,
    }


@pytest.fixture
def people(db, units, make_user):
    """One user per role around 军门社区, and some out of scope."""
    return {
        "resident": make_user("resident", JUNMEN),
        "other_resident": make_user("resident", JUNMEN),
        "grid_worker": make_user("grid_worker", JUNMEN),
        "community_worker": make_user("community_worker", JUNMEN),
        "community_head": make_user("community_head", JUNMEN),
        "dagen_worker": make_user("community_worker", DAGEN),
        "street_staff": make_user("street_staff", STREET),
        "district_staff": make_user("district_staff", DISTRICT),
        "department_staff": make_user("department_staff", units["dept"]),
        "other_street_staff": make_user("street_staff", OTHER_STREET_COMMUNITY[:9]),
        "other_community_worker": make_user("community_worker", OTHER_STREET_COMMUNITY),
    }


@pytest.fixture
def category(db):
    from gongzhi.demands.models import Category

    return Category.objects.get(code="property-leaks")  # 物业管理 › 房屋漏水, ordinary 5 working days


@pytest.fixture
def junmen(db):
    from gongzhi.core.models import Region

    return Region.objects.get(code=JUNMEN)


STATES_PATH = ["submitted", "dispatched", "handling", "replied", "called_back", "closed"]


@pytest.fixture
def demand_in(db, people, units, category, junmen):
    """demand_in(state, unit='community', satisfaction='satisfied', resolved=True) → a demand
    in that state, made through the services by the users who may take each step."""
    from gongzhi.demands import services

    def make(state: str, unit: str = "community", satisfaction: str = "satisfied", resolved: bool = True):
        handler = {
            "community": people["community_worker"],
            "street": people["street_staff"],
            "department": people["department_staff"],
            "district": people["district_staff"],
        }[unit]
        d = services.demand_create(
            by=people["resident"],
            channel="web",
            title="楼道漏水",
            body="3号楼2单元楼道顶棚漏水，雨天严重。",
            community=junmen,
            contact_phone="13800001111",
        )
        if state == "submitted":
            return d
        d = services.demand_dispatch(demand=d, unit=units[unit], by=people["street_staff"], category=category)
        if state == "dispatched":
            return d
        if state == "return_pending":
            services.demand_return(demand=d, by=handler, reason="不属于本单位职责")
            d.refresh_from_db()
            return d
        d = services.demand_sign(demand=d, by=handler)
        if state == "handling":
            return d
        d = services.demand_reply(
            demand=d, by=handler, reply="已联系物业维修。", resolution_kind="deliberation"
        )
        if state == "replied":
            return d
        d = services.demand_callback(
            demand=d, by=people["street_staff"], satisfaction=satisfaction, resolved=resolved
        )
        if state == "called_back":
            return d
        forced = satisfaction == "unsatisfied" or not resolved
        d = services.demand_close(
            demand=d, by=people["street_staff"], force=forced, note="经街道确认办结" if forced else ""
        )
        assert d.state == "closed"
        return d

    return make
