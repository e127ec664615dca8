"""Every write of the volunteers app: volunteers, teams, activities and shifts, sign-ups, check-in
and hours. Points and redemptions are in points.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .codes import checkin_code_valid
from .errors import error
from .models import Activity, CheckIn, HourRecord, Shift, SignUp, Team, Volunteer

CHECKIN_EARLY = dt.timedelta(minutes=30)
DAY_CAP = Decimal("12")
SHIFT_MAX = dt.timedelta(hours=12)
TWO = Decimal("0.01")


def _text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


# Volunteers and teams ----------------------------------------------------------------------------


@transaction.atomic
def volunteer_register(
    *, person, by, skills: str = "", availability: str = "", team: Team | None = None
) -> Volunteer:
    """A resident registers themselves (their own registry person), or staff register a walk-in."""
    if by.person_id and by.person_id == person.pk and by.has_perm(rules.JOIN, person):
        channel = Volunteer.Channel.SELF
    elif by.has_perm(rules.MANAGE, person):
        channel = Volunteer.Channel.STAFF
    else:
        raise PermissionDenied()
    if team is not None and team.community_id != person.community_id:
        raise error("team_other_community")
    if Volunteer.objects.filter(person=person).exists():
        raise error("already_volunteer")
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                community_id=person.community_id,
                person=person,
                name=person.name,
                team=team,
                skills=_text(skills, 200),
                availability=_text(availability, 100),
                channel=channel,
                registered_by=by,
            )
    except IntegrityError:
        raise error("already_volunteer") from None


@transaction.atomic
def volunteer_set_background_check(*, volunteer: Volunteer, passed: bool, by) -> Volunteer:
    require(by, rules.MANAGE, volunteer, hide=True)
    volunteer.background_check = Volunteer.Check.PASSED if passed else Volunteer.Check.NONE
    volunteer.save(update_fields=["background_check"])
    return volunteer


@transaction.atomic
def team_create(
    *, community: Region, name: str, by, sponsor: str = "", leader: Volunteer | None = None
) -> Team:
    require(by, rules.MANAGE, community)
    name = _text(name, 60)
    if not name:
        raise error("name_required")
    if leader is not None and leader.community_id != community.code:
        raise error("leader_not_member")
    if Team.objects.filter(community=community, name=name).exists():
        raise error("team_exists")
    team = Team.objects.create(community=community, name=name, sponsor=_text(sponsor, 100), leader=leader)
    if leader is not None and leader.team_id is None:
        Volunteer.objects.filter(pk=leader.pk).update(team=team)
    return team


@transaction.atomic
def team_set_leader(*, team: Team, leader: Volunteer, by) -> Team:
    require(by, rules.MANAGE, team, hide=True)
    if leader.community_id != team.community_id:
        raise error("leader_not_member")
    team.leader = leader
    team.save(update_fields=["leader"])
    Volunteer.objects.filter(pk=leader.pk).update(team=team)
    return team


# Activities and shifts ---------------------------------------------------------------------------


def _check_times(
    starts_at: dt.datetime | None, ends_at: dt.datetime | None, places: int
) -> tuple[dt.datetime, dt.datetime, int]:
    if not starts_at or not ends_at or ends_at <= starts_at or ends_at - starts_at > SHIFT_MAX:
        raise error("bad_times")
    if not isinstance(places, int) or not 1 <= places <= 500:
        raise error("bad_places")
    return starts_at, ends_at, places


@transaction.atomic
def activity_create(
    *,
    community: Region,
    title: str,
    place: str,
    by,
    shifts: Sequence[tuple[dt.datetime | None, dt.datetime | None, int]] = (),
    team: Team | None = None,
    description: str = "",
    skills: str = "",
    serves: str = "",
    needs_background_check: bool = False,
    coefficient: Decimal = Decimal("1"),
) -> Activity:
    require(by, rules.MANAGE, community)
    title, place = _text(title, 100), _text(place, 100)
    if not title:
        raise error("name_required")
    if not place:
        raise error("place_required")
    coefficient = Decimal(coefficient)
    if not Decimal("0") < coefficient <= Decimal("5"):
        raise error("bad_coefficient")
    if team is not None and team.community_id != community.code:
        raise error("team_other_community")
    checked = [_check_times(s, e, n) for s, e, n in shifts]
    activity = Activity.objects.create(
        community=community,
        team=team,
        title=title,
        place=place,
        description=_text(description, 2000),
        skills=_text(skills, 100),
        serves=_text(serves, 100),
        needs_background_check=needs_background_check,
        coefficient=coefficient,
        created_by=by,
    )
    Shift.objects.bulk_create(
        [
            Shift(community_id=community.code, activity=activity, starts_at=s, ends_at=e, places=n)
            for s, e, n in checked
        ]
    )
    return activity


@transaction.atomic
def shift_add(
    *, activity: Activity, starts_at: dt.datetime | None, ends_at: dt.datetime | None, places: int, by
) -> Shift:
    require(by, rules.MANAGE, activity, hide=True)
    start, end, places = _check_times(starts_at, ends_at, places)
    return Shift.objects.create(
        community_id=activity.community_id,
        activity=activity,
        starts_at=start,
        ends_at=end,
        places=places,
    )


# Sign-ups ----------------------------------------------------------------------------------------


def _may_act_for(by, volunteer: Volunteer) -> None:
    """A resident acts for themselves; staff act for volunteers of their communities."""
    if by.person_id and by.person_id == volunteer.person_id and by.has_perm(rules.JOIN, volunteer):
        return
    require(by, rules.MANAGE, volunteer, hide=True)


@transaction.atomic
def signup_create(*, shift: Shift, volunteer: Volunteer, by) -> SignUp:
    """Sign a volunteer up for a shift: confirmed while places remain, otherwise on the waiting list.

    The volunteer's row is locked first, so one volunteer's sign-ups queue (no double booking of
    overlapping shifts); the place is taken by a conditional UPDATE on the shift (`taken < places`),
    which the database applies one at a time, under a CHECK that `taken <= places`."""
    _may_act_for(by, volunteer)
    require(by, rules.BROWSE, shift, hide=True)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    now = clock.now()
    if shift.starts_at <= now:
        raise error("shift_past")
    activity = shift.activity
    if activity.needs_background_check and volunteer.background_check != Volunteer.Check.PASSED:
        raise error("background_check")
    live = SignUp.objects.filter(volunteer=volunteer).exclude(status=SignUp.Status.CANCELLED)
    if live.filter(shift=shift).exists():
        raise error("already_signed_up")
    if live.filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at).exists():
        raise error("overlap")
    got = Shift.objects.filter(pk=shift.pk, taken__lt=F("places")).update(taken=F("taken") + 1)
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(
                community_id=shift.community_id,
                shift=shift,
                volunteer=volunteer,
                status=SignUp.Status.CONFIRMED if got else SignUp.Status.WAITING,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
            )
    except IntegrityError:
        # The database's own refusal (unique per shift, or the PostgreSQL overlap exclusion).
        raise error("overlap") from None
    return signup


@transaction.atomic
def signup_cancel(*, signup: SignUp, by) -> SignUp:
    """Cancel before the shift starts; the first on the waiting list takes the freed place."""
    _may_act_for(by, signup.volunteer)
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status == SignUp.Status.CANCELLED:
        raise error("not_signed_up")
    if shift.starts_at <= clock.now():
        raise error("cannot_cancel")
    was_confirmed = signup.status == SignUp.Status.CONFIRMED
    signup.status = SignUp.Status.CANCELLED
    signup.save(update_fields=["status"])
    if was_confirmed:
        nxt = shift.signups.filter(status=SignUp.Status.WAITING).order_by("created_at", "id").first()
        if nxt is not None:
            nxt.status = SignUp.Status.CONFIRMED
            nxt.save(update_fields=["status"])
        else:
            Shift.objects.filter(pk=shift.pk).update(taken=F("taken") - 1)
    return signup


# Check-in, check-out and hours ---------------------------------------------------------------------


def _current_signup(activity: Activity, volunteer: Volunteer, now: dt.datetime) -> SignUp | None:
    return (
        SignUp.objects.select_related("shift")
        .filter(
            volunteer=volunteer,
            shift__activity=activity,
            status=SignUp.Status.CONFIRMED,
            starts_at__lte=now + CHECKIN_EARLY,
            ends_at__gte=now,
        )
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def checkin_record(*, activity: Activity, volunteer: Volunteer, code: str, by) -> CheckIn:
    """Self check-in with the code on the leader's screen (valid this minute, for this activity)."""
    if not (by.person_id and by.person_id == volunteer.person_id and by.has_perm(rules.JOIN, volunteer)):
        raise PermissionDenied()
    now = clock.now()
    if not checkin_code_valid(activity.pk, code, now):
        raise error("bad_code")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    signup = _current_signup(activity, volunteer, now)
    if signup is None:
        if CheckIn.objects.filter(signup__volunteer=volunteer, signup__shift__activity=activity).exists():
            raise error("already_checked_in")
        raise error("no_shift_now")
    if CheckIn.objects.filter(signup=signup).exists():
        raise error("already_checked_in")
    try:
        with transaction.atomic():
            return CheckIn.objects.create(community_id=signup.community_id, signup=signup, checked_in_at=now)
    except IntegrityError:
        raise error("already_checked_in") from None


