"""Imports never create estates or buildings silently (issue 7, item 16). Room "9901" in
"9号楼" made a 99-storey building with no grid: an unknown estate or building is a rejected
row with the reason, unless the import explicitly allows new places; then a new building
grows to at most 60 floors, and a registered building only to what it says it has."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core.idnumber import compose
from gongzhi.registry.imports import COLUMNS
from gongzhi.registry.models import Building, Dwelling, Estate, Person
from tests.factories import BuildingFactory, EstateFactory, GridFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


def _csv(*rows: dict) -> bytes:
    lines = [",".join(COLUMNS)]
    for i, values in enumerate(rows):
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            {"姓名": f"居民{i}", "公民身份号码": compose("350102", dt.date(1970, 1, 1 + i), 11 + 2 * i)}
        )
        row.update(values)
        lines.append(",".join(row[c] for c in COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode()


def _import(client, data: bytes, allow_new_places: bool = False):
    form = {"file": SimpleUploadedFile("居民.csv", data), "community": JUNMEN}
    if allow_new_places:
        form["allow_new_places"] = "on"
    response = client.post(reverse("registry:import"), form)
    assert response.status_code == 200, response.content[:300]
    return response.context["report"]


@pytest.fixture
def worker_client(client, make_user):
    client.force_login(make_user("community_worker", JUNMEN))
    return client


@pytest.fixture
def registered_building(junmen):
    grid = GridFactory(community=junmen)
    estate = EstateFactory(community=junmen, name="军门新村")
    return BuildingFactory(community=junmen, estate=estate, name="9号楼", floors=18, entrances=2, grid=grid)


def test_a_room_typo_in_a_registered_building_is_a_rejected_row(worker_client, registered_building):
    report = _import(worker_client, _csv({"小区": "军门新村", "楼栋": "9号楼", "房号": "9901"}))
    assert report.rejected == 1
    assert "9901" in report.rows[0].reason and "18" in report.rows[0].reason
    registered_building.refresh_from_db()
    assert registered_building.floors == 18
    assert not Dwelling.objects.exists() and not Person.objects.exists()


def test_unknown_estates_and_buildings_are_rejected_rows_with_the_reason(worker_client, registered_building):
    report = _import(
        worker_client,
        _csv(
            {"小区": "军门新材", "楼栋": "9号楼", "房号": "301"},  # a typo in the estate
            {"小区": "军门新村", "楼栋": "19号楼", "房号": "301"},  # a building not registered
            {"小区": "军门新村", "楼栋": "9号楼", "单元": "3", "房号": "301"},  # an entrance it does not have
            {"小区": "军门新村", "楼栋": "9号楼", "房号": "1801"},  # fine: the 18th floor
        ),
    )
    reasons = [r.reason for r in report.rows]
    assert (report.created, report.rejected) == (1, 3), reasons
    assert "军门新材" in reasons[0] and "允许新建" in reasons[0]
    assert "19号楼" in reasons[1]
    assert "单元" in reasons[2]
    assert list(Estate.objects.values_list("name", flat=True)) == ["军门新村"]
    assert list(Building.objects.values_list("name", flat=True)) == ["9号楼"]
    assert Dwelling.objects.get().floor == 18


def test_new_places_only_when_allowed_and_within_60_floors(worker_client, junmen):
    report = _import(
        worker_client,
        _csv(
            {"小区": "新建小区", "楼栋": "9号楼", "房号": "9901"},
            {"小区": "新建小区", "楼栋": "9号楼", "房号": "1502"},
            {"小区": "新建小区", "楼栋": "9号楼", "房号": "6101"},
        ),
        allow_new_places=True,
    )
    reasons = [r.reason for r in report.rows]
    assert (report.created, report.rejected) == (1, 2), reasons
    assert "9901" in reasons[0] and "60" in reasons[0]
    assert "6101" in reasons[2] and "60" in reasons[2]
    building = Building.objects.get(name="9号楼")
    assert building.floors == 15 and building.estate.name == "新建小区"


def test_a_new_building_joins_the_grid_of_its_estate(worker_client, registered_building):
    _import(worker_client, _csv({"小区": "军门新村", "楼栋": "10号楼", "房号": "301"}), allow_new_places=True)
    assert Building.objects.get(name="10号楼").grid_id == registered_building.grid_id
