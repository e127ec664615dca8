"""Old courtyards: inspections only where there is no property management, findings assigned by
the responsibility split with deadlines, resolved once; the page's role matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.visits import courtyards
from gongzhi.visits.models import Finding

pytestmark = pytest.mark.django_db


def test_findings_follow_the_responsibility_split(place, staff):
    from tests.factories import EstateFactory

    with pytest.raises(ApplicationError) as e:
        courtyards.inspections_schedule(estate=EstateFactory(has_property_management=True), by=staff["head"])
    assert e.value.code == "has_property_management"
    first, second, third = courtyards.inspections_schedule(estate=place["estate"], by=staff["head"])
    assert (second.due - first.due).days == 30
    courtyards.inspection_record(inspection=first, by=staff["grid"], item="pipes", description="雨水管破裂")
    courtyards.inspection_record(inspection=first, by=staff["grid"], item="waste", description="垃圾堆放")
    pipes, waste = Finding.objects.get(item="pipes"), Finding.objects.get(item="waste")
    today = timezone.localdate()
    assert (pipes.responsible, pipes.deadline) == ("district", today + dt.timedelta(days=90))
    assert (waste.responsible, waste.deadline) == ("community", today + dt.timedelta(days=3))
    with pytest.raises(ApplicationError) as e:
        courtyards.finding_add(inspection=first, by=staff["grid"], item="nope", description="x")
    assert e.value.code == "bad_item"
    courtyards.finding_resolve(finding=pipes, by=staff["street"])
    with pytest.raises(ApplicationError) as e:
        courtyards.finding_resolve(finding=pipes, by=staff["grid"])
    assert e.value.code == "already_resolved"
    rows = courtyards.courtyard_rows(user=staff["head"])
    assert [r["estate"] for r in rows] == [place["estate"]] and rows[0]["next"] == second
    assert [f.item for f in rows[0]["findings"]] == ["waste"]
    assert courtyards.courtyard_rows(user=staff["other_grid"]) == []


@pytest.mark.parametrize("role,status", [("grid", 200), ("head", 200), ("street", 200), ("other_grid", 200)])
def test_courtyard_page(client, place, staff, role, status):
    courtyards.inspections_schedule(estate=place["estate"], by=staff["head"])
    client.force_login(staff[role])
    r = client.get(reverse("visits:courtyards"))
    assert r.status_code == status
    assert (place["estate"].name in r.content.decode()) == (role != "other_grid")


def test_courtyard_page_anonymous_and_out_of_scope_post(client, place, staff):
    (first,) = courtyards.inspections_schedule(estate=place["estate"], by=staff["head"], count=1)
    assert client.get(reverse("visits:courtyards")).status_code == 302
    client.force_login(staff["other_grid"])
    assert client.post(reverse("visits:inspection_record", args=[first.pk]), {"note": "x"}).status_code == 404
    client.force_login(staff["grid"])
    r = client.post(
        reverse("visits:inspection_record", args=[first.pk]),
        {"note": "x", "item": "lighting", "description": "路灯不亮"},
    )
    assert r.status_code == 302 and Finding.objects.get().responsible == "street"
