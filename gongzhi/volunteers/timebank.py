"""Time bank (时间银行): members store hours by serving and use them to be served. A service is
recorded by the provider and confirmed by the one served (or someone of their household); the
confirmation moves the hours from the payer's account to the provider's (a core.ledger transfer:
two entries summing to zero). Balances never go below zero (database CHECK) nor above the
storage limit (checked under the row lock). Hours may be given to a spouse or to a parent aged 60
or over (checked against the register's household relationships), or donated to the community
pool, which pays for elderly people without family. Accounts are valid across the district: a
member of one community may serve, or be served by, a member of any other (no 易存难兑)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.ledger import Movement, ledger_transfer
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped
from gongzhi.registry.selectors import household_members

from . import rules
from .models import TimeAccount, TimeEntry, TimePost, TimeService

MAX_BALANCE = Decimal("200")
MAX_SERVICE_HOURS = Decimal("8")
SPOUSE = {"10", "11", "12"}
PARENT_OF_HEAD = {"50", "51", "52"}
CHILD_OF_HEAD = {"20", "30"}
HEAD = "02"

MESSAGES = {
    "bad_hours": _("时长须大于0且不超过%(cap)s小时。"),
    "self_service": _("不能为自己记录服务。"),
    "other_district": _("时间银行在本区范围内通存通兑，对方不在本区。"),
    "not_pending": _("该服务已确认，不能重复确认。"),
    "not_served": _("只有被服务的居民本人或同户家属可以确认。"),
    "over_limit": _("对方账户存储的时长将超过%(cap)s小时上限。"),
    "not_family": _("时长只能赠与配偶，或60岁以上的父母（以户籍登记的家庭关系为准）。"),
    "title_required": _("请填写内容。"),
    "bad_date": _("服务日期不能晚于今天。"),
    "no_person": _("您的账号还没有关联居民登记信息，请到社区办理实名登记。"),
}
POOL_LABEL = _("社区时间池")


def _error(code: str, status: int = 400, **params) -> ApplicationError:
    message = MESSAGES[code]
    return ApplicationError(code, message % params if params else message, status=status)


def time_account(person) -> TimeAccount:
    account, _ = TimeAccount.objects.get_or_create(
        person=person, defaults={"community_id": person.community_id}
    )
    return account


def time_pool(community_id: str) -> TimeAccount:
    """The community's pool: the donations it receives, and the guarantee behind services to
    elderly people without family that staff confirm (it may go below zero: it is the issuer)."""
    account, _ = TimeAccount.objects.get_or_create(
        community_id=community_id, person=None, defaults={"allow_negative": True}
    )
    return account


def _own(by, person) -> bool:
    return bool(by.person_id) and by.person_id == person.pk and by.has_perm(rules.JOIN, person)


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise _error("bad_hours", cap=MAX_SERVICE_HOURS) from None
    if not Decimal("0") < hours <= MAX_SERVICE_HOURS:
        raise _error("bad_hours", cap=MAX_SERVICE_HOURS)
    return hours


def _amount(value) -> Decimal:
    """Hours given or donated: more than zero, at most the storage limit."""
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise _error("bad_hours", cap=MAX_BALANCE) from None
    if not Decimal("0") < hours <= MAX_BALANCE:
        raise _error("bad_hours", cap=MAX_BALANCE)
    return hours


def _move(*, payer: TimeAccount, payee: TimeAccount, hours: Decimal, reason: str, kind: str, by) -> None:
    """One transfer; the payee's storage limit is checked under the row lock the ledger takes
    (taken here first, in the same order the ledger uses)."""
    locked = {
        a.pk: a
        for a in TimeAccount.objects.select_for_update().filter(pk__in=[payer.pk, payee.pk]).order_by("pk")
    }
    if payee.person_id is not None and locked[payee.pk].balance + hours > MAX_BALANCE:
        raise _error("over_limit", status=409, cap=MAX_BALANCE)
    ledger_transfer(
        entry_model=TimeEntry,
        movements=[Movement(payer, -hours), Movement(payee, hours)],
        reason=reason,
        kind=kind,
        by=by,
    )


@transaction.atomic
def timepost_create(*, person, kind: str, title: str, by) -> TimePost:
    if not _own(by, person):
        require(by, rules.MANAGE, person, hide=True)
    title = (title or "").strip()[:100]
    if not title:
        raise _error("title_required")
    if kind not in TimePost.Kind.values:
        raise _error("title_required")
    return TimePost.objects.create(community_id=person.community_id, person=person, kind=kind, title=title)


@transaction.atomic
def timeservice_record(
    *, provider, served, hours, description: str, served_on: dt.date, by, from_pool: bool = False, post=None
) -> TimeService:
    """The provider records a service they gave (or staff enter a paper cheque)."""
    if not _own(by, provider):
        require(by, rules.MANAGE, provider, hide=True)
    if provider.pk == served.pk:
        raise _error("self_service")
    if provider.community_id[:6] != served.community_id[:6]:
        raise _error("other_district")
    if served_on > timezone.localdate(clock.now()):
        raise _error("bad_date")
    description = (description or "").strip()[:200]
    if not description:
        raise _error("title_required")
    return TimeService.objects.create(
        community_id=served.community_id,
        provider=provider,
        served=served,
        hours=_hours(hours),
        description=description,
        served_on=served_on,
        from_pool=from_pool,
        post=post,
    )


def _same_household(a_id: int, b) -> bool:
    membership = getattr(b, "membership", None)
    if membership is None:
        return False
    return any(m.person_id == a_id for m in household_members(household=membership.household))


@transaction.atomic
def timeservice_confirm(*, service: TimeService, by) -> TimeService:
    """The one served (or their household) confirms: hours move from their account to the
    provider's. A pool-paid service is confirmed by staff of the served person's community."""
    service = (
        TimeService.objects.select_for_update(of=("self",))
        .select_related("served", "provider")
        .get(pk=service.pk)
    )
    if service.state != TimeService.State.PENDING:
        raise _error("not_pending", status=409)
    if service.from_pool:
        require(by, rules.MANAGE, service, hide=True)
        payer = time_pool(service.community_id)
    else:
        if not (
            by.person_id
            and (by.person_id == service.served_id or _same_household(by.person_id, service.served))
        ):
            raise _error("not_served", status=403)
        payer = time_account(service.served)
    _move(
        payer=payer,
        payee=time_account(service.provider),
        hours=service.hours,
        reason=f"时间银行服务：{service.description}",
        kind="service",
        by=by,
    )
    service.state = TimeService.State.CONFIRMED
    service.confirmed_at = clock.now()
    service.confirmed_by = by
    service.save(update_fields=["state", "confirmed_at", "confirmed_by"])
    return service


def is_gift_allowed(giver, recipient, today: dt.date | None = None) -> bool:
    """Spouse, or a parent aged 60 or over, by the register's household relationships (both in
    one household; relationships are stated relative to its head)."""
    g, r = getattr(giver, "membership", None), getattr(recipient, "membership", None)
    if g is None or r is None or g.household_id != r.household_id:
        return False
    gr, rr = g.relationship, r.relationship
    spouse = (gr == HEAD and rr in SPOUSE) or (gr in SPOUSE and rr == HEAD)
    parent = (gr == HEAD and rr in PARENT_OF_HEAD) or (gr in CHILD_OF_HEAD and rr in ({HEAD} | SPOUSE))
    if spouse:
        return True
    if not parent or recipient.birth_date is None:
        return False
    today = today or timezone.localdate(clock.now())
    b = recipient.birth_date
    age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
    return age >= 60


@transaction.atomic
def time_gift(*, giver, recipient, hours, by) -> None:
    if not _own(by, giver):
        raise PermissionDenied()
    if not is_gift_allowed(giver, recipient):
        raise _error("not_family")
    _move(
        payer=time_account(giver),
        payee=time_account(recipient),
        hours=_amount(hours),
        reason="赠与家人",
        kind="gift",
        by=by,
    )


@transaction.atomic
def time_donate(*, giver, hours, by) -> None:
    """Donate stored hours to the giver's community pool (for elderly people without family)."""
    if not _own(by, giver):
        raise PermissionDenied()
    hours = _amount(hours)
    _move(
        payer=time_account(giver),
        payee=time_pool(giver.community_id),
        hours=hours,
        reason="捐入社区时间池",
        kind="donate",
        by=by,
    )


