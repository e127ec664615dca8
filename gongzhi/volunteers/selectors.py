"""Every read of the volunteers app, scoped through core.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scoped

from . import rules
from .models import (
    Activity,
    HourRecord,
    PointEntry,
    Redemption,
    RewardItem,
    Shift,
    ShiftReminder,
    SignUp,
    Team,
    Volunteer,
)

# 志愿服务记录与证明出具办法 / 星级认定: cumulative hours for one to five stars.
STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)


def star_level(hours: Decimal | float | int) -> int:
    return sum(1 for t in STAR_THRESHOLDS if Decimal(str(hours)) >= t)


def volunteer_of_user(*, user) -> Volunteer | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return Volunteer.objects.select_related("team", "community").filter(person_id=person_id).first()


def activity_queryset(*, user) -> QuerySet[Activity]:
    return scoped(Activity.objects.select_related("team", "community"), user, rules.BROWSE)


def activity_list(*, user, upcoming: bool = True) -> QuerySet[Activity]:
    qs = activity_queryset(user=user)
    if upcoming:
        today = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
        qs = qs.filter(shifts__ends_at__gte=today).distinct()
    return qs.order_by("-created_at", "-id")


def activity_get(*, user, pk: int) -> Activity:
    activity = activity_queryset(user=user).filter(pk=pk).first()
    if activity is None:
        raise NotFound()
    return activity


def shift_get(*, user, pk: int) -> Shift:
    shift = scoped(Shift.objects.select_related("activity"), user, rules.BROWSE).filter(pk=pk).first()
    if shift is None:
        raise NotFound()
    return shift


def activity_shifts(*, activity: Activity) -> QuerySet[Shift]:
    return activity.shifts.annotate(
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITING))
    ).order_by("starts_at", "id")


def shift_roster(*, user, shift: Shift) -> QuerySet[SignUp]:
    if not user.has_perm(rules.VIEW, shift):
        return SignUp.objects.none()
    return (
        shift.signups.exclude(status=SignUp.Status.CANCELLED)
        .select_related("volunteer", "checkin")
        .order_by("status", "created_at", "id")
    )


def signups_of(*, volunteer: Volunteer) -> QuerySet[SignUp]:
    return (
        volunteer.signups.exclude(status=SignUp.Status.CANCELLED)
        .select_related("shift__activity")
        .order_by("-starts_at")
    )


def signup_get(*, user, pk: int) -> SignUp:
    signup = SignUp.objects.select_related("shift__activity", "volunteer").filter(pk=pk).first()
    if signup is None:
        raise NotFound()
    mine = user.person_id and signup.volunteer.person_id == user.person_id
    if not mine and not user.has_perm(rules.MANAGE, signup):
        raise NotFound()
    return signup


def no_shows(*, user, days: int = 30) -> QuerySet[SignUp]:
    """Confirmed sign-ups for shifts that ended without a check-in (the organiser's no-show list)."""
    now = clock.now()
    return scoped(
        SignUp.objects.filter(
            status=SignUp.Status.CONFIRMED,
            ends_at__lt=now,
            ends_at__gte=now - dt.timedelta(days=days),
            checkin__isnull=True,
        ).select_related("volunteer", "shift__activity"),
        user,
        rules.MANAGE,
    ).order_by("-ends_at")


def volunteer_list(*, user, q: str = "") -> QuerySet[Volunteer]:
    qs = scoped(Volunteer.objects.select_related("team", "community"), user, rules.VIEW)
    if q:
        qs = qs.filter(name__startswith=q.strip()[:20])
    return qs.order_by("community_id", "name", "id")


def volunteer_get(*, user, pk: int) -> Volunteer:
    v = volunteer_list(user=user).filter(pk=pk).first()
    if v is None:
        raise NotFound()
    return v


def team_list(*, user) -> QuerySet[Team]:
    return scoped(
        Team.objects.select_related("leader", "community").annotate(size=Count("members")), user, rules.BROWSE
    ).order_by("community_id", "name")


def team_get(*, user, pk: int) -> Team:
    team = scoped(Team.objects.all(), user, rules.BROWSE).filter(pk=pk).first()
    if team is None:
        raise NotFound()
    return team


@dataclass(frozen=True)
class HoursSummary:
    checkin: Decimal  # 信用时长: self check-in
    staff: Decimal  # 补录: entered by staff
    corrections: Decimal
    total: Decimal
    stars: int
    next_threshold: int | None
    points: Decimal

    @property
    def stars_text(self) -> str:
        return "★" * self.stars


def volunteer_summary(*, volunteer: Volunteer) -> HoursSummary:
    # One round trip: the hours by source and the points balance together.
    sums = (
        Volunteer.objects.filter(pk=volunteer.pk)
        .values(points=F("point_account__balance"))
        .annotate(
            **{k: Sum("hours__hours", filter=Q(hours__source=k)) for k in ("checkin", "staff", "correction")}
        )
        .get()
    )
    get = lambda k: Decimal(str(sums.get(k) or 0)).quantize(Decimal("0.01"))  # noqa: E731
    total = get("checkin") + get("staff") + get("correction")
    stars = star_level(total)
    return HoursSummary(
        checkin=get("checkin"),
        staff=get("staff"),
        corrections=get("correction"),
        total=total,
        stars=stars,
        next_threshold=STAR_THRESHOLDS[stars] if stars < len(STAR_THRESHOLDS) else None,
        points=sums["points"] if sums["points"] is not None else Decimal("0"),
    )


def hour_records(*, volunteer: Volunteer) -> QuerySet[HourRecord]:
    return volunteer.hours.select_related("activity").order_by("-served_on", "-id")


def hour_record_get(*, user, pk: int) -> HourRecord:
    r = scoped(HourRecord.objects.select_related("activity", "volunteer", "corrects"), user, rules.MANAGE)
    record = r.filter(pk=pk).first()
    if record is None:
        raise NotFound()
    return record


def reward_list(*, user) -> QuerySet[RewardItem]:
    return scoped(RewardItem.objects.all(), user, rules.BROWSE).order_by("cost", "id")


def reward_get(*, user, pk: int) -> RewardItem:
    item = reward_list(user=user).filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


def point_statement(*, volunteer: Volunteer, limit: int = 50):
    """The newest entries of the volunteer's points: one round trip (the account is joined on its
    unique volunteer, then one range scan of the statement index with the limit)."""
    return list(PointEntry.objects.filter(account__volunteer=volunteer).order_by("-at", "-id")[:limit])


def redemptions_of(*, volunteer: Volunteer) -> QuerySet[Redemption]:
    return volunteer.redemptions.select_related("item").order_by("-at")


def reminders_of(*, volunteer: Volunteer) -> list[ShiftReminder]:
    """The reminders of the volunteer's shifts still to come (shown at the top of their page)."""
    return list(
        ShiftReminder.objects.filter(
            signup__volunteer=volunteer,
            signup__status=SignUp.Status.CONFIRMED,
            signup__ends_at__gte=clock.now(),
        ).order_by("signup__starts_at")[:5]
    )
