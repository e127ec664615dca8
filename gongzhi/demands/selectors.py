"""Every read of demands, scoped: what a user may see is decided here and in core scoping."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_q

from .models import OPEN_STATES, Category, Demand, DemandEvent, DemandState, HandlingUnit, Notification
from .rules import DISPATCH, REVIEW, VIEW, VIEW_INTERNAL
from .units import member_unit_ids

LIST_RELATED = ("category", "unit", "community")


def demands_visible(user) -> QuerySet[Demand]:
    """Demands in the user's scope (by community), those dispatched to a unit the user
    works in, and the user's own."""
    q = scope_q(user, VIEW)
    units = member_unit_ids(user)
    if units:
        q |= Q(unit_id__in=units)
    if getattr(user, "is_authenticated", False):
        q |= Q(submitted_by_id=user.id)
    return Demand.objects.filter(q)


def demand_get(*, user, pk: int) -> Demand:
    demand = (
        Demand.objects.select_related(
            "category", "unit", "community", "estate", "building", "submitted_by", "proactive_task"
        )
        .filter(pk=pk)
        .first()
    )
    if demand is None or not user.has_perm(VIEW, demand):
        raise NotFound()
    return demand


def demand_by_code(code: str) -> Demand:
    demand = (
        Demand.objects.select_related("category", "unit", "community")
        .filter(tracking_code=(code or "").strip().upper())
        .first()
    )
    if demand is None:
        raise NotFound()
    return demand


def timeline(demand: Demand, *, public_only: bool = False) -> QuerySet[DemandEvent]:
    """The demand's steps. Each carries `shown_note`: the whole note for staff; for the
    public (residents, anyone with the tracking code, Open311) only the public steps, with
    the note only when it was written for the resident, so an internal note never leaves here."""
    qs = demand.events.select_related("by", "unit")
    if not public_only:
        return qs.annotate(shown_note=F("note"))
    return qs.filter(public=True).annotate(
        shown_note=Case(When(note_public=True, then=F("note")), default=Value(""), output_field=TextField())
    )


def sees_internal(user, demand: Demand) -> bool:
    """Staff who may view the demand see its internal steps and notes; its submitter (who may
    view it too) and everyone else see the public timeline only."""
    return bool(user.has_perm(VIEW_INTERNAL, demand))


# The handler's filters, each one definition used by the home page's counts and the work list.
WORK_FILTERS = ("to_sign", "overdue", "returned", "due_today")


