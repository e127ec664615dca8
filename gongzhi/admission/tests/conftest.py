import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.demands.calendar import TZ

JUNMEN = "350102004001"
STREET = "350102004"
DISTRICT = "350102"
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday


@pytest.fixture
def now():
    with clock.at(NOW):
        yield NOW


@pytest.fixture
def dept(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory()


@pytest.fixture
def other_dept(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory()


@pytest.fixture
def dept_user(make_user, dept):
    return make_user("department_staff", dept)


@pytest.fixture
def reviewer(make_user):
    return make_user("district_staff", DISTRICT)


@pytest.fixture
def published(db, reviewer):
    from gongzhi.admission import services
    from gongzhi.admission.listdata import list_items

    v = services.list_draft_open(region=DISTRICT, by=reviewer)
    services.list_items_set(version=v, items=list_items(), by=reviewer)
    return services.list_publish(version=v, by=reviewer)


def app_data(**over):
    data = {
        "kind": "task",
        "title": "高龄津贴资格认证入户核实",
        "description": "",
        "communities": [JUNMEN, "350102004003"],
        "period_start": dt.date(2026, 6, 1),
        "period_end": dt.date(2026, 12, 31),
        "hours_per_community": 10,
        "funding_per_community": 1000,
        "materials": "",
        "legal_basis": "《老年人权益保障法》",
    }
    data.update(over)
    return data


@pytest.fixture
def draft_app(now, dept, dept_user, published):
    from gongzhi.admission import services

    return services.application_create(department=dept, data=app_data(), by=dept_user)
