"""Item 18: input that used to end in a 500 gets a 4xx in the {code, message} shape, and every
API operation documents its 4xx answers in OpenAPI."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
HUGE = 2**63


@pytest.fixture
def api(client, make_user):
    client.force_login(make_user("district_staff", "350102"))
    return client


def _refused(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) >= {"code", "message"} and body["message"], body
    if code:
        assert body["code"] == code, body
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/api/demands/?offset={n}",
        "/api/registry/persons?offset={n}",
        "/api/registry/estates?offset={n}",
        "/api/registry/communities?offset={n}",
        "/api/integration/department/people?purpose=x&offset={n}",
    ],
)
@pytest.mark.parametrize("n", [HUGE, HUGE * 4, 2**31])
def test_an_offset_beyond_what_the_database_counts_is_refused(api, url, n):
    _refused(api.get(url.format(n=n)), 400, "invalid_input")


def test_a_large_but_countable_offset_answers_an_empty_page(api):
    response = api.get(f"/api/demands/?offset={2**31 - 1}")
    assert response.status_code == 200
    assert response.json()["items"] == []


def _post_raw(client, body: bytes, content_type="application/json"):
    return client.generic("POST", "/api/demands/", body, content_type=content_type)


def test_a_body_over_the_upload_limit_answers_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps({"title": "x", "body": "长" * 5000, "community": JUNMEN}).encode()
    _refused(_post_raw(api, body), 413, "body_too_large")


def test_a_body_over_the_default_limit_answers_413(api):
    body = json.dumps({"title": "x", "body": "a" * 3_000_000, "community": JUNMEN}).encode()
    _refused(_post_raw(api, body), 413, "body_too_large")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\\ud800", "body": "b", "community": "350102004001"}',
        b'{"title": "t", "body": "x\\udfffy", "community": "350102004001"}',
        b'{"title": "\\ud800", "body": "b", "community": "350102004001", "\\udc00": 1}',
    ],
)
def test_lone_surrogates_are_refused(api, raw):
    _refused(_post_raw(api, raw), 400, "control_character")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "t\\u0000", "body": "b", "community": "350102004001"}',
        b'{"title": "t", "body": "b\\u0000", "community": "350102004001", "address": "\\u0000"}',
    ],
)
def test_nul_characters_in_json_are_refused(api, raw):
    from gongzhi.demands.models import Demand

    _refused(_post_raw(api, raw), 400, "control_character")
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/demands/?state=%00",
        "/api/registry/persons?q=%00abc",
        "/api/demands/track/GZ%00",
        "/api/integration/department/people?purpose=%00",
    ],
)
def test_nul_characters_in_the_query_or_path_are_refused(api, url):
    _refused(api.get(url), 400, "control_character")


def test_nul_characters_in_a_page_form_are_refused(client):
    from gongzhi.demands.models import Demand

    response = client.post(
        "/demands/submit/",
        {"title": "灯\x00", "body": "坏了", "community": JUNMEN, "contact_phone": "13800138000"},
    )
    assert response.status_code == 400
    assert not Demand.objects.exists()


def test_nul_characters_in_a_page_query_are_refused(client):
    assert client.get("/demands/track/?code=%00").status_code == 400


@pytest.mark.parametrize(
    "raw,content_type",
    [
        (b"{not json", "application/json"),
        (b'{"title": "t"', "application/json"),
        ("标题".encode("gb18030"), "application/json"),
        (b"NaN", "application/json"),
        (b'{"title": "t", "body": "b", "community": "350102004001", "latitude": NaN}', "application/json"),
        (b'{"title": "t", "body": "b", "community": "350102004001", "latitude": 1e400}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ],
)
def test_unparseable_bodies_get_the_documented_shape(api, raw, content_type):
    _refused(_post_raw(api, raw, content_type), 400, "unparseable_body")


def test_a_missing_token_answers_401_in_the_same_shape(client):
    _refused(client.get("/api/demands/", headers={"Authorization": "Bearer nope"}), 401, "not_authenticated")


def test_every_operation_documents_its_4xx_answers(client):
    spec = client.get("/api/openapi.json").json()
    missing = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            documented = set(op["responses"])
            wanted = {"400"}
            if op.get("security"):
                wanted |= {"401", "403", "404"}
            if method in ("post", "put", "patch"):
                wanted.add("413")
            for status in sorted(wanted - documented):
                missing.append(f"{method.upper()} {path}: {status}")
            for status in wanted & documented:
                content = op["responses"][status].get("content", {})
                ref = json.dumps(content)
                if "ErrorOut" not in ref:
                    missing.append(f"{method.upper()} {path}: {status} is not ErrorOut")
    assert missing == []


def test_nul_characters_in_open311_get_its_error_list(client):
    response = client.get("/open311/v2/requests.json?jurisdiction_id=%00")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400 and response.json()[0]["description"]
