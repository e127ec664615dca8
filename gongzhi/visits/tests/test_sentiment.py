"""The sentiment ledger read upward: rollup by grid / community / street with drill-downs that
list exactly what each cell counted, and hot issues clustered as demands are."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gongzhi.visits import sentiment, services
from gongzhi.visits.models import LedgerItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Hot issues are cached per process; a rolled-back test's ids come back in the next one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


C = "350102004001"


def _item(staff, title, category="safety", household=None, detail="", community=C, by="grid"):
    return services.ledger_item_open(
        community_code=community,
        by=staff[by],
        title=title,
        category=category,
        household=household,
        detail=detail,
    )


@pytest.fixture
def items(place, staff):
    from tests.factories import GridFactory

    a, b = place["buildings"]
    grid = GridFactory(name="第一网格")
    a.grid = grid
    a.save(update_fields=["grid"])
    hs = place["households"]  # 0–5 in building a (the grid), 6–9 in building b (no grid)
    made = [
        _item(staff, "1号楼楼道灯不亮", household=hs[0], detail="晚上楼道漆黑"),
        _item(staff, "楼道灯坏了不亮", household=hs[1]),
        _item(staff, "楼道的灯一直不亮", household=hs[6], detail="晚上上楼看不见"),
        _item(staff, "咨询高龄津贴怎么申请", category="elderly", household=hs[2]),
        _item(staff, "建议增设非机动车充电桩", category="suggestion"),
    ]
    return {"grid": grid, "made": made}


def _listed(client, query: str) -> set[int]:
    page = client.get(reverse("visits:ledger") + "?" + query)
    assert page.status_code == 200
    table = page.content.decode().split('data-testid="ledger"', 1)[1].split("</table>", 1)[0]
    return {int(pk) for pk in re.findall(r'/visits/ledger/(\d+)/"', table)}


def test_the_rollup_by_grid_counts_each_grid_and_the_items_outside_any_grid(items, staff):
    rows = sentiment.ledger_rollup(user=staff["head"], level="grid")
    got = {(r["grid"], r["category"]): r["total"] for r in rows}
    grid = items["grid"].pk
    assert got == {(grid, "安全隐患"): 2, (grid, "养老助残"): 1, (0, "安全隐患"): 1, (0, "意见建议"): 1}
    assert any("第一网格" in r["region"] for r in rows)
    assert any("未划入网格" in r["region"] for r in rows)


@pytest.mark.parametrize("level", ["grid", "community", "street", "district"])
def test_every_rollup_cell_drills_down_to_exactly_the_items_it_counted(items, staff, client, level):
    client.force_login(staff["street"])
    rows = sentiment.ledger_rollup(user=staff["street"], level=level)
    assert sum(r["total"] for r in rows) == LedgerItem.objects.count() == 5
    for r in rows:
        listed = _listed(client, r["query"])
        assert len(listed) == r["total"], (level, r)
        open_listed = _listed(client, "state=open&" + r["query"])
        assert len(open_listed) == r["open"]


def test_an_overdue_cell_lists_its_overdue_items(items, staff, client):
    import datetime as dt

    from django.utils import timezone

    late = items["made"][0]
    LedgerItem.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    (row,) = [r for r in sentiment.ledger_rollup(user=staff["head"], level="grid") if r["overdue"]]
    assert row["overdue"] == 1
    client.force_login(staff["head"])
    assert _listed(client, "overdue=1&" + row["query"]) == {late.pk}


def test_hot_issues_cluster_the_same_problem_raised_at_several_doors(items, staff):
    (hot,) = sentiment.ledger_hot_issues(user=staff["head"])
    lights = {i.pk for i in items["made"][:3]}
    assert {i.pk for i in hot.items} == lights
    assert hot.count == 3 and hot.households == 3 and hot.open == 3
    assert hot.category == "安全隐患" and hot.title in {i.title for i in items["made"][:3]}
    assert hot.estate == items["made"][0].household.dwelling.building.estate.name and hot.keywords


def test_hot_issues_are_scoped_to_what_the_user_may_see(items, staff):
    for n in range(3):
        _item(staff, f"大根社区路灯不亮第{n}处", community="350102004003", by="other_grid")
    mine = sentiment.ledger_hot_issues(user=staff["grid"])
    assert all(i.community_id == C for h in mine for i in h.items)
    other = sentiment.ledger_hot_issues(user=staff["other_grid"])
    assert other and all(i.community_id == "350102004003" for h in other for i in h.items)
    both = sentiment.ledger_hot_issues(user=staff["street"])
    assert {i.community_id for h in both for i in h.items} == {C, "350102004003"}


def test_items_raised_longer_ago_than_the_window_are_not_hot(items, staff):
    import datetime as dt

    from django.utils import timezone

    LedgerItem.objects.update(created_at=timezone.now() - dt.timedelta(weeks=sentiment.HOT_WEEKS + 1))
    assert sentiment.ledger_hot_issues(user=staff["head"]) == []


def test_the_ledger_page_shows_hot_issues_and_survives_bad_filters(items, staff, client):
    client.force_login(staff["head"])
    page = client.get(reverse("visits:ledger") + "?level=grid")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="hot-issues"' in body and "第一网格" in body
    for query in ("region=abc", "grid=x", "grid=99999999999999", "level=nope", "region=3501020040019999"):
        assert client.get(reverse("visits:ledger") + "?" + query).status_code == 200
    assert _listed(client, "grid=999999") == set()


def test_another_communitys_worker_sees_none_of_these_items(items, staff, client):
    client.force_login(staff["other_grid"])
    assert _listed(client, f"region={C}") == set()
    assert sentiment.ledger_rollup(user=staff["other_grid"], level="grid") == []
