"""Each standard's computation on hand-worked cases, then the same facts read from the database."""

from decimal import Decimal as D

import pytest

from gongzhi.facilities.compliance import Facts, evaluate
from gongzhi.facilities.models import Facility, Premises, RuleKind, Standard
from gongzhi.facilities.selectors import community_facts, compliance, standards_for
from tests.factories import DwellingFactory, HouseholdFactory


def test_area_per_households_ningbo_40():
    # 1,250 households × 40 ㎡ / 100 = 500 ㎡ required; 320 + 60 ㎡ of service rooms (the office
    # does not count) → 120 ㎡ short, at ¥6,000/㎡ = ¥720,000.
    f = Facts(households=1250, area_by_use={"office": D(100), "elderly": D(320), "youth": D(60)})
    r = evaluate(RuleKind.AREA_PER_HOUSEHOLDS, {"per_100_households": 40}, 6000, f)
    assert (r.required, r.actual, r.gap, r.cost, r.met) == (D(500), D(380), D(120), D(720000), False)
    r30 = evaluate(RuleKind.AREA_PER_HOUSEHOLDS, {"per_100_households": 30}, 6000, f)  # other cities: 375 ㎡
    assert (r30.required, r30.gap, r30.met) == (D(375), D(0), True)


def test_office_minimum_100_counts_only_offices():
    f = Facts(area_by_use={"office": D("85.5"), "elderly": D(400)})
    r = evaluate(RuleKind.MINIMUM_AREA, {"minimum": 100, "uses": ["office"]}, 5000, f)
    assert (r.required, r.actual, r.gap, r.cost) == (D(100), D("85.5"), D("14.5"), D(72500))
    assert evaluate(RuleKind.MINIMUM_AREA, {"minimum": 100}, 0, Facts()).gap == D(100)  # no premises at all


def test_five_ones_lists_the_missing_items():
    f = Facts(facility_kinds={"service_centre", "police_room", "fitness", "meal_point"})
    kinds = ["service_centre", "health_station", "police_room", "reading_room", "fitness"]
    r = evaluate(RuleKind.ITEMS_REQUIRED, {"kinds": kinds}, 300000, f)
    assert (r.required, r.actual, r.gap, r.cost) == (D(5), D(3), D(2), D(600000))
    assert r.missing == ["health_station", "reading_room"]


def test_estate_reserve_3_or_2_percent():
    # 40,000 ㎡ × 3% = 1,200; 80,000 ㎡ × 2% = 1,600 → 2,800 required; 2,000 handed over → 800 short.
    f = Facts(estate_floor_areas=[D(40000), D(80000)], handed_over_area=D(2000))
    r = evaluate(RuleKind.ESTATE_RESERVE, {"threshold": 50000, "below": 0.03, "above": 0.02}, 0, f)
    assert (r.required, r.actual, r.gap, r.cost) == (D(2800), D(2000), D(800), D(0))


def test_share_of_area_half_for_organisations():
    # 600 ㎡ in all, 250 used by social organisations: half would be 300 → 50 ㎡ short.
    f = Facts(area_by_use={"office": D(100), "social_org": D(250), "elderly": D(250)})
    r = evaluate(RuleKind.SHARE_OF_AREA, {"uses": ["social_org"], "share": 0.5}, 0, f)
    assert (r.required, r.actual, r.gap) == (D(300), D(250), D(50))
    # 80% of service rooms (office left out) for elderly/youth/charity/mediation: 0.8 × 500 = 400 ≤ 250? no.
    r80 = evaluate(
        RuleKind.SHARE_OF_AREA,
        {"uses": ["elderly"], "share": 0.8, "of_uses": ["social_org", "elderly"]},
        0,
        f,
    )
    assert (r80.required, r80.gap) == (D(400), D(150))


@pytest.mark.django_db
def test_facts_and_compliance_from_the_register(make_user):
    jm = "350102004001"
    for _ in range(3):
        HouseholdFactory(community_id=jm, dwelling=DwellingFactory(area=D("90")))
    Premises.objects.create(community_id=jm, name="办公室", use="office", area=120)
    Premises.objects.create(community_id=jm, name="养老", use="elderly", area=D("0.5"))
    Facility.objects.create(
        community_id=jm, kind="police_room", name="警务室", latitude=26.08, longitude=119.29
    )
    f = community_facts(jm)[jm]
    assert (f.households, f.area(), f.facility_kinds) == (3, D("120.5"), {"police_room"})
    assert sorted(f.estate_floor_areas) == [D(90)] * 3  # three dwellings, each in its own estate
    Standard.objects.create(
        code="s",
        version=1,
        title="每百户40",
        source="x",
        kind=RuleKind.AREA_PER_HOUSEHOLDS,
        parameters={"per_100_households": 40},
        unit_price=100,
    )
    Standard.objects.create(
        code="s",
        version=2,
        title="每百户30",
        source="x",
        kind=RuleKind.AREA_PER_HOUSEHOLDS,
        parameters={"per_100_households": 30},
        unit_price=100,
    )
    Standard.objects.create(
        code="yh",
        version=1,
        title="雨花台",
        source="x",
        scope="320114",
        kind=RuleKind.MINIMUM_AREA,
        parameters={"minimum": 1},
    )
    assert [(s.code, s.version) for s in standards_for(jm)] == [("s", 2)]  # newest version, in scope only
    rows = compliance(user=make_user("community_worker", jm), prefix=jm)
    (c,) = rows
    r = c.rows[0].result
    assert (r.required, r.actual, r.gap, r.cost) == (D("0.90"), D("0.50"), D("0.40"), D(40))
    assert compliance(user=make_user("community_worker", "350102001001"), prefix=jm) == []