# Selectors -----------------------------------------------------------------------------------------


def household_ids(person) -> list[int]:
    """The person and the members of their household (who may confirm services for each other)."""
    membership = getattr(person, "membership", None)
    if membership is None:
        return [person.pk]
    return [m.person_id for m in household_members(household=membership.household)]


def time_statement(*, account: TimeAccount) -> QuerySet[TimeEntry]:
    """An account's entries, newest first: deposits (hours earned, gifts and donations received) are
    positive, withdrawals (services paid, gifts and donations given) negative."""
    return account.entries.select_related("by").order_by("-at", "-id")


def time_posts(*, person) -> QuerySet[TimePost]:
    """Open offers and requests across the person's district (accounts are valid district-wide)."""
    return (
        TimePost.objects.filter(open=True, community__code__startswith=person.community_id[:6])
        .select_related("community", "person")
        .order_by("-created_at", "-id")
    )


def time_services_to_confirm(*, person) -> QuerySet[TimeService]:
    """Services given to the person or their household that wait for their confirmation."""
    return TimeService.objects.filter(
        state=TimeService.State.PENDING, served_id__in=household_ids(person), from_pool=False
    ).select_related("provider", "served")


def time_services_given(*, person) -> QuerySet[TimeService]:
    return TimeService.objects.filter(provider=person).select_related("served").order_by("-created_at", "-id")


def time_accounts(*, user) -> QuerySet[TimeAccount]:
    """Staff: the members' accounts and community pools of their communities."""
    return scoped(TimeAccount.objects.select_related("person", "community"), user, rules.MANAGE).order_by(
        "community_id", "person__name", "id"
    )


def time_account_get(*, user, pk: int) -> TimeAccount:
    account = time_accounts(user=user).filter(pk=pk).first()
    if account is None:
        raise NotFound()
    return account


def time_pool_services_pending(*, user) -> QuerySet[TimeService]:
    """Staff: services to elderly people without family, paid by the pool, waiting for confirmation."""
    return scoped(
        TimeService.objects.filter(state=TimeService.State.PENDING, from_pool=True).select_related(
            "provider", "served"
        ),
        user,
        rules.MANAGE,
    ).order_by("served_on", "id")
