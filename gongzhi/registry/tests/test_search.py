"""Resident search: group-tag searches counted on the tags (exact, kept in line with the
people by the services), and the single box reading estate and courtyard names as addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.models import Region, RoleAssignment
from gongzhi.core.scoping import clear_cache
from gongzhi.registry import services
from gongzhi.registry.models import PersonTag
from gongzhi.registry.selectors import person_list_page, person_search, with_current_tags
from tests.factories import DwellingFactory, EstateFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


@pytest.fixture
def neighbour(db):
    """Another community of the same district."""
    return (
        Region.objects.filter(level=5, code__startswith="350102")
        .exclude(code=JUNMEN)
        .order_by("code")
        .first()
    )


@pytest.fixture
def district_user(make_user):
    return make_user("district_staff", "350102")


@pytest.fixture
def editor(make_user):
    return make_user("community_worker", "350102")


def _tag(person, kind, **kw):
    return PersonTag.objects.create(
        community_id=person.community_id,
        person=person,
        person_status=person.status,
        person_name=person.name,
        kind=kind,
        **kw,
    )


def _people_count(qs) -> int:
    """The count as the people give it (bypassing the count on the tags)."""
    return QuerySet.count(qs)


def _tables(fn) -> str:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return " ".join(q["sql"] for q in queries.captured_queries)


@pytest.fixture
def register(junmen, neighbour, other_community):
    """People with current, ended, future and duplicate tags, in and out of scope, of every status."""
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=800)
    people = {}
    for key, community, name, status in (
        ("lin", junmen, "林一", "active"),
        ("lin2", junmen, "林二", "active"),
        ("chen", neighbour, "陈三", "active"),
        ("gone", junmen, "林四", "moved_out"),
        ("dead", neighbour, "陈五", "deceased"),
        ("far", other_community, "林六", "active"),
        ("ended", junmen, "林七", "active"),
        ("future", junmen, "林八", "active"),
        ("none", junmen, "林九", "active"),
    ):
        people[key] = PersonFactory(community=community, name=name, status=status)
    for key in ("lin", "lin2", "chen", "gone", "dead", "far"):
        _tag(people[key], "disabled", valid_from=long_ago)
    _tag(people["lin"], "disabled", valid_from=long_ago)  # the same kind twice: one person
    _tag(people["lin"], "veteran", valid_from=long_ago)
    _tag(people["ended"], "disabled", valid_from=long_ago, valid_to=today - dt.timedelta(days=1))
    _tag(people["future"], "disabled", valid_from=today + dt.timedelta(days=3))
    _tag(people["lin2"], "disabled", valid_from=long_ago, valid_to=today)  # ends today: still holds
    return people


# Counts on the tags: exact ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"tag": "disabled"},
        {"tag": "veteran"},
        {"tag": "elderly_80"},
        {"tag": "disabled", "status": ""},
        {"tag": "disabled", "status": "moved_out"},
        {"tag": "disabled", "status": "deceased"},
        {"tag": "disabled", "community": JUNMEN},
        {"tag": "disabled", "q": "林"},
        {"tag": "disabled", "q": "陈", "status": ""},
        {"tag": "disabled", "name": "林"},
        {"tag": "disabled", "q": "林一"},
        {"tag": "disabled", "q": "林", "name": "林二"},
    ],
)
def test_tag_search_count_is_exact(register, district_user, params):
    qs = person_search(user=district_user, **params)
    assert qs.count() == _people_count(qs) == len(list(qs))


def test_tag_search_counts_the_expected_people(register, district_user, community_worker):
    assert person_search(user=district_user, tag="disabled").count() == 3  # lin, lin2, chen
    assert person_search(user=district_user, tag="disabled", status="").count() == 5
    assert person_search(user=district_user, tag="disabled", q="林").count() == 2
    assert person_search(user=community_worker, tag="disabled").count() == 2  # junmen only


def test_tag_search_is_counted_on_the_tags(register, district_user):
    for params in ({"tag": "disabled"}, {"tag": "disabled", "q": "林"}, {"tag": "veteran", "name": "林"}):
        qs = person_list_page(person_search(user=district_user, **params))
        sql = _tables(qs.count)
        assert "registry_persontag" in sql and 'registry_person"' not in sql.replace("registry_persontag", "")


def test_other_searches_are_counted_on_the_people(register, district_user):
    for params in ({"q": "林"}, {"tag": "disabled", "q": "1234"}, {"tag": "disabled", "address": "路"}):
        qs = person_search(user=district_user, **params)
        assert 'FROM "registry_person"' in _tables(qs.count)


def test_a_caller_narrowing_the_search_is_counted_on_the_people(register, district_user):
    qs = with_current_tags(person_search(user=district_user, tag="disabled"))
    narrowed = qs.filter(name="林一")
    assert narrowed.count() == 1
    assert qs.exclude(community_id=JUNMEN).count() == 1
    assert qs.none().count() == 0
    assert qs.count() == 3
    assert qs[:2].count() == 2


def test_no_scope_counts_nothing(register, make_user):
    nobody = make_user("district_staff", "350102")
    RoleAssignment.objects.filter(user=nobody).delete()
    clear_cache(nobody)
    qs = person_search(user=nobody, tag="disabled")
    assert qs.count() == 0 == _people_count(qs)


# The tags follow the person ---------------------------------------------------------------


def _in_line() -> bool:
    return not (
        PersonTag.objects.exclude(person_status=F("person__status")).exists()
        or PersonTag.objects.exclude(community=F("person__community")).exists()
        or PersonTag.objects.exclude(person_name=F("person__name")).exists()
    )


def test_tag_add_copies_the_person(register, editor):
    person = register["gone"]
    tag = services.person_tag_add(
        by=editor, person=person, kind="party_member"
    )  # a tag without a fact to check
    assert (tag.community_id, tag.person_status, tag.person_name) == (
        person.community_id,
        "moved_out",
        "林四",
    )
    assert _in_line()


def test_status_community_and_name_changes_reach_the_tags(register, editor, district_user, neighbour):
    person = register["lin"]
    services.person_update(by=editor, person=person, data={"status": "deceased"})
    assert _in_line()
    assert person_search(user=district_user, tag="disabled").count() == 2
    assert person_search(user=district_user, tag="disabled", status="deceased").count() == 2
    services.person_update(by=editor, person=person, data={"status": "active", "community": neighbour})
    services.person_update(by=editor, person=person, data={"name": "黄一"})
    assert _in_line()
    assert set(PersonTag.objects.filter(person=person).values_list("community_id", flat=True)) == {
        neighbour.code
    }
    assert person_search(user=district_user, tag="disabled", q="黄").count() == 1
    assert person_search(user=district_user, tag="disabled", q="林").count() == 1
    assert person_search(user=district_user, tag="disabled", community=neighbour.code).count() == 2
    for params in ({"tag": "disabled"}, {"tag": "veteran", "q": "黄"}, {"tag": "disabled", "status": ""}):
        qs = person_search(user=district_user, **params)
        assert qs.count() == _people_count(qs)


def test_a_tag_moved_to_another_person_takes_that_person(register):
    """Merging records re-points the absorbed person's tags (integration.merging): migration
    0006's trigger gives them the kept person's community, status and name."""
    kept, absorbed = register["chen"], register["gone"]
    moved = PersonTag.objects.filter(person=absorbed).update(person=kept)
    assert moved == 1
    assert _in_line()
    PersonTag.objects.filter(person=kept).update(person=absorbed)  # and back
    assert _in_line()


# The single box: estates and courtyards ------------------------------------------------------


@pytest.fixture
def estate_people(junmen, other_community):
    home = DwellingFactory(building__estate=EstateFactory(community=junmen, name="福泽苑"))
    tenant = PersonFactory(community=junmen, name="王小明", dwelling=home, address="福泽苑1号楼1单元301室")
    # Lives in an estate whose name starts the same way, address kept without the estate name.
    other = DwellingFactory(building__estate=EstateFactory(community=junmen, name="福泽新城"))
    newcomer = PersonFactory(community=junmen, name="李华", dwelling=other, address="")
    far = DwellingFactory(building__estate=EstateFactory(community=other_community, name="福泽大厦"))
    stranger = PersonFactory(community=other_community, name="赵六", dwelling=far, address="福泽大厦2号楼")
    square = PersonFactory(community=junmen, name="钱七", address="五一广场东侧")
    return {"tenant": tenant, "newcomer": newcomer, "stranger": stranger, "square": square}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("福泽苑", {"tenant"}),  # an estate word: the address
        ("福泽", {"tenant", "newcomer"}),  # no address word, but it starts estate names in scope
        ("福泽新城", {"newcomer"}),  # an estate's whole name, through the dwelling
        ("广场", {"square"}),
        ("五一广场", {"square"}),
        ("王小", {"tenant"}),  # a name prefix still
    ],
)
def test_box_reads_estate_and_courtyard_names(estate_people, district_user, q, expected):
    found = set(person_search(user=district_user, q=q).values_list("pk", flat=True))
    assert found == {estate_people[k].pk for k in expected}


def test_estate_names_out_of_scope_are_not_looked_up(estate_people, district_user):
    # 福泽大厦 is in another district: its people stay out of the answer.
    assert estate_people["stranger"].pk not in set(
        person_search(user=district_user, q="福泽").values_list("pk", flat=True)
    )


def test_a_single_character_is_a_surname_not_an_estate(junmen, district_user):
    DwellingFactory(building__estate=EstateFactory(community=junmen, name="林森小区"))
    lin = PersonFactory(community=junmen, name="林一")
    PersonFactory(community=junmen, name="王二", address="林森小区3号楼")
    assert list(person_search(user=district_user, q="林").values_list("pk", flat=True)) == [lin.pk]
