"""Purchased home care (政府购买居家养老服务): who is entitled and to how many hours, from the
registry's facts (age, valid tags with the disability grade, the care profile's assessment); the
selector returns the number and the records it counted; an order is placed only for an entitled
elder and within the hours (a database CHECK holds it too); the page's role matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.care import selectors, services
from gongzhi.care.eligibility import Facts, entitlement
from gongzhi.care.models import CareProfile, ServiceOrder
from gongzhi.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
C, OTHER = "350102004001", "350102004003"
TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "facts,hours,basis",
    [
        (dict(age=59, tags={"extreme_hardship"}), 0, []),  # under 60: never
        (dict(age=60), 0, []),  # 60 with nothing else: not entitled
        (dict(age=60, tags={"extreme_hardship"}), 30, ["extreme_hardship"]),
        (dict(age=70, tags={"minimum_allowance"}), 20, ["low_income"]),
        (dict(age=70, tags={"minimum_allowance"}, care_level=2), 30, ["low_income_disabled", "low_income"]),
        (dict(age=65, care_level=3), 20, ["severe"]),
        (dict(age=65, tags={"disabled"}, disability_grade=2), 20, ["severe"]),
        (dict(age=65, tags={"disabled"}, disability_grade=3), 0, []),
        (dict(age=82, care_level=2), 15, ["disabled_80"]),
        (dict(age=79, care_level=2), 0, []),
        (dict(age=85, living_alone=True), 10, ["alone_80"]),
        (dict(age=85, tags={"elderly_alone"}), 10, ["alone_80"]),
        (dict(age=100), 10, ["centenarian"]),
    ],
)
def test_the_rules(facts, hours, basis):
    assert entitlement(Facts(person_id=1, community_id=C, name="x", **facts)) == (hours, basis)


@pytest.fixture
def w(make_user):
    from gongzhi.registry.models import PersonTag
    from tests.factories import OrganizationFactory, PersonFactory

    def elder(born, community=C, **tags):
        from gongzhi.core.models import Region

        p = PersonFactory(community=Region.objects.get(code=community), birth_date=born)
        for kind, grade in tags.items():
            PersonTag.objects.create(
                community_id=community, person=p, kind=kind, grade=grade, valid_from=dt.date(2020, 1, 1)
            )
        return p

    low_income = elder(dt.date(1950, 1, 1), minimum_allowance=None)
    expired = elder(dt.date(1950, 1, 1))
    PersonTag.objects.create(
        community_id=C,
        person=expired,
        kind="minimum_allowance",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 12, 31),
    )
    return {
        "low_income": low_income,
        "expired": expired,
        "grade1": elder(dt.date(1960, 1, 1), disabled=1),
        "young_low_income": elder(dt.date(1970, 1, 1), minimum_allowance=None),
        "plain_elder": elder(dt.date(1940, 1, 1)),
        "other": elder(dt.date(1950, 1, 1), OTHER, extreme_hardship=None),
        "worker": make_user("community_worker", C),
        "head": make_user("community_head", C),
        "street": make_user("street_staff", "350102004"),
        "grid": make_user("grid_worker", C),
        "resident": make_user("resident", C),
        "outsider": make_user("community_worker", OTHER),
        "org": OrganizationFactory(kind="social_org"),
    }


def test_the_selector_counts_the_entitled_from_the_register(w):
    fig = selectors.purchased_care_eligible(user=w["worker"], today=TODAY)
    people = {r[6]: r for r in fig.records}
    assert fig.value == len(fig.records) == 2
    assert set(people) == {w["low_income"].pk, w["grade1"].pk}  # the expired tag, the young, the plain: no
    assert people[w["low_income"].pk][2:6] == (76, "低保家庭老人", 20, False)
    assert people[w["low_income"].pk][1] != w["low_income"].name  # masked
    # The street sees both communities; the other community's worker only theirs.
    assert selectors.purchased_care_eligible(user=w["street"], today=TODAY).value == 3
    assert [r[6] for r in selectors.purchased_care_eligible(user=w["outsider"], today=TODAY).records] == [
        w["other"].pk
    ]
    # A care assessment enters the facts: the plain elder (86), assessed moderately disabled.
    services.profile_create(person=w["plain_elder"], by=w["worker"], care_level=2)
    fig = selectors.purchased_care_eligible(user=w["worker"], today=TODAY)
    assert {r[6]: r[4] for r in fig.records}[w["plain_elder"].pk] == 15
    assert selectors.purchased_care_covered(user=w["worker"], today=TODAY).value == 0.0


def test_orders_only_for_the_entitled_and_within_the_hours(w):
    entitled = services.profile_create(person=w["low_income"], by=w["worker"])
    plain = services.profile_create(person=w["plain_elder"], by=w["worker"])
    with pytest.raises(ApplicationError) as err:
        services.order_create(profile=plain, provider=w["org"], hours_per_month=10, by=w["worker"])
    assert err.value.code == "not_entitled"
    with pytest.raises(ApplicationError) as err:
        services.order_create(profile=entitled, provider=w["org"], hours_per_month=21, by=w["worker"])
    assert err.value.code == "over_entitlement" and ServiceOrder.objects.count() == 0
    order = services.order_create(profile=entitled, provider=w["org"], hours_per_month=20, by=w["worker"])
    assert (order.entitled_hours, order.basis, [str(x) for x in order.basis_labels]) == (
        20,
        "low_income",
        ["低保家庭老人"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.filter(pk=order.pk).update(hours_per_month=25)
    fig = selectors.purchased_care_covered(user=w["worker"])
    assert fig.value == 50.0 and sum(1 for r in fig.records if r[5]) == 1


PAGE = {"worker": 200, "head": 200, "street": 200, "grid": 200, "resident": 403, "outsider": 200}


@pytest.mark.parametrize("role", list(PAGE))
def test_role_matrix(client, w, role):
    client.force_login(w[role])
    r = client.get(reverse("care:eligibility"))
    assert r.status_code == PAGE[role]
    if r.status_code == 200:
        body = r.content.decode()
        assert ("低保家庭老人" in body) == (role != "outsider")
        assert ('data-action="profile"' in body) == (
            role in ("worker", "head", "outsider")
        )  # their own elders


def test_profile_and_order_from_the_page(client, w):
    client.force_login(w["grid"])  # sees, may not manage
    assert client.post(reverse("care:profile_create"), {"person": w["low_income"].pk}).status_code == 404
    client.force_login(w["outsider"])
    assert client.post(reverse("care:profile_create"), {"person": w["low_income"].pk}).status_code == 404
    client.force_login(w["worker"])
    assert client.post(reverse("care:profile_create"), {"person": w["low_income"].pk}).status_code == 302
    profile = CareProfile.objects.get(person=w["low_income"])
    body = client.get(reverse("care:eligibility")).content.decode()
    assert 'data-action="order"' in body
    r = client.post(
        reverse("care:order_create"), {"profile": profile.pk, "provider": w["org"].pk, "hours": "30"}
    )
    assert r.status_code == 400 and ServiceOrder.objects.count() == 0  # over the 20 hours
    r = client.post(
        reverse("care:order_create"), {"profile": profile.pk, "provider": w["org"].pk, "hours": "20"}
    )
    assert r.status_code == 302 and ServiceOrder.objects.get().hours_per_month == 20
