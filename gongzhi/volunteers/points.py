"""Points (积分): earned by confirmed hours (10 points an hour × the activity's coefficient), spent
on the community's reward catalogue. Every movement is a core.ledger transfer between the
community's issuing account and the volunteer's account; redeeming never touches recorded hours."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.ledger import Movement, ledger_transfer
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .errors import error
from .models import (
    HourRecord,
    PointAccount,
    PointAward,
    PointEntry,
    PointRule,
    Redemption,
    RewardItem,
    Volunteer,
)

POINTS_PER_HOUR = Decimal("10")


def issuer_account(community_id: str) -> PointAccount:
    account, _ = PointAccount.objects.get_or_create(
        community_id=community_id, volunteer=None, defaults={"allow_negative": True}
    )
    return account


def point_account(volunteer: Volunteer) -> PointAccount:
    account, _ = PointAccount.objects.get_or_create(
        volunteer=volunteer, defaults={"community_id": volunteer.community_id}
    )
    return account


def points_for_hours(*, record: HourRecord, by) -> None:
    """Called by the hour services inside their transaction: award (or, for a negative correction,
    take back as far as the balance allows) the points of one hour record."""
    amount = (record.hours * POINTS_PER_HOUR * record.activity.coefficient).quantize(Decimal("1"))
    if amount == 0:
        return
    issuer = issuer_account(record.community_id)
    mine = point_account(record.volunteer)
    if amount < 0:
        mine.refresh_from_db(fields=["balance"])
        amount = -min(-amount, mine.balance)
        if amount == 0:
            return
    ledger_transfer(
        entry_model=PointEntry,
        movements=[Movement(issuer, -amount), Movement(mine, amount)],
        reason=f"{record.activity.title} {record.get_source_display()} {record.hours}h",
        by=by,
        kind="earn" if amount > 0 else "correct",
    )


@transaction.atomic
def reward_create(*, community: Region, name: str, cost: int, stock: int, by, donor: str = "") -> RewardItem:
    require(by, rules.MANAGE, community)
    name = (name or "").strip()[:60]
    if not name:
        raise error("name_required")
    if not isinstance(cost, int) or not isinstance(stock, int) or cost < 1 or stock < 0:
        raise error("bad_stock")
    return RewardItem.objects.create(community=community, name=name, cost=cost, stock=stock, donor=donor[:60])


@transaction.atomic
def reward_redeem(*, item: RewardItem, volunteer: Volunteer, by) -> Redemption:
    """Redeem one item: the stock is taken by a conditional UPDATE (`stock > 0`, under a CHECK that
    it never goes below zero), then the points move under the account's row lock. Either fails →
    nothing changes; the last item redeemed by many at once goes to exactly one."""
    if not (by.person_id and by.person_id == volunteer.person_id and by.has_perm(rules.JOIN, item)):
        require(by, rules.MANAGE, item, hide=True)
    if not RewardItem.objects.filter(pk=item.pk, stock__gt=0).update(stock=F("stock") - 1):
        raise error("out_of_stock")
    mine = point_account(volunteer)
    ledger_transfer(
        entry_model=PointEntry,
        movements=[
            Movement(mine, -Decimal(item.cost)),
            Movement(issuer_account(item.community_id), Decimal(item.cost)),
        ],
        reason=f"兑换 {item.name}",
        by=by,
        kind="redeem",
    )
    return Redemption.objects.create(
        community_id=item.community_id,
        item=item,
        volunteer=volunteer,
        points=item.cost,
        code=secrets.token_hex(4).upper(),
        by=by,
    )


WISH_POINTS = Decimal("20")


def points_for_wish(*, wish, by) -> None:
    """A confirmed micro-wish earns its claimant (if a registered volunteer) a fixed number of points."""
    if wish.claimed_by_id is None:
        return
    from gongzhi.core.models import User

    person_id = User.objects.filter(pk=wish.claimed_by_id).values_list("person_id", flat=True).first()
    volunteer = Volunteer.objects.filter(person_id=person_id).first() if person_id else None
    if volunteer is None:
        return
    ledger_transfer(
        entry_model=PointEntry,
        movements=[
            Movement(issuer_account(volunteer.community_id), -WISH_POINTS),
            Movement(point_account(volunteer), WISH_POINTS),
        ],
        reason=f"微心愿：{wish.title}",
        by=by,
        kind="earn",
    )


# Configured point rules (meetings and other occasions) -------------------------------------------


@transaction.atomic
def point_rule_create(*, community: Region, name: str, points: int, by) -> PointRule:
    require(by, rules.MANAGE, community)
    name = (name or "").strip()[:60]
    if not name:
        raise error("name_required")
    if not isinstance(points, int) or not 1 <= points <= 1000:
        raise error("bad_rule_points")
    if PointRule.objects.filter(community=community, name=name).exists():
        raise error("rule_exists")
    return PointRule.objects.create(community=community, name=name, points=points, created_by=by)


@dataclass(frozen=True)
class AwardResult:
    awarded: list[PointAward]
    already: list[Volunteer]  # had this rule's points for this occasion already: skipped


@transaction.atomic
def points_award(
    *, rule: PointRule, volunteers: Sequence[Volunteer], occasion: str, on: dt.date | None, by
) -> AwardResult:
    """Give the rule's points to each volunteer for one occasion (a meeting's sign-in sheet, say).
    Once per rule, occasion and volunteer (a unique constraint): entering the sheet again awards
    only those not yet awarded. Every volunteer must be in `by`'s scope, or nothing is written."""
    require(by, rules.MANAGE)
    require(by, rules.MANAGE, rule, hide=True)
    if not rule.active:
        raise error("rule_inactive")
    occasion = (occasion or "").strip()[:100]
    if not occasion:
        raise error("occasion_required")
    if on is None or on > timezone.localdate(clock.now()):
        raise error("bad_date")
    if not volunteers:
        raise error("no_volunteers")
    for v in volunteers:
        require(by, rules.MANAGE, v, hide=True)
    done = set(
        PointAward.objects.filter(rule=rule, occasion=occasion, volunteer__in=volunteers).values_list(
            "volunteer_id", flat=True
        )
    )
    awarded, already = [], []
    issuer = issuer_account(rule.community_id)
    for v in dict.fromkeys(volunteers):
        if v.pk in done:
            already.append(v)
            continue
        try:
            with transaction.atomic():
                award = PointAward.objects.create(
                    community_id=v.community_id,
                    rule=rule,
                    volunteer=v,
                    occasion=occasion,
                    on=on,
                    points=rule.points,
                    by=by,
                )
        except IntegrityError:  # awarded by a concurrent request a moment ago
            already.append(v)
            continue
        ledger_transfer(
            entry_model=PointEntry,
            movements=[
                Movement(issuer, -Decimal(rule.points)),
                Movement(point_account(v), Decimal(rule.points)),
            ],
            reason=f"{rule.name}：{occasion}"[:200],
            by=by,
            kind="earn",
        )
        awarded.append(award)
    return AwardResult(awarded, already)