def _with_deadline(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """The nearest deadline that binds the handler now: signing while it waits to be signed
    for, handling while it is being handled; none once answered."""
    from django.db.models import Case, DateTimeField, F, When
    from django.db.models.functions import Coalesce

    return qs.annotate(
        deadline=Case(
            When(state=DemandState.DISPATCHED, then=Coalesce("sign_deadline", "due_at")),
            When(state__in=[DemandState.HANDLING, DemandState.RETURN_PENDING], then=F("due_at")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def _end_of_today(now):
    local = timezone.localtime(now)
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def work_filter_q(name: str, now) -> Q:
    """to_sign: waiting to be signed for; overdue: open and past its nearest deadline;
    returned: a return waiting for the level above; due_today: open, due before midnight."""
    if name == "to_sign":
        return Q(state=DemandState.DISPATCHED)
    if name == "overdue":
        return Q(state__in=OPEN_STATES, deadline__lt=now)
    if name == "returned":
        return Q(state=DemandState.RETURN_PENDING)
    if name == "due_today":
        return Q(state__in=OPEN_STATES, deadline__gte=now, deadline__lte=_end_of_today(now))
    raise ValueError(name)


def work_list(
    *, user, state: str | None = None, unit_id: int | None = None, due: str | None = None, now=None
) -> QuerySet[Demand]:
    """The handler's list: demands at the user's units, nearest deadline (signing or
    handling) first; answered ones, which have none, last."""
    from django.db.models import F

    units = member_unit_ids(user)
    if unit_id is not None:
        units = units & {unit_id}
    states = [state] if state else [*OPEN_STATES, DemandState.REPLIED]
    qs = _with_deadline(Demand.objects.filter(unit_id__in=units, state__in=states))
    if due:
        qs = qs.filter(work_filter_q(due, now or clock.now()))
    return qs.select_related(*LIST_RELATED).order_by(F("deadline").asc(nulls_last=True), "id")


def work_counts(*, user) -> dict[str, int]:
    from django.db.models import Count

    units = member_unit_ids(user)
    rows = (
        Demand.objects.filter(unit_id__in=units, state__in=[*OPEN_STATES, DemandState.REPLIED])
        .values("state")
        .annotate(n=Count("id"))
    )
    return {r["state"]: r["n"] for r in rows}


def work_summary(*, user, now=None) -> dict[str, int]:
    """The four counts on the handler's home page, by the same filters as the work list."""
    from django.db.models import Count

    now = now or clock.now()
    units = member_unit_ids(user)
    qs = _with_deadline(Demand.objects.filter(unit_id__in=units, state__in=OPEN_STATES))
    return qs.aggregate(**{name: Count("id", filter=work_filter_q(name, now)) for name in WORK_FILTERS})


def reported_by(*, user) -> QuerySet[Demand]:
    """What a grid worker (or any intake user) took in, within their intake scope."""
    from .rules import INTAKE

    if not getattr(user, "is_authenticated", False):
        return Demand.objects.none()
    return (
        Demand.objects.filter(created_by=user)
        .filter(scope_q(user, INTAKE))
        .select_related(*LIST_RELATED)
        .order_by("-created_at", "-id")
    )


def dispatch_queue(*, user) -> QuerySet[Demand]:
    """Demands waiting for the dispatcher: new ones first (to dispatch), then those called
    back (to close or reopen), then those answered (to call back); oldest first in each."""
    from django.db.models import Case, IntegerField, Value, When

    step = Case(
        When(state=DemandState.SUBMITTED, then=Value(0)),
        When(state=DemandState.CALLED_BACK, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Demand.objects.filter(scope_q(user, DISPATCH))
        .filter(state__in=[DemandState.SUBMITTED, DemandState.REPLIED, DemandState.CALLED_BACK])
        .select_related(*LIST_RELATED, "suggested_category", "suggested_unit")
        .order_by(step, "created_at", "id")
    )


def review_queue(*, user) -> QuerySet[Demand]:
    """Returns and extensions waiting for a decision by one of the user's units (one level up)."""
    units = member_unit_ids(user)
    if not units or not user.has_perm(REVIEW):
        return Demand.objects.none()
    below = Q(unit__parent_id__in=units) | Q(unit_id__in=units, unit__parent__isnull=True)
    return (
        Demand.objects.filter(below)
        .filter(
            Q(state=DemandState.RETURN_PENDING)
            | Q(state=DemandState.HANDLING, extension_requests__state="pending")
        )
        .select_related(*LIST_RELATED)
        .distinct()
        .order_by("created_at")
    )


def overdue(*, user, region_code: str | None = None, now=None) -> QuerySet[Demand]:
    """Open demands past their deadline, most overdue first."""
    now = now or clock.now()
    qs = demands_visible(user).filter(state__in=OPEN_STATES, due_at__lt=now)
    if region_code:
        qs = qs.filter(community__code__startswith=region_code)
    return qs.select_related(*LIST_RELATED).order_by("due_at", "id")


def my_demands(*, user) -> QuerySet[Demand]:
    if not getattr(user, "is_authenticated", False):
        return Demand.objects.none()
    return Demand.objects.filter(submitted_by=user).select_related(*LIST_RELATED).order_by("-created_at")


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("demand")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def category_leaves() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=False, active=True).select_related("parent")


def dispatch_units(demand: Demand) -> QuerySet[HandlingUnit]:
    """Units that may receive a demand: those serving its community (and above)."""
    code = demand.community_id
    prefixes = [code[:n] for n in (6, 9, 12)]
    return HandlingUnit.objects.filter(region_id__in=prefixes, active=True).order_by("kind", "name")


# --------------------------------------------------------------------------- intake lookups (a per-process cache)
#
# Intake is the hot path. The community and the category of a new demand are reference rows
# that change rarely (region import, the category admin), so each server process keeps the
# ones it has read for a short while instead of asking the database on every request. A save
# or delete in this process drops the copies at once (and again when its transaction commits);
# other processes see the change within LOOKUP_TTL seconds. Misses are never cached, so a new
# category can be used at once, and only rows read outside a transaction (committed rows) are
# kept, so that a rolled-back change is never remembered. The database still checks every
# reference (foreign keys).

LOOKUP_TTL = 60.0
_lookups: dict[tuple[str, str], tuple[float, Any]] = {}
_lookups_lock = threading.Lock()


def lookups_clear(**kwargs) -> None:
    with _lookups_lock:
        _lookups.clear()


def _lookups_changed(**kwargs) -> None:
    lookups_clear()
    transaction.on_commit(lookups_clear, using=kwargs.get("using"))


def lookups_connect() -> None:
    """Drop the copies when a region or category is saved or deleted (DemandsConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    for model in (Region, Category):
        post_save.connect(
            _lookups_changed, sender=model, dispatch_uid=f"demands_lookups_save_{model.__name__}"
        )
        post_delete.connect(
            _lookups_changed, sender=model, dispatch_uid=f"demands_lookups_delete_{model.__name__}"
        )


def _may_cache() -> bool:
    return not transaction.get_connection().in_atomic_block


def _cached(kind: str, key: str, load):
    if not _may_cache():
        return load()
    now = time.monotonic()
    hit = _lookups.get((kind, key))
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if value is not None:
        with _lookups_lock:
            _lookups[(kind, key)] = (now + LOOKUP_TTL, value)
    return value


def intake_community(code: str) -> Region | None:
    return _cached("region", code, lambda: Region.objects.filter(code=code).first())


def intake_category(code: str) -> Category | None:
    """A leaf category by its code (what intake may file a demand under)."""
    return _cached("category", code, lambda: Category.objects.filter(code=code, parent__isnull=False).first())
