"""Every registry page × every role: in scope allowed exactly for the roles that hold the
permission, out of scope 404 (or 403 for a page the role may not use at all), anonymous
sent to the login page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry
from gongzhi.registry.models import PersonTag

from .test_pages_support import (
    EDITORS,
    EXPORTERS,
    IMPORTERS,
    REVEALERS,
    ROLES,
    VIEWERS,
    login,
    scope_for,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

# name: (method, url for a place, POST data, roles allowed, status when allowed)
PAGES = {
    "person_list": ("get", lambda p: reverse("registry:person_list"), None, VIEWERS, 200),
    "person_detail": (
        "get",
        lambda p: reverse("registry:person_detail", args=[p.person.pk]),
        None,
        VIEWERS,
        200,
    ),
    "person_edit": ("get", lambda p: reverse("registry:person_edit", args=[p.person.pk]), None, EDITORS, 200),
    "person_reveal": (
        "post",
        lambda p: reverse("registry:person_reveal", args=[p.person.pk]),
        {"purpose": "aid_check", "note": "核对低保申请"},
        REVEALERS,
        200,
    ),
    "person_tag_add": (
        "post",
        lambda p: reverse("registry:person_tag_add", args=[p.person.pk]),
        {"kind": "veteran"},
        EDITORS,
        302,
    ),
    "person_tag_end": (
        "post",
        lambda p: reverse("registry:person_tag_end", args=[p.tag.pk]),
        {},
        EDITORS,
        302,
    ),
    "place_tree": ("get", lambda p: reverse("registry:place_tree"), None, VIEWERS, 200),
    "estate_detail": (
        "get",
        lambda p: reverse("registry:estate_detail", args=[p.estate.pk]),
        None,
        VIEWERS,
        200,
    ),
    "building_detail": (
        "get",
        lambda p: reverse("registry:building_detail", args=[p.building.pk]),
        None,
        VIEWERS,
        200,
    ),
    "dwelling_detail": (
        "get",
        lambda p: reverse("registry:dwelling_detail", args=[p.dwelling.pk]),
        None,
        VIEWERS,
        200,
    ),
    "household_detail": (
        "get",
        lambda p: reverse("registry:household_detail", args=[p.household.pk]),
        None,
        VIEWERS,
        200,
    ),
    "import": ("get", lambda p: reverse("registry:import"), None, IMPORTERS, 200),
    "import_template": ("get", lambda p: reverse("registry:import_template"), None, IMPORTERS, 200),
    "export": ("get", lambda p: reverse("registry:export"), None, EXPORTERS, 200),
}
# Pages about one record: out of scope they answer 404 whoever asks.
OBJECT_PAGES = [
    n for n in PAGES if n not in {"person_list", "place_tree", "import", "import_template", "export"}
]


def _call(client: Client, name: str, place):
    method, url, data, _allowed, _status = PAGES[name]
    return getattr(client, method)(url(place), data or {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PAGES))
def test_in_scope(world, make_user, name, role):
    client = login(make_user(role, scope_for(role)))
    response = _call(client, name, world.inside)
    _method, _url, _data, allowed, status = PAGES[name]
    if role in allowed:
        assert response.status_code == status, response.content[:400]
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_out_of_scope_answers_404(world, make_user, name, role):
    client = login(make_user(role, scope_for(role)))
    logged = AccessLogEntry.objects.count()
    tags = PersonTag.objects.filter(person=world.outside.person).count()
    response = _call(client, name, world.outside)
    assert response.status_code == 404
    assert world.outside.person.name.encode() not in response.content
    assert AccessLogEntry.objects.count() == logged
    assert PersonTag.objects.filter(person=world.outside.person).count() == tags
    world.outside.tag.refresh_from_db()
    assert world.outside.tag.valid_to is None


@pytest.mark.parametrize("role", sorted(VIEWERS))
@pytest.mark.parametrize("name", ["person_list", "place_tree"])
def test_lists_show_only_what_is_in_scope(world, make_user, name, role):
    client = login(make_user(role, scope_for(role)))
    response = _call(client, name, world.inside)
    assert response.status_code == 200
    inside = world.inside.person.name if name == "person_list" else world.inside.estate.name
    outside = world.outside.person.name if name == "person_list" else world.outside.estate.name
    assert inside in response.content.decode()
    assert outside not in response.content.decode()


@pytest.mark.parametrize("name", list(PAGES))
def test_anonymous_is_sent_to_login(world, client, name):
    response = _call(client, name, world.inside)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_home_page_opens_for_every_role(make_user, role):
    client = login(make_user(role, scope_for(role)))
    assert client.get(reverse("web:home")).status_code == 200


def test_home_sends_anonymous_to_login(client):
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("login"))
