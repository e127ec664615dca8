"""Fixtures and helpers for the registry page tests (no tests here).

`place` builds a small register twice: in 军门社区 (鼓楼区) and in a community of another
district, so that every role below (whose widest scope is 鼓楼区) may see the first and
never the second.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.registry.models import HouseholdMember, PersonTag
from tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    DwellingFactory,
    EstateFactory,
    HouseholdFactory,
    OrganizationFactory,
    PersonFactory,
)

JUNMEN = "350102004001"  # 军门社区, 东街街道, 鼓楼区
ROLES = [
    "resident",
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
    "department_staff",
    "social_org_staff",
    "expert",
    "system_admin",
]
# Who may do what in the register (the role table in core/roles.py, written out so that a
# change there shows up here as a failing test).
VIEWERS = {
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
}
# Department staff read residents only through their sharing rules (integration), never here.
EDITORS = {"grid_worker", "community_worker", "community_head"}
REVEALERS = set(VIEWERS)
IMPORTERS = {"community_worker", "community_head", "district_staff"}
EXPORTERS = {"community_worker", "community_head", "street_staff", "district_staff"}
LOG_READERS = {"community_head", "street_staff", "district_staff", "system_admin"}


def scope_for(role: str):
    """Each role's usual scope, all of it inside 鼓楼区 (350102)."""
    if role == "department_staff":
        return DepartmentFactory()
    if role == "social_org_staff":
        return OrganizationFactory()
    return {
        "street_staff": "350102004",
        "district_staff": "350102",
        "system_admin": "350102",
        "expert": "350102",
    }.get(role, JUNMEN)


def login(user) -> Client:
    user.save()  # the factory sets the password without saving; the session hash needs it stored
    client = Client()
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


def htmx(client: Client, method: str, url: str, data=None, target: str = ""):
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return getattr(client, method)(url, data or {}, headers=headers)


def build_place(community) -> SimpleNamespace:
    estate = EstateFactory(community=community, name=f"测试小区{community.code[-3:]}")
    building = BuildingFactory(estate=estate, community=community, name="3号楼", floors=6, entrances=2)
    dwelling = DwellingFactory(building=building, community=community, entrance=1, floor=3, number="302")
    household = HouseholdFactory(community=community, dwelling=dwelling)
    head = PersonFactory(
        community=community, name=f"户主{community.code[-4:]}", dwelling=dwelling, address=dwelling.address
    )
    spouse = PersonFactory(community=community, name=f"配偶{community.code[-4:]}", sex="F", dwelling=dwelling)
    HouseholdMember.objects.create(community=community, household=household, person=head, relationship="02")
    HouseholdMember.objects.create(community=community, household=household, person=spouse, relationship="10")
    household.head = head
    household.save()
    tag = PersonTag.objects.create(
        community=community,
        person=head,
        kind="elderly_alone",
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    return SimpleNamespace(
        community=community,
        estate=estate,
        building=building,
        dwelling=dwelling,
        household=household,
        person=head,
        spouse=spouse,
        tag=tag,
    )


@pytest.fixture(name="world")
def world_fixture(junmen, other_community):
    return SimpleNamespace(inside=build_place(junmen), outside=build_place(other_community))
