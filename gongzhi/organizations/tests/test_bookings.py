"""Shared spaces and bookings: the rules, approval, series as one, blocked periods, check-in,
the guard agreement (state × role × step), availability, usage, pages and API by role, and on
PostgreSQL the exclusion constraint under parallel bookings of one slot."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.organizations import bookings, selectors
from gongzhi.organizations.models import Booking, BookingSeries, BookingStatus, Organization, Space
from gongzhi.organizations.workflow import WORKFLOW

from .conftest import JUNMEN, OTHER

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return (NOW + dt.timedelta(days=day_offset)).replace(hour=hour, minute=minute)


@pytest.fixture(autouse=True)
def frozen():
    with clock.at(NOW):
        yield


def make_space(community=JUNMEN, **kw) -> Space:
    fields = dict(
        community_id=community,
        name=kw.pop("name", "党群服务中心活动室"),
        kind="room",
        capacity=30,
        opens=dt.time(8),
        closes=dt.time(21),
        slot_minutes=60,
        window_days=14,
        quota_hours_per_week=4,
    )
    fields.update(kw)
    return Space.objects.create(**fields)


@pytest.fixture
def space(db):
    return make_space()


@pytest.fixture
def resident(make_user):
    return make_user("resident", JUNMEN)


def book(by, space, start, hours=1, **kw):
    return bookings.booking_create(
        by=by,
        space=space,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        purpose=kw.pop("purpose", "书法练习"),
        **kw,
    )


def test_booking_confirmed_and_overlap_refused_adjacent_allowed(resident, space, make_user):
    b = book(resident, space, at(1, 10))
    assert b.status == "confirmed" and b.booker_kind == "resident"
    other = make_user("resident", JUNMEN)
    with pytest.raises(ApplicationError) as exc:
        book(other, space, at(1, 9), hours=2)
    assert exc.value.code == "slot_taken" and exc.value.status == 409
    assert Booking.objects.count() == 1
    book(other, space, at(1, 11))
    assert Booking.objects.count() == 2


@pytest.mark.parametrize(
    "start, hours, attendees, code",
    [
        (at(1, 7), 1, 1, "outside_hours"),
        (at(1, 20), 2, 1, "outside_hours"),
        (at(1, 10, 30), 1, 1, "slot_misaligned"),
        (at(1, 10), 1, 31, "too_many_people"),
        (at(0, 8), 1, 1, "in_the_past"),
        (at(15, 10), 1, 1, "beyond_window"),
        (at(1, 10), 5, 1, "quota_exceeded"),
    ],
)
def test_booking_rules_refuse_and_change_nothing(resident, space, start, hours, attendees, code):
    with pytest.raises(ApplicationError) as exc:
        book(resident, space, start, hours=hours, attendees=attendees)
    assert exc.value.code == code
    assert not Booking.objects.exists()


def test_quota_counts_the_week_and_closed_day(resident, space):
    book(resident, space, at(1, 10), hours=3)
    with pytest.raises(ApplicationError) as exc:
        book(resident, space, at(2, 10), hours=2)
    assert exc.value.code == "quota_exceeded"
    book(resident, space, at(7, 10), hours=2)  # next week
    space.open_weekdays = "12345"
    space.save()
    with pytest.raises(ApplicationError) as exc:
        book(resident, space, at(4, 10))  # Saturday
    assert exc.value.code == "closed_day"


def test_who_may_book(resident, make_user, regions):
    space = make_space(residents_may_book=False)
    with pytest.raises(ApplicationError) as exc:
        book(resident, space, at(1, 10))
    assert exc.value.code == "residents_not_allowed"
    org = Organization.objects.create(name="邻里互助社", kind="social_org", region=regions["junmen"])
    b = book(make_user("social_org_staff", org), space, at(1, 10))
    assert b.booker_kind == "organization" and b.organization == org
    staff_booking = book(make_user("community_worker", JUNMEN), space, at(20, 10), hours=6)
    assert staff_booking.booker_kind == "staff"  # staff: no window, no quota
    with pytest.raises(NotFound):
        book(make_user("resident", OTHER), space, at(1, 12))
    with pytest.raises(PermissionDenied):
        book(make_user("expert", "350102"), space, at(1, 12))


def test_approval_pending_bookings_may_overlap_until_one_is_approved(resident, make_user):
    space = make_space(approval_required=True)
    a = book(resident, space, at(1, 10))
    b = book(make_user("resident", JUNMEN), space, at(1, 10))
    assert a.status == b.status == "pending"
    worker = make_user("community_worker", JUNMEN)
    bookings.booking_act(by=worker, booking=a, action="approve")
    with pytest.raises(ApplicationError) as exc:
        bookings.booking_act(by=worker, booking=b, action="approve")
    assert exc.value.code == "slot_taken"
    b.refresh_from_db()
    assert b.status == "pending"
    bookings.booking_act(by=worker, booking=b, action="reject")
    b.refresh_from_db()
    assert b.status == "rejected" and b.decided_by == worker


def test_series_all_or_nothing_and_cancelled_as_one(make_user, space):
    worker = make_user("community_worker", JUNMEN)
    blocker = book(make_user("resident", JUNMEN), space, at(1 + 14, 10)) if False else None
    assert blocker is None
    # Someone holds week 3's slot: the whole series is refused and nothing is written.
    with clock.at(NOW + dt.timedelta(days=10)):
        book(make_user("resident", JUNMEN), space, at(15, 10))
    with pytest.raises(ApplicationError) as exc:
        bookings.series_book(
            by=worker, space=space, starts_at=at(1, 10), ends_at=at(1, 11), weeks=4, purpose="合唱排练"
        )
    assert exc.value.code == "series_slot_taken" and "2026-12-16" in str(exc.value.message)
    assert not BookingSeries.objects.exists() and Booking.objects.count() == 1
    series = bookings.series_book(
        by=worker, space=space, starts_at=at(1, 14), ends_at=at(1, 16), weeks=4, purpose="合唱排练"
    )
    assert series.bookings.filter(status="confirmed").count() == 4
    with clock.at(at(9, 9)):  # the first two are past
        n = bookings.series_cancel(by=worker, series=series)
    assert n == 2
    assert sorted(series.bookings.values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
        "confirmed",
        "confirmed",
    ]


def test_series_cancel_by_another_resident_refused(resident, make_user, space):
    space.quota_hours_per_week = 0
    space.save()
    series = bookings.series_book(
        by=resident, space=space, starts_at=at(1, 10), ends_at=at(1, 11), weeks=3, purpose="读书会"
    )
    with pytest.raises(ApplicationError) as exc:
        bookings.series_cancel(by=make_user("resident", JUNMEN), series=series)
    assert exc.value.code == "not_your_booking"
    assert series.bookings.filter(status="confirmed").count() == 3


def test_block_cancels_overlapping_and_refuses_new(resident, make_user, space):
    b = book(resident, space, at(2, 10))
    worker = make_user("community_worker", JUNMEN)
    bookings.block_create(by=worker, space=space, starts_at=at(2, 8), ends_at=at(2, 21), reason="消防检修")
    b.refresh_from_db()
    assert b.status == "cancelled"
    with pytest.raises(ApplicationError) as exc:
        book(make_user("resident", JUNMEN), space, at(2, 15))
    assert exc.value.code == "slot_taken"
    with pytest.raises(PermissionDenied):
        bookings.block_create(by=resident, space=space, starts_at=at(3, 8), ends_at=at(3, 9), reason="x")


def test_check_in_and_no_show(resident, make_user, space):
    worker = make_user("community_worker", JUNMEN)
    a = book(resident, space, at(1, 10))
    b = book(make_user("resident", JUNMEN), space, at(1, 12))
    with pytest.raises(ApplicationError) as exc:
        bookings.booking_act(by=worker, booking=a, action="check_in")
    assert exc.value.code == "check_in_window"
    with clock.at(at(1, 9, 45)):
        bookings.booking_act(by=worker, booking=a, action="check_in")
    with clock.at(at(1, 12, 10)), pytest.raises(ApplicationError):
        bookings.booking_act(by=worker, booking=b, action="no_show")
    with clock.at(at(1, 12, 20)):
        bookings.booking_act(by=worker, booking=b, action="no_show")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("checked_in", "no_show") and a.checked_in_at == at(1, 9, 45)


def test_guard_agreement_state_role_step(resident, make_user, space):
    """For every status × role × step × moment: the step is listed in allowed() exactly when the
    service takes it."""
    roles = {
        "booker": resident,
        "other_resident": make_user("resident", JUNMEN),
        "worker": make_user("community_worker", JUNMEN),
        "outside_worker": make_user("community_worker", OTHER),
    }
    moments = (NOW, at(1, 10, 20))
    checked = 0
    for status in BookingStatus.values:
        for user in roles.values():
            for step in WORKFLOW.steps:
                for moment in moments:
                    with transaction.atomic():
                        b = Booking.objects.create(
                            community_id=JUNMEN,
                            space=space,
                            status=status,
                            booker_kind="resident",
                            starts_at=at(1, 10),
                            ends_at=at(1, 11),
                            booked_by=resident,
                            purpose="x",
                        )
                        listed = step in WORKFLOW.allowed(b, user, moment)
                        with clock.at(moment):
                            try:
                                with transaction.atomic():
                                    bookings.booking_act(by=user, booking=b, action=step)
                                took = True
                            except ApplicationError:
                                took = False
                        assert listed == took, (status, user, step, moment)
                        transaction.set_rollback(True)
                    checked += 1
    assert checked == len(BookingStatus.values) * 4 * 5 * 2


def test_availability_lists_free_slots(resident, space):
    book(resident, space, at(1, 10), hours=2)
    found = selectors.availability(user=resident, date_from=at(1, 0).date(), date_to=at(2, 0).date())
    day1, day2 = found
    starts = [s.hour for s, _e in day1.slots]
    assert 10 not in starts and 11 not in starts and len(starts) == 13 - 2
    assert len(day2.slots) == 13
    today = selectors.availability(user=resident, date_from=NOW.date(), date_to=NOW.date())[0]
    assert [s.hour for s, _e in today.slots][0] == 10  # 09:00 has started


def test_space_usage_and_premises_share(make_user, regions, space):
    worker = make_user("community_worker", JUNMEN)
    org = Organization.objects.create(name="书画社", kind="social_org", region=regions["junmen"])
    with clock.at(NOW - dt.timedelta(days=5)):
        book(make_user("social_org_staff", org), space, at(-3, 10), hours=3)
        book(make_user("resident", JUNMEN), space, at(-3, 14), hours=1)
    usage = selectors.space_usage(user=worker, days=30)
    row = usage.records[0]
    assert row["booked_hours"] == 4 and row["open_hours"] == 13 * 30
    assert selectors.organization_share_of_premises(user=worker).value == 75.0


# --- pages and API by role -----------------------------------------------------------------

BOOKERS = {"resident", "social_org_staff", "community_worker", "community_head", "street_staff"}


def _user(make_user, role, regions, inside=True):
    if role == "social_org_staff":
        org = Organization.objects.create(
            name=f"组织{role}{inside}", kind="social_org", region=regions["junmen" if inside else "other"]
        )
        return make_user(role, org)
    if not inside:
        return make_user(role, OTHER)
    return make_user(
        role, {"street_staff": "350102004", "district_staff": "350102", "expert": "350102"}.get(role, JUNMEN)
    )


@pytest.mark.parametrize("role", sorted(BOOKERS | {"grid_worker", "district_staff", "expert"}))
def test_pages_and_api_role_matrix(make_user, regions, space, role):
    client = Client()
    client.force_login(_user(make_user, role, regions))
    expected = 200 if role in BOOKERS else 403
    assert client.get("/organizations/spaces/").status_code == expected
    assert client.get(f"/organizations/spaces/{space.pk}/").status_code == expected
    assert client.get("/organizations/bookings/").status_code == expected
    assert client.get("/api/organizations/spaces").status_code == expected
    response = client.post(
        f"/organizations/spaces/{space.pk}/",
        {"date": "2026-12-03", "start": "10:00", "slots": "1", "purpose": "活动", "attendees": "5"},
    )
    assert response.status_code == (302 if role in BOOKERS else 403)
    assert Booking.objects.filter(space=space).count() == (1 if role in BOOKERS else 0)


@pytest.mark.parametrize("role", ["resident", "social_org_staff", "community_worker"])
def test_out_of_scope_space_is_404(make_user, regions, space, role):
    client = Client()
    client.force_login(_user(make_user, role, regions, inside=False))
    assert client.get(f"/organizations/spaces/{space.pk}/").status_code == 404
    assert space.name not in client.get("/organizations/spaces/").content.decode()
    r = client.post(
        "/api/organizations/bookings",
        {
            "space_id": space.pk,
            "starts_at": at(1, 10).isoformat(),
            "ends_at": at(1, 11).isoformat(),
            "purpose": "x",
        },
        content_type="application/json",
    )
    assert r.status_code == 404


def test_anonymous(space):
    client = Client()
    assert client.get("/organizations/spaces/").status_code == 302
    assert client.get("/api/organizations/spaces").status_code == 401


def test_api_booking_conflict_and_actions(resident, space, make_user):
    client = Client()
    client.force_login(resident)
    body = {
        "space_id": space.pk,
        "starts_at": at(1, 10).isoformat(),
        "ends_at": at(1, 11).isoformat(),
        "purpose": "太极",
    }
    r = client.post("/api/organizations/bookings", body, content_type="application/json")
    assert r.status_code == 200 and r.json()[0]["allowed_actions"] == ["cancel"]
    other = Client()
    other.force_login(make_user("resident", JUNMEN))
    r2 = other.post("/api/organizations/bookings", body, content_type="application/json")
    assert r2.status_code == 409 and r2.json()["code"] == "slot_taken"
    pk = r.json()[0]["id"]
    assert other.post(f"/api/organizations/bookings/{pk}/cancel").status_code == 404
    assert client.post(f"/api/organizations/bookings/{pk}/cancel").json()["status"] == "cancelled"


def test_page_bad_input_is_400_and_changes_nothing(resident, space):
    client = Client()
    client.force_login(resident)
    for data in (
        {"date": "x", "start": "10:00"},
        {"date": "2026-12-03", "start": "10:00", "slots": "99", "purpose": "a"},
        {"date": "2026-12-03", "start": "10:30", "purpose": "a"},
    ):
        assert client.post(f"/organizations/spaces/{space.pk}/", data).status_code == 400
    assert not Booking.objects.exists()


def test_booking_list_shows_actions_for_staff(resident, make_user):
    space = make_space(approval_required=True, name="会议室")
    book(resident, space, at(1, 10))
    client = Client()
    client.force_login(make_user("community_worker", JUNMEN))
    page = client.get("/organizations/bookings/").content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page


# --- the database refuses overlaps (PostgreSQL) ----------------------------------------------


def _run(fn):
    box: dict = {}

    def target():
        try:
            box["v"] = fn()
        finally:
            connections.close_all()

    t = threading.Thread(target=target)
    t.start()
    t.join(60)
    return box.get("v")


@pytest.mark.postgres
def test_exclusion_constraint_refuses_overlap_written_directly():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from tests.factories import UserFactory

    space = make_space()
    user = UserFactory()
    common = dict(community_id=JUNMEN, space=space, booker_kind="resident", booked_by=user, purpose="x")
    Booking.objects.create(status="confirmed", starts_at=at(1, 10), ends_at=at(1, 12), **common)
    Booking.objects.create(
        status="pending", starts_at=at(1, 11), ends_at=at(1, 12), **common
    )  # pending may overlap
    Booking.objects.create(status="confirmed", starts_at=at(1, 12), ends_at=at(1, 13), **common)  # adjacent
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(status="checked_in", starts_at=at(1, 11), ends_at=at(1, 11, 30), **common)


@pytest.mark.postgres
def test_parallel_bookings_of_one_slot_give_exactly_one():
    """60 residents, each on their own connection, book the same slot at once: exactly one wins,
    the others are told the slot is taken."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    n = 60
    from tests.factories import user_with_role

    def setup():
        space = make_space(name="并发测试活动室", quota_hours_per_week=0)
        return space.pk, [user_with_role("resident", JUNMEN).pk for _ in range(n)]

    space_pk, user_pks = _run(setup)
    try:
        barrier = threading.Barrier(n)
        results: list[str] = []

        def attempt(pk):
            try:
                from gongzhi.core.models import User

                user = User.objects.get(pk=pk)
                space = Space.objects.get(pk=space_pk)
                barrier.wait(30)
                with clock.at(NOW):
                    book(user, space, at(1, 10))
                results.append("ok")
            except ApplicationError as exc:
                results.append(exc.code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt, args=(pk,)) for pk in user_pks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert results.count("ok") == 1, results
        assert set(results) == {"ok", "slot_taken"}
        assert _run(lambda: Booking.objects.filter(space_id=space_pk, status="confirmed").count()) == 1
    finally:

        def teardown():
            from gongzhi.core.models import RoleAssignment, User
            from gongzhi.organizations.models import OrganizationEvent

            ids = list(Booking.objects.filter(space_id=space_pk).values_list("pk", flat=True))
            OrganizationEvent.objects.filter(subject__in=[f"booking:{i}" for i in ids])._raw_delete(
                OrganizationEvent.objects.db
            )
            Booking.objects.filter(space_id=space_pk).delete()
            Space.objects.filter(pk=space_pk).delete()
            RoleAssignment.objects.filter(user_id__in=user_pks).delete()
            User.objects.filter(pk__in=user_pks).delete()

        _run(teardown)
