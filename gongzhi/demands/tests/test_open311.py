"""Open311 GeoReport v2: every resource in .json and .xml, validated against the schemas of the
specification (../shared/data/open311); the XML mirrors the JSON; errors in the spec's format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gongzhi.core.tokens import api_token_create
from gongzhi.demands.models import Channel, Demand, DemandState, EventKind
from gongzhi.demands.open311.auth import open311_demo_key_ensure

from .conftest import JUNMEN

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "gongzhi" / "demands" / "open311" / "schemas"  # copy of shared/data/open311
BASE = "/open311/v2"
FORMATS = ["json", "xml"]
LIST_TAGS = {
    "services",
    "service_requests",
    "service_request_updates",
    "errors",
    "attributes",
    "values",
    "endpoints",
    "formats",
}
W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$"

# Resources the schema folder does not describe: written from the specification's text.
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}},
    },
}
DISCOVERY_SCHEMA = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "pattern": W3C},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
                },
            },
        },
    },
}
UPDATES_SCHEMA = {  # mySociety's servicerequestupdates extension
    "type": "array",
    "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime", "description"],
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "updated_datetime": {"type": "string", "pattern": W3C},
            "description": {"type": "string"},
            "media_url": {"type": ["string", "null"]},
        },
    },
}


@pytest.fixture(scope="module")
def schemas():
    assert SCHEMAS.is_dir(), f"Open311 schemas not found at {SCHEMAS}"
    loaded = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=DRAFT7)) for name, body in loaded.items()
    )
    swagger = loaded["swagger.json"]["definitions"]

    def validator(schema):
        return Draft7Validator(schema, registry=registry, format_checker=FormatChecker())

    return {
        "services": validator(loaded["services.json"]),
        "service-definition": validator(loaded["service-definition.json"]),
        "requests": validator(loaded["requests.json"]),
        "post": validator({"type": "array", "minItems": 1, "items": swagger["RequestResponse"]}),
        "token": validator({"type": "array", "minItems": 1, "items": swagger["TokenResponse"]}),
        "errors": validator(ERRORS_SCHEMA),
        "discovery": validator(DISCOVERY_SCHEMA),
        "updates": validator(UPDATES_SCHEMA),
    }


def xml_data(element: ET.Element):
    """The XML read back independently of the renderer: lists by the spec's plural tags, all text."""
    children = list(element)
    if element.tag in LIST_TAGS:
        return [xml_data(c) for c in children]
    if children:
        return {c.tag: xml_data(c) for c in children}
    return element.text or ""


