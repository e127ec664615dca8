"""Households, estates, buildings, dwellings, communities and regions; the OpenAPI schema;
the queries each list costs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongzhi.core.models import Region
from gongzhi.registry.models import HouseholdMember
from tests.factories import (
    BuildingFactory,
    DwellingFactory,
    EstateFactory,
    GridFactory,
    HouseholdFactory,
    PersonFactory,
)

from .test_api_support import API, JUNMEN, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(make_user):
    return token_client(make_user("street_staff", "350102004"))


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _grows(client, path: str, add) -> tuple[int, int]:
    """Query counts for `path` before and after `add()` adds many rows."""
    _queries(client, path)  # the token's first use is recorded once
    before = _queries(client, path)
    add()
    return before, _queries(client, path)


def test_household_with_members(client, junmen):
    head = PersonFactory(community=junmen, name="郑成功")
    household = HouseholdFactory(community=junmen, head=head)
    HouseholdMember.objects.create(community=junmen, household=household, person=head, relationship="02")
    wife = PersonFactory(community=junmen, name="董酉姑", sex="F")
    HouseholdMember.objects.create(community=junmen, household=household, person=wife, relationship="12")
    body = client.get(f"{API}/households/{household.pk}").json()
    assert (body["number"], body["head_id"], body["community"]) == (household.number, head.pk, JUNMEN)
    assert [(m["name"], m["relationship"], m["relationship_label"]) for m in body["members"]] == [
        ("郑成功", "02", "户主"),
        ("董酉姑", "12", "妻"),
    ]
    assert all("*" in m["id_number_masked"] and "*" in m["phone_masked"] for m in body["members"])

    def add():
        for _ in range(10):
            p = PersonFactory(community=junmen)
            HouseholdMember.objects.create(community=junmen, household=household, person=p, relationship="99")

    before, after = _grows(client, f"{API}/households/{household.pk}", add)
    assert after == before


def test_estates_buildings_dwellings(client, junmen):
    grid = GridFactory(community=junmen, name="第一网格")
    estate = EstateFactory(community=junmen, name="三坊七巷", address="南后街")
    building = BuildingFactory(estate=estate, name="1号楼", grid=grid, floors=7)
    dwelling = DwellingFactory(building=building, entrance=2, floor=5, number="502")
    PersonFactory(community=junmen, dwelling=dwelling)
    PersonFactory(community=junmen, dwelling=dwelling)
    DwellingFactory(building=building, entrance=1, floor=1, number="101")
    BuildingFactory(estate=estate, name="2号楼")

    estates = client.get(f"{API}/estates").json()
    item = next(e for e in estates["items"] if e["id"] == estate.pk)
    assert (item["name"], item["address"], item["building_count"], item["community_name"]) == (
        "三坊七巷",
        "南后街",
        2,
        "军门社区",
    )
    assert client.get(f"{API}/estates?community=350102004003").json()["count"] == 0

    buildings = client.get(f"{API}/estates/{estate.pk}/buildings").json()
    assert [(b["name"], b["grid"], b["dwelling_count"]) for b in buildings] == [
        ("1号楼", "第一网格", 2),
        ("2号楼", None, 0),
    ]
    dwellings = client.get(f"{API}/buildings/{building.pk}/dwellings").json()
    assert [(d["entrance"], d["floor"], d["number"], d["resident_count"]) for d in dwellings] == [
        (1, 1, "101", 0),
        (2, 5, "502", 2),
    ]


def test_place_lists_do_not_grow_in_queries(client, junmen):
    estate = EstateFactory(community=junmen)
    building = BuildingFactory(estate=estate)

    def add():
        for _ in range(8):
            e = EstateFactory(community=junmen)
            b = BuildingFactory(estate=e, grid=GridFactory(community=junmen))
            DwellingFactory(building=b)
            BuildingFactory(estate=estate, grid=GridFactory(community=junmen))
            d = DwellingFactory(building=building)
            PersonFactory(community=junmen, dwelling=d)

    paths = [
        f"{API}/estates",
        f"{API}/estates/{estate.pk}/buildings",
        f"{API}/buildings/{building.pk}/dwellings",
    ]
    _queries(client, paths[0])
    before = [_queries(client, p) for p in paths]
    add()
    assert [_queries(client, p) for p in paths] == before


def test_communities_in_scope_with_resident_counts(client, junmen):
    for _ in range(3):
        PersonFactory(community=junmen)
    PersonFactory(community=junmen, status="moved_out")
    PersonFactory(community=Region.objects.get(code="350102004003"))
    PersonFactory(community=Region.objects.get(code="350102001001"))  # another street
    body = client.get(f"{API}/communities?limit=200").json()
    counts = {c["code"]: c["resident_count"] for c in body["items"]}
    street = Region.objects.filter(level=5, code__startswith="350102004")
    assert set(counts) == set(street.values_list("code", flat=True))
    assert body["count"] == street.count()
    assert counts[JUNMEN] == 3 and counts["350102004003"] == 1
    assert sum(counts.values()) == 4
    assert next(c for c in body["items"] if c["code"] == JUNMEN)["street_code"] == "350102004"


def test_communities_queries_do_not_grow(make_user):
    client = token_client(make_user("district_staff", "350102"))

    def add():
        for community in Region.objects.filter(level=5, code__startswith="350102")[:20]:
            PersonFactory(community=community)

    before, after = _grows(client, f"{API}/communities?limit=200", add)
    assert after == before


def test_region_children(client):
    body = client.get(f"{API}/regions/350102/children").json()
    assert len(body) == Region.objects.filter(parent_id="350102").count() == 10
    assert {r["level"] for r in body} == {4}
    assert body == sorted(body, key=lambda r: r["code"])
    outside = client.get(f"{API}/regions/3501/children").json()  # beyond the user's scope: still public
    assert "350102" in {r["code"] for r in outside}


def test_unknown_region_is_404(client):
    response = client.get(f"{API}/regions/999999/children")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["households/999999", "estates/999999/buildings", "buildings/999999/dwellings"]
)
def test_missing_objects_are_404(client, path):
    assert client.get(f"{API}/{path}").status_code == 404


def test_openapi_schema_loads_and_lists_the_registry():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = {p for p in schema["paths"] if p.startswith("/api/registry/")}
    assert paths == {
        "/api/registry/persons",
        "/api/registry/persons/{person_id}",
        "/api/registry/persons/{person_id}/reveal",
        "/api/registry/persons/{person_id}/history",
        "/api/registry/households/{household_id}",
        "/api/registry/estates",
        "/api/registry/estates/{estate_id}/buildings",
        "/api/registry/buildings/{building_id}/dwellings",
        "/api/registry/communities",
        "/api/registry/regions/{code}/children",
    }
    create = schema["paths"]["/api/registry/persons"]["post"]
    assert {"201", "400", "403", "404"} <= set(create["responses"])
    ref = create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    error = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(error["properties"]) == {"code", "message", "field"}
    listing = schema["paths"]["/api/registry/persons"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"q", "name", "id_tail", "phone", "address", "tag", "community", "limit", "offset"} <= params
    assert "security" in listing  # signed in by session or bearer token
    assert Client().get("/api/docs").status_code == 200
