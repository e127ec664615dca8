"""Every read of grid work, scoped; every figure returns its number and the records it counted."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.pii import mask_name
from gongzhi.core.scoping import scope_prefixes, scoped
from gongzhi.registry.models import Household

from . import policy, rules
from .models import Coverage, ItemState, LedgerItem, Visit, VisitPlan

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    from django_stubs_ext import StrPromise


@dataclass
class FigureResult:
    value: float | int | None
    records: list = field(default_factory=list)
    unit: str | StrPromise = ""
    columns: tuple = ()


# ---- households ------------------------------------------------------------------------


def household_get(*, user, pk: int, perm: str = rules.VIEW) -> Household:
    h = Household.objects.select_related("dwelling__building__estate", "head").filter(pk=pk).first()
    if h is None or not user.has_perm(perm, h):
        raise NotFound()
    return h


def household_label(h: Household) -> str:
    """The household as a worker sees it at the door: masked head, building and room."""
    head = mask_name(h.head.name) if h.head_id and h.head else "—"
    place = ""
    d = h.dwelling if h.dwelling_id else None
    if d is not None:
        place = f"{d.building}{d.entrance}单元{d.number}" if d.building_id else d.number
    return f"{head} · {place}" if place else head


def household_card(*, user, household: Household) -> dict:
    from gongzhi.demands.models import Demand
    from gongzhi.registry.models import HouseholdMember

    require(user, rules.VIEW, household, hide=True)
    people = HouseholdMember.objects.filter(household=household).values_list("person_id", flat=True)
    since = clock.now() - dt.timedelta(days=90)
    demands = Demand.objects.filter(person_id__in=list(people), created_at__gte=since).order_by(
        "-created_at"
    )[:5]
    members = HouseholdMember.objects.filter(household=household).select_related("person")
    return {
        "label": household_label(household),
        "members": [(m.person_id, mask_name(m.person.name)) for m in members],
        "items": list(LedgerItem.objects.filter(household=household, state=ItemState.OPEN)),
        "demands": list(demands),
        "visits": list(Visit.objects.filter(household=household).select_related("worker")[:5]),
    }


# ---- coverage --------------------------------------------------------------------------


def coverage_summary(*, user, community: Region) -> dict:
    require(user, rules.VIEW, community.code, hide=True)
    from .services import covering_workers

    counts = dict(
        Coverage.objects.filter(community=community)
        .values_list("worker_id")
        .annotate(n=Count("pk"))
        .values_list("worker_id", "n")
    )
    workers = [(w, counts.get(w.pk, 0)) for w in covering_workers(community.code)]
    uncovered = Household.objects.filter(community=community, coverage__isnull=True).select_related(
        "dwelling__building__estate", "head"
    )
    total = Household.objects.filter(community=community).count()
    return {"workers": workers, "uncovered": uncovered, "total": total, "covered": sum(counts.values())}


# ---- plans -----------------------------------------------------------------------------


def _day_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after last 00:00) in local time: a range the indexes can use."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def plan_rows(
    *, user, worker, month: dt.date, today: dt.date | None = None
) -> tuple[VisitPlan | None, list[dict]]:
    """A worker's plan for the month, each row with its due state (the one rule: policy.due_state)."""
    today = today or timezone.localdate(clock.now())
    start, end = policy.month_start(month), policy.month_end(month)
    plan = VisitPlan.objects.filter(worker=worker, month=start).first()
    if plan is None:
        return None, []
    if plan.worker_id != user.pk:
        require(user, rules.VIEW, plan.community_id, hide=True)
    items = list(plan.items.select_related("household__dwelling__building__estate", "household__head"))
    since, until = _day_range(start, end)
    visited = set(
        Visit.objects.filter(
            household_id__in=[i.household_id for i in items], visited_at__gte=since, visited_at__lt=until
        ).values_list("household_id", flat=True)
    )
    rows = []
    for i in items:
        state = policy.due_state(i.due, visited=i.household_id in visited, today=today)
        rows.append(
            {
                "item": i,
                "label": household_label(i.household),
                "state": state,
                "state_label": policy.DUE_LABELS[state],
            }
        )
    return plan, rows


# ---- ledger ----------------------------------------------------------------------------


def ledger_items(
    *,
    user,
    state: str = "",
    overdue: bool = False,
    category: str = "",
    region: str = "",
    grid: int | None = None,
    today=None,
):
    """The ledger items the user may see; `region` a code prefix, `grid` a grid's id (0: none)."""
    today = today or timezone.localdate(clock.now())
    qs = scoped(LedgerItem.objects.select_related("owner", "household", "demand"), user, rules.VIEW)
    if region:
        qs = qs.filter(community__code__startswith=region)
    if grid == 0:
        qs = qs.filter(Q(household__isnull=True) | Q(household__dwelling__building__grid__isnull=True))
    elif grid is not None:
        qs = qs.filter(household__dwelling__building__grid_id=grid)
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(state=ItemState.OPEN, deadline__lt=today)
    return qs


def ledger_item_get(*, user, pk: int) -> LedgerItem:
    item = LedgerItem.objects.select_related("owner", "household", "demand").filter(pk=pk).first()
    if item is None or not user.has_perm(rules.VIEW, item):
        raise NotFound()
    return item


