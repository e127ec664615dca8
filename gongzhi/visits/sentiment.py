"""The public-sentiment ledger read upward (民情台账汇总): items by grid, community, street or
district and category, and its hot issues — the things raised at many doors.

One rollup (`ledger_rollup`) counts the items; each of its cells links to the ledger's list
filtered by the same region (or grid) and category (`ledger_items(region=…, grid=…)`), so a
drill-down lists exactly the items the cell counted. Hot issues use the demands' clustering
(`demands.hotissues.cluster_records`: the same similarity, place and time-window rules), over
the ledger items raised in the last weeks; every cluster lists its items.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.models import Region
from gongzhi.demands.hotissues import ClusterParams, IssueRecord, cluster_records

from .models import Category, ItemState, LedgerItem
from .selectors import ledger_items

LEVELS = {"grid": 12, "community": 12, "street": 9, "district": 6}
NO_GRID = 0  # the grid column of items whose household's building has no grid, or no household
HOT_WEEKS = 8  # hot issues are read over the items raised in the last eight weeks
HOT_MIN = 2  # a hot issue is raised at two doors at least
# Ledger items are short lines written at the door, spread over the days of a month's visits:
# they join a cluster over a longer window than demands do.
HOT_PARAMS = ClusterParams(window=dt.timedelta(days=21))
CACHE_SECONDS = 6 * 3600


def ledger_rollup(*, user, level: str = "community", today: dt.date | None = None) -> list[dict]:
    """Items by region (or grid) and category: total, open, overdue — each with its filter."""
    level = level if level in LEVELS else "community"
    width = LEVELS[level]
    today = today or timezone.localdate(clock.now())
    fields = ["community_id", "category", "state", "deadline"]
    if level == "grid":
        fields.append("household__dwelling__building__grid_id")
    rows: dict = defaultdict(Counter)
    for values in ledger_items(user=user).values_list(*fields):
        code, category, state, deadline = values[:4]
        grid = (values[4] or NO_GRID) if level == "grid" else None
        key = (code[:width], grid, category)
        rows[key]["total"] += 1
        if state == ItemState.OPEN:
            rows[key]["open"] += 1
            if deadline < today:
                rows[key]["overdue"] += 1
    names = dict(Region.objects.filter(code__in={k[0] for k in rows}).values_list("code", "name"))
    grids = _grid_names({k[1] for k in rows if k[1]})
    out = []
    for (code, grid, category), counts in sorted(
        rows.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])
    ):
        region = names.get(code, code)
        query = f"region={code}&category={category}" + (f"&grid={grid}" if grid is not None else "")
        if grid is not None:
            region = f"{region} · {grids.get(grid) or _('未划入网格')}"
        out.append(
            {
                "region": region,
                "code": code,
                "grid": grid,
                "category": Category(category).label,
                "query": query,
                "total": counts["total"],
                "open": counts["open"],
                "overdue": counts["overdue"],
            }
        )
    return out


def _grid_names(ids: set[int]) -> dict[int, str]:
    from gongzhi.registry.models import Grid

    return dict(Grid.objects.filter(pk__in=ids).values_list("pk", "name"))


# ---- hot issues -----------------------------------------------------------------------------


@dataclass
class HotIssue:
    title: str
    keywords: list[str]
    estate: str  # the estate most of its items come from ("" when none is known)
    category: str
    items: list[LedgerItem]
    households: int
    communities: list[str]
    first_at: dt.datetime
    last_at: dt.datetime

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def open(self) -> int:
        return sum(1 for i in self.items if i.state == ItemState.OPEN)


def _estate_name(item: LedgerItem) -> str:
    dwelling = item.household.dwelling if item.household is not None else None
    return dwelling.building.estate.name if dwelling is not None else ""


def _records(items: list[LedgerItem]) -> list[IssueRecord]:
    out = []
    for i in items:
        dwelling = i.household.dwelling if i.household is not None else None
        building = dwelling.building if dwelling is not None else None
        names = [i.community.name, i.community.short_name]
        if building is not None:
            names += [building.name, building.estate.name]
        out.append(
            IssueRecord(
                id=i.pk,
                text=f"{i.title}\n{i.detail}",
                street=i.community_id[:9],
                community=i.community_id,
                at=i.created_at,
                estate=str(building.estate_id) if building is not None else "",
                building=str(building.pk) if building is not None else "",
                place_names=tuple(n for n in names if n),
            )
        )
    return out


def ledger_hot_issues(*, user, now: dt.datetime | None = None, weeks: int = HOT_WEEKS) -> list[HotIssue]:
    """Clusters of at least HOT_MIN ledger items raised in the last `weeks`, largest first.

    Computed over the items the user may see, so a street sees its communities' issues and a
    worker those of their community; cached until an item is added or changes state.
    """
    now = now or clock.now()
    qs = ledger_items(user=user).filter(created_at__gte=now - dt.timedelta(weeks=weeks), created_at__lte=now)
    state = qs.aggregate(
        n=Count("id"),
        open=Count("id", filter=Q(state=ItemState.OPEN)),
        last=Max("id"),
        closed=Max("closed_at"),
    )
    closed = state["closed"].timestamp() if state["closed"] else 0
    key = f"visits:hot:v1:{get_language()}:{user.pk}:{weeks}:{now.date()}:{state['n']}:{state['open']}:{state['last']}:{closed}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    items = list(
        qs.select_related("community", "household__dwelling__building__estate").order_by("created_at", "id")
    )
    by_id = {i.pk: i for i in items}
    out = []
    for cluster in cluster_records(_records(items), HOT_PARAMS):
        if cluster.count < HOT_MIN:
            continue
        members = [by_id[r.id] for r in cluster.records]
        category = Counter(i.category for i in members).most_common(1)[0][0]
        # the words residents used most often, as one of them put it (keywords read badly)
        title = Counter(i.title for i in members).most_common(1)[0][0]
        estates = Counter(_estate_name(i) for i in members if _estate_name(i))
        out.append(
            HotIssue(
                title=title,
                keywords=cluster.keywords[:3],
                estate=estates.most_common(1)[0][0] if estates else "",
                category=str(Category(category).label),
                items=members,
                households=len({i.household_id for i in members if i.household_id}),
                communities=sorted({i.community.name for i in members}),
                first_at=cluster.first_at,
                last_at=cluster.last_at,
            )
        )
    out.sort(key=lambda h: (-h.count, -h.households, h.first_at))
    cache.set(key, out, CACHE_SECONDS)
    return out
