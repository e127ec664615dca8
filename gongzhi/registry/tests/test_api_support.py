"""Fixtures and helpers shared by the registry API tests (no tests here).

`world` builds the same small register twice: inside 军门社区 (鼓楼区) and in a community of
another district, so that every role below (whose widest scope is 鼓楼区) sees the first
and not the second.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from gongzhi.core.history import change_record
from gongzhi.core.tokens import api_token_create
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

API = "/api/registry"
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
# What each role may do in the register (core/roles.py), for the expectations below.
VIEWERS = {
    "grid_worker",
    "community_worker",
    "community_head",
    "street_staff",
    "district_staff",
}
# Department staff read residents only through their sharing rules (integration), never here.
REVEALERS = set(VIEWERS)
EDITORS = {"grid_worker", "community_worker", "community_head"}


def scope_for(role: str):
    """Each role's usual scope, all of it inside 鼓楼区 (350102)."""
    if role == "department_staff":
        return DepartmentFactory()  # 鼓楼区民政局: region 350102
    if role == "social_org_staff":
        return OrganizationFactory()  # based in 军门社区
    return {"street_staff": "350102004", "district_staff": "350102", "system_admin": "350102"}.get(
        role, JUNMEN
    )


def session_client(user) -> Client:
    """A browser session. The factory sets the password without saving it; save so that the
    session's auth hash matches the stored user."""
    user.save()
    client = Client()
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


def token_client(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def call(client: Client, method: str, path: str, body: dict | None = None):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body or {}, content_type="application/json")


def _place(community) -> SimpleNamespace:
    estate = EstateFactory(community=community)
    building = BuildingFactory(estate=estate)
    dwelling = DwellingFactory(building=building)
    person = PersonFactory(community=community, dwelling=dwelling, address=dwelling.address)
    household = HouseholdFactory(community=community, dwelling=dwelling, head=person)
    HouseholdMember.objects.create(community=community, household=household, person=person, relationship="02")
    PersonTag.objects.create(
        community=community, person=person, kind="elderly_alone", source_label="社区采集"
    )
    change_record(obj=person, by=None, action="create", changes={"name": [None, person.name]})
    return SimpleNamespace(
        community=community,
        street=community.parent_id,
        estate=estate,
        building=building,
        dwelling=dwelling,
        person=person,
        household=household,
    )


@pytest.fixture(name="world")
def world_fixture(db, junmen, other_community):
    assert not other_community.code.startswith("350102")
    return SimpleNamespace(inside=_place(junmen), outside=_place(other_community))
