"""The service circle: the k-d tree over unit vectors against the haversine BallTree and every
pair, and the per-area shares."""

import numpy as np
import pytest

from gongzhi.facilities.circle import coverage, nearest, nearest_balltree, nearest_brute
from gongzhi.facilities.models import Facility
from gongzhi.facilities.selectors import circle
from tests.factories import BuildingFactory, DwellingFactory, EstateFactory, HouseholdFactory


def test_tree_matches_brute_force_and_the_balltree_on_a_sample():
    rng = np.random.default_rng(7)
    pts = np.column_stack([26.08 + rng.uniform(-0.03, 0.03, 3000), 119.30 + rng.uniform(-0.03, 0.03, 3000)])
    pts[1000:1500] = pts[:500]  # shared coordinates (the buildings of one estate) are looked up once
    fac = np.column_stack([26.08 + rng.uniform(-0.03, 0.03, 60), 119.30 + rng.uniform(-0.03, 0.03, 60)])
    a, b, c = nearest(pts, fac), nearest_brute(pts, fac), nearest_balltree(pts, fac)
    assert np.allclose(a, b, rtol=0, atol=1e-6) and np.allclose(a, c, rtol=0, atol=1e-6)
    assert np.array_equal(a[1000:1500], a[:500])
    for r in (300, 500, 800):
        assert np.array_equal(a <= r, b <= r)  # identical covered sets
        assert 0 < (a <= r).sum() < len(pts)
    # across the antimeridian and near a pole the chord is still the great circle
    far = np.array([[0.0, 179.999], [89.9, 10.0]])
    assert np.allclose(
        nearest(far, [[0.0, -179.999], [89.9, -170.0]]),
        nearest_brute(far, np.array([[0.0, -179.999], [89.9, -170.0]])),
        atol=1e-6,
    )


def test_hand_worked_distances_and_shares():
    # 0.0045° of latitude ≈ 500.4 m; 0.0027° ≈ 300.2 m; 0.0026° ≈ 289 m.
    buildings = [
        {"id": 1, "name": "A", "community": "350102004001", "lat": 26.0026, "lng": 119.0, "households": 10},
        {"id": 2, "name": "B", "community": "350102004001", "lat": 26.0044, "lng": 119.0, "households": 30},
        {"id": 3, "name": "C", "community": "350102004002", "lat": 26.0100, "lng": 119.0, "households": 60},
    ]
    res = coverage(buildings, [(26.0, 119.0)], "fitness")
    assert res.total.households == 100
    assert res.total.within == {300: 10, 500: 40, 800: 40}
    assert res.by_community["350102004001"].share(500) == 1.0
    assert res.by_street["350102004"].share(300) == 0.1
    assert [b["id"] for b in res.uncovered] == [3]
    assert res.uncovered[0]["distance"] == pytest.approx(1112, abs=2)
    none = coverage(buildings, [], "fitness")
    assert none.total.within[800] == 0 and none.uncovered[0]["distance"] is None


@pytest.mark.django_db
def test_circle_from_the_register_and_what_if(make_user):
    jm = "350102004001"
    near = EstateFactory(latitude=26.0, longitude=119.0)
    far = EstateFactory(latitude=26.02, longitude=119.0)
    for estate, n in ((near, 2), (far, 3)):
        building = BuildingFactory(estate=estate)
        for _ in range(n):
            HouseholdFactory(community_id=jm, dwelling=DwellingFactory(building=building))
    BuildingFactory(estate=EstateFactory(latitude=None, longitude=None))  # not located: left out
    Facility.objects.create(community_id=jm, kind="fitness", name="健身", latitude=26.001, longitude=119.0)
    user = make_user("community_worker", jm)
    res = circle(user=user, prefix=jm, kind="fitness")
    assert (res.total.households, res.total.within[500]) == (5, 2)
    assert res.uncovered[0]["name"].startswith(far.name)
    what_if = circle(user=user, prefix=jm, kind="fitness", extra=[(26.0201, 119.0)])
    assert what_if.total.within[500] == 5 and what_if.uncovered == []
    assert (
        circle(user=make_user("community_worker", "350102001001"), prefix=jm, kind="fitness").total.households
        == 0
    )
