"""Barring an organisation from public-benefit funding after a violation (违规禁止申报), and the
evaluation reports that are overdue. One rule answers "may this organisation apply now":
`active_bar`, used by the application workflow's submit and approve steps."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped

from .errors import error
from .models import Bar, Evaluation, EvaluationStatus
from .rules import APPROVE, VIEW

MAX_MONTHS = 60


def _today() -> dt.date:
    return timezone.localdate(clock.now())


def active_bar(organization_id: int, on: dt.date | None = None) -> Bar | None:
    """The bar in force for the organisation on that day (the latest ending), if any."""
    on = on or _today()
    return (
        Bar.objects.filter(
            organization_id=organization_id, starts_on__lte=on, ends_on__gt=on, lifted_at__isnull=True
        )
        .order_by("-ends_on")
        .first()
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def bar_create(*, by, organization, region, reason: str, months) -> Bar:
    """A street or district bars an organisation serving its area for `months` from today."""
    from .services import _event

    require(by, APPROVE, region)
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise error("bar_months", max=MAX_MONTHS)
    reason = (reason or "").strip()[:300]
    if not reason:
        raise error("bar_reason")
    today = _today()
    bar = Bar.objects.create(
        region=region,
        organization=organization,
        reason=reason,
        starts_on=today,
        ends_on=_add_months(today, months),
        by=by,
    )
    _event("bar", bar, by, organization=organization.pk, months=months, until=str(bar.ends_on))
    return bar


@transaction.atomic
def bar_lift(*, by, bar: Bar, reason: str) -> Bar:
    from .services import _event

    bar = Bar.objects.select_for_update().get(pk=bar.pk)
    require(by, APPROVE, bar.region)
    if bar.lifted_at is not None or bar.ends_on <= _today():
        raise error("bar_not_active")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise error("bar_lift_reason")
    bar.lifted_at, bar.lifted_by, bar.lift_reason = clock.now(), by, reason
    bar.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    _event("bar_lift", bar, by, reason=reason)
    return bar


def bars(*, user) -> QuerySet[Bar]:
    """Every bar, to everyone who works with the funding (newest first): like the evaluation
    notices, a bar is a public record, and a community or an expert must know it wherever it was
    decided. Lifting stays with the street or district that decided it."""
    require(user, VIEW)
    return Bar.objects.select_related("organization", "region")


def bar_get(*, user, pk: int) -> Bar:
    bar = bars(user=user).filter(pk=pk).first()
    if bar is None:
        raise NotFound()
    return bar


def overdue_reports(*, user, perm: str = VIEW) -> QuerySet[Evaluation]:
    """Evaluation reports past their due date and not handed in: the list the street watches, the
    same records whichever page shows the count."""
    return (
        scoped(Evaluation.objects.all(), user, perm)
        .filter(status=EvaluationStatus.AWAITING, due_on__lt=_today())
        .select_related("project__application__organization")
        .order_by("due_on", "pk")
    )
