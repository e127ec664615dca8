"""Figures of the volunteers app: one selector each, returning the number and the records it counted
(the cards, the community table and the drill-down all use the same selector). Scoped to the
user's communities under volunteers.figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.scoping import scoped
from gongzhi.registry.selectors import person_queryset

from . import rules
from .models import HourRecord, MicroWish, PartyMember, PointEntry, TimeAccount, Volunteer


@dataclass
class FigureResult:
    value: Decimal | float | int | None
    numerator: Decimal | int | None = None
    denominator: int | None = None
    records: object = None  # the queryset (or list) counted
    rows: list = field(default_factory=list)  # a breakdown (by community, team, month…)


def _share(n, d):
    return round(100 * n / d, 1) if d else None


def _volunteers(user):
    return scoped(Volunteer.objects.select_related("team", "community"), user, rules.FIGURES)


def share_of_residents(*, user) -> FigureResult:
    """Registered volunteers as a share of active residents (%)."""
    volunteers = _volunteers(user)
    residents = scoped(person_queryset(user=user), user, rules.FIGURES).filter(status="active").count()
    n = volunteers.count()
    rows = list(
        volunteers.values("community_id", "community__name").annotate(n=Count("id")).order_by("community_id")
    )
    return FigureResult(_share(n, residents), n, residents, volunteers, rows)


def active_volunteers(*, user, days: int = 90) -> FigureResult:
    """Volunteers who served (hours recorded) in the last 90 days, as a share of all registered."""
    since = timezone.localdate(clock.now()) - dt.timedelta(days=days)
    served = HourRecord.objects.filter(volunteer=OuterRef("pk"), served_on__gte=since, hours__gt=0)
    volunteers = _volunteers(user)
    active = volunteers.filter(Exists(served))
    n, d = active.count(), volunteers.count()
    return FigureResult(_share(n, d), n, d, active)


def hours_by_month(*, user, months: int = 6) -> FigureResult:
    """Confirmed hours per month (all sources, corrections included) by community and team; the
    value is this month's total."""
    today = timezone.localdate(clock.now())
    first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    records = scoped(HourRecord.objects.filter(served_on__gte=first), user, rules.FIGURES).select_related(
        "volunteer", "activity"
    )
    rows = list(
        records.annotate(month=TruncMonth("served_on"))
        .values("month", "community_id", "community__name", "activity__team__name")
        .annotate(
            total=Sum("hours"),
            checkin=Sum("hours", filter=Q(source="checkin")),
            staff=Sum("hours", filter=Q(source="staff")),
        )
        .order_by("-month", "community_id", "activity__team__name")
    )
    this_month = records.filter(served_on__gte=today.replace(day=1))
    total = this_month.aggregate(s=Sum("hours"))["s"] or Decimal("0")
    return FigureResult(Decimal(str(total)), records=this_month, rows=rows)


def points_issued(*, user) -> FigureResult:
    entries = scoped(
        PointEntry.objects.filter(account__volunteer__isnull=False),
        user,
        rules.FIGURES,
        field="account__community_id",
    )
    earned = entries.filter(amount__gt=0, kind="earn")
    redeemed = entries.filter(kind="redeem")
    e = earned.aggregate(s=Sum("amount"))["s"] or 0
    r = -(redeemed.aggregate(s=Sum("amount"))["s"] or 0)
    return FigureResult(Decimal(str(e)), Decimal(str(e)), None, earned, rows=[{"earned": e, "redeemed": r}])


def timebank_outstanding(*, user) -> FigureResult:
    """Hours stored in members' accounts (what the pools and members owe in services)."""
    accounts = scoped(TimeAccount.objects.filter(person__isnull=False), user, rules.FIGURES)
    total = accounts.aggregate(s=Sum("balance"))["s"] or 0
    return FigureResult(Decimal(str(total)), records=accounts.filter(balance__gt=0))


def wishes(*, user) -> FigureResult:
    """Micro-wishes posted / claimed / fulfilled and the median days from posting to fulfilment.
    Only published wishes count: one still under review, or declined, was never in the pool."""
    qs = scoped(MicroWish.objects.all(), user, rules.FIGURES).exclude(
        state__in=[MicroWish.State.REQUESTED, MicroWish.State.DECLINED]
    )
    counts = qs.aggregate(
        posted=Count("id"),
        claimed=Count("id", filter=Q(claimed_at__isnull=False)),
        fulfilled=Count("id", filter=Q(fulfilled_at__isnull=False)),
    )
    days = [
        (f - p).total_seconds() / 86400
        for p, f in qs.filter(fulfilled_at__isnull=False).values_list("posted_at", "fulfilled_at")
    ]
    median = round(statistics.median(days), 1) if days else None
    return FigureResult(
        counts["fulfilled"],
        counts["fulfilled"],
        counts["posted"],
        qs,
        rows=[{**counts, "median_days": median}],
    )


def party_members(*, user) -> FigureResult:
    qs = scoped(PartyMember.objects.select_related("community"), user, rules.FIGURES)
    rows = list(
        qs.values("community_id", "community__name")
        .annotate(n=Count("id"), units=Count("employer", distinct=True))
        .order_by("community_id")
    )
    return FigureResult(qs.count(), records=qs, rows=rows)
