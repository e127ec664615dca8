"""Services: registration, sign-up with places and a waiting list, no double booking, check-in by
the rotating code, hours (check-in, staff entry, corrections), caps, star levels, points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.ledger import ledger_verify
from gongzhi.volunteers import services
from gongzhi.volunteers.codes import checkin_code
from gongzhi.volunteers.models import CheckIn, HourRecord, PointAccount, SignUp, Volunteer
from gongzhi.volunteers.points import reward_create, reward_redeem
from gongzhi.volunteers.selectors import star_level, volunteer_summary

from .conftest import DAGEN, JUNMEN

pytestmark = pytest.mark.django_db


def _code(exc) -> str:
    return exc.value.code


def test_a_resident_registers_themselves_and_staff_register_a_walk_in(make_resident, staff):
    me = make_resident()
    v = services.volunteer_register(person=me.person, by=me, skills="理发")
    assert v.channel == Volunteer.Channel.SELF and v.community_id == JUNMEN and v.name == me.person.name
    walk_in = make_resident()
    v2 = services.volunteer_register(person=walk_in.person, by=staff)
    assert v2.channel == Volunteer.Channel.STAFF and v2.registered_by == staff
    with pytest.raises(ApplicationError) as exc:
        services.volunteer_register(person=me.person, by=staff)
    assert _code(exc) == "already_volunteer"


def test_nobody_registers_someone_else_or_outside_their_scope(make_resident, make_user):
    me, other = make_resident(), make_resident()
    with pytest.raises(PermissionDenied):
        services.volunteer_register(person=other.person, by=me)
    far = make_resident(DAGEN)
    with pytest.raises(PermissionDenied):
        services.volunteer_register(person=far.person, by=make_user("community_worker", JUNMEN))
    assert not Volunteer.objects.exists()


def test_sign_up_confirms_while_places_remain_then_waitlists_and_promotes(make_volunteer, activity):
    shift = activity.shifts.first()
    (u1, v1), (u2, v2), (u3, v3) = make_volunteer(), make_volunteer(), make_volunteer()
    s1 = services.signup_create(shift=shift, volunteer=v1, by=u1)
    s2 = services.signup_create(shift=shift, volunteer=v2, by=u2)
    s3 = services.signup_create(shift=shift, volunteer=v3, by=u3)
    assert [s.status for s in (s1, s2, s3)] == ["confirmed", "confirmed", "waiting"]
    shift.refresh_from_db()
    assert shift.taken == 2
    services.signup_cancel(signup=s1, by=u1)
    s3.refresh_from_db()
    shift.refresh_from_db()
    assert s3.status == "confirmed" and shift.taken == 2


def test_the_same_volunteer_twice_or_on_overlapping_shifts_is_refused(make_volunteer, activity):
    first, second = activity.shifts.all()
    user, v = make_volunteer()
    services.signup_create(shift=first, volunteer=v, by=user)
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(shift=first, volunteer=v, by=user)
    assert _code(exc) == "already_signed_up"
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(shift=second, volunteer=v, by=user)
    assert _code(exc) == "overlap"
    assert SignUp.objects.filter(volunteer=v).count() == 1


def test_a_resident_cannot_sign_up_someone_else(make_volunteer, activity):
    (u1, _v1), (_u2, v2) = make_volunteer(), make_volunteer()
    with pytest.raises(ApplicationError):
        services.signup_create(shift=activity.shifts.first(), volunteer=v2, by=u1)
    assert not SignUp.objects.exists()


def test_background_check_is_required_where_the_activity_asks_for_it(make_volunteer, activity, staff):
    activity.needs_background_check = True
    activity.save()
    user, v = make_volunteer()
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(shift=activity.shifts.first(), volunteer=v, by=user)
    assert _code(exc) == "background_check"
    services.volunteer_set_background_check(volunteer=v, passed=True, by=staff)
    assert services.signup_create(shift=activity.shifts.first(), volunteer=v, by=user).status == "confirmed"


def _signed_up_and_at_shift(make_volunteer, activity):
    shift = activity.shifts.first()
    user, v = make_volunteer()
    services.signup_create(shift=shift, volunteer=v, by=user)
    return user, v, shift


def test_check_in_and_out_by_the_rotating_code_records_hours_and_points(make_volunteer, activity):
    user, v, shift = _signed_up_and_at_shift(make_volunteer, activity)
    t_in = shift.starts_at + dt.timedelta(minutes=5)
    with clock.at(t_in):
        services.checkin_record(activity=activity, volunteer=v, code=checkin_code(activity.pk, t_in), by=user)
    t_out = shift.starts_at + dt.timedelta(hours=1, minutes=35)
    with clock.at(t_out):
        record = services.checkout_record(
            activity=activity, volunteer=v, code=checkin_code(activity.pk, t_out), by=user
        )
    assert record.source == "checkin" and record.hours == Decimal("1.50")
    summary = volunteer_summary(volunteer=v)
    assert summary.checkin == Decimal("1.50") and summary.staff == 0 and summary.points == Decimal("15")
    assert ledger_verify(PointAccount) == (2, [])


def test_check_in_twice_is_refused(make_volunteer, activity):
    user, v, shift = _signed_up_and_at_shift(make_volunteer, activity)
    t = shift.starts_at
    with clock.at(t):
        services.checkin_record(activity=activity, volunteer=v, code=checkin_code(activity.pk, t), by=user)
        with pytest.raises(ApplicationError) as exc:
            services.checkin_record(
                activity=activity, volunteer=v, code=checkin_code(activity.pk, t), by=user
            )
    assert _code(exc) == "already_checked_in" and CheckIn.objects.count() == 1


def test_an_expired_code_or_another_activitys_code_is_refused(make_volunteer, activity, staff):
    user, v, shift = _signed_up_and_at_shift(make_volunteer, activity)
    other = services.activity_create(community=activity.community, title="义诊", place="广场", by=staff)
    t = shift.starts_at + dt.timedelta(seconds=30)
    old = checkin_code(activity.pk, t - dt.timedelta(minutes=2))
    with clock.at(t):
        for code in (old, checkin_code(other.pk, t), "", "ZZZZZZZZ"):
            with pytest.raises(ApplicationError) as exc:
                services.checkin_record(activity=activity, volunteer=v, code=code, by=user)
            assert _code(exc) == "bad_code"
    assert not CheckIn.objects.exists()


def test_a_code_from_the_minute_just_ended_still_works_for_a_few_seconds(make_volunteer, activity):
    user, v, shift = _signed_up_and_at_shift(make_volunteer, activity)
    shown = shift.starts_at + dt.timedelta(seconds=55)
    with clock.at(shown + dt.timedelta(seconds=8)):
        services.checkin_record(
            activity=activity, volunteer=v, code=checkin_code(activity.pk, shown), by=user
        )
    assert CheckIn.objects.count() == 1


def test_check_in_needs_a_confirmed_shift_now(make_volunteer, activity):
    user, v = make_volunteer()
    t = activity.shifts.first().starts_at
    with clock.at(t), pytest.raises(ApplicationError) as exc:
        services.checkin_record(activity=activity, volunteer=v, code=checkin_code(activity.pk, t), by=user)
    assert _code(exc) == "no_shift_now"


def test_staff_entry_is_kept_apart_capped_and_corrections_are_new_records(make_volunteer, activity, staff):
    _user, v = make_volunteer()
    today = dt.date.today()
    r = services.hours_enter(
        volunteer=v, activity=activity, hours=Decimal("3"), served_on=today, reason="纸质签到表", by=staff
    )
    assert r.source == "staff"
    with pytest.raises(ApplicationError) as exc:
        services.hours_enter(
            volunteer=v, activity=activity, hours=Decimal("10"), served_on=today, reason="x", by=staff
        )
    assert _code(exc) == "day_cap"
    with pytest.raises(ApplicationError) as exc:
        services.hours_enter(
            volunteer=v, activity=activity, hours=Decimal("2"), served_on=today, reason=" ", by=staff
        )
    assert _code(exc) == "reason_required"
    c = services.hours_correct(record=r, change=Decimal("-1"), reason="多记了1小时", by=staff)
    assert c.source == "correction" and c.corrects == r
    r.refresh_from_db()
    assert r.hours == Decimal("3")
    with pytest.raises(ApplicationError) as exc:
        services.hours_correct(record=r, change=Decimal("-2.5"), reason="再减", by=staff)
    assert _code(exc) == "correction_too_large"
    s = volunteer_summary(volunteer=v)
    assert (s.checkin, s.staff, s.corrections, s.total) == (
        0,
        Decimal("3.00"),
        Decimal("-1.00"),
        Decimal("2.00"),
    )
    assert s.points == Decimal("20")
    assert HourRecord.objects.count() == 2


def test_residents_cannot_enter_hours(make_volunteer, activity):
    user, v = make_volunteer()
    with pytest.raises((PermissionDenied, NotFound)):
        services.hours_enter(
            volunteer=v, activity=activity, hours=Decimal("1"), served_on=dt.date.today(), reason="x", by=user
        )


@pytest.mark.parametrize(
    "hours,stars",
    [(0, 0), (99.9, 0), (100, 1), (299, 1), (300, 2), (600, 3), (1000, 4), (1499, 4), (1500, 5), (9000, 5)],
)
def test_star_level_follows_the_national_thresholds(hours, stars):
    assert star_level(hours) == stars


def test_redeeming_spends_points_takes_stock_and_never_touches_hours(make_volunteer, activity, staff):
    user, v = make_volunteer()
    services.hours_enter(
        volunteer=v, activity=activity, hours=Decimal("2"), served_on=dt.date.today(), reason="补录", by=staff
    )
    item = reward_create(community=activity.community, name="洗衣液", cost=15, stock=1, by=staff)
    redemption = reward_redeem(item=item, volunteer=v, by=user)
    item.refresh_from_db()
    s = volunteer_summary(volunteer=v)
    assert item.stock == 0 and s.points == Decimal("5") and s.total == Decimal("2.00") and redemption.code
    with pytest.raises(ApplicationError) as exc:
        reward_redeem(item=item, volunteer=v, by=user)
    assert _code(exc) == "out_of_stock"
    cheap = reward_create(community=activity.community, name="毛巾", cost=10, stock=5, by=staff)
    with pytest.raises(ApplicationError) as exc:
        reward_redeem(item=cheap, volunteer=v, by=user)
    assert _code(exc) == "ledger_insufficient"
    cheap.refresh_from_db()
    assert cheap.stock == 5
