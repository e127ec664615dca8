"""The demo links facilities that social organisations run (elderly care, meal points…) to an
organisation of the register serving their community in that field; the public bodies'
facilities (police room, health station) keep a name. (The whole `gongzhi demo` run is covered by
core's test_demo; here the choice itself, on a few organisations.)"""

import random

from gongzhi.core.models import Region
from gongzhi.facilities.demo import _operator
from gongzhi.facilities.models import FacilityKind
from gongzhi.organizations.models import OrganizationProfile

JM, OTHER = "350102004001", "350102001001"


def _org(name, code, field, served=()):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(name=name, region=Region.objects.get(code=code))
    profile = OrganizationProfile.objects.create(organization=org, service_field=field)
    profile.communities_served.add(*served)
    return org


def test_demo_operator_choice(db):
    elderly = _org("区康乐养老服务中心", "350102", "elderly", served=[JM])
    _org("外社区长者服务社", OTHER, "elderly")
    rng, cache = random.Random(1), {}
    for _ in range(5):
        org, name = _operator(JM, FacilityKind.MEAL_POINT, rng, cache)
        assert org == elderly and name == ""
        org, name = _operator(JM, FacilityKind.POLICE_ROOM, rng, cache)
        assert org is None and name == "鼓楼区公安分局"
    org, name = _operator(OTHER, FacilityKind.READING_ROOM, rng, cache)  # no culture organisation
    assert org is None and name == "区图书馆"
