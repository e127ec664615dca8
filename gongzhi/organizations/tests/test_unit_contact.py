"""The unit contact (驻区单位联络员): held over one unit based in the area. Their unit's page,
its pledged resources, offers of them to the needs of the communities its agreements cover,
and the bookings of its own spaces — for their unit, and never for another unit's objects,
the registers, the lists of other communities or anyone's personal data. The role matrix of
every page and API endpoint the role reaches, by role."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.organizations import bookings, lists, selectors, units
from gongzhi.organizations.models import (
    Booking,
    CoBuildingAgreement,
    Need,
    NeedMatch,
    Organization,
    PledgedResource,
    ResourceOffer,
    Space,
)

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


def at(day_offset: int, hour: int) -> dt.datetime:
    return (NOW + dt.timedelta(days=day_offset)).replace(hour=hour, minute=0)


@pytest.fixture(autouse=True)
def frozen():
    with clock.at(NOW):
        yield


def _unit(name, community, with_space=True):
    unit = Organization.objects.create(name=name, kind="resident_unit", region_id=community)
    agreement = CoBuildingAgreement.objects.create(
        community_id=community, organization=unit, signed_on=dt.date(2025, 1, 1), content="共建"
    )
    resource = PledgedResource.objects.create(
        community_id=community,
        agreement=agreement,
        kind="space",
        description="操场",
        quantity=16,
        unit="小时/周",
    )
    space = None
    if with_space:
        space = Space.objects.create(
            community_id=community,
            owner=unit,
            name=f"{name}风雨操场",
            kind="sports",
            capacity=100,
            opens=dt.time(8),
            closes=dt.time(18),
            approval_required=True,
        )
    return unit, agreement, resource, space


@pytest.fixture
def world(make_user, regions):
    """Unit A (the contact's) and unit B in 军门社区, unit C in another community, the
    community's own room; a pending booking of each unit's hall; needs in both communities."""
    a = _unit("军门小学", JUNMEN)
    b = _unit("军门银行", JUNMEN)
    c = _unit("大根医院", OTHER)
    room = Space.objects.create(
        community_id=JUNMEN, name="第一活动室", kind="room", capacity=30, opens=dt.time(8), closes=dt.time(21)
    )
    resident = make_user("resident", JUNMEN)
    pending = {}
    for key, (_u, _a, _r, space) in {"a": a, "b": b}.items():
        pending[key] = bookings.booking_create(
            by=resident, space=space, starts_at=at(1, 10), ends_at=at(1, 11), purpose="篮球", attendees=10
        )
    need = Need.objects.create(
        community_id=JUNMEN, title="暑期儿童托管", service_field="children", source="direct"
    )
    far_need = Need.objects.create(
        community_id=OTHER, title="老人助餐", service_field="elderly", source="direct"
    )
    contact = make_user("unit_contact", a[0])
    return {
        "a": a,
        "b": b,
        "c": c,
        "room": room,
        "pending": pending,
        "need": need,
        "far_need": far_need,
        "contact": contact,
        "resident": resident,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(client, method, url, data=None):
    return getattr(client, method)(
        "/api/organizations" + url, data=json.dumps(data or {}), content_type="application/json"
    )


# --- the role matrix: who reaches the unit's pages and API at all ---------------------------

OTHER_ROLES = {
    "resident": JUNMEN,
    "grid_worker": JUNMEN,
    "community_worker": JUNMEN,
    "community_head": JUNMEN,
    "street_staff": "350102004",
    "district_staff": "350102",
    "expert": "350102",
}


@pytest.mark.parametrize("role", sorted(OTHER_ROLES) + ["social_org_staff", "unit_contact"])
def test_unit_pages_and_api_role_matrix(make_user, world, role):
    if role == "unit_contact":
        user = world["contact"]
    elif role == "social_org_staff":
        org = Organization.objects.create(name="军门互助社", kind="social_org", region_id=JUNMEN)
        user = make_user(role, org)
    else:
        user = make_user(role, OTHER_ROLES[role])
    client = _client(user)
    ok = role == "unit_contact"
    assert client.get("/organizations/unit/").status_code == (200 if ok else 403)
    assert client.get("/api/organizations/unit").status_code == (200 if ok else 403)
    assert client.get("/api/organizations/unit/needs").status_code == (200 if ok else 403)
    assert client.get("/api/organizations/unit/offers").status_code == (200 if ok else 403)
    assert client.get("/api/organizations/unit/bookings").status_code == (200 if ok else 403)
    r = _api(client, "post", f"/unit/needs/{world['need'].pk}/offers", {"resource_id": world["a"][2].pk})
    assert r.status_code == (200 if ok else 403)
    assert ResourceOffer.objects.count() == (1 if ok else 0)


def test_unit_contact_reaches_nothing_of_the_registers_lists_or_people(world):
    client = _client(world["contact"])
    b_unit = world["b"][0]
    for url in (
        "/organizations/",
        f"/organizations/{b_unit.pk}/",
        f"/organizations/{world['a'][0].pk}/",
        "/organizations/lists/",
        f"/organizations/needs/{world['need'].pk}/",
        "/organizations/spaces/",
        "/organizations/figures/",
        "/organizations/new/",
        "/organizations/spaces/new/",
        "/registry/people/",
        "/api/organizations/organizations",
        "/api/organizations/spaces",
        "/api/organizations/committees",
    ):
        assert client.get(url).status_code in (403, 404), url
    # The unit's page names no other unit and no booker.
    page = client.get("/organizations/unit/").content.decode()
    assert "军门银行" not in page and "大根医院" not in page
    assert world["resident"].username not in page


# --- bookings of the unit's own spaces ------------------------------------------------------


def test_unit_contact_approves_and_refuses_own_spaces_bookings_not_another_units(world):
    client = _client(world["contact"])
    own, other = world["pending"]["a"], world["pending"]["b"]
    assert client.post(f"/organizations/bookings/{own.pk}/approve/").status_code == 302
    own.refresh_from_db()
    assert own.status == "confirmed" and own.decided_by == world["contact"]
    assert client.post(f"/organizations/bookings/{other.pk}/approve/").status_code == 404
    assert _api(client, "post", f"/bookings/{other.pk}/reject").status_code == 404
    other.refresh_from_db()
    assert other.status == "pending"
    second = bookings.booking_create(
        by=world["resident"], space=world["a"][3], starts_at=at(2, 10), ends_at=at(2, 11), purpose="羽毛球"
    )
    r = _api(client, "post", f"/bookings/{second.pk}/reject")
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_unit_lists_show_only_own_spaces_bookings(world):
    contact = world["contact"]
    handle = selectors.unit_bookings_to_handle(user=contact, unit=world["a"][0])
    assert [b.pk for b in handle] == [world["pending"]["a"].pk]
    api = _client(contact).get("/api/organizations/unit/bookings").json()
    assert [b["id"] for b in api] == [world["pending"]["a"].pk]
    assert api[0]["allowed_actions"] == ["approve", "reject"]
    # The bookings page shows the same work, and nothing of unit B's hall.
    page = _client(contact).get("/organizations/bookings/").content.decode()
    assert world["a"][3].name in page and world["b"][3].name not in page


def test_unit_contact_checks_in_and_records_no_show_on_own_spaces_only(world):
    contact = world["contact"]
    own, other = world["pending"]["a"], world["pending"]["b"]
    bookings.booking_act(by=contact, booking=own, action="approve")
    staff = Client()
    from tests.factories import user_with_role

    staff.force_login(user_with_role("community_worker", JUNMEN))
    assert staff.post(f"/organizations/bookings/{other.pk}/approve/").status_code == 302
    client = _client(contact)
    with clock.at(at(1, 10) + dt.timedelta(minutes=5)):
        assert _api(client, "post", f"/bookings/{own.pk}/check_in").json()["status"] == "checked_in"
        assert _api(client, "post", f"/bookings/{other.pk}/check_in").status_code == 404
        with pytest.raises(PermissionDenied):
            bookings.booking_act(by=contact, booking=other, action="check_in")
    third = bookings.booking_create(
        by=world["resident"], space=world["a"][3], starts_at=at(2, 10), ends_at=at(2, 11), purpose="跑步"
    )
    bookings.booking_act(by=contact, booking=third, action="approve")
    with clock.at(at(2, 10) + dt.timedelta(minutes=20)):
        assert client.post(f"/organizations/bookings/{third.pk}/no_show/").status_code == 302
    third.refresh_from_db()
    assert third.status == "no_show"


def test_unit_contact_blocks_periods_of_own_spaces_only(world):
    client = _client(world["contact"])
    own_space, other_space, room = world["a"][3], world["b"][3], world["room"]
    form = {"date": "2026-12-02", "start": "10:00", "slots": "2", "purpose": "场地维修"}
    assert client.post(f"/organizations/spaces/{own_space.pk}/", form).status_code == 302
    block = Booking.objects.get(space=own_space, booker_kind="block")
    assert block.starts_at == at(1, 10) and block.ends_at == at(1, 12)
    world["pending"]["a"].refresh_from_db()
    assert world["pending"]["a"].status == "cancelled"  # the block cancels what it covers
    assert client.post(f"/organizations/spaces/{other_space.pk}/", form).status_code == 404
    assert client.post(f"/organizations/spaces/{room.pk}/", form).status_code == 404
    payload = {"starts_at": at(3, 8).isoformat(), "ends_at": at(3, 12).isoformat(), "reason": "校运会"}
    assert _api(client, "post", f"/spaces/{own_space.pk}/blocks", payload).status_code == 200
    assert _api(client, "post", f"/spaces/{other_space.pk}/blocks", payload).status_code == 404
    assert _api(client, "post", f"/spaces/{room.pk}/blocks", payload).status_code == 404
    assert Booking.objects.filter(booker_kind="block").count() == 2
    with pytest.raises(NotFound):
        bookings.block_create(
            by=world["contact"], space=other_space, starts_at=at(4, 8), ends_at=at(4, 9), reason="x"
        )


def test_unit_contact_sees_own_space_but_neither_edits_its_rules_nor_books(world):
    client = _client(world["contact"])
    own_space = world["a"][3]
    page = client.get(f"/organizations/spaces/{own_space.pk}/")
    assert page.status_code == 200 and "block" in page.content.decode()
    assert client.get(f"/organizations/spaces/{world['b'][3].pk}/").status_code == 404
    assert client.get(f"/organizations/spaces/{own_space.pk}/edit/").status_code == 404
    with pytest.raises(NotFound):
        bookings.space_update(by=world["contact"], space=own_space, name="改名")
    r = _api(
        client,
        "post",
        "/bookings",
        {
            "space_id": own_space.pk,
            "starts_at": at(1, 14).isoformat(),
            "ends_at": at(1, 15).isoformat(),
            "purpose": "x",
        },
    )
    assert r.status_code == 403


def test_community_staff_still_manage_unit_spaces_and_their_rules(world, make_user):
    """The community worker's matrix is unchanged: unit B's hall lies in their community."""
    worker = make_user("community_worker", JUNMEN)
    bookings.booking_act(by=worker, booking=world["pending"]["b"], action="approve")
    bookings.space_update(
        by=worker,
        space=world["b"][3],
        owner=world["b"][0],
        **{f: getattr(world["b"][3], f) for f in bookings.SPACE_FIELDS if f != "capacity"},
        capacity=90,
    )
    assert Space.objects.get(pk=world["b"][3].pk).capacity == 90


# --- pledged resources ----------------------------------------------------------------------


def test_unit_contact_records_and_updates_own_resources_not_another_units(world):
    client = _client(world["contact"])
    own_agreement, own_resource = world["a"][1], world["a"][2]
    form = {"kind": "equipment", "description": "投影仪", "quantity": "2", "unit": "台"}
    assert (
        client.post(f"/organizations/unit/agreements/{own_agreement.pk}/resources/", form).status_code == 302
    )
    assert PledgedResource.objects.filter(agreement=own_agreement, kind="equipment", quantity=2).exists()
    assert (
        client.post(f"/organizations/unit/agreements/{world['b'][1].pk}/resources/", form).status_code == 404
    )
    r = _api(client, "post", f"/unit/agreements/{own_agreement.pk}/resources", form | {"kind": "funds"})
    assert r.status_code == 200 and r.json()["kind"] == "funds"
    assert _api(client, "post", f"/unit/agreements/{world['c'][1].pk}/resources", form).status_code == 404
    upd = {"description": "操场（周末）", "quantity": "20", "unit": "小时/周", "used": "6"}
    assert client.post(f"/organizations/unit/resources/{own_resource.pk}/", upd).status_code == 302
    own_resource.refresh_from_db()
    assert (own_resource.quantity, own_resource.used, own_resource.description) == (20, 6, "操场（周末）")
    assert client.post(f"/organizations/unit/resources/{world['b'][2].pk}/", upd).status_code == 404
    assert _api(client, "put", f"/unit/resources/{world['b'][2].pk}", upd).status_code == 404
    world["b"][2].refresh_from_db()
    assert world["b"][2].description == "操场"
    # Bad input: a clear message, nothing changed.
    r = _api(client, "put", f"/unit/resources/{own_resource.pk}", upd | {"used": "99"})
    assert r.status_code == 400 and r.json()["code"] == "resource_used_exceeds"
    r = _api(client, "post", f"/unit/agreements/{own_agreement.pk}/resources", form | {"quantity": "0"})
    assert r.status_code == 400
    r = _api(client, "post", f"/unit/agreements/{own_agreement.pk}/resources", form | {"kind": "time"})
    assert r.json()["code"] == "resource_kind_invalid"


def test_expired_agreement_takes_no_new_resources(world):
    agreement = world["a"][1]
    agreement.expires_on = dt.date(2026, 6, 30)
    agreement.save()
    with pytest.raises(ApplicationError) as exc:
        units.resource_pledge(
            by=world["contact"], agreement=agreement, kind="skill", description="讲座", quantity=1, unit="次"
        )
    assert exc.value.code == "agreement_expired"


def test_community_staff_pledge_in_scope_only(world, make_user):
    worker = make_user("community_worker", JUNMEN)
    units.resource_pledge(
        by=worker, agreement=world["b"][1], kind="skill", description="讲座", quantity=2, unit="次"
    )
    outside = make_user("community_worker", OTHER)
    with pytest.raises(NotFound):
        units.resource_pledge(
            by=outside, agreement=world["b"][1], kind="skill", description="讲座", quantity=2, unit="次"
        )
    with pytest.raises(PermissionDenied):
        units.resource_pledge(
            by=make_user("resident", JUNMEN),
            agreement=world["b"][1],
            kind="skill",
            description="讲座",
            quantity=2,
            unit="次",
        )


# --- needs and offers -----------------------------------------------------------------------


def test_unit_contact_sees_needs_of_covered_communities_only(world):
    client = _client(world["contact"])
    ids = [n["id"] for n in client.get("/api/organizations/unit/needs").json()]
    assert ids == [world["need"].pk]
    page = client.get("/organizations/unit/").content.decode()
    assert "暑期儿童托管" in page and "老人助餐" not in page
    # Another unit's id in the query is not found.
    assert client.get(f"/api/organizations/unit/needs?unit_id={world['b'][0].pk}").status_code == 404


def test_offer_then_staff_confirm_through_the_matching_service(world, make_user):
    client = _client(world["contact"])
    need, resource = world["need"], world["a"][2]
    r = client.post(
        f"/organizations/unit/needs/{need.pk}/offer/", {"resource": resource.pk, "note": "周末可用"}
    )
    assert r.status_code == 302
    offer = ResourceOffer.objects.get()
    assert (offer.status, offer.offered_by, offer.note) == ("offered", world["contact"], "周末可用")
    again = _api(client, "post", f"/unit/needs/{need.pk}/offers", {"resource_id": resource.pk})
    assert again.status_code == 409 and again.json()["code"] == "offer_exists"
    # Staff see it among the suggestions, and confirm it with the existing match service.
    worker = make_user("community_worker", JUNMEN)
    staff = _client(worker)
    detail = staff.get(f"/organizations/needs/{need.pk}/").content.decode()
    assert 'data-action="confirm-offer"' in detail and "周末可用" in detail
    assert staff.post(f"/organizations/needs/{need.pk}/match/", {"resource": resource.pk}).status_code == 302
    offer.refresh_from_db()
    need.refresh_from_db()
    assert offer.status == "confirmed" and offer.decided_by == worker
    assert need.status == "matched" and NeedMatch.objects.filter(need=need, resource=resource).exists()
    # The unit contact cannot match for itself.
    with pytest.raises(PermissionDenied):
        lists.need_match(by=world["contact"], need=need, resource=resource)


def test_offers_refused_for_other_units_resources_and_uncovered_needs(world):
    client = _client(world["contact"])
    need, far_need = world["need"], world["far_need"]
    r = _api(client, "post", f"/unit/needs/{need.pk}/offers", {"resource_id": world["b"][2].pk})
    assert r.status_code == 404
    r = _api(client, "post", f"/unit/needs/{far_need.pk}/offers", {"resource_id": world["a"][2].pk})
    assert r.status_code == 404
    assert (
        client.post(
            f"/organizations/unit/needs/{far_need.pk}/offer/", {"resource": world["a"][2].pk}
        ).status_code
        == 404
    )
    assert not ResourceOffer.objects.exists()


@pytest.mark.parametrize("resource", ["abc", "", "1.5", "9" * 30])
def test_a_malformed_resource_in_the_offer_form_is_not_found_not_a_server_error(world, resource):
    client = _client(world["contact"])
    r = client.post(f"/organizations/unit/needs/{world['need'].pk}/offer/", {"resource": resource})
    assert r.status_code == 404
    assert not ResourceOffer.objects.exists()


def test_staff_decline_an_offer_unit_contact_cannot(world, make_user):
    offer = units.resource_offer(by=world["contact"], need=world["need"], resource=world["a"][2])
    assert _client(world["contact"]).post(f"/organizations/offers/{offer.pk}/decline/").status_code == 403
    outside = _client(make_user("community_worker", OTHER))
    assert outside.post(f"/organizations/offers/{offer.pk}/decline/").status_code == 404
    worker = _client(make_user("community_worker", JUNMEN))
    assert worker.post(f"/organizations/offers/{offer.pk}/decline/").status_code == 302
    offer.refresh_from_db()
    assert offer.status == "declined"
    with pytest.raises(ApplicationError) as exc:
        units.offer_decline(by=make_user("community_head", JUNMEN), offer=offer)
    assert exc.value.code == "offer_not_open"


def test_home_panel_counts_the_contacts_work(world):
    from gongzhi.organizations.home import unit_panel

    panel = unit_panel(world["contact"])
    counts = {str(i.label): i.count for i in panel.items}
    assert counts["待审批预约"] == 1 and counts["可认领的需求"] == 1 and counts["待社区确认的认领"] == 0
    units.resource_offer(by=world["contact"], need=world["need"], resource=world["a"][2])
    counts = {str(i.label): i.count for i in unit_panel(world["contact"]).items}
    assert counts["可认领的需求"] == 0 and counts["待社区确认的认领"] == 1
    home = _client(world["contact"]).get("/").content.decode()
    assert "本单位共建" in home
    assert unit_panel(world["resident"]) is None


def test_unit_contact_role_only_over_a_unit(world, make_user):
    from gongzhi.core.users import role_assign

    admin = make_user("system_admin", "350102")
    social = Organization.objects.create(name="互助社", kind="social_org", region_id=JUNMEN)
    target = make_user("resident", JUNMEN)
    with pytest.raises(ApplicationError) as exc:
        role_assign(by=admin, user=target, role="unit_contact", organization=social)
    assert exc.value.code == "scope_kind"
    role_assign(by=admin, user=target, role="unit_contact", organization=world["b"][0])
    from gongzhi.core.models import User

    fresh = User.objects.get(pk=target.pk)
    assert [u.pk for u in selectors.unit_list(user=fresh)] == [world["b"][0].pk]


def test_inactive_assignment_reaches_nothing(world):
    from gongzhi.core.models import RoleAssignment, User

    RoleAssignment.objects.filter(user=world["contact"]).update(active=False)
    fresh = User.objects.get(pk=world["contact"].pk)
    assert _client(fresh).get("/organizations/unit/").status_code == 403
    assert not fresh.has_perm("organizations.manage_spaces", world["a"][3])


def test_another_units_id_is_not_found_on_every_unit_endpoint(world):
    client = _client(world["contact"])
    other = world["b"][0].pk
    assert client.get(f"/organizations/unit/?unit={other}").status_code == 404
    for url in ("/unit/needs", "/unit/offers", "/unit/bookings"):
        assert client.get(f"/api/organizations{url}?unit_id={other}").status_code == 404, url
        assert client.get(f"/api/organizations{url}?unit_id={world['a'][0].pk}").status_code == 200, url
    units_seen = client.get("/api/organizations/unit").json()
    assert [u["id"] for u in units_seen] == [world["a"][0].pk]
    assert [r["id"] for r in units_seen[0]["resources"]] == [world["a"][2].pk]
    assert [s["id"] for s in units_seen[0]["spaces"]] == [world["a"][3].pk]


def test_role_table_other_roles_only_gain_pledge():
    """The organisations' permissions of every other role are those they had, plus
    organizations.pledge for the staff who could already sign agreements (organizations.manage)."""
    from gongzhi.core.roles import ROLE_PERMISSIONS

    def org_perms(role):
        return {p for p in ROLE_PERMISSIONS[role] if p.startswith("organizations.")}

    staff = {
        "organizations.view",
        "organizations.manage",
        "organizations.book",
        "organizations.manage_spaces",
    }
    assert org_perms("resident") == {"organizations.book"}
    assert org_perms("grid_worker") == {"organizations.view"}
    assert org_perms("community_worker") == org_perms("community_head") == staff | {"organizations.pledge"}
    assert org_perms("street_staff") == staff | {"organizations.pledge"}
    assert org_perms("district_staff") == {
        "organizations.view",
        "organizations.manage",
        "organizations.pledge",
    }
    assert org_perms("social_org_staff") == {"organizations.view", "organizations.book"}
    assert org_perms("expert") == org_perms("department_staff") == set()
    assert org_perms("unit_contact") == {"organizations.unit"}
    assert {p for p in ROLE_PERMISSIONS["unit_contact"] if not p.startswith("organizations.")} == set()