def as_text(value):
    """JSON data as XML carries it: numbers and booleans as text, null as an empty element."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check(schemas, response, schema: str, fmt: str, status: int = 200):
    """Validate a response; return its data (JSON parsed, or XML read back as text)."""
    assert response.status_code == status, response.content.decode()
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        data = json.loads(response.content)
        errors = sorted(schemas[schema].iter_errors(data), key=str)
        assert not errors, [e.message for e in errors]
        return data
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # well-formed
    return xml_data(root)


@pytest.fixture
def world(db, settings, tmp_path, people, units, category, junmen, demand_in):
    """A served district (鼓楼区) with demands in several states and an Open311 service account."""
    from tests.factories import BuildingFactory, EstateFactory, UserFactory

    settings.MEDIA_ROOT = tmp_path
    settings.GONGZHI_DEMO = False
    account = UserFactory(username="city-app", display_name="城市App")
    _token, key = api_token_create(user=account, name="open311")
    estate = EstateFactory(name="阳光花园", latitude=26.0865, longitude=119.2965)
    building = BuildingFactory(estate=estate, name="5号楼")
    closed = demand_in("closed")
    handling = demand_in("handling")
    submitted = demand_in("submitted")
    return {
        "key": key,
        "account": account,
        "estate": estate,
        "building": building,
        "closed": closed,
        "handling": handling,
        "submitted": submitted,
        "category": category,
        "people": people,
    }


def post(client, fmt, **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def good_post(world, fmt, **extra):
    data = {
        "api_key": world["key"],
        "jurisdiction_id": "350102",
        "service_code": world["category"].code,
        "description": "阳光花园5号楼顶楼漏水，雨天屋里全湿了，请尽快维修。",
        "attribute[community]": JUNMEN,
        "first_name": "建国",
        "last_name": "王",
        "phone": "13912345678",
    }
    data.update(extra)
    return data


# --- every resource, both formats ----------------------------------------------------------------


def _resources(world, client):
    """(name, schema, url) of every GET resource."""
    closed, code = world["closed"], world["category"].code
    return [
        ("discovery", "discovery", "/open311/discovery.{fmt}"),
        ("services", "services", f"{BASE}/services.{{fmt}}?jurisdiction_id=350102"),
        (
            "service definition",
            "service-definition",
            f"{BASE}/services/{code}.{{fmt}}?jurisdiction_id=350102",
        ),
        ("requests", "requests", f"{BASE}/requests.{{fmt}}?jurisdiction_id=350102"),
        (
            "requests with key",
            "requests",
            f"{BASE}/requests.{{fmt}}?jurisdiction_id=350102&api_key={world['key']}",
        ),
        ("one request", "requests", f"{BASE}/requests/{closed.pk}.{{fmt}}?jurisdiction_id=350102"),
        ("token", "token", f"{BASE}/tokens/{closed.tracking_code}.{{fmt}}?jurisdiction_id=350102"),
        ("updates", "updates", f"{BASE}/servicerequestupdates.{{fmt}}?jurisdiction_id=350102"),
    ]


def test_every_get_resource_validates_and_xml_mirrors_json(client, world, schemas):
    for name, schema, url in _resources(world, client):
        data = check(schemas, client.get(url.format(fmt="json")), schema, "json")
        assert data, name
        mirrored = check(schemas, client.get(url.format(fmt="xml")), schema, "xml")
        assert mirrored == as_text(data), name


def test_post_validates_in_both_formats(client, world, schemas):
    for fmt in FORMATS:
        data = check(schemas, post(client, fmt, **good_post(world, fmt)), "post", fmt)
        row = data[0]
        assert set(row) == {"service_request_id", "token", "service_notice"}
        demand = Demand.objects.get(pk=int(row["service_request_id"]))
        assert demand.tracking_code == row["token"]


def test_services_come_from_the_category_tree(client, world, schemas):
    from gongzhi.demands.models import Category

    data = check(schemas, client.get(f"{BASE}/services.json?jurisdiction_id=350102"), "services", "json")
    leaves = Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
    assert sorted(s["service_code"] for s in data) == sorted(leaves.values_list("code", flat=True))
    by_code = {s["service_code"]: s for s in data}
    assert by_code[world["category"].code]["group"] == world["category"].parent.name
    definition = check(
        schemas,
        client.get(f"{BASE}/services/{world['category'].code}.json?jurisdiction_id=350102"),
        "service-definition",
        "json",
    )
    community = next(a for a in definition["attributes"] if a["code"] == "community")
    keys = [v["key"] for v in community["values"]]
    assert JUNMEN in keys and all(k.startswith("350102") and len(k) == 12 for k in keys)


def test_datetimes_are_w3c_with_offset(client, world, schemas):
    import re

    data = check(schemas, client.get(f"{BASE}/requests.json?jurisdiction_id=350102"), "requests", "json")
    for row in data:
        for field in ("requested_datetime", "updated_datetime"):
            assert re.match(W3C, row[field]), row[field]
    handling = next(r for r in data if r["service_request_id"] == str(world["handling"].pk))
    assert handling["expected_datetime"] == timezone.localtime(world["handling"].due_at).isoformat(
        timespec="seconds"
    )


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", ["not-a-key", "", None])
def test_bad_or_missing_api_key_is_403_in_spec_format(client, world, schemas, fmt, key):
    data = good_post(world, fmt)
    if key is None:
        del data["api_key"]
    else:
        data["api_key"] = key
    before = Demand.objects.count()
    body = check(schemas, post(client, fmt, **data), "errors", fmt, status=403)
    assert body[0]["code"] in (403, "403") and body[0]["description"]
    assert Demand.objects.count() == before


def test_revoked_key_is_403(client, world, schemas):
    from gongzhi.core.models import ApiToken

    ApiToken.objects.filter(user=world["account"]).update(revoked=True)
    check(schemas, post(client, "json", **good_post(world, "json")), "errors", "json", status=403)
    response = client.get(f"{BASE}/requests.json?jurisdiction_id=350102&api_key={world['key']}")
    check(schemas, response, "errors", "json", status=403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition_is_404(client, world, schemas, fmt):
    body = check(
        schemas, client.get(f"{BASE}/services/no-such-thing.{fmt}?jurisdiction_id=350102"), "errors", fmt, 404
    )
    assert "no-such-thing" in body[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_unknown_or_missing_service_code_is_400(client, world, schemas, fmt):
    check(
        schemas, post(client, fmt, **good_post(world, fmt, service_code="no-such-thing")), "errors", fmt, 400
    )
    data = good_post(world, fmt)
    del data["service_code"]
    check(schemas, post(client, fmt, **data), "errors", fmt, 400)
    # a first-level category is a group, not a service
    parent = world["category"].parent.code
    check(schemas, post(client, fmt, **good_post(world, fmt, service_code=parent)), "errors", fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path",
    ["services.{fmt}", "requests.{fmt}", "servicerequestupdates.{fmt}", "services/property-leaks.{fmt}"],
)
def test_unknown_jurisdiction_is_404(client, world, schemas, fmt, path):
    url = f"{BASE}/{path.format(fmt=fmt)}?jurisdiction_id=350103"
    body = check(schemas, client.get(url), "errors", fmt, 404)
    assert "350103" in body[0]["description"]


def test_jurisdiction_required_when_several_are_served(client, world, schemas):
    check(schemas, client.get(f"{BASE}/services.json"), "services", "json")  # one district: optional
    from gongzhi.core.models import Region
    from gongzhi.demands.units import unit_for_region

    unit_for_region(Region.objects.get(code="350103"))
    check(schemas, client.get(f"{BASE}/services.json"), "errors", "json", 400)
    check(schemas, client.get(f"{BASE}/services.json?jurisdiction_id=350103"), "services", "json")


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"attribute[community]": "", "lat": "26.1"}, "lat 和 long"),
        ({"attribute[community]": "350103001002"}, "不在本辖区"),
        ({"attribute[community]": "", "address_id": "building:999999"}, "address_id"),
        ({"attribute[community]": ""}, "请提供位置"),
        ({"description": ""}, "描述"),
        ({"phone": "12345"}, "联系电话"),
        ({"lat": "north", "long": "119.3"}, "lat"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_post_bad_input_is_400_with_a_message_and_changes_nothing(client, world, schemas, extra, fragment):
    before = Demand.objects.count()
    body = check(schemas, post(client, "json", **good_post(world, "json", **extra)), "errors", "json", 400)
    assert fragment in body[0]["description"]
    assert Demand.objects.count() == before


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-06-01T00:00:00%2B08:00", "90"),
        ("start_date=2026-06-01T00:00:00%2B08:00&end_date=2026-01-01T00:00:00%2B08:00", "start_date"),
        ("status=pending", "status"),
        ("service_request_id=1,abc", "service_request_id"),
    ],
)
def test_requests_bad_filters_are_400(client, world, schemas, query, fragment):
    body = check(
        schemas, client.get(f"{BASE}/requests.json?jurisdiction_id=350102&{query}"), "errors", "json", 400
    )
    assert fragment in body[0]["description"]


def test_unknown_request_and_token_are_404(client, world, schemas):
    check(schemas, client.get(f"{BASE}/requests/99999999.json?jurisdiction_id=350102"), "errors", "json", 404)
    check(schemas, client.get(f"{BASE}/requests/abc.xml?jurisdiction_id=350102"), "errors", "xml", 404)
    check(
        schemas, client.get(f"{BASE}/tokens/GZNOSUCHCODE.json?jurisdiction_id=350102"), "errors", "json", 404
    )


# --- POST creates a demand through the lifecycle service -------------------------------------------


def test_post_creates_a_demand_with_a_timeline_event(client, world, schemas):
    data = check(schemas, post(client, "json", **good_post(world, "json")), "post", "json")
    demand = Demand.objects.get(pk=int(data[0]["service_request_id"]))
    assert demand.channel == Channel.OPEN311
    assert demand.state == DemandState.SUBMITTED
    assert demand.community_id == JUNMEN
    assert demand.category == world["category"]
    assert demand.submitted_by == world["account"]
    assert demand.contact_name == "王 建国" and demand.contact_phone == "13912345678"
    events = list(demand.events.all())
    assert [e.kind for e in events] == [EventKind.CREATED]
    assert events[0].to_state == DemandState.SUBMITTED
    assert data[0]["token"] in data[0]["service_notice"]
    with_photo = good_post(world, "json", media_url="https://img.example.org/leak.jpg")
    body = check(schemas, post(client, "json", **with_photo), "post", "json")
    assert (
        "https://img.example.org/leak.jpg" in Demand.objects.get(pk=int(body[0]["service_request_id"])).body
    )
    # the token resolves to the request
    token = check(schemas, client.get(f"{BASE}/tokens/{data[0]['token']}.json"), "token", "json")
    assert token == [{"service_request_id": str(demand.pk), "token": demand.tracking_code}]


def test_post_places_by_coordinates_building_or_address(client, world, schemas):
    estate, building = world["estate"], world["building"]
    cases = [
        ({"lat": "26.0866", "long": "119.2966"}, estate, None),  # about 15 m from the estate
        ({"address_id": f"building:{building.pk}"}, estate, building),
        ({"address_string": "福州市鼓楼区阳光花园北门"}, estate, None),
    ]
    for extra, want_estate, want_building in cases:
        data = good_post(world, "json", **extra)
        data["attribute[community]"] = ""
        body = check(schemas, post(client, "json", **data), "post", "json")
        demand = Demand.objects.get(pk=int(body[0]["service_request_id"]))
        assert (demand.community_id, demand.estate, demand.building) == (
            estate.community_id,
            want_estate,
            want_building,
        )
    far = good_post(world, "json", lat="26.2000", long="119.5000")
    far["attribute[community]"] = ""
    check(schemas, post(client, "json", **far), "errors", "json", 400)


# --- reading requests ------------------------------------------------------------------------------


def _ids(response) -> set[str]:
    return {r["service_request_id"] for r in json.loads(response.content)}


def test_requests_filters(client, world, schemas):
    closed, handling, submitted = world["closed"], world["handling"], world["submitted"]
    q = f"{BASE}/requests.json?jurisdiction_id=350102"
    everything = {str(d.pk) for d in (closed, handling, submitted)}
    assert _ids(client.get(q)) == everything
    assert _ids(client.get(q + "&status=closed")) == {str(closed.pk)}
    assert _ids(client.get(q + "&status=open")) == {str(handling.pk), str(submitted.pk)}
    assert _ids(client.get(q + "&status=open,closed")) == everything
    assert _ids(client.get(q + f"&service_request_id={closed.pk},{submitted.pk}")) == {
        str(closed.pk),
        str(submitted.pk),
    }
    # the unclassified demand has no service code yet: it answers to `unclassified`
    assert _ids(client.get(q + f"&service_code={world['category'].code}")) == {
        str(closed.pk),
        str(handling.pk),
    }
    assert _ids(client.get(q + "&service_code=unclassified")) == {str(submitted.pk)}
    Demand.objects.filter(pk=submitted.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    start = (timezone.now() - dt.timedelta(days=45)).isoformat()
    end = (timezone.now() - dt.timedelta(days=35)).isoformat()
    from urllib.parse import quote

    assert _ids(client.get(q + f"&start_date={quote(start)}&end_date={quote(end)}")) == {str(submitted.pk)}
    # by default the last 90 days: a demand from last year is not listed, but can be asked for by id
    Demand.objects.filter(pk=closed.pk).update(created_at=timezone.now() - dt.timedelta(days=200))
    assert str(closed.pk) not in _ids(client.get(q))
    assert _ids(client.get(q + f"&service_request_id={closed.pk}")) == {str(closed.pk)}
    rows = check(schemas, client.get(q + "&status=closed"), "requests", "json")
    assert rows == []


def test_other_districts_demands_are_not_listed(client, world, schemas, units, people):
    from gongzhi.core.models import Region
    from gongzhi.demands.services import demand_create

    other = demand_create(
        by=people["resident"],
        channel="web",
        title="路灯不亮",
        body="五四路路灯坏了",
        community=Region.objects.get(code="350103001002"),
        contact_phone="13800002222",
    )
    assert str(other.pk) not in _ids(client.get(f"{BASE}/requests.json?jurisdiction_id=350102"))
    check(
        schemas, client.get(f"{BASE}/requests/{other.pk}.json?jurisdiction_id=350102"), "errors", "json", 404
    )


def test_public_reads_hide_the_text_the_submitting_account_sees_it(client, world, schemas, settings):
    photo = SimpleUploadedFile("leak.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64, content_type="image/jpeg")
    from gongzhi.demands.services import demand_create

    demand = demand_create(
        by=world["account"],
        channel=Channel.OPEN311,
        via_open311=True,  # as the Open311 endpoint creates it
        title="顶楼漏水",
        body="阳光花园5号楼顶楼漏水，联系人王先生",
        community=world["estate"].community,
        estate=world["estate"],
        latitude=26.0865,
        longitude=119.2965,
        photos=[photo],
    )
    url = f"{BASE}/requests/{demand.pk}.json?jurisdiction_id=350102"
    public = check(schemas, client.get(url), "requests", "json")[0]
    assert public["description"] is None and public["lat"] is None and public["media_url"] is None
    assert "阳光花园" not in public["address"]
    owner = check(schemas, client.get(url + f"&api_key={world['key']}"), "requests", "json")[0]
    assert owner["description"] == demand.body
    assert (owner["lat"], owner["long"]) == (26.0865, 119.2965)
    assert owner["media_url"].startswith("http://testserver/") and owner["media_url"].endswith(".jpg")
    assert "阳光花园" in owner["address"]
    # another account's key sees the public view of someone else's demand
    from tests.factories import UserFactory

    _t, other_key = api_token_create(user=UserFactory(), name="other")
    other = check(schemas, client.get(url + f"&api_key={other_key}"), "requests", "json")[0]
    assert other["description"] is None
    # a district account with the right to view demands sees the text
    staff_key = api_token_create(user=world["people"]["district_staff"], name="district")[1]
    staff = check(schemas, client.get(url + f"&api_key={staff_key}"), "requests", "json")[0]
    assert staff["description"] == demand.body


def test_status_and_notes_follow_the_lifecycle(client, world, schemas):
    rows = {
        r["service_request_id"]: r
        for r in check(
            schemas, client.get(f"{BASE}/requests.json?jurisdiction_id=350102"), "requests", "json"
        )
    }
    closed, handling = rows[str(world["closed"].pk)], rows[str(world["handling"].pk)]
    assert closed["status"] == "closed" and handling["status"] == "open"
    assert closed["status_notes"] == "已办结" and handling["status_notes"] == "办理中"
    assert handling["agency_responsible"] == world["handling"].unit.name


def test_service_request_updates_are_the_public_timeline(client, world, schemas):
    closed = world["closed"]
    rows = check(
        schemas, client.get(f"{BASE}/servicerequestupdates.json?jurisdiction_id=350102"), "updates", "json"
    )
    mine = [r for r in rows if r["service_request_id"] == str(closed.pk)]
    public_events = list(closed.events.filter(public=True).order_by("at", "id"))
    assert [r["update_id"] for r in mine] == [str(e.pk) for e in public_events]
    assert mine[-1]["status"] == "closed" and all(r["status"] == "open" for r in mine[:-1])
    assert mine[-1]["description"].startswith("办结")
    # internal steps (classification, supervision) are not exposed
    internal = set(closed.events.filter(public=False).values_list("pk", flat=True))
    assert not internal & {int(r["update_id"]) for r in rows}
    # the period filter
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    from urllib.parse import quote

    url = f"{BASE}/servicerequestupdates.json?jurisdiction_id=350102&start_date={quote(later)}"
    assert check(schemas, client.get(url), "updates", "json") == []


# --- the demo key ----------------------------------------------------------------------------------


def test_demo_key_works_only_in_the_demo(client, world, schemas, settings):
    open311_demo_key_ensure()
    open311_demo_key_ensure()  # idempotent
    data = good_post(world, "json", api_key="demo")
    settings.GONGZHI_DEMO = False
    check(schemas, post(client, "json", **data), "errors", "json", 403)
    settings.GONGZHI_DEMO = True
    body = check(schemas, post(client, "json", **data), "post", "json")
    assert Demand.objects.get(pk=int(body[0]["service_request_id"])).submitted_by.username == "open311-demo"
    # the demo account cannot sign in with a password
    assert not client.login(username="open311-demo", password="demo")


def test_request_list_queries_do_not_grow_with_the_rows(client, world, demand_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    public = f"{BASE}/requests.json?jurisdiction_id=350102"
    keyed = public + f"&api_key={world['key']}"
    staff_key = api_token_create(user=world["people"]["district_staff"], name="district")[1]
    staff = public + f"&api_key={staff_key}"
    for url in (public, keyed, staff):  # the first use of a key records when it was last used
        client.get(url)
    before = [count(public), count(keyed), count(staff)]
    for _k in range(4):
        demand_in("handling")
    assert [count(public), count(keyed), count(staff)] == before
