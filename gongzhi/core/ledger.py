"""The ledger base: points, time-bank hours and funds are entries, never an edited balance.

An app defines two concrete models:

    class PointAccount(LedgerAccount): owner = ...
    class PointEntry(LedgerEntry):
        account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="entries")

and moves value only with `ledger_transfer`, which writes one append-only entry per account, all of
one transfer summing to zero (TimeOverflow's double entry: minting comes from a system account that
may go below zero). The account's `balance` is a running cache of the sum of its entries, updated in
the same transaction under a row lock; `ledger_verify` recomputes it from the entries (the
`gongzhi ledger verify` command runs it over every ledger). An account that may not go below zero is
held there by a database CHECK constraint as well as by the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from . import clock
from .append_only import AppendOnlyModel
from .errors import ApplicationError

ZERO = Decimal("0")


class LedgerAccount(models.Model):
    balance = models.DecimalField(_("余额"), max_digits=14, decimal_places=2, default=ZERO, editable=False)
    allow_negative = models.BooleanField(_("允许为负"), default=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=0),
                name="%(app_label)s_%(class)s_balance_not_negative",
            )
        ]


class LedgerEntry(AppendOnlyModel):
    """One movement on one account. Concrete subclasses add `account = ForeignKey(<Account>, …,
    related_name="entries")`."""

    transfer = models.UUIDField(_("转账号"), db_index=True, editable=False)
    amount = models.DecimalField(_("数额"), max_digits=14, decimal_places=2)
    at = models.DateTimeField(_("时间"), default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类别"), max_length=30, blank=True)
    reason = models.CharField(_("事由"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


@dataclass(frozen=True)
class Movement:
    account: LedgerAccount
    amount: Decimal


def ledger_transfer(
    *,
    entry_model: type[Any],  # the app's concrete LedgerEntry subclass
    movements: Sequence[Movement],
    reason: str,
    by=None,
    kind: str = "",
    at=None,
) -> list[LedgerEntry]:
    """Write one transfer: an entry per movement, summing to zero, balances updated under row locks.

    Refuses (and changes nothing) when the amounts do not sum to zero, an amount is zero, the reason
    is empty, or an account that may not go negative would."""
    if len(movements) < 2:
        raise ApplicationError("ledger_one_sided", _("一笔转账至少涉及两个账户。"))
    if any(Decimal(m.amount) == 0 for m in movements):
        raise ApplicationError("ledger_zero", _("转账数额不能为零。"))
    if sum((Decimal(m.amount) for m in movements), ZERO) != 0:
        raise ApplicationError("ledger_unbalanced", _("一笔转账的各项数额之和必须为零。"))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("ledger_reason", _("请写明事由。"), field="reason")
    account_model: Any = type(movements[0].account)  # the concrete LedgerAccount subclass
    transfer = uuid.uuid4()
    when = at or clock.now()
    with transaction.atomic():
        ids = sorted({m.account.pk for m in movements})
        # Locks in a fixed order, so two transfers over the same accounts queue rather than deadlock.
        locked = {
            a.pk: a
            for a in account_model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        delta: dict = {}
        for m in movements:
            delta[m.account.pk] = delta.get(m.account.pk, ZERO) + Decimal(m.amount)
        for pk, change in delta.items():
            account = locked[pk]
            if not account.allow_negative and account.balance + change < 0:
                raise ApplicationError(
                    "ledger_insufficient",
                    _("余额不足：当前余额 %(balance)s，本次需要 %(need)s。")
                    % {"balance": account.balance, "need": -change},
                    status=409,
                )
        entries = entry_model.objects.bulk_create(
            [
                entry_model(
                    # declared by the concrete entry model (module docstring), unknown to the base
                    account_id=m.account.pk,  # type: ignore[misc]
                    transfer=transfer,
                    amount=Decimal(m.amount),
                    at=when,
                    by=by,
                    kind=kind,
                    reason=reason,
                )
                for m in movements
            ]
        )
        for pk, change in delta.items():
            account_model._default_manager.filter(pk=pk).update(balance=F("balance") + change)
            locked[pk].balance += change
        for m in movements:
            m.account.balance = locked[m.account.pk].balance
    return entries


def ledger_balance(account: LedgerAccount) -> Decimal:
    """The balance from the entries themselves (the cache aside)."""
    entries: Any = account.entries  # type: ignore[attr-defined]  # the subclass's reverse relation
    total = entries.aggregate(s=Sum("amount"))["s"]
    return _cents(total)


def _cents(value) -> Decimal:
    """Sums come back as Decimal on PostgreSQL and sometimes as int/float on SQLite: two places."""
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class LedgerMismatch:
    model: str
    account_id: int
    cached: Decimal
    computed: Decimal


def ledger_verify(account_model: Any = None) -> tuple[int, list[LedgerMismatch]]:
    """Recompute every account's balance from its entries; list those whose cache disagrees, and
    transfers whose entries do not sum to zero (reported with account_id 0)."""
    models_: list[Any] = [account_model] if account_model else ledger_account_models()
    checked = 0
    mismatches: list[LedgerMismatch] = []
    for model in models_:
        # "entries": the related name every concrete entry model gives its account (module docstring)
        entry_model = model._meta.get_field("entries").related_model  # type: ignore[misc]
        sums = dict(
            entry_model.objects.values_list("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        )
        for pk, cached in model._default_manager.values_list("pk", "balance").iterator():
            checked += 1
            computed = _cents(sums.get(pk))
            if computed != cached:
                mismatches.append(LedgerMismatch(model._meta.label, pk, cached, computed))
        unbalanced = (
            entry_model.objects.values("transfer")
            .annotate(s=Sum("amount"))
            .exclude(s=0)
            .values_list("s", flat=True)
        )
        for s in unbalanced:
            mismatches.append(LedgerMismatch(entry_model._meta.label, 0, ZERO, _cents(s)))
    return checked, mismatches


def ledger_account_models() -> list[type[LedgerAccount]]:
    return [m for m in apps.get_models() if issubclass(m, LedgerAccount) and not m._meta.abstract]
