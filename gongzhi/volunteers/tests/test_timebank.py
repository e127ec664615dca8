"""Time bank: a confirmed service moves hours (two entries summing to zero), only the one served
or their household confirms, balances never below zero nor over the limit, gifts only to a spouse
or a parent aged 60+, by the register's households; the pool; valid across the district."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.core.ledger import ledger_verify
from gongzhi.registry.models import HouseholdMember
from gongzhi.volunteers import timebank as tb
from gongzhi.volunteers.models import TimeAccount, TimeEntry

from .conftest import DAGEN, JUNMEN, OTHER

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def pool_funded(db):
    def fund(community, hours):
        pool = tb.time_pool(community)
        TimeAccount.objects.filter(pk=pool.pk).update(allow_negative=True)
        return pool

    return fund


def _serve(provider_user, served_user, hours="2", by=None):
    s = tb.timeservice_record(
        provider=provider_user.person,
        served=served_user.person,
        hours=hours,
        description="陪同就医",
        served_on=TODAY,
        by=by or provider_user,
    )
    return s


def test_a_pool_paid_service_then_a_member_service_moves_hours_and_sums_to_zero(
    make_resident, staff, pool_funded
):
    pool_funded(JUNMEN, 0)
    a, b = make_resident(), make_resident()
    s = _serve(a, b, "3", by=a)
    s.from_pool = True
    s.save()
    tb.timeservice_confirm(service=s, by=staff)
    assert tb.time_account(a.person).balance == Decimal("3")
    s2 = _serve(b, a, "2", by=b)  # b served a; a pays
    tb.timeservice_confirm(service=s2, by=a)
    assert tb.time_account(a.person).balance == Decimal("1") and tb.time_account(b.person).balance == Decimal(
        "2"
    )
    assert sum(TimeEntry.objects.values_list("amount", flat=True)) == 0
    assert ledger_verify(TimeAccount)[1] == []
    with pytest.raises(ApplicationError) as exc:
        tb.timeservice_confirm(service=s2, by=a)
    assert exc.value.code == "not_pending"


def test_only_the_one_served_or_their_household_confirms(make_resident, pool_funded):
    from tests.factories import HouseholdFactory

    a, b, stranger, family = make_resident(), make_resident(), make_resident(), make_resident()
    s = _serve(a, b, "1", by=a)
    for who in (a, stranger):
        with pytest.raises(ApplicationError) as exc:
            tb.timeservice_confirm(service=s, by=who)
        assert exc.value.code == "not_served"
    h = HouseholdFactory()
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=b.person, relationship="02")
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=family.person, relationship="20")
    # b has no hours: the database and the ledger refuse a negative balance.
    with pytest.raises(ApplicationError) as exc:
        tb.timeservice_confirm(service=s, by=family)
    assert exc.value.code == "ledger_insufficient"
    assert not TimeEntry.objects.exists()


def test_hours_are_valid_across_the_district_but_not_beyond(make_resident):
    a, b, far = make_resident(JUNMEN), make_resident(DAGEN), make_resident(OTHER)
    assert _serve(a, b, "1").community_id == DAGEN
    with pytest.raises(ApplicationError) as exc:
        tb.timeservice_record(
            provider=a.person, served=a.person, hours=1, description="x", served_on=TODAY, by=a
        )
    assert exc.value.code == "self_service"
    if far.person.community_id[:6] != a.person.community_id[:6]:
        with pytest.raises(ApplicationError):
            _serve(a, far, "1")


@pytest.mark.parametrize(
    "giver_rel,recipient_rel,birth,ok",
    [
        ("02", "10", dt.date(1990, 1, 1), True),  # head → spouse
        ("12", "02", dt.date(1990, 1, 1), True),  # wife → head
        ("02", "51", dt.date(1950, 1, 1), True),  # head → father over 60
        ("02", "51", dt.date(1975, 1, 1), False),  # head → father under 60
        ("20", "02", dt.date(1955, 1, 1), True),  # son → head (his parent) over 60
        ("02", "70", dt.date(1950, 1, 1), False),  # head → sibling
    ],
)
def test_gifts_go_only_to_a_spouse_or_a_parent_over_60(
    make_resident, pool_funded, staff, giver_rel, recipient_rel, birth, ok
):
    from tests.factories import HouseholdFactory

    pool_funded(JUNMEN, 0)
    giver, recipient = make_resident(), make_resident(birth_date=birth)
    h = HouseholdFactory()
    HouseholdMember.objects.create(
        community_id=JUNMEN, household=h, person=giver.person, relationship=giver_rel
    )
    HouseholdMember.objects.create(
        community_id=JUNMEN, household=h, person=recipient.person, relationship=recipient_rel
    )
    other = make_resident()
    s = _serve(giver, other, "4", by=giver)
    s.from_pool = True
    s.save()
    tb.timeservice_confirm(service=s, by=staff)
    giver.person.refresh_from_db()
    recipient.person.refresh_from_db()
    if ok:
        tb.time_gift(giver=giver.person, recipient=recipient.person, hours="1.5", by=giver)
        assert tb.time_account(recipient.person).balance == Decimal("1.5")
    else:
        with pytest.raises(ApplicationError) as exc:
            tb.time_gift(giver=giver.person, recipient=recipient.person, hours="1.5", by=giver)
        assert exc.value.code == "not_family"
        assert tb.time_account(giver.person).balance == Decimal("4")


def test_donations_fill_the_community_pool_and_the_storage_limit_holds(
    make_resident, pool_funded, staff, monkeypatch
):
    pool_funded(JUNMEN, 0)
    a, b = make_resident(), make_resident()
    s = _serve(a, b, "5", by=a)
    s.from_pool = True
    s.save()
    tb.timeservice_confirm(service=s, by=staff)
    tb.time_donate(giver=a.person, hours="2", by=a)
    assert tb.time_pool(JUNMEN).balance == Decimal("-3")  # minted 5 earlier, 2 back
    monkeypatch.setattr(tb, "MAX_BALANCE", Decimal("4"))
    s = _serve(a, b, "2", by=a)
    s.from_pool = True
    s.save()
    with pytest.raises(ApplicationError) as exc:
        tb.timeservice_confirm(service=s, by=staff)
    assert exc.value.code == "over_limit"
    with pytest.raises(ApplicationError):
        tb.time_donate(giver=a.person, hours="9", by=a)
