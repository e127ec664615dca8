"""The synthetic district: valid, consistent, realistic in shape, deterministic."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core import idnumber
from gongzhi.core.models import Department, Region
from gongzhi.registry.codes import Relationship, ResidenceType, TagKind
from gongzhi.registry.generate import (
    HOUSEHOLDS_PER_GRID,
    MIGRANT_ORIGINS,
    GenerateError,
    district_generate,
    district_plan,
    persons_load,
)
from gongzhi.registry.models import (
    Building,
    Dwelling,
    Estate,
    Grid,
    Household,
    HouseholdMember,
    Person,
    PersonTag,
)

TODAY = dt.date(2025, 6, 30)
N = 3000


def _age(birth: dt.date) -> int:
    return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))


@pytest.fixture
def district(db):
    return district_generate(district="350102", residents=N, seed=7, today=TODAY)


def test_identity_numbers_valid_and_match_the_person(district):
    origins = {code for code, _name, _w in MIGRANT_ORIGINS}
    people = list(Person.objects.all())
    assert len(people) == N
    hashes = set()
    for p in people:
        parsed = idnumber.parse(p.id_number, today=TODAY)  # raises on a bad checksum or date
        assert parsed.sex == p.sex
        assert parsed.birth_date == p.birth_date
        assert p.id_tail == parsed.value[-4:]
        if p.residence_type == ResidenceType.MIGRANT:
            assert parsed.address_code in origins and parsed.address_code != "350102"
        else:
            assert parsed.address_code == "350102"
        hashes.add(p.id_number_hash)
        if p.phone_encrypted:
            idnumber.normalise_phone(p.phone)
            assert p.phone_tail == p.phone[-4:]
    assert len(hashes) == N  # unique
    migrants = [p for p in people if p.residence_type == ResidenceType.MIGRANT]
    other_provinces = {p.id_number[:2] for p in migrants} - {"35"}
    assert len(other_provinces) >= 5


def test_households_have_exactly_one_head(district):
    heads = Counter(
        HouseholdMember.objects.filter(relationship=Relationship.HEAD).values_list("household_id", flat=True)
    )
    households = list(Household.objects.all())
    assert households
    for h in households:
        assert heads[h.pk] == 1
        assert HouseholdMember.objects.get(household=h, relationship=Relationship.HEAD).person_id == h.head_id
    assert HouseholdMember.objects.count() == Person.objects.count()  # everybody in one household
    assert set(HouseholdMember.objects.values_list("relationship", flat=True)) <= set(Relationship.values)
    # Spouses are of the other sex; children are younger than the head.
    for m in HouseholdMember.objects.select_related("person", "household__head")[:2000]:
        head = m.household.head
        if m.relationship in (Relationship.WIFE, Relationship.HUSBAND):
            assert m.person.sex != head.sex
        if m.relationship in (Relationship.SON, Relationship.DAUGHTER):
            assert m.person.birth_date > head.birth_date
    assert 2.0 <= N / len(households) <= 3.2  # census average family size about 2.6


def test_every_row_carries_a_community_of_the_district(district):
    communities = set(
        Region.objects.filter(level=5, code__startswith="350102").values_list("code", flat=True)
    )
    for model in (Grid, Estate, Building, Dwelling, Person, Household, HouseholdMember, PersonTag):
        used = set(model.objects.values_list("community_id", flat=True).distinct())
        assert used, model
        assert used <= communities, model
    # and the same community along the links
    assert not Person.objects.exclude(community=models_F("dwelling__community")).exists()
    assert not Household.objects.exclude(community=models_F("head__community")).exists()
    assert not PersonTag.objects.exclude(community=models_F("person__community")).exists()
    assert not Building.objects.exclude(community=models_F("estate__community")).exists()
    assert not Building.objects.exclude(community=models_F("grid__community")).exists()
    assert len(set(Person.objects.values_list("community_id", flat=True))) == len(communities)


def models_F(name):
    from django.db.models import F

    return F(name)


def test_age_pyramid_and_surnames(district):
    ages = [_age(b) for b in Person.objects.values_list("birth_date", flat=True)]
    share = lambda pred: sum(1 for a in ages if pred(a)) / len(ages)  # noqa: E731
    assert 0.13 <= share(lambda a: a < 15) <= 0.23  # census 18%
    assert 0.14 <= share(lambda a: a >= 60) <= 0.24  # census 18.7%
    assert 0.01 <= share(lambda a: a >= 80) <= 0.04
    assert max(ages) < 100 and min(ages) >= 0
    surnames = Counter(n[0] for n in Person.objects.values_list("name", flat=True))
    top = [s for s, _c in surnames.most_common(2)]
    assert set(top) == {"林", "陈"}  # Fuzhou


def test_group_tags_at_sane_shares_with_sources(district):
    current = PersonTag.objects.filter(valid_from__lte=TODAY).exclude(valid_to__lt=TODAY)
    people_with = {k: current.filter(kind=k).values("person").distinct().count() / N for k in TagKind.values}
    bounds = {
        TagKind.MIGRANT: (0.08, 0.25),
        TagKind.PARTY_MEMBER: (0.04, 0.11),
        TagKind.DISABLED: (0.01, 0.05),
        TagKind.ELDERLY_80: (0.01, 0.04),
        TagKind.ELDERLY_ALONE: (0.01, 0.07),
        TagKind.VETERAN: (0.005, 0.04),
        TagKind.UNEMPLOYED: (0.003, 0.04),
        TagKind.MINIMUM_ALLOWANCE: (0.002, 0.04),
        TagKind.EXTREME_HARDSHIP: (0.0, 0.01),
        TagKind.LEFT_BEHIND_CHILD: (0.0, 0.02),
    }
    for kind, (lo, hi) in bounds.items():
        assert lo <= people_with[kind] <= hi, (kind, people_with[kind])
    kinds = dict(Department.objects.filter(region_id="350102").values_list("pk", "kind"))
    assert set(kinds.values()) >= {
        "civil_affairs",
        "hrss",
        "disabled_federation",
        "health",
        "public_security",
        "veterans",
    }
    expected_source = {
        TagKind.DISABLED: "disabled_federation",
        TagKind.VETERAN: "veterans",
        TagKind.UNEMPLOYED: "hrss",
        TagKind.MIGRANT: "public_security",
        TagKind.MINIMUM_ALLOWANCE: "civil_affairs",
        TagKind.ELDERLY_80: "civil_affairs",
    }
    for tag in PersonTag.objects.select_related("person"):
        if tag.kind in expected_source:
            assert kinds[tag.source_department_id] == expected_source[tag.kind]
        else:
            assert tag.source  # a department or a label
        assert tag.valid_to is None or tag.valid_to >= tag.valid_from
        if tag.kind == TagKind.DISABLED:
            assert 1 <= tag.grade <= 4 and tag.disability_category
            assert tag.valid_to is not None
        if tag.kind == TagKind.ELDERLY_80:
            assert _age(tag.person.birth_date) >= 80
        if tag.kind == TagKind.ELDERLY_ALONE:
            assert _age(tag.person.birth_date) >= 60
            assert HouseholdMember.objects.filter(household__members__person=tag.person).count() == 1
        if tag.kind == TagKind.MIGRANT:
            assert tag.person.residence_type == ResidenceType.MIGRANT
    # 低保 is a household's: every member of a household holding it holds it too
    for person_id in current.filter(kind=TagKind.MINIMUM_ALLOWANCE).values_list("person_id", flat=True)[:50]:
        household = HouseholdMember.objects.get(person_id=person_id).household
        for member in household.members.all():
            assert current.filter(kind=TagKind.MINIMUM_ALLOWANCE, person_id=member.person_id).exists()
    # some old courtyards have no property management
    assert Estate.objects.filter(kind="old_courtyard", has_property_management=False).exists()
    assert Estate.objects.filter(has_property_management=True, property_company__isnull=False).exists()


def test_deterministic_with_a_seed(db):
    a = district_plan(residents=800, seed=11, today=TODAY)
    b = district_plan(residents=800, seed=11, today=TODAY)
    c = district_plan(residents=800, seed=12, today=TODAY)
    assert a.persons == b.persons and a.tags == b.tags and a.dwellings == b.dwellings
    assert a.persons != c.persons
    # and through the database: same people after a reset
    district_generate(residents=800, seed=11, today=TODAY)
    first = sorted(Person.objects.values_list("name", "sex", "birth_date", "id_number_hash", "community_id"))
    district_generate(residents=800, seed=11, today=TODAY, reset=True)
    second = sorted(Person.objects.values_list("name", "sex", "birth_date", "id_number_hash", "community_id"))
    assert first == second


def test_grids_split_communities_by_household_count(db, monkeypatch):
    # The real size is 250 households a grid; scaled down so that the plan stays small.
    from gongzhi.registry import generate

    assert HOUSEHOLDS_PER_GRID == 250
    monkeypatch.setattr(generate, "HOUSEHOLDS_PER_GRID", 25)
    plan = district_plan(residents=8000, seed=3, today=TODAY)
    per_grid = Counter()
    building_grid = {b[0]: b[3] for b in plan.buildings}
    dwelling_building = {d[0]: d[2] for d in plan.dwellings}
    for h in plan.households:
        per_grid[building_grid[dwelling_building[h[4]]]] += 1
    counts = sorted(per_grid.values())
    # A grid never splits a building, so small communities get fewer, larger grids.
    assert len(plan.grids) > 1.3 * len(plan.communities)
    assert len(counts) == len(plan.grids)  # no empty grid
    median = counts[len(counts) // 2]
    assert 15 <= median <= 60


def test_refuses_when_data_exists_and_resets_on_request(district):
    with pytest.raises(GenerateError):
        district_generate(residents=100, seed=1, today=TODAY)
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate", "--residents", "100")
    assert Person.objects.count() == N
    call_command("generate", "--residents", "120", "--seed", "5", "--reset")
    assert Person.objects.count() == 120
    assert Household.objects.filter(community__code__startswith="350102").count() < 120


def test_unknown_district_is_refused(db):
    with pytest.raises(GenerateError, match="不存在"):
        district_generate(district="999999", residents=10)


def test_loader_rejects_a_bad_identity_number(db):
    good = idnumber.compose("350102", dt.date(1980, 5, 17), 11)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    row = [1, "350102004001", "林测试", "M", dt.date(1980, 5, 17), "01", "registered", None, "", "", ""]
    with pytest.raises(idnumber.IdNumberError):
        persons_load([(*row, bad_check, "")], today=TODAY)
    row[3] = "F"  # the number says male
    with pytest.raises(GenerateError):
        persons_load([(*row, good, "")], today=TODAY)
    row[3] = "M"
    with pytest.raises(Exception, match="电话"):
        persons_load([(*row, good, "12345")], today=TODAY)
    assert persons_load([(*row, good, "13800138000")], today=TODAY) == 1
    p = Person.objects.get()
    assert (p.id_number, p.phone, p.phone_tail) == (good, "13800138000", "8000")
    assert p.id_number_encrypted != good  # stored encrypted


def test_the_demo_community_gets_a_real_communitys_share_and_the_total_stays(db):
    import random

    from gongzhi.registry.generate import FEATURED_COMMUNITY, _community_sizes

    communities = [f"3501020040{i:02d}" for i in range(1, 70)]
    assert FEATURED_COMMUNITY in communities
    sizes = _community_sizes(random.Random(1), communities, 20000)
    assert sum(sizes) == 20000
    assert sizes[communities.index(FEATURED_COMMUNITY)] == 4000
    # A small district is generated as before: no community is singled out.
    small = _community_sizes(random.Random(1), communities, 800)
    assert sum(small) == 800 and max(small) < 40
