"""Micro-wishes: the guard agreement test (state × role × step: allowed ⇔ the service succeeds ⇔ the
page shows the button), overdue claims back to the pool, personal details hidden; party members'
registration and the quarterly service card."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.registry.models import HouseholdMember
from gongzhi.volunteers import services, wishes
from gongzhi.volunteers.models import MicroWish, PartyMember, WishEvent
from gongzhi.volunteers.workflow import WORKFLOW

from .conftest import DAGEN, JUNMEN

pytestmark = pytest.mark.django_db
S = MicroWish.State
SERVICES = {
    "publish": wishes.wish_publish,
    "decline": functools.partial(wishes.wish_decline, reason="已由残联解决"),
    "cancel": wishes.wish_cancel,
    "claim": wishes.wish_claim,
    "fulfil": wishes.wish_fulfil,
    "confirm": wishes.wish_confirm,
    "release": wishes.wish_release,
    "withdraw": wishes.wish_withdraw,
}
STATES = [
    "requested",
    "declined",
    "posted",
    "claimed",
    "claimed_overdue",
    "fulfilled",
    "confirmed",
    "withdrawn",
]
ROLES = ["beneficiary", "household", "claimant", "other_resident", "worker", "worker_elsewhere", "street"]


@pytest.fixture
def people(make_resident, make_user, junmen):
    from tests.factories import HouseholdFactory

    beneficiary, household, claimant, other = (make_resident() for _ in range(4))
    h = HouseholdFactory()
    HouseholdMember.objects.create(
        community_id=JUNMEN, household=h, person=beneficiary.person, relationship="02"
    )
    HouseholdMember.objects.create(
        community_id=JUNMEN, household=h, person=household.person, relationship="20"
    )
    return {
        "beneficiary": beneficiary,
        "household": household,
        "claimant": claimant,
        "other_resident": other,
        "worker": make_user("community_worker", JUNMEN),
        "worker_elsewhere": make_user("community_worker", DAGEN),
        "street": make_user("street_staff", "350102004"),
    }


def _wish_in(state: str, people, junmen) -> MicroWish:
    if state in ("requested", "declined"):
        wish = wishes.wish_request(
            beneficiary=people["beneficiary"].person, title="一台收音机", by=people["beneficiary"]
        )
        if state == "declined":
            wish = wishes.wish_decline(wish=wish, by=people["worker"], reason="已由残联解决")
        return wish
    wish = wishes.wish_post(
        community=junmen,
        beneficiary=people["beneficiary"].person,
        title="一台收音机",
        by=people["worker"],
        group="独居老人",
    )
    now = clock.now()
    if state == "posted":
        return wish
    if state == "withdrawn":
        return wishes.wish_withdraw(wish=wish, by=people["worker"])
    wish = wishes.wish_claim(wish=wish, by=people["claimant"])
    if state == "claimed_overdue":
        MicroWish.objects.filter(pk=wish.pk).update(due_at=now - dt.timedelta(hours=1))
        return MicroWish.objects.get(pk=wish.pk)
    if state == "claimed":
        return wish
    wish = wishes.wish_fulfil(wish=wish, by=people["claimant"])
    if state == "fulfilled":
        return wish
    return wishes.wish_confirm(wish=wish, by=people["beneficiary"])


class _Undo(Exception):
    pass


def _succeeds(service, wish, user) -> bool:
    """Run the service and undo whatever it wrote (a savepoint), so every step starts from one state."""
    try:
        with transaction.atomic():
            service(wish=MicroWish.objects.get(pk=wish.pk), by=user)
            raise _Undo
    except _Undo:
        return True
    except ApplicationError:
        return False


@pytest.mark.parametrize("state", STATES)
def test_guard_agreement_state_by_role_by_step(state, people, junmen, client):
    """For every state × role × step: listed in allowed() ⇔ the service succeeds ⇔ the page shows it."""
    wish = _wish_in(state, people, junmen)
    for role in ROLES:
        user = people[role]
        client.force_login(user)
        page = client.get(reverse("volunteers:wish_list"))
        html = page.content.decode() if page.status_code == 200 else ""
        for step, service in SERVICES.items():
            allowed = step in WORKFLOW.allowed(wish, user)
            shown = f'data-step="{step}-{wish.pk}"' in html
            succeeded = _succeeds(service, wish, user)
            assert allowed == succeeded == shown, (state, role, step, allowed, succeeded, shown)
        # The API returns the same list as allowed_actions (or does not show the wish at all).
        api = (
            {w["id"]: w["allowed_actions"] for w in client.get("/api/volunteers/wishes/").json()}
            if html
            else {}
        )
        assert api.get(wish.pk, []) == WORKFLOW.allowed(wish, user), (state, role)


def test_overdue_claims_go_back_to_the_pool(people, junmen):
    wish = _wish_in("claimed", people, junmen)
    fresh = _wish_in("claimed", people, junmen)
    with clock.at(clock.now() + dt.timedelta(days=wishes.CLAIM_DAYS, hours=1)):
        MicroWish.objects.filter(pk=fresh.pk).update(due_at=clock.now() + dt.timedelta(days=1))
        assert wishes.wishes_release_overdue() == 1
    wish.refresh_from_db()
    fresh.refresh_from_db()
    assert wish.state == "posted" and wish.claimed_by is None and fresh.state == "claimed"
    assert WishEvent.objects.filter(wish=wish, step="release", by=None).exists()


def test_the_public_list_hides_the_person_in_need(people, junmen, client):
    wish = _wish_in("posted", people, junmen)
    name = people["beneficiary"].person.name
    client.force_login(people["other_resident"])
    html = client.get(reverse("volunteers:wish_list")).content.decode()
    assert wish.title in html and name not in html
    client.force_login(people["worker"])
    assert name in client.get(reverse("volunteers:wish_list")).content.decode()


def test_party_member_registers_where_they_live_and_the_quarterly_card(
    make_resident, staff, activity, client
):
    member = make_resident()
    with pytest.raises(ApplicationError) as exc:
        wishes.party_member_register(person=member.person, employer="  ", posts=["patrol"], by=member)
    assert exc.value.code == "employer_required"
    pm = wishes.party_member_register(
        person=member.person, employer="鼓楼区税务局", posts=["patrol", "wishes"], by=member
    )
    assert pm.community_id == member.person.community_id
    with pytest.raises(ApplicationError):
        wishes.party_member_register(person=member.person, employer="x", posts=["patrol"], by=member)
    v = services.volunteer_register(person=member.person, by=member)
    today = dt.date.today()
    services.hours_enter(
        volunteer=v, activity=activity, hours=Decimal("3"), served_on=today, reason="巡逻", by=staff
    )
    q = (today.month - 1) // 3 + 1
    cards = wishes.party_service_cards(user=staff, year=today.year, quarter=q)
    assert [(c["member"].pk, c["hours"]) for c in cards] == [(pm.pk, Decimal("3"))]
    client.force_login(staff)
    r = client.get(reverse("volunteers:party_export") + f"?year={today.year}&quarter={q}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("volunteers:party_export") + "?year=x&quarter=9").status_code == 400
    client.force_login(member)
    assert client.get(reverse("volunteers:party_export")).status_code == 403
    assert PartyMember.objects.count() == 1


def test_api_wish_steps_and_no_personal_details(people, junmen, client):
    wish = _wish_in("posted", people, junmen)
    client.force_login(people["claimant"])
    body = client.get("/api/volunteers/wishes/").json()
    assert people["beneficiary"].person.name not in str(body) and body[0]["allowed_actions"] == ["claim"]
    r = client.post(f"/api/volunteers/wishes/{wish.pk}/claim/")
    assert (
        r.status_code == 200 and r.json()["state"] == "claimed" and r.json()["allowed_actions"] == ["fulfil"]
    )
    assert client.post(f"/api/volunteers/wishes/{wish.pk}/claim/").status_code == 409
    assert client.post(f"/api/volunteers/wishes/{wish.pk}/nope/").status_code == 404
    client.force_login(people["worker_elsewhere"])
    assert client.post(f"/api/volunteers/wishes/{wish.pk}/fulfil/").status_code == 404


def test_a_confirmed_wish_earns_its_volunteer_claimant_points(people, junmen):
    from gongzhi.volunteers.selectors import volunteer_summary

    v = services.volunteer_register(person=people["claimant"].person, by=people["claimant"])
    wish = _wish_in("fulfilled", people, junmen)
    assert volunteer_summary(volunteer=v).points == 0
    wishes.wish_confirm(wish=wish, by=people["household"])
    assert volunteer_summary(volunteer=v).points == Decimal("20")


# A resident's own wish: asked from the phone, reviewed by the community, private until published --


def test_a_resident_asks_staff_publish_and_the_pool_shows_it(people, junmen, client, make_user):
    asker, worker = people["household"], people["worker"]
    head = make_user("community_head", JUNMEN)
    client.force_login(asker)
    page = client.get(reverse("volunteers:wish_list")).content.decode()
    assert 'data-testid="wish-request"' in page and people["beneficiary"].person.name in page
    r = client.post(
        reverse("volunteers:wish_request"),
        {"person": people["beneficiary"].person.pk, "title": "换一个新的电饭煲"},
    )
    assert r.status_code == 302
    wish = MicroWish.objects.get(title="换一个新的电饭煲")
    assert wish.state == S.REQUESTED and wish.requested_at and wish.community_id == JUNMEN
    # Under review: not in the pool, not in the figures; the household and the staff see it.
    client.force_login(people["other_resident"])
    assert "换一个新的电饭煲" not in client.get(reverse("volunteers:wish_list")).content.decode()
    assert all(w["id"] != wish.pk for w in client.get("/api/volunteers/wishes/").json())
    from gongzhi.volunteers import figures

    assert figures.wishes(user=head).denominator == 0
    assert WORKFLOW.allowed(wish, asker) == ["cancel"]
    assert WORKFLOW.allowed(wish, worker) == ["publish", "decline"]
    client.force_login(worker)
    assert f'data-step="publish-{wish.pk}"' in client.get(reverse("volunteers:wish_list")).content.decode()
    client.post(reverse("volunteers:wish_act", args=[wish.pk, "publish"]))
    wish.refresh_from_db()
    assert wish.state == S.POSTED and wish.posted_at >= wish.requested_at
    assert figures.wishes(user=head).denominator == 1
    client.force_login(people["claimant"])
    assert client.post(f"/api/volunteers/wishes/{wish.pk}/claim/").json()["state"] == "claimed"


def test_declining_needs_a_reason_the_household_then_reads(people, junmen, client):
    wish = wishes.wish_request(
        beneficiary=people["household"].person, title="修一下收音机", by=people["household"]
    )
    client.force_login(people["worker"])
    r = client.post(reverse("volunteers:wish_act", args=[wish.pk, "decline"]), {"reason": " "})
    assert r.status_code == 400
    wish.refresh_from_db()
    assert wish.state == S.REQUESTED
    r = client.post(
        f"/api/volunteers/wishes/{wish.pk}/decline/",
        {"reason": "已由残联上门维修"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "declined"
    client.force_login(people["beneficiary"])
    assert "已由残联上门维修" in client.get(reverse("volunteers:wish_list")).content.decode()
    client.force_login(people["other_resident"])
    html = client.get(reverse("volunteers:wish_list") + "?state=declined").content.decode()
    assert "修一下收音机" not in html


def test_who_may_ask_and_the_limit_of_waiting_wishes(people, junmen, client):
    asker = people["beneficiary"]
    # Not for a stranger, not for staff without a household; a second household may not be named.
    with pytest.raises(ApplicationError) as exc:
        wishes.wish_request(beneficiary=people["other_resident"].person, title="x", by=asker)
    assert exc.value.code == "not_household"
    client.force_login(asker)
    r = client.post(
        "/api/volunteers/wishes/",
        {"person": people["other_resident"].person.pk, "title": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
    with pytest.raises(ApplicationError) as exc:
        wishes.wish_request(beneficiary=asker.person, title="  ", by=asker)
    assert exc.value.code == "name_required"
    for i in range(wishes.OPEN_REQUESTS):
        r = client.post(
            "/api/volunteers/wishes/",
            {"person": asker.person.pk, "title": f"心愿{i}"},
            content_type="application/json",
        )
        assert r.status_code == 201 and r.json()["state"] == "requested"
    # The household's limit counts every member's waiting wishes.
    client.force_login(people["household"])
    r = client.post(reverse("volunteers:wish_request"), {"person": asker.person.pk, "title": "再来一个"})
    assert r.status_code == 409 and "审核" in r.content.decode()
    client.force_login(people["worker"])
    assert (
        client.post(reverse("volunteers:wish_request"), {"person": asker.person.pk, "title": "x"}).status_code
        == 403
    )
    assert MicroWish.objects.count() == wishes.OPEN_REQUESTS
    # A cancelled request frees a place; staff elsewhere cannot see or act on it.
    first = MicroWish.objects.order_by("pk").first()
    client.force_login(people["worker_elsewhere"])
    assert client.post(reverse("volunteers:wish_act", args=[first.pk, "publish"])).status_code == 404
    wishes.wish_cancel(wish=first, by=people["household"])
    assert wishes.wish_request(beneficiary=asker.person, title="新的", by=asker).state == S.REQUESTED