# Expiry (积分过期) ----------------------------------------------------------------------------------


def points_valid_days() -> int:
    """How long earned points stay usable (settings.GONGZHI_POINTS_VALID_DAYS, two years by default)."""
    return int(getattr(settings, "GONGZHI_POINTS_VALID_DAYS", 730))


def _unspent_before(account_id: int, cutoff: dt.datetime) -> Decimal:
    """Points earned before `cutoff` and not yet used. Spending (redemptions, negative corrections,
    earlier expiries) uses the oldest points first, so what is left of the points earned before
    the cutoff is their sum less everything ever spent."""
    sums = PointEntry.objects.filter(account_id=account_id).aggregate(
        old=Sum("amount", filter=Q(amount__gt=0, at__lt=cutoff)), spent=Sum("amount", filter=Q(amount__lt=0))
    )
    return max(Decimal("0"), Decimal(str(sums["old"] or 0)) + Decimal(str(sums["spent"] or 0)))


def points_expiring(*, volunteer: Volunteer, within_days: int = 30) -> tuple[Decimal, dt.date | None]:
    """What will expire in the coming `within_days` if not used, and the day the oldest unspent
    points go (spending uses the oldest points first)."""
    account = PointAccount.objects.filter(volunteer=volunteer).first()
    if account is None:
        return Decimal("0"), None
    now = clock.now()
    valid = dt.timedelta(days=points_valid_days())
    amount = min(account.balance, _unspent_before(account.pk, now + dt.timedelta(days=within_days) - valid))
    if amount <= 0:
        return Decimal("0"), None
    spent = -Decimal(str(account.entries.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"] or 0))
    earned = Decimal("0")
    for at, credit in account.entries.filter(amount__gt=0).order_by("at", "id").values_list("at", "amount"):
        earned += Decimal(str(credit))
        if earned > spent:
            return amount, timezone.localdate(at + valid)
    return amount, None


def expiry_candidates(cutoff: dt.datetime):
    """The volunteers' accounts holding points earned before `cutoff` and not all spent since: one
    grouped scan of the entries (each is then recomputed under its own lock)."""
    return (
        PointEntry.objects.filter(account__volunteer__isnull=False)
        .values("account_id")
        .annotate(
            old=Sum("amount", filter=Q(amount__gt=0, at__lt=cutoff)),
            spent=Coalesce(Sum("amount", filter=Q(amount__lt=0)), Value(Decimal("0"))),
        )
        .filter(old__gt=-F("spent"))
        .values_list("account_id", flat=True)
    )


@dataclass(frozen=True)
class ExpiryResult:
    cutoff: dt.datetime
    accounts: int
    points: Decimal


def points_expire(
    *, now: dt.datetime | None = None, valid_days: int | None = None, dry_run: bool = False
) -> ExpiryResult:
    """Expire the points earned more than `valid_days` ago and still unspent: one ledger transfer per
    account, back to the community's issuing account (kind "expire"). Idempotent: an expiry is itself
    spending, so running again at the same moment finds nothing left. Each account is recomputed under
    its row lock, so two runs at once expire once. Recorded hours are never touched."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(days=valid_days if valid_days is not None else points_valid_days())
    accounts, total = 0, Decimal("0")
    for account_id in list(expiry_candidates(cutoff)):
        with transaction.atomic():
            account = PointAccount.objects.select_for_update().get(pk=account_id)
            amount = min(account.balance, _unspent_before(account_id, cutoff))
            if amount <= 0:
                continue
            accounts, total = accounts + 1, total + amount
            if dry_run:
                continue
            ledger_transfer(
                entry_model=PointEntry,
                movements=[
                    Movement(account, -amount),
                    Movement(issuer_account(account.community_id), amount),
                ],
                reason=f"积分过期：{timezone.localdate(cutoff).isoformat()} 前获得、未使用的积分",
                kind="expire",
                at=now,
            )
    return ExpiryResult(cutoff, accounts, total)
