"""Registering a number held in another community tells nothing about where (issue 7, item 7).

The answer says only that the number cannot be registered here and how to have the street
transfer the resident; the attempt is logged in the holder's history, which their community
reads. Through the edit form, the API (create and edit) and the spreadsheet import.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.core import pii
from gongzhi.core.idnumber import compose
from gongzhi.core.models import ChangeRecord, Region
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
NUMBER = compose("350103", dt.date(1962, 8, 14), 27)


@pytest.fixture
def holder(other_community):
    return PersonFactory(
        community=other_community, name="外社区居民", birth_date=dt.date(1962, 8, 14), id_number=NUMBER
    )


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


def _assert_no_oracle(text: str, holder: Person):
    assert "不能在这里登记" in text and "街道" in text
    assert (
        "其他社区" not in text
        and holder.community.name not in text
        and holder.community.short_name not in text
    )
    assert holder.name not in text


def _assert_logged(holder: Person, by):
    entry = ChangeRecord.objects.get(action="id_conflict")
    assert (entry.object_type, entry.object_id, entry.community_code, entry.by) == (
        "registry.person",
        str(holder.pk),
        holder.community_id,
        by,
    )
    assert Region.objects.get(code=JUNMEN).name in entry.note


def test_api_create(client, worker, holder):
    client.force_login(worker)
    response = client.post(
        "/api/registry/persons",
        {"community": JUNMEN, "name": "王新", "id_number": NUMBER},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("id_not_registrable_here", "id_number")
    _assert_no_oracle(body["message"], holder)
    _assert_logged(holder, worker)
    assert Person.objects.filter(id_number_hash=pii.keyed_hash(NUMBER)).count() == 1


def test_api_edit(client, worker, holder):
    mine = PersonFactory(community=Region.objects.get(code=JUNMEN), name="本社区居民")
    client.force_login(worker)
    response = client.patch(
        f"/api/registry/persons/{mine.pk}",
        {"id_number": NUMBER, "version": mine.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    _assert_no_oracle(response.json()["message"], holder)
    _assert_logged(holder, worker)


def test_edit_form(client, worker, holder):
    mine = PersonFactory(community=Region.objects.get(code=JUNMEN), name="本社区居民", sex="M")
    client.force_login(worker)
    response = client.post(
        reverse("registry:person_edit", args=[mine.pk]),
        {
            "version": mine.version,
            "name": mine.name,
            "id_number": NUMBER,
            "sex": "M",
            "ethnicity": "01",
            "residence_type": mine.residence_type,
            "status": mine.status,
        },
    )
    assert response.status_code == 400
    _assert_no_oracle(response.content.decode(), holder)
    _assert_logged(holder, worker)
    mine.refresh_from_db()
    assert mine.id_number != NUMBER


def test_import(client, worker, holder):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "性别"])
    sheet.append(["王新", NUMBER, "男"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "residents.xlsx"
    client.force_login(worker)
    response = client.post(reverse("registry:import"), {"file": data, "community": JUNMEN})
    report = response.context["report"]
    assert report.rejected == 1
    _assert_no_oracle(report.rejected_rows[0].reason, holder)
    _assert_logged(holder, worker)


def test_a_duplicate_the_user_can_see_still_says_so(client, worker):
    """Inside the user's own scope nothing is hidden: the usual duplicate message."""
    PersonFactory(community=Region.objects.get(code=JUNMEN), name="已登记", id_number=NUMBER)
    client.force_login(worker)
    response = client.post(
        "/api/registry/persons",
        {"community": JUNMEN, "name": "王新", "id_number": NUMBER},
        content_type="application/json",
    )
    assert response.json()["code"] == "duplicate_id_number"
    assert not ChangeRecord.objects.filter(action="id_conflict").exists()


def test_the_holder_community_sees_the_attempt(client, make_user, worker, holder):
    client.force_login(worker)
    client.post(
        "/api/registry/persons",
        {"community": JUNMEN, "name": "王新", "id_number": NUMBER},
        content_type="application/json",
    )
    client.force_login(make_user("community_worker", holder.community_id))
    page = client.get(reverse("registry:person_detail", args=[holder.pk])).content.decode()
    assert "他处尝试登记" in page