# ---- figures ---------------------------------------------------------------------------


def _communities(user) -> list[str]:
    prefixes = scope_prefixes(user, rules.VIEW)
    if not prefixes:
        return []
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    return list(Region.objects.filter(q, level=5).values_list("code", flat=True))


def households_per_worker(*, user, **params):
    """Households covered by each worker in scope: counted on the (community, worker) index
    alone (an index-only scan), the workers' names read apart."""
    from gongzhi.core.models import User

    rows = (
        scoped(Coverage.objects.all(), user, rules.VIEW)
        .values("community_id", "worker_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("community_id", "worker_id", "n")
    )
    counts = list(rows)
    names = {
        pk: display or username
        for pk, display, username in User.objects.filter(pk__in={w for _c, w, _n in counts}).values_list(
            "pk", "display_name", "username"
        )
    }
    records = sorted((code, names.get(w, str(w)), n) for code, w, n in counts)
    value = round(sum(r[2] for r in records) / len(records), 1) if records else None
    return FigureResult(value, records, _("户/人"), (_("社区"), _("包户人员"), _("户数")))


def visits_per_worker(*, user, month: dt.date | None = None, **params):
    month = policy.month_start(month or timezone.localdate(clock.now()))
    end = policy.month_end(month)
    since, until = _day_range(month, end)
    rows = (
        scoped(Visit.objects.filter(visited_at__gte=since, visited_at__lt=until), user, rules.VIEW)
        .values("worker__username", "worker__display_name", "community_id")
        .annotate(n=Count("pk"))
        .order_by("community_id", "worker__username")
    )
    records = [
        (
            r["community_id"],
            r["worker__display_name"] or r["worker__username"],
            r["n"],
            r["n"] >= policy.VISITS_PER_MONTH,
        )
        for r in rows
    ]
    value = sum(1 for r in records if r[3])
    return FigureResult(
        value, records, _("人达到30户"), (_("社区"), _("走访人"), _("本月走访户数"), _("达标"))
    )


def vulnerable_on_time(*, user, today: dt.date | None = None, **params):
    """Share of vulnerable households (tags with their own frequency) visited within it. Two
    queries for the whole scope: the tagged households with their frequency, and the last visit
    of each of them."""
    from django.db.models import Max

    from gongzhi.registry.models import PersonTag

    today = today or timezone.localdate(clock.now())
    tags = (
        scoped(PersonTag.objects.all(), user, rules.VIEW)
        .filter(kind__in=policy.FREQUENCY_DAYS, person__membership__isnull=False)
        .exclude(valid_to__lt=today)
    )
    freq: dict[int, int] = {}
    community: dict[int, str] = {}
    for code, hid, kind in tags.values_list("community_id", "person__membership__household_id", "kind"):
        freq[hid] = min(freq.get(hid, policy.ORDINARY_DAYS), policy.FREQUENCY_DAYS[kind])
        community[hid] = code
    last = {
        h: timezone.localdate(at)
        for h, at in Visit.objects.filter(household_id__in=tags.values("person__membership__household_id"))
        .values("household_id")
        .annotate(last=Max("visited_at"))
        .values_list("household_id", "last")
    }
    records = []
    for hid in sorted(freq, key=lambda h: (community[h], h)):
        seen = last.get(hid)
        on_time = seen is not None and (today - seen).days <= freq[hid]
        records.append((community[hid], hid, seen, freq[hid], on_time))
    value = round(100 * sum(1 for r in records if r[4]) / len(records), 1) if records else None
    return FigureResult(value, records, "%", (_("社区"), _("户"), _("上次走访"), _("频次（天）"), _("按时")))


def ledger_open_overdue(*, user, today: dt.date | None = None, **params):
    today = today or timezone.localdate(clock.now())
    qs = ledger_items(user=user, state=ItemState.OPEN, today=today)
    records = [
        (i.community_id, i.title, i.owner.display_name or i.owner.username, i.deadline, i.deadline < today)
        for i in qs
    ]
    value = sum(1 for r in records if r[4])
    return FigureResult(
        value, records, _("项逾期"), (_("社区"), _("事项"), _("责任人"), _("期限"), _("逾期"))
    )


def today_counts(*, user, today: dt.date | None = None, rows: list[dict] | None = None) -> dict:
    """The grid worker's home panel: this month's plan, due this week, overdue, open items
    (`rows`: this month's plan rows when the caller has them already)."""
    today = today or timezone.localdate(clock.now())
    if rows is None:
        _plan, rows = plan_rows(user=user, worker=user, month=today, today=today)
    c = Counter(r["state"] for r in rows)
    mine = LedgerItem.objects.filter(owner=user, state=ItemState.OPEN)
    return {
        "planned": len(rows),
        "done": c["done"],
        "due": c["due"],
        "overdue": c["overdue"],
        "items": mine.count(),
        "items_overdue": mine.filter(deadline__lt=today).count(),
    }


def head_counts(*, user) -> dict:
    communities = _communities(user)
    uncovered = Household.objects.filter(community_id__in=communities, coverage__isnull=True).count()
    overdue = ledger_items(user=user, overdue=True).count()
    return {"uncovered": uncovered, "items_overdue": overdue}
