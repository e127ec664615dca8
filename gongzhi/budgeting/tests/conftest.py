from __future__ import annotations

import datetime as dt

import pytest

JUNMEN = "350102004001"
STREET = "350102004"


@pytest.fixture
def staff(make_user):
    return make_user("community_worker", JUNMEN)


@pytest.fixture
def street_user(make_user):
    return make_user("street_staff", STREET)


@pytest.fixture
def councils(db, staff, street_user):
    from gongzhi.core.models import Region
    from gongzhi.deliberation import services as s

    street = s.council_create(
        by=street_user,
        region=Region.objects.get(code=STREET),
        level="street",
        name="东街街道议事会",
        support_threshold=5,
    )
    community = s.council_create(
        by=staff,
        region=Region.objects.get(code=JUNMEN),
        level="community",
        name="军门社区议事会",
        parent=street,
        support_threshold=2,
    )
    return street, community


@pytest.fixture
def council(councils):
    return councils[1]


@pytest.fixture
def make_resident(db, make_user):
    """make_resident(community=JUNMEN, birth=...) → a resident user with a person in a household."""
    from gongzhi.core.models import Region
    from gongzhi.registry.models import HouseholdMember
    from tests.factories import DwellingFactory, HouseholdFactory, PersonFactory

    def make(community: str = JUNMEN, birth: dt.date = dt.date(1980, 5, 17), household=None, dwelling=None):
        region = Region.objects.get(code=community)
        person = PersonFactory(community=region, birth_date=birth)
        if household is None:
            dwelling = dwelling or (DwellingFactory() if community == JUNMEN else None)
            household = HouseholdFactory(community=region, dwelling=dwelling, head=person)
            rel = "02"
        else:
            rel = "20"
        HouseholdMember.objects.create(household=household, person=person, relationship=rel, community=region)
        user = make_user("resident", community)
        user.person = person
        user.save(update_fields=["person"])
        return user

    return make
