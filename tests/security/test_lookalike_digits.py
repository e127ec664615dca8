"""Look-alike digits (issue 7, item 3): an identity number or phone written with Arabic-Indic,
Devanagari or other non-ASCII digits must never register a second person "with the same
number". Every path goes through the one normaliser (core.text.normalise_digits and the
ASCII-only patterns of core.idnumber): registry form, API and import, the integration
import, the demands API and form, and Open311."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core import idnumber
from gongzhi.core.tokens import api_token_create
from gongzhi.registry.imports import COLUMNS
from gongzhi.registry.models import Person
from tests.factories import PersonFactory, valid_id_number

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
ARABIC_INDIC = {str(i): chr(0x0660 + i) for i in range(10)}  # ٠١٢٣٤٥٦٧٨٩
DEVANAGARI = {str(i): chr(0x0966 + i) for i in range(10)}  # ०१२…
FULLWIDTH = {str(i): chr(0xFF10 + i) for i in range(10)}  # ０１２…


def disguise(value: str, table: dict[str, str], keep: int = 4) -> str:
    """The number with its digits after the first `keep` written in look-alike digits; the
    last character stays as it was (what int() reads is the same number, so the check
    character still matches: the attack of the issue)."""
    return value[:keep] + "".join(table.get(c, c) for c in value[keep:-1]) + value[-1:]


NUMBER = valid_id_number("350102", dt.date(1980, 5, 17))
PHONE = "13812345678"


@pytest.fixture
def registered(junmen):
    return PersonFactory(community=junmen, id_number=NUMBER, birth_date=dt.date(1980, 5, 17))


def _non_ascii_numbers() -> list[str]:
    return [p.id_number for p in Person.objects.all() if not p.id_number.isascii()] + [
        p.phone for p in Person.objects.all() if not p.phone.isascii()
    ]


# --- the normaliser --------------------------------------------------------------------------


@pytest.mark.parametrize("table", [ARABIC_INDIC, DEVANAGARI])
def test_the_normaliser_refuses_look_alike_digits(table):
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(disguise(NUMBER, table))
    assert exc.value.code == "id_characters"
    with pytest.raises(Exception) as exc:
        idnumber.normalise_phone(disguise(PHONE, table, keep=2))
    assert exc.value.code == "phone_invalid"


def test_full_width_digits_fold_to_the_same_number():
    assert idnumber.parse(disguise(NUMBER, FULLWIDTH, keep=0)).value == NUMBER
    assert idnumber.normalise_phone(disguise(PHONE, FULLWIDTH, keep=0)) == PHONE


# --- registry: API, form, import ---------------------------------------------------------------


def _bearer(user) -> dict:
    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_registry_api_refuses_a_look_alike_identity_number_and_phone(client, make_user, registered):
    headers = _bearer(make_user("community_worker", JUNMEN))
    for body, field in (
        ({"name": "冒名", "id_number": disguise(NUMBER, ARABIC_INDIC)}, "id_number"),
        ({"name": "冒名", "sex": "M", "phone": disguise(PHONE, ARABIC_INDIC, keep=2)}, "phone"),
    ):
        response = client.post(
            "/api/registry/persons",
            json.dumps({"community": JUNMEN, **body}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field
    assert Person.objects.count() == 1


def test_registry_form_refuses_a_look_alike_identity_number_and_phone(client, make_user, registered):
    client.force_login(make_user("community_worker", JUNMEN))
    url = reverse("registry:person_edit", args=[registered.pk])
    base = {
        "version": registered.version,
        "name": registered.name,
        "sex": "M",
        "ethnicity": "01",
        "residence_type": "registered",
        "status": "active",
    }
    other = valid_id_number("350102", dt.date(1970, 1, 1))
    response = client.post(url, {**base, "id_number": disguise(other, DEVANAGARI)})
    assert response.status_code == 400
    assert "id_number" in response.context["form"].errors
    response = client.post(url, {**base, "phone": disguise(PHONE, ARABIC_INDIC, keep=2)})
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    registered.refresh_from_db()
    assert registered.id_number == NUMBER
    assert _non_ascii_numbers() == []


def test_registry_import_rejects_look_alike_rows(client, make_user, registered):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    row = dict.fromkeys(COLUMNS, "")
    row.update({"姓名": "冒名", "公民身份号码": disguise(NUMBER, ARABIC_INDIC)})
    sheet.append([row[c] for c in COLUMNS])
    row.update(
        {
            "姓名": "电话",
            "公民身份号码": valid_id_number("350102", dt.date(1971, 1, 1)),
            "联系电话": disguise(PHONE, ARABIC_INDIC, keep=2),
        }
    )
    sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(
        reverse("registry:import"),
        {"file": SimpleUploadedFile("居民.xlsx", out.getvalue()), "community": JUNMEN},
    )
    report = response.context["report"]
    assert (report.created, report.rejected) == (0, 2), [r.reason for r in report.rows]
    assert Person.objects.count() == 1


# --- integration import ----------------------------------------------------------------------------


def test_integration_import_never_registers_a_look_alike_number(make_user, registered):
    from gongzhi.integration.services import batch_submit, source_create
    from gongzhi.integration.tests.conftest import CIVIL_CODES, CIVIL_COLUMNS, csv_bytes, row
    from tests.factories import DepartmentFactory

    officer = make_user("district_staff", "350102")
    source = source_create(
        by=officer,
        department=DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil"),
        name="低保名册",
        file_format="csv",
        columns=CIVIL_COLUMNS,
        code_maps=CIVIL_CODES,
        trust_rank=2,
    )
    data = csv_bytes(
        [
            row(
                name="冒名",
                id_number=disguise(NUMBER, ARABIC_INDIC),
                phone=disguise(PHONE, ARABIC_INDIC, keep=2),
            )
        ]
    )
    batch, _new = batch_submit(by=officer, source=source, data=data, filename="a.csv")
    record = batch.records.get()
    assert record.id_number_hash == ""  # not a valid number: used for comparison only
    assert record.phone == ""
    assert _non_ascii_numbers() == []
    assert not Person.objects.exclude(pk=registered.pk).filter(id_number_hash__gt="").exists()


# --- demands: API, form, Open311 ---------------------------------------------------------------


def test_demands_api_refuses_a_look_alike_phone(client, make_user, junmen):
    response = client.post(
        "/api/demands/",
        json.dumps(
            {
                "title": "路灯",
                "body": "不亮",
                "community": JUNMEN,
                "contact_phone": disguise(PHONE, ARABIC_INDIC, keep=2),
            }
        ),
        content_type="application/json",
        **_bearer(make_user("resident", JUNMEN)),
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_phone", response.content


def test_demands_form_refuses_a_look_alike_phone(client, junmen):
    from gongzhi.demands.models import Demand

    response = client.post(
        reverse("demands:submit"),
        {
            "title": "路灯不亮",
            "body": "巷口",
            "community": JUNMEN,
            "contact_phone": disguise(PHONE, DEVANAGARI, keep=2),
        },
    )
    assert response.status_code == 200
    assert not Demand.objects.exists()


def test_open311_post_refuses_a_look_alike_phone(client, junmen, settings):
    from gongzhi.core.models import Region
    from gongzhi.demands.models import Category, Demand
    from gongzhi.demands.units import unit_for_region
    from tests.factories import UserFactory

    settings.GONGZHI_OPEN311_JURISDICTIONS = ["350102"]
    unit_for_region(Region.objects.get(code="350102"))
    _token, key = api_token_create(user=UserFactory(username="city-app"), name="open311")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "jurisdiction_id": "350102",
            "service_code": Category.objects.get(code="property-leaks").code,
            "description": "楼顶漏水",
            "attribute[community]": JUNMEN,
            "phone": disguise(PHONE, ARABIC_INDIC, keep=2),
        },
    )
    assert response.status_code == 400, response.content
    assert "联系电话" in response.json()[0]["description"]
    assert not Demand.objects.exists()