def _hours_on(volunteer: Volunteer, day: dt.date) -> Decimal:
    total = HourRecord.objects.filter(volunteer=volunteer, served_on=day).aggregate(s=Sum("hours"))["s"]
    return Decimal(str(total or 0))


@transaction.atomic
def checkout_record(*, activity: Activity, volunteer: Volunteer, code: str, by) -> HourRecord | None:
    """Self check-out with the current code: the hours between check-in and check-out, within the
    shift, capped per day, become a check-in hour record (信用时长) and earn points."""
    if not (by.person_id and by.person_id == volunteer.person_id and by.has_perm(rules.JOIN, volunteer)):
        raise PermissionDenied()
    now = clock.now()
    if not checkin_code_valid(activity.pk, code, now):
        raise error("bad_code")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    checkin = (
        CheckIn.objects.select_for_update()
        .select_related("signup__shift")
        .filter(signup__volunteer=volunteer, signup__shift__activity=activity)
        .order_by("-checked_in_at")
        .first()
    )
    if checkin is None:
        raise error("not_checked_in")
    if checkin.checked_out_at is not None:
        raise error("already_checked_out")
    checkin.checked_out_at = now
    checkin.save(update_fields=["checked_out_at"])
    shift = checkin.signup.shift
    start = max(checkin.checked_in_at, shift.starts_at)
    end = min(now, shift.ends_at)
    hours = Decimal((end - start).total_seconds() / 3600).quantize(TWO)
    day = timezone.localdate(start)
    hours = min(hours, DAY_CAP - _hours_on(volunteer, day))
    if hours <= 0:
        return None
    record = HourRecord.objects.create(
        community_id=activity.community_id,
        volunteer=volunteer,
        activity=activity,
        signup=checkin.signup,
        source=HourRecord.Source.CHECKIN,
        hours=hours,
        served_on=day,
        by=by,
        at=now,
    )
    from .points import points_for_hours

    points_for_hours(record=record, by=by)
    return record


