import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.demands.calendar import TZ

JUNMEN = "350102004001"
DACHENG = "350102004003"
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)


@pytest.fixture
def now():
    with clock.at(NOW):
        yield NOW


@pytest.fixture
def office(make_user):
    return make_user("district_staff", "350102")


def make_households(community: str, n: int, *, estates: int = 2):
    from gongzhi.core.models import Region
    from tests.factories import (
        BuildingFactory,
        DwellingFactory,
        EstateFactory,
        HouseholdFactory,
        PersonFactory,
    )

    region = Region.objects.get(code=community)
    es = [EstateFactory(community=region) for _ in range(estates)]
    out = []
    for i in range(n):
        estate = es[i % estates]
        building = BuildingFactory(estate=estate, community=region)
        head = PersonFactory(community=region, birth_date=dt.date(1950 + (i * 7) % 60, 1, 1))
        out.append(HouseholdFactory(community=region, head=head, dwelling=DwellingFactory(building=building)))
    return out


@pytest.fixture
def open_survey(now, office):
    from gongzhi.evaluation import services

    make_households(JUNMEN, 12)
    make_households(DACHENG, 6)
    s = services.survey_create(region="350102", title="居民评社区", target="community", year=2026, by=office)
    codes = services.sample_draw(survey=s, per_community=8, by=office, seed=1)
    services.survey_set_state(survey=s, state="open", by=office)
    return s, codes


def answers(v=4):
    return {str(n): v for n in range(1, 8)}
