"""Time-bank API: a member's balance and statement (deposits and withdrawals), posts across the
district, record → confirm by the household, gifts and donations; staff read only their
communities' accounts and confirm pool-paid services. Every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.registry.models import HouseholdMember
from gongzhi.volunteers import timebank as tb
from gongzhi.volunteers.models import TimeAccount, TimeEntry, TimeService

from .conftest import DAGEN, JUNMEN, OTHER

pytestmark = pytest.mark.django_db
TODAY = dt.date.today().isoformat()
J = "application/json"


def _d(x) -> Decimal:
    return Decimal(str(x))


@pytest.fixture
def couple(make_resident):
    from tests.factories import HouseholdFactory

    me, spouse = make_resident(), make_resident()
    h = HouseholdFactory()
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=me.person, relationship="02")
    HouseholdMember.objects.create(community_id=JUNMEN, household=h, person=spouse.person, relationship="10")
    return me, spouse


def test_the_member_flow_through_the_api(client, couple, make_resident, staff):
    me, spouse = couple
    neighbour = make_resident(DAGEN)  # another community of the district: same bank
    # I helped an elderly neighbour without family: the pool pays once staff confirm.
    client.force_login(me)
    r = client.post("/api/volunteers/timebank/posts/", {"kind": "offer", "title": "修水管"}, content_type=J)
    assert r.status_code == 201
    s = tb.timeservice_record(
        provider=me.person,
        served=neighbour.person,
        hours=3,
        description="陪同就医",
        served_on=dt.date.today(),
        from_pool=True,
        by=me,
    )
    assert (
        client.post(f"/api/volunteers/timebank/services/{s.pk}/confirm/").status_code == 404
    )  # not mine to confirm
    client.force_login(staff)
    assert [
        x["id"] for x in client.get("/api/volunteers/timebank/pool-services/").json()
    ] == []  # 大根's, not 军门's
    client.force_login(make_resident(DAGEN))  # a resident cannot confirm a pool service either
    assert client.post(f"/api/volunteers/timebank/services/{s.pk}/confirm/").status_code == 404
    from tests.factories import user_with_role

    dagen_staff = user_with_role("community_worker", DAGEN)
    client.force_login(dagen_staff)
    assert [x["id"] for x in client.get("/api/volunteers/timebank/pool-services/").json()] == [s.pk]
    assert client.post(f"/api/volunteers/timebank/services/{s.pk}/confirm/").json()["state"] == "confirmed"
    # The neighbour (大根) asks for help; I record that I served; they confirm; hours move.
    client.force_login(neighbour)
    post = client.post(
        "/api/volunteers/timebank/posts/", {"kind": "request", "title": "代买药品"}, content_type=J
    ).json()
    client.force_login(me)
    assert post["id"] in [p["id"] for p in client.get("/api/volunteers/timebank/posts/").json()]
    r = client.post(
        f"/api/volunteers/timebank/posts/{post['id']}/services/",
        {"hours": "1.5", "served_on": TODAY},
        content_type=J,
    )
    assert r.status_code == 201 and r.json()["state"] == "pending"
    sid = r.json()["id"]
    assert (
        client.post(f"/api/volunteers/timebank/services/{sid}/confirm/").status_code == 404
    )  # the provider cannot
    client.force_login(neighbour)
    # 3 h came from the pool into my account; the neighbour has none to pay with: refused, nothing moves.
    r = client.post(f"/api/volunteers/timebank/services/{sid}/confirm/")
    assert r.status_code == 409 and r.json()["code"] == "ledger_insufficient"
    assert TimeService.objects.get(pk=sid).state == "pending"
    # Me: balance, statement (a deposit), a gift to my spouse and a donation (withdrawals).
    client.force_login(me)
    body = client.get("/api/volunteers/timebank/me/").json()
    assert _d(body["balance"]) == 3 and _d(body["limit"]) == tb.MAX_BALANCE
    r = client.post(
        "/api/volunteers/timebank/gift/", {"recipient_id": spouse.person_id, "hours": "1"}, content_type=J
    )
    assert r.status_code == 200 and _d(r.json()["balance"]) == 2
    r = client.post("/api/volunteers/timebank/donate/", {"hours": "0.5"}, content_type=J)
    assert _d(r.json()["balance"]) == Decimal("1.5")
    entries = client.get("/api/volunteers/timebank/me/entries/").json()
    assert [(e["kind"], _d(e["amount"])) for e in entries] == [
        ("donate", Decimal("-0.5")),
        ("gift", Decimal("-1")),
        ("service", Decimal("3")),
    ]
    assert sum(TimeEntry.objects.values_list("amount", flat=True)) == 0
    assert [
        _d(e["amount"]) for e in client.get("/api/volunteers/timebank/me/entries/?limit=1&offset=1").json()
    ] == [-1]


@pytest.mark.parametrize(
    "payload,code", [({"recipient_id": 0, "hours": "1"}, "not_family"), ({"hours": "1"}, None)]
)
def test_gift_refusals_change_nothing(client, couple, make_resident, payload, code):
    me, _spouse = couple
    stranger = make_resident()
    if "recipient_id" in payload and payload["recipient_id"] == 0:
        payload = {**payload, "recipient_id": stranger.person_id}
    client.force_login(me)
    r = client.post("/api/volunteers/timebank/gift/", payload, content_type=J)
    assert r.status_code in (400, 422)
    if code:
        assert r.json()["code"] == code
    assert not TimeEntry.objects.exists()


def test_donating_more_than_stored_is_refused(client, couple):
    me, _ = couple
    client.force_login(me)
    r = client.post("/api/volunteers/timebank/donate/", {"hours": "2"}, content_type=J)
    assert r.status_code == 409 and not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    "role,scope,sees",
    [
        ("community_worker", JUNMEN, {"junmen"}),
        ("street_staff", "350102004", {"junmen", "dagen"}),
        ("district_staff", "350102", {"junmen", "dagen", "other"}),
        ("community_worker", OTHER, {"other"}),
        ("grid_worker", JUNMEN, None),
        ("resident", JUNMEN, None),
    ],
)
def test_staff_read_only_their_communities_accounts(client, make_user, make_resident, role, scope, sees):
    people = {"junmen": make_resident(JUNMEN), "dagen": make_resident(DAGEN), "other": make_resident(OTHER)}
    accounts = {k: tb.time_account(u.person) for k, u in people.items()}
    client.force_login(make_user(role, scope))
    r = client.get("/api/volunteers/timebank/accounts/")
    if sees is None:
        assert r.status_code == 403
        assert (
            client.get(f"/api/volunteers/timebank/accounts/{accounts['junmen'].pk}/entries/").status_code
            == 403
        )
        return
    assert {a["id"] for a in r.json()} == {accounts[k].pk for k in sees}
    for k, account in accounts.items():
        status = client.get(f"/api/volunteers/timebank/accounts/{account.pk}/entries/").status_code
        assert status == (200 if k in sees else 404)


def test_without_a_registry_person_the_member_endpoints_refuse(client, make_user):
    client.force_login(make_user("resident", JUNMEN))
    r = client.get("/api/volunteers/timebank/me/")
    assert r.status_code == 400 and r.json()["code"] == "no_person"
    assert not TimeAccount.objects.exists()
    client.logout()
    assert client.get("/api/volunteers/timebank/me/").status_code == 401


def test_the_office_enters_a_paper_cheque_and_confirms_pool_services(client, make_user, make_resident, staff):
    from django.urls import reverse

    provider, elder, elsewhere = make_resident(), make_resident(), make_resident(DAGEN)
    client.force_login(staff)
    # Page: enter a pool-paid cheque, then confirm it; the hours come from the pool.
    r = client.post(
        reverse("volunteers:timebank_office"),
        {
            "provider": provider.person_id,
            "served": elder.person_id,
            "description": "送餐上门",
            "hours": "2",
            "served_on": TODAY,
            "from_pool": "1",
        },
    )
    assert r.status_code == 302
    s = TimeService.objects.get()
    assert s.from_pool and s.state == "pending"
    html = client.get(reverse("volunteers:timebank_office")).content.decode()
    assert 'data-testid="pool-service"' in html and "送餐上门" in html
    client.post(reverse("volunteers:timebank_office_confirm", args=[s.pk]))
    assert tb.time_account(provider.person).balance == 2 and tb.time_pool(JUNMEN).balance == -2
    # API: a cheque naming someone outside the worker's communities is not found; nothing written.
    body = {
        "provider_id": provider.person_id,
        "served_id": elsewhere.person_id,
        "hours": "1",
        "served_on": TODAY,
        "description": "修水管",
    }
    assert client.post("/api/volunteers/timebank/services/", body, content_type=J).status_code == 404
    body["served_id"] = elder.person_id
    r = client.post("/api/volunteers/timebank/services/", body, content_type=J)
    assert r.status_code == 201 and r.json()["from_pool"] is False and TimeService.objects.count() == 2
    # Not for residents, nor for another community's staff.
    client.force_login(provider)
    assert client.get(reverse("volunteers:timebank_office")).status_code == 403
    assert client.post("/api/volunteers/timebank/services/", body, content_type=J).status_code == 403
    client.force_login(make_user("community_worker", DAGEN))
    assert client.post(reverse("volunteers:timebank_office_confirm", args=[s.pk])).status_code == 404