@transaction.atomic
def hours_enter(
    *, volunteer: Volunteer, activity: Activity, hours: Decimal, served_on: dt.date, reason: str, by
) -> HourRecord:
    """Staff entry (补录) of hours served without self check-in; kept apart by its source."""
    require(by, rules.MANAGE, activity, hide=True)
    require(by, rules.MANAGE, volunteer, hide=True)
    reason = _text(reason, 200)
    if not reason:
        raise error("reason_required")
    try:
        hours = Decimal(str(hours)).quantize(TWO)
    except ArithmeticError:
        raise error("bad_hours", cap=DAY_CAP) from None
    if not Decimal("0") < hours <= DAY_CAP:
        raise error("bad_hours", cap=DAY_CAP)
    if served_on > timezone.localdate(clock.now()):
        raise error("bad_date")
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if _hours_on(volunteer, served_on) + hours > DAY_CAP:
        raise error("day_cap", cap=DAY_CAP)
    record = HourRecord.objects.create(
        community_id=activity.community_id,
        volunteer=volunteer,
        activity=activity,
        source=HourRecord.Source.STAFF,
        hours=hours,
        served_on=served_on,
        reason=reason,
        by=by,
    )
    from .points import points_for_hours

    points_for_hours(record=record, by=by)
    return record


@transaction.atomic
def hours_correct(*, record: HourRecord, change: Decimal, reason: str, by) -> HourRecord:
    """A correction is a new record (positive or negative) with a reason; the record it corrects
    stays as it was. The corrected total never goes below zero."""
    require(by, rules.MANAGE, record, hide=True)
    reason = _text(reason, 200)
    if not reason:
        raise error("reason_required")
    try:
        change = Decimal(str(change)).quantize(TWO)
    except ArithmeticError:
        raise error("bad_hours", cap=DAY_CAP) from None
    if change == 0 or abs(change) > DAY_CAP:
        raise error("bad_hours", cap=DAY_CAP)
    Volunteer.objects.select_for_update().get(pk=record.volunteer_id)
    base = record.corrects or record
    so_far = base.hours + Decimal(
        str(HourRecord.objects.filter(corrects=base).aggregate(s=Sum("hours"))["s"] or 0)
    )
    if so_far + change < 0:
        raise error("correction_too_large")
    if change > 0 and _hours_on(record.volunteer, base.served_on) + change > DAY_CAP:
        raise error("day_cap", cap=DAY_CAP)
    correction = HourRecord.objects.create(
        community_id=base.community_id,
        volunteer_id=base.volunteer_id,
        activity_id=base.activity_id,
        corrects=base,
        source=HourRecord.Source.CORRECTION,
        hours=change,
        served_on=base.served_on,
        reason=reason,
        by=by,
    )
    from .points import points_for_hours

    points_for_hours(record=correction, by=by)
    return correction
