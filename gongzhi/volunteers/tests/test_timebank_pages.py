"""Time-bank, micro-wish and party pages: who may open them, and the resident's confirm and gift
flow from the phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.registry.models import HouseholdMember
from gongzhi.volunteers import timebank as tb
from gongzhi.volunteers.models import TimeService

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db
PAGES = ["volunteers:timebank", "volunteers:wish_list", "volunteers:party"]


@pytest.mark.parametrize(
    "role,scope,allowed",
    [
        ("resident", JUNMEN, set(PAGES)),
        ("community_worker", JUNMEN, {"volunteers:wish_list", "volunteers:party"}),
        ("street_staff", "350102004", {"volunteers:wish_list", "volunteers:party"}),
        ("expert", "350102", set()),
    ],
)
def test_role_matrix(client, make_user, make_resident, role, scope, allowed):
    user = make_resident() if role == "resident" else make_user(role, scope)
    client.force_login(user)
    for name in PAGES:
        r = client.get(reverse(name))
        assert (r.status_code == 200) == (name in allowed), (name, r.status_code)


@pytest.mark.parametrize("name", PAGES)
def test_anonymous(client, name):
    assert client.get(reverse(name)).status_code == 302


def test_a_resident_confirms_a_service_and_gives_hours_to_a_spouse(client, make_resident, staff):
    from tests.factories import HouseholdFactory

    me, spouse, helper = make_resident(), make_resident(), make_resident()
    h = HouseholdFactory()
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=me.person, relationship="02")
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=spouse.person, relationship="10")
    s = tb.timeservice_record(
        provider=me.person,
        served=helper.person,
        hours=4,
        description="陪同就医",
        served_on=dt.date.today(),
        from_pool=True,
        by=me,
    )
    tb.timeservice_confirm(service=s, by=staff)
    pending = tb.timeservice_record(
        provider=helper.person,
        served=me.person,
        hours=1,
        description="修水管",
        served_on=dt.date.today(),
        by=helper,
    )
    client.force_login(spouse)  # the household confirms
    assert "修水管" in client.get(reverse("volunteers:timebank")).content.decode()
    client.post(reverse("volunteers:timeservice_confirm", args=[pending.pk]))
    assert TimeService.objects.get(pk=pending.pk).state == "confirmed"
    client.force_login(me)
    client.post(reverse("volunteers:time_gift"), {"recipient": spouse.person_id, "hours": "2"})
    assert tb.time_account(me.person).balance == Decimal("1") and tb.time_account(
        spouse.person
    ).balance == Decimal("2")
    # Not family: refused with a message, nothing moves.
    r = client.post(
        reverse("volunteers:time_gift"), {"recipient": helper.person_id, "hours": "1"}, follow=True
    )
    assert tb.time_account(me.person).balance == Decimal("1") and r.status_code in (200, 400)
