"""Elderly care: profiles and consented contacts, one-key calls into demands or care visits, meals
with subsidy by registry tags (one a day, database-held), home-care orders scoped to the provider,
and the role matrix of the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.care import services
from gongzhi.care.models import Call, CallOutcome, EmergencyContact, MealLog
from gongzhi.core.errors import ApplicationError, NotFound

pytestmark = pytest.mark.django_db
C = "350102004001"
OTHER = "350102004003"


@pytest.fixture
def w(make_user):
    from gongzhi.registry.models import PersonTag
    from tests.factories import DwellingFactory, OrganizationFactory, PersonFactory

    elder = PersonFactory(birth_date=dt.date(1940, 3, 1), dwelling=DwellingFactory())
    PersonTag.objects.create(community_id=C, person=elder, kind="minimum_allowance")
    PersonTag.objects.create(community_id=C, person=elder, kind="elderly_80")
    young = PersonFactory(birth_date=dt.date(1990, 3, 1))
    worker = make_user("community_worker", C)
    org = OrganizationFactory(kind="social_org")
    other_org = OrganizationFactory(kind="social_org")
    return {
        "elder": elder,
        "young": young,
        "worker": worker,
        "grid": make_user("grid_worker", C),
        "street": make_user("street_staff", "350102004"),
        "outsider": make_user("community_worker", OTHER),
        "org": org,
        "provider": make_user("social_org_staff", org),
        "other_provider": make_user("social_org_staff", other_org),
        "resident": make_user("resident", C),
    }


def test_profiles_only_for_the_elderly_and_contacts_only_with_consent(w):
    with pytest.raises(ApplicationError) as e:
        services.profile_create(person=w["young"], by=w["worker"])
    assert e.value.code == "not_elderly"
    prof = services.profile_create(person=w["elder"], by=w["worker"], living_alone=True, care_level=2)
    with pytest.raises(ApplicationError) as e:
        services.contact_add(profile=prof, by=w["worker"], name="林女士", phone="13900001111", consent=False)
    assert e.value.code == "consent_required" and EmergencyContact.objects.count() == 0
    c = services.contact_add(profile=prof, by=w["worker"], name="林女士", phone="13900001111", consent=True)
    assert (
        c.consent_at
        and c.consent_recorded_by == w["worker"]
        and "1111" in c.phone_masked
        and c.phone_masked != "13900001111"
    )
    with pytest.raises(NotFound):
        services.profile_create(person=w["elder"], by=w["outsider"])


def test_a_call_becomes_an_urgent_demand_or_a_care_visit_once(w):
    from gongzhi.demands.models import Demand
    from gongzhi.visits.models import LedgerItem

    prof = services.profile_create(person=w["elder"], by=w["worker"], living_alone=True)
    services.device_install(profile=prof, serial="YJT1", by=w["worker"])
    with pytest.raises(ApplicationError) as e:
        services.call_receive(serial="NOPE")
    assert e.value.code == "device_unknown"
    call = services.call_receive(serial="YJT1")
    call = services.call_answer(call=call, by=w["grid"], outcome=CallOutcome.DEMAND)
    assert call.demand is not None and Demand.objects.get(pk=call.demand_id).person == w["elder"]
    with pytest.raises(ApplicationError) as e:
        services.call_answer(call=call, by=w["grid"], outcome=CallOutcome.VISIT)
    assert e.value.code == "already_answered"
    call2 = services.call_answer(
        call=services.call_receive(serial="YJT1"), by=w["grid"], outcome=CallOutcome.VISIT
    )
    item = LedgerItem.objects.get(pk=call2.ledger_item_id)
    assert item.category == "elderly" and item.state == "open"
    from gongzhi.care.selectors import calls_answered_in_time

    fig = calls_answered_in_time(user=w["street"])
    assert fig.value == 100.0 and len(fig.records) == 2


def test_meals_subsidised_by_tags_and_one_a_day(w):
    from gongzhi.care.models import MealPoint

    prof = services.profile_create(person=w["elder"], by=w["worker"])
    point = MealPoint.objects.create(community_id=C, name="长者食堂")
    e = services.meal_enrol(profile=prof, point=point, by=w["worker"])
    assert e.subsidy == Decimal("8") and e.subsidy_basis == "minimum_allowance"
    services.meal_log(enrolment=e, by=w["worker"])
    with pytest.raises(ApplicationError) as err:
        services.meal_log(enrolment=e, by=w["worker"])
    assert err.value.code == "meal_logged" and MealLog.objects.count() == 1
    from gongzhi.care.selectors import meals_served

    assert meals_served(user=w["street"]).value == 1


def test_home_care_orders_are_scoped_to_the_provider_and_confirmed_once(w):
    prof = services.profile_create(person=w["elder"], by=w["worker"], care_level=3)
    order = services.order_create(profile=prof, provider=w["org"], hours_per_month=12, by=w["worker"])
    rec = services.record_add(order=order, by=w["provider"], minutes=90, content="助浴")
    with pytest.raises(ApplicationError) as e:
        services.record_add(order=order, by=w["other_provider"], minutes=90, content="助浴")
    assert e.value.code == "other_provider"
    with pytest.raises(ApplicationError) as e:
        services.record_confirm(record=rec, by=w["provider"], confirmer=" ")
    assert e.value.code == "confirmer_required"
    services.record_confirm(record=rec, by=w["provider"], confirmer="本人")
    with pytest.raises(ApplicationError) as e:
        services.record_confirm(record=rec, by=w["provider"], confirmer="本人")
    assert e.value.code == "already_confirmed"
    from gongzhi.care.selectors import monthly_statement, orders

    assert list(orders(user=w["other_provider"])) == []
    (row,) = monthly_statement(user=w["provider"], month=timezone.localtime(rec.at).date())
    assert row["hours"] == 1.5 and row["unconfirmed"] == 0


PAGES = ["care:index", "care:calls", "care:meals", "care:orders"]
EXPECTED = {
    "worker": [200, 200, 200, 200],
    "grid": [200, 200, 403, 200],
    "street": [200, 200, 403, 200],
    "provider": [403, 403, 200, 200],
    "resident": [403, 403, 403, 403],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(client, w, role):
    client.force_login(w[role])
    assert [client.get(reverse(p)).status_code for p in PAGES] == EXPECTED[role]


def test_anonymous_and_out_of_scope(client, w):
    prof = services.profile_create(person=w["elder"], by=w["worker"], living_alone=True)
    services.device_install(profile=prof, serial="YJT9", by=w["worker"])
    call = services.call_receive(serial="YJT9")
    for p in PAGES:
        assert client.get(reverse(p)).status_code == 302
    client.force_login(w["outsider"])
    assert (
        client.post(reverse("care:call_answer", args=[call.pk]), {"outcome": "false_alarm"}).status_code
        == 404
    )
    assert "YJT9" not in client.get(reverse("care:calls")).content.decode()
    client.force_login(w["grid"])
    assert (
        client.post(reverse("care:call_answer", args=[call.pk]), {"outcome": "false_alarm"}).status_code
        == 302
    )
    assert Call.objects.get(pk=call.pk).outcome == "false_alarm"
