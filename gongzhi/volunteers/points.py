"""Points (积分): earned by confirmed hours (10 points an hour × the activity's coefficient), spent
on the community's reward catalogue. Every movement is a core.ledger transfer between the
community's issuing account and the volunteer's account; redeeming never touches recorded hours."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from gongzhi.core.ledger import Movement, ledger_transfer
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .errors import error
from .models import HourRecord, PointAccount, PointEntry, Redemption, RewardItem, Volunteer

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
