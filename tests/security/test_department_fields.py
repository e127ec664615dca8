"""Department staff read residents only through their sharing rules (issue 7, item 2).

Replays the leak: a 民政局 worker, whose rules exclude phone, ethnicity, hukou address and
workplace, read them at GET /api/registry/persons/{id}, searched by full phone and identity
number, and nothing was logged. Then checks every register field against the rules, on
every surface a department worker can reach.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry, Region
from gongzhi.integration.models import SharedField, SharingRule
from gongzhi.integration.selectors import shared_fields
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


# A value for each register field that the page or API could show, to look for in answers.
def _given(value: str, data) -> bool:
    """A value anywhere in an API answer: in any of its strings, a short code ("22") standing
    alone (not the tail of a department's name such as "…局322")."""
    if isinstance(data, dict):
        return any(_given(value, v) for v in data.values()) or any(_given(value, k) for k in data)
    if isinstance(data, list):
        return any(_given(value, v) for v in data)
    return data is not None and _shown(value, str(data))


VALUES = {
    "name": "郑秀英",
    "phone": "13905917788",
    "ethnicity": "22",  # 畲族
    "hukou_address": "福建省宁德市福安市穆阳镇",
    "workplace": "福州市鼓楼区秀英茶庄",
    "address": "鼓楼区杨桥东路秀英巷3号",
    "notes": "秀英备注：慢性病随访",
    "former_names": "郑秀瑛",
}
# How a shared field appears in the department API: the register field it carries.
API_KEY = {
    "name": "name",
    "phone": "phone",
    "ethnicity": "ethnicity",
    "hukou_address": "hukou_address",
    "workplace": "workplace",
    "address": "address",
}


@pytest.fixture
def person(db):
    p = PersonFactory(
        community=Region.objects.get(code=JUNMEN),
        name=VALUES["name"],
        sex="F",
        ethnicity=VALUES["ethnicity"],
        hukou_address=VALUES["hukou_address"],
        workplace=VALUES["workplace"],
        address=VALUES["address"],
        notes=VALUES["notes"],
        former_names=VALUES["former_names"],
    )
    p.set_phone(VALUES["phone"])
    p.save()
    return p


def _shown(value: str, page: str) -> bool:
    """A value shown on the page as text: a short code ("22") must stand alone between tags or
    spaces, not match inside a random nonce or token."""
    if not value.isdigit():
        return value in page
    return (
        re.search(rf"(?<![0-9A-Za-z_-]){value}(?![0-9A-Za-z_-])", re.sub(r'"[^"]*"', '""', page)) is not None
    )


@pytest.fixture
def civil(db):
    return DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil-leak")


@pytest.fixture
def civil_client(client, make_user, civil):
    client.force_login(make_user("department_staff", civil))
    return client


def test_the_rules_of_the_replayed_case(civil):
    allowed = set(shared_fields(civil))
    assert not allowed & {"phone", "ethnicity", "hukou_address", "workplace"}


# --- the leak requests, replayed --------------------------------------------------------------


def test_registry_api_detail_is_closed_to_departments(civil_client, person):
    response = civil_client.get(f"/api/registry/persons/{person.pk}")
    assert response.status_code == 403
    text = response.content.decode()
    for field in ("phone", "ethnicity", "hukou_address", "workplace"):
        assert VALUES[field] not in text


@pytest.mark.parametrize(
    "params",
    [
        {"phone": VALUES["phone"]},
        {"q": VALUES["phone"]},
        {"q": "ID"},  # the person's full identity number, filled in below
        {"q": VALUES["name"]},
    ],
)
def test_registry_api_search_is_closed_to_departments(civil_client, person, params):
    params = {k: (person.id_number if v == "ID" else v) for k, v in params.items()}
    response = civil_client.get("/api/registry/persons", params)
    assert response.status_code == 403
    assert person.name not in response.content.decode()


@pytest.mark.parametrize(
    "name,args",
    [
        ("registry:person_list", None),
        ("registry:person_detail", "pk"),
        ("registry:export", None),
        ("registry:place_tree", None),
    ],
)
def test_registry_pages_are_closed_to_departments(civil_client, person, name, args):
    response = civil_client.get(reverse(name, args=[person.pk] if args else None), {"q": VALUES["phone"]})
    assert response.status_code in (403, 404)
    assert person.name not in response.content.decode()


# --- every register field against the rules ------------------------------------------------------


PERSON_FIELDS = [
    "name",
    "former_names",
    "sex",
    "birth_date",
    "ethnicity",
    "id_number",
    "phone",
    "residence_type",
    "status",
    "address",
    "hukou_address",
    "workplace",
    "notes",
    "community",
    "tags",
]


@pytest.mark.parametrize("field", PERSON_FIELDS)
@pytest.mark.parametrize("kind", ["civil_affairs", "health", "public_security"])
def test_every_field_follows_the_rules_on_the_department_api(client, make_user, person, field, kind):
    """A field reaches a department exactly when a rule of its kind shares it: asked for by
    name it is refused otherwise; in the default answer it is absent; never in the body."""
    department = DepartmentFactory(kind=kind, code=f"d-{kind}")
    client.force_login(make_user("department_staff", department))
    shared = SharingRule.objects.filter(department_kind=kind, field=field).exists()
    asked = client.get(
        "/api/integration/department/people", {"purpose": "department_assist", "fields": field}
    )
    if field not in SharedField.values:  # not a field any rule can open: never given
        assert asked.status_code == 403
    else:
        assert asked.status_code == (200 if shared else 403), asked.content
    default = client.get("/api/integration/department/people", {"purpose": "department_assist"})
    assert default.status_code == 200
    item = default.json()["items"][0]
    assert (field in item) is (shared and field in SharedField.values)
    if not shared and field in VALUES:
        assert not _given(VALUES[field], default.json())
    page = client.get(reverse("integration:department"), {"purpose": "department_assist"}).content.decode()
    if not shared and field in VALUES:
        assert not _shown(VALUES[field], page)
    # the register itself gives them nothing
    assert client.get(f"/api/registry/persons/{person.pk}").status_code == 403


@pytest.mark.parametrize(
    "params,field",
    [({"q": "郑"}, "name"), ({"tag": "minimum_allowance"}, "tags")],
)
def test_searching_by_a_field_needs_that_field_shared(client, make_user, person, params, field):
    """A search narrows by a field: it would tell a department what the rules withhold."""
    kind = "other"
    SharingRule.objects.filter(department_kind=kind).delete()
    SharingRule.objects.create(department_kind=kind, field="community")
    department = DepartmentFactory(kind=kind, code="d-other")
    client.force_login(make_user("department_staff", department))
    response = client.get("/api/integration/department/people", {"purpose": "department_assist", **params})
    assert response.status_code == 403 and response.json()["code"] == "field_not_shared"
    SharingRule.objects.create(department_kind=kind, field=field)
    assert (
        client.get(
            "/api/integration/department/people", {"purpose": "department_assist", **params}
        ).status_code
        == 200
    )


def test_every_department_read_is_logged(civil_client, person, civil):
    civil_client.get("/api/integration/department/people", {"purpose": "aid_check"})
    civil_client.get(reverse("integration:department"), {"purpose": "aid_check"})
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["department_read", "department_read"]
    assert all(e.purpose == "aid_check" and e.count == 1 for e in entries)
    assert all(not {"phone", "ethnicity", "hukou_address", "workplace"} & set(e.fields) for e in entries)
    # and a read without a stated purpose gives nothing
    refused = civil_client.get("/api/integration/department/people", {"purpose": ""})
    assert refused.status_code in (400, 422) and VALUES["name"] not in refused.content.decode()
    assert AccessLogEntry.objects.count() == 2


def test_the_home_page_points_departments_to_their_data(civil_client, person):
    page = civil_client.get(reverse("web:home")).content.decode()
    assert "部门数据" in page and person.name not in page
    assert reverse("registry:person_list") not in page  # no way into the register itself
