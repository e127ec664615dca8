"""Fixtures for the integration tests: a district data officer, departments and their sources."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from gongzhi.core.idnumber import compose
from gongzhi.core.models import Region

JUNMEN = "350102004001"
DISTRICT = "350102"

# A civil-affairs extract: its own column names and its own codes (1/2 for sex, 汉 for 01).
CIVIL_COLUMNS = {
    "编号": "external_id",
    "姓名": "name",
    "身份证号": "id_number",
    "性别": "sex",
    "出生日期": "birth_date",
    "民族": "ethnicity",
    "联系电话": "phone",
    "社区代码": "community",
    "住址": "address",
}
CIVIL_CODES = {"sex": {"男": "1", "女": "2"}, "ethnicity": {"汉": "01", "畲": "22"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(make_user):
    return make_user("district_staff", DISTRICT)


@pytest.fixture
def civil_affairs(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil")


@pytest.fixture
def health(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory(name="鼓楼区卫健局", kind="health", code="gl-health")


@pytest.fixture
def civil_source(officer, civil_affairs):
    from gongzhi.integration.services import source_create

    return source_create(
        by=officer,
        department=civil_affairs,
        name="低保名册",
        file_format="csv",
        columns=CIVIL_COLUMNS,
        code_maps=CIVIL_CODES,
        trust_rank=2,
    )


def idn(birth=dt.date(1980, 5, 17), seq=11, area="350102") -> str:
    return compose(area, birth, seq)


def csv_bytes(rows: list[dict], columns=None) -> bytes:
    columns = columns or list(CIVIL_COLUMNS)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns)
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    return out.getvalue().encode("utf-8")


def row(name="张伟", id_number=None, sex="男", birth="1980-05-17", phone="13800000001", **extra) -> dict:
    r = {
        "编号": extra.pop("编号", ""),
        "姓名": name,
        "身份证号": idn() if id_number is None else id_number,
        "性别": sex,
        "出生日期": birth,
        "民族": extra.pop("民族", "汉"),
        "联系电话": phone,
        "社区代码": extra.pop("社区代码", JUNMEN),
        "住址": extra.pop("住址", "军门社区1号楼101"),
    }
    r.update(extra)
    return r


@pytest.fixture
def junmen_region(db):
    return Region.objects.get(code=JUNMEN)
