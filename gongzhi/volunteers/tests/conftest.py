"""Fixtures: residents of 军门社区 with accounts linked to their registry person, volunteers,
an activity with shifts tomorrow, staff by role."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
JUNMEN = "350102004001"  # 军门社区, 东街街道
DAGEN = "350102004003"  # 大根社区, same street
OTHER = "350102001001"  # 中山社区, 鼓东街道


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def make_resident(make_user):
    """make_resident(community=JUNMEN) -> a resident user linked to a new registry person."""
    from gongzhi.core.models import Region
    from tests.factories import PersonFactory

    def make(community: str = JUNMEN, **person_fields):
        person = PersonFactory(community=Region.objects.get(code=community), **person_fields)
        user = make_user("resident", community)
        user.person = person
        user.save(update_fields=["person"])
        return user

    return make


@pytest.fixture
def staff(make_user):
    return make_user("community_worker", JUNMEN)


@pytest.fixture
def make_volunteer(make_resident, staff):
    from gongzhi.volunteers.services import volunteer_register

    def make(community: str = JUNMEN):
        user = make_resident(community)
        v = volunteer_register(person=user.person, by=user)
        return user, v

    return make


@pytest.fixture
def activity(staff):
    """An activity in 军门社区 with two shifts tomorrow morning (2 places, 9–11 and 10–12)."""
    from gongzhi.core import clock
    from gongzhi.core.models import Region
    from gongzhi.volunteers.services import activity_create

    tomorrow = (clock.now().astimezone(TZ) + dt.timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return activity_create(
        community=Region.objects.get(code=JUNMEN),
        title="楼道清洁",
        place="军门社区党群服务中心",
        by=staff,
        shifts=[
            (tomorrow, tomorrow + dt.timedelta(hours=2), 2),
            (tomorrow + dt.timedelta(hours=1), tomorrow + dt.timedelta(hours=3), 2),
        ],
    )
