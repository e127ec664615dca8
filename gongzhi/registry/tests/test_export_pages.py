"""Exporting residents: masked, only what the user may see and what the search selects,
a purpose required, every export one access-log entry with its count."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry
from gongzhi.registry.models import Person

from .test_pages_support import (
    EXPORTERS,
    ROLES,
    login,
    scope_for,
    world_fixture,  # noqa: F401  (the `world` fixture)
)


def _sheet(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [[c for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]


def test_export_is_masked_scoped_and_logged(world, community_worker):
    person = Person.objects.get(pk=world.inside.person.pk)
    person.set_phone("13812345678")
    person.save()
    response = login(community_worker).post(
        reverse("registry:export"), {"purpose": "home_visit", "note": "季度走访名单"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response)
    body = rows[1:]
    names = {r[0] for r in body}
    assert names == {world.inside.person.name, world.inside.spouse.name}
    text = repr(rows)
    assert person.id_number not in text and "13812345678" not in text
    assert person.id_number_masked in text and "138****5678" in text
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.count, entry.purpose, entry.purpose_note, entry.user) == (
        "export",
        2,
        "home_visit",
        "季度走访名单",
        community_worker,
    )
    assert entry.community_code == "350102004001"


def test_export_follows_the_search_filters(world, community_worker):
    response = login(community_worker).post(
        reverse("registry:export") + "?tag=elderly_alone", {"purpose": "home_visit", "note": "独居老人关爱"}
    )
    assert [r[0] for r in _sheet(response)[1:]] == [world.inside.person.name]
    assert AccessLogEntry.objects.get().count == 1


@pytest.mark.parametrize("purpose", ["", "ab", "看看", "\u200b\u200b", "季度走访名单"])
def test_export_without_a_purpose_is_refused_and_not_logged(world, community_worker, purpose):
    response = login(community_worker).post(reverse("registry:export"), {"purpose": purpose})
    assert response.status_code == 400
    assert "请从列表中选择查看或导出的用途" in response.content.decode()
    assert AccessLogEntry.objects.count() == 0


def test_the_export_form_offers_the_lawful_purposes_with_none_preselected(world, community_worker):
    page = login(community_worker).get(reverse("registry:export")).content.decode()
    assert '<select name="purpose"' in page and "报表报送" in page and "救助核查" in page
    options = page.split('<select name="purpose"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)" selected', options) == [""]


def test_street_export_covers_its_communities_and_logs_the_street(world, make_user):
    from tests.factories import PersonFactory

    PersonFactory(community_id="350102004003", name="大根居民")
    user = make_user("street_staff", "350102004")
    rows = _sheet(login(user).post(reverse("registry:export"), {"purpose": "export_filing"}))
    names = {r[0] for r in rows[1:]}
    assert "大根居民" in names and world.inside.person.name in names
    assert world.outside.person.name not in names
    assert AccessLogEntry.objects.get().community_code == "350102004"


@pytest.mark.parametrize("role", ROLES)
def test_only_exporters_may_export(world, make_user, role):
    response = login(make_user(role, scope_for(role))).post(
        reverse("registry:export"), {"purpose": "export_filing", "note": "核对名单"}
    )
    if role in EXPORTERS:
        assert response.status_code == 200 and AccessLogEntry.objects.count() == 1
    else:
        assert response.status_code == 403 and AccessLogEntry.objects.count() == 0
