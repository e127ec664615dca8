"""A small patch of 军门社区: one estate with two buildings (6 and 4 households), workers, a head."""

from __future__ import annotations

import pytest

C = "350102004001"  # 军门社区
OTHER = "350102004003"  # 大根社区


@pytest.fixture
def place(db):
    from gongzhi.core.models import Region
    from gongzhi.registry.models import HouseholdMember, PersonTag
    from tests.factories import (
        BuildingFactory,
        DwellingFactory,
        EstateFactory,
        HouseholdFactory,
        PersonFactory,
    )

    estate = EstateFactory(latitude=26.08, longitude=119.30, has_property_management=False)
    a = BuildingFactory(estate=estate, name="1号楼")
    b = BuildingFactory(estate=estate, name="2号楼")
    households = []
    for building, n in ((a, 6), (b, 4)):
        for _i in range(n):
            d = DwellingFactory(building=building)
            head = PersonFactory(dwelling=d)
            h = HouseholdFactory(dwelling=d, head=head)
            HouseholdMember.objects.create(community_id=C, household=h, person=head, relationship="02")
            households.append(h)
    PersonTag.objects.create(community_id=C, person=households[9].head, kind="elderly_alone")
    return {
        "community": Region.objects.get(code=C),
        "estate": estate,
        "buildings": (a, b),
        "households": households,
    }


@pytest.fixture
def staff(make_user):
    return {
        "grid": make_user("grid_worker", C),
        "grid2": make_user("grid_worker", C),
        "head": make_user("community_head", C),
        "street": make_user("street_staff", "350102004"),
        "other_grid": make_user("grid_worker", OTHER),
    }
