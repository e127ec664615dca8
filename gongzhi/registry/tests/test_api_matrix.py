"""Every registry endpoint × every role: in scope allowed, out of scope refused, anonymous 401.

The same matrix runs with a browser session and with a bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from gongzhi.registry.models import Person

from .test_api_support import (  # noqa: F401  (world_fixture provides `world`)
    API,
    EDITORS,
    REVEALERS,
    ROLES,
    VIEWERS,
    call,
    scope_for,
    session_client,
    token_client,
    world_fixture,
)

pytestmark = pytest.mark.django_db


def _ids(body) -> set:
    items = body["items"] if isinstance(body, dict) else body
    return {item.get("id", item.get("code")) for item in items}


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable  # place -> path
    may: set[str] | None  # roles allowed in scope (None: every signed-in user)
    ok: int = 200
    body: Callable | None = None  # place -> body
    listing: bool = False  # a list filtered by scope (out of scope: 200 without the object)
    shows: Callable | None = None  # (json, place) -> bool: the answer is about this place


ENDPOINTS = [
    Endpoint(
        "persons",
        "get",
        lambda p: f"{API}/persons?limit=200",
        VIEWERS,
        listing=True,
        shows=lambda j, p: p.person.pk in _ids(j),
    ),
    Endpoint(
        "person",
        "get",
        lambda p: f"{API}/persons/{p.person.pk}",
        VIEWERS,
        shows=lambda j, p: j["id"] == p.person.pk,
    ),
    Endpoint(
        "person_history",
        "get",
        lambda p: f"{API}/persons/{p.person.pk}/history",
        VIEWERS,
        shows=lambda j, p: j["count"] == 1 and j["items"][0]["changes"] == {"name": [None, p.person.name]},
    ),
    Endpoint(
        "person_reveal",
        "post",
        lambda p: f"{API}/persons/{p.person.pk}/reveal",
        REVEALERS,
        body=lambda p: {"purpose": "home_visit", "note": "核实联系方式"},
        shows=lambda j, p: j["id_number"] == p.person.id_number,
    ),
    Endpoint(
        "person_create",
        "post",
        lambda p: f"{API}/persons",
        EDITORS,
        ok=201,
        body=lambda p: {"community": p.community.code, "name": "王秀英", "sex": "F"},
        shows=lambda j, p: (
            j["community"] == p.community.code and Person.objects.filter(pk=j["id"], name="王秀英").exists()
        ),
    ),
    Endpoint(
        "person_update",
        "patch",
        lambda p: f"{API}/persons/{p.person.pk}",
        EDITORS,
        body=lambda p: {"version": p.person.version, "workplace": "鼓楼区图书馆"},
        shows=lambda j, p: Person.objects.get(pk=p.person.pk).workplace == "鼓楼区图书馆",
    ),
    Endpoint(
        "household",
        "get",
        lambda p: f"{API}/households/{p.household.pk}",
        VIEWERS,
        shows=lambda j, p: j["id"] == p.household.pk and j["members"][0]["person_id"] == p.person.pk,
    ),
    Endpoint(
        "estates",
        "get",
        lambda p: f"{API}/estates?limit=200",
        VIEWERS,
        listing=True,
        shows=lambda j, p: p.estate.pk in _ids(j),
    ),
    Endpoint(
        "buildings",
        "get",
        lambda p: f"{API}/estates/{p.estate.pk}/buildings",
        VIEWERS,
        shows=lambda j, p: _ids(j) == {p.building.pk},
    ),
    Endpoint(
        "dwellings",
        "get",
        lambda p: f"{API}/buildings/{p.building.pk}/dwellings",
        VIEWERS,
        shows=lambda j, p: _ids(j) == {p.dwelling.pk},
    ),
    Endpoint(
        "communities",
        "get",
        lambda p: f"{API}/communities?limit=200",
        VIEWERS,
        listing=True,
        shows=lambda j, p: p.community.code in _ids(j),
    ),
    Endpoint(
        "region_children",
        "get",
        lambda p: f"{API}/regions/{p.street}/children",
        None,
        shows=lambda j, p: p.community.code in _ids(j),
    ),
]
BY_NAME = {e.name: e for e in ENDPOINTS}


def _client(kind: str, user) -> Client:
    return session_client(user) if kind == "session" else token_client(user)


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(BY_NAME))
def test_in_scope(world, make_user, name, role, auth):
    endpoint = BY_NAME[name]
    client = _client(auth, make_user(role, scope_for(role)))
    place = world.inside
    response = call(client, endpoint.method, endpoint.path(place), endpoint.body and endpoint.body(place))
    allowed = endpoint.may is None or role in endpoint.may
    if allowed:
        assert response.status_code == endpoint.ok, response.content
        assert endpoint.shows(response.json(), place)
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(BY_NAME))
def test_out_of_scope(world, make_user, name, role):
    endpoint = BY_NAME[name]
    client = token_client(make_user(role, scope_for(role)))
    place = world.outside
    before = Person.objects.count()
    response = call(client, endpoint.method, endpoint.path(place), endpoint.body and endpoint.body(place))
    holds_it_somewhere = endpoint.may is None or role in endpoint.may
    if endpoint.may is None:  # public reference data
        assert response.status_code == 200 and endpoint.shows(response.json(), place)
    elif not holds_it_somewhere:
        assert response.status_code == 403, response.content
    elif endpoint.listing:
        assert response.status_code == 200
        assert not endpoint.shows(response.json(), place)
        assert endpoint.shows(response.json(), world.inside)
    elif name == "person_create":  # a community outside the scope: refused, nothing written
        assert response.status_code == 403, response.content
    else:
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
    assert Person.objects.count() == before
    assert Person.objects.get(pk=world.outside.person.pk).workplace == ""


@pytest.mark.parametrize("name", list(BY_NAME))
def test_anonymous_is_401(world, name):
    endpoint = BY_NAME[name]
    place = world.inside
    response = call(Client(), endpoint.method, endpoint.path(place), endpoint.body and endpoint.body(place))
    assert response.status_code == 401
    assert Person.objects.count() == 2


def test_the_matrix_covers_every_route():
    """A new endpoint must join the matrix."""
    from gongzhi.registry.api import router

    routes = {
        (method.lower(), path)
        for path, ops in router.path_operations.items()
        for op in ops.operations
        for method in op.methods
    }
    assert len(routes) == len(ENDPOINTS)
