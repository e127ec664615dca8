"""Control characters on input (issue 7, item 4): refused with a clear message on every path,
and nothing stored. One middleware (core.input_guard) covers every form, query and JSON body
(registry, demands and integration APIs, Open311, pages); the spreadsheet imports check their
cells with the same core.text rule; and the services' text cleaner (core.text.clean_text)
refuses them too, for callers that are not requests."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core.errors import ApplicationError
from gongzhi.core.tokens import api_token_create
from gongzhi.demands.models import Demand
from gongzhi.registry.imports import COLUMNS
from gongzhi.registry.models import Person
from tests.factories import DepartmentFactory, PersonFactory, valid_id_number

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
BAD = ["王\x07五", "王\x00五", "王\x1b五", "王\x85五", "王\ufffe五"]


def _bearer(user) -> dict:
    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _json(client, url, body, headers, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize("name", BAD)
def test_registry_api_refuses_control_characters(client, make_user, junmen, name):
    response = _json(
        client,
        "/api/registry/persons",
        {"community": JUNMEN, "name": name, "sex": "M"},
        _bearer(make_user("community_worker", JUNMEN)),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "control_character" and body["field"] == "name"
    assert "控制字符" in body["message"]
    assert not Person.objects.exists()


def test_a_lone_surrogate_in_json_is_refused_not_a_500(client, make_user, junmen):
    raw = '{"community": "' + JUNMEN + '", "name": "\\ud800王", "sex": "M"}'
    response = client.post(
        "/api/registry/persons",
        raw,
        content_type="application/json",
        **_bearer(make_user("community_worker", JUNMEN)),
    )
    assert response.status_code == 400 and response.json()["code"] == "control_character"
    assert not Person.objects.exists()


def test_registry_api_patch_and_nested_values_are_checked(client, make_user, junmen):
    person = PersonFactory(community=junmen)
    headers = _bearer(make_user("community_worker", JUNMEN))
    response = _json(
        client, f"/api/registry/persons/{person.pk}", {"address": "军门\x0b路"}, headers, method="patch"
    )
    assert response.status_code == 400 and response.json()["field"] == "address"
    person.refresh_from_db()
    assert "\x0b" not in person.address


def test_registry_form_refuses_control_characters(client, make_user, junmen):
    person = PersonFactory(community=junmen)
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        {
            "version": person.version,
            "name": "王\x07五",
            "sex": "M",
            "ethnicity": "01",
            "residence_type": "registered",
            "status": "active",
        },
    )
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    person.refresh_from_db()
    assert "\x07" not in person.name


def test_registry_import_rejects_rows_with_control_characters(client, make_user, junmen):
    row = dict.fromkeys(COLUMNS, "")
    # openpyxl refuses to write most control characters; a CSV carries them as they are.
    row.update({"姓名": "王\x07五", "公民身份号码": valid_id_number("350102", dt.date(1970, 1, 1))})
    csv_text = ",".join(COLUMNS) + "\r\n" + ",".join(row[c] for c in COLUMNS) + "\r\n"
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(
        reverse("registry:import"),
        {"file": SimpleUploadedFile("居民.csv", csv_text.encode()), "community": JUNMEN},
    )
    report = response.context["report"]
    assert report.rejected == 1 and "控制字符" in report.rows[0].reason
    assert not Person.objects.exists()


def test_services_refuse_control_characters_for_callers_that_are_not_requests(make_user, junmen):
    from gongzhi.demands.services import demand_create
    from gongzhi.registry.services import person_create

    worker = make_user("community_worker", JUNMEN)
    with pytest.raises(ApplicationError) as exc:
        person_create(by=worker, community=junmen, data={"name": "王五", "sex": "M", "address": "路\x07"})
    assert exc.value.code == "control_character" and exc.value.field == "address"
    with pytest.raises(ApplicationError) as exc:
        demand_create(
            by=make_user("resident", JUNMEN), channel="app", title="路灯", body="不亮\x1b", community=junmen
        )
    assert exc.value.code == "control_character"
    assert not Person.objects.exists() and not Demand.objects.exists()


# --- integration ---------------------------------------------------------------------------------


@pytest.fixture
def civil_source(make_user):
    from gongzhi.integration.services import source_create
    from gongzhi.integration.tests.conftest import CIVIL_CODES, CIVIL_COLUMNS

    officer = make_user("district_staff", "350102")
    source = source_create(
        by=officer,
        department=DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil"),
        name="低保名册",
        file_format="csv",
        columns=CIVIL_COLUMNS,
        code_maps=CIVIL_CODES,
    )
    return officer, source


def test_integration_import_rejects_rows_with_control_characters(civil_source):
    from gongzhi.integration.services import batch_submit
    from gongzhi.integration.tests.conftest import csv_bytes, row

    officer, source = civil_source
    data = csv_bytes(
        [
            row(name="王\x07五"),
            row(name="李四", id_number=valid_id_number("350102", dt.date(1975, 1, 1)), 住址="路\x1b"),
        ]
    )
    batch, _new = batch_submit(by=officer, source=source, data=data, filename="a.csv")
    assert (batch.accepted, batch.rejected) == (0, 2)
    for record in batch.records.all():
        assert any("控制字符" in e["message"] for e in record.errors)
        assert "\x07" not in json.dumps(record.values) and "\x1b" not in json.dumps(record.values)
    assert not Person.objects.exists()


def test_integration_api_push_refuses_control_characters(client, civil_source):
    from gongzhi.integration.models import ImportBatch
    from gongzhi.integration.tests.conftest import row

    officer, source = civil_source
    response = _json(
        client,
        f"/api/integration/sources/{source.pk}/rows",
        {"rows": [row(name="王\x07五")]},
        _bearer(officer),
    )
    assert response.status_code == 400 and response.json()["code"] == "control_character"
    assert response.json()["field"] == "rows[0].姓名"
    assert not ImportBatch.objects.exists()


# --- demands -------------------------------------------------------------------------------------


def test_demands_api_refuses_control_characters(client, make_user, junmen):
    response = _json(
        client,
        "/api/demands/",
        {"title": "路灯\x07", "body": "不亮", "community": JUNMEN},
        _bearer(make_user("resident", JUNMEN)),
    )
    assert response.status_code == 400 and response.json()["field"] == "title"
    assert not Demand.objects.exists()


def test_demands_form_refuses_control_characters(client, junmen):
    response = client.post(
        reverse("demands:submit"),
        {"title": "路灯不亮", "body": "巷口\x07", "community": JUNMEN, "contact_phone": "13912345678"},
    )
    assert response.status_code == 400 and "控制字符" in response.content.decode()
    assert not Demand.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_refuses_control_characters_in_the_spec_error_format(client, junmen, fmt):
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {"jurisdiction_id": "350102", "service_code": "property-leaks", "description": "漏水\x07"},
    )
    assert response.status_code == 400
    if fmt == "json":
        assert response.json()[0]["code"] == 400 and "控制字符" in response.json()[0]["description"]
    else:
        assert b"<errors><error><code>400</code>" in response.content
    assert not Demand.objects.exists()


def test_tabs_and_line_breaks_are_still_welcome(client, junmen):
    response = client.post(
        reverse("demands:submit"),
        {
            "title": "路灯不亮",
            "body": "第一行\r\n第二行\t完",
            "community": JUNMEN,
            "contact_phone": "13912345678",
        },
    )
    assert response.status_code == 302
    assert Demand.objects.get().body == "第一行\r\n第二行\t完"
