"""Hot-issue clustering on generated demands: same problem, same place, same time → one cluster."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gongzhi.demands.corpus import ROADS, hotline_corpus, hotline_demand, topic
from gongzhi.demands.hotissues import (
    ClusterParams,
    IssueRecord,
    cluster_records,
    week_start,
    weekly_hot_issues,
)

STREETS = ["350102001", "350102002", "350102004"]
MONDAY = dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC)


def record(d, street, rid):
    return IssueRecord(
        id=rid,
        text=d.text,
        street=street,
        at=d.created_at,
        estate=d.estate,
        building=d.building,
        place_names=(d.estate, d.building, *ROADS),
    )


def burst(rnd, code, n, *, estate, building, street, start, prefix, problem_index=0):
    """n complaints about one problem of one building within three days, told in different words."""
    t = topic(code)
    return [
        record(
            hotline_demand(
                rnd,
                t,
                estate=estate,
                building=building,
                problem=t.problems[problem_index],
                at=start + dt.timedelta(hours=rnd.randint(0, 72)),
            ),
            street,
            f"{prefix}{k}",
        )
        for k in range(n)
    ]


def background(seed=5, n=300):
    rnd = random.Random(seed)
    return [record(d, rnd.choice(STREETS), f"bg{i}") for i, d in enumerate(hotline_corpus(n, seed=seed))]


def cluster_of(clusters, rid):
    return next(c for c in clusters if rid in c.ids)


@pytest.fixture
def rnd():
    return random.Random(7)


def test_near_duplicate_lift_complaints_cluster_together(rnd):
    lift = burst(
        rnd, "lift", 8, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="lift"
    )
    clusters = cluster_records(background() + lift)
    cluster = cluster_of(clusters, "lift0")
    assert sorted(cluster.ids) == sorted(r.id for r in lift)
    assert cluster.estate == "阳光花园" and cluster.buildings == ["5号楼"]
    assert "电梯" in cluster.keywords or "升降梯" in cluster.keywords
    assert clusters[0] is cluster  # the largest cluster comes first
    assert cluster.representative in lift


def test_other_topics_in_the_same_building_stay_apart(rnd):
    lift = burst(
        rnd, "lift", 6, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="lift"
    )
    garbage = burst(
        rnd, "garbage", 5, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="g"
    )
    noise = burst(
        rnd,
        "neighbour_noise",
        5,
        estate="阳光花园",
        building="5号楼",
        street=STREETS[0],
        start=MONDAY,
        prefix="n",
    )
    clusters = cluster_records(background() + lift + garbage + noise)
    assert sorted(cluster_of(clusters, "lift0").ids) == sorted(r.id for r in lift)
    assert sorted(cluster_of(clusters, "g0").ids) == sorted(r.id for r in garbage)
    assert sorted(cluster_of(clusters, "n0").ids) == sorted(r.id for r in noise)


def test_far_apart_weeks_do_not_cluster(rnd):
    early = burst(
        rnd, "lift", 4, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="a"
    )
    later = burst(
        rnd,
        "lift",
        4,
        estate="阳光花园",
        building="5号楼",
        street=STREETS[0],
        start=MONDAY + dt.timedelta(weeks=5),
        prefix="b",
    )
    clusters = cluster_records(background() + early + later)
    assert sorted(cluster_of(clusters, "a0").ids) == sorted(r.id for r in early)
    assert sorted(cluster_of(clusters, "b0").ids) == sorted(r.id for r in later)
    # a wider window joins them: the time window is what kept them apart
    wide = cluster_records(background() + early + later, ClusterParams(window=dt.timedelta(weeks=6)))
    assert len(cluster_of(wide, "a0").ids) == 8


def test_other_estate_or_street_is_another_cluster(rnd):
    here = burst(
        rnd, "lift", 4, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="h"
    )
    other_estate = burst(
        rnd, "lift", 4, estate="金山苑", building="5号楼", street=STREETS[0], start=MONDAY, prefix="e"
    )
    other_street = [
        IssueRecord(id=f"s{k}", text=r.text, street=STREETS[1], at=r.at, place_names=r.place_names)
        for k, r in enumerate(here)
    ]
    clusters = cluster_records(background() + here + other_estate + other_street)
    assert sorted(cluster_of(clusters, "h0").ids) == sorted(r.id for r in here)
    assert sorted(cluster_of(clusters, "e0").ids) == sorted(r.id for r in other_estate)
    assert all(c.street == STREETS[1] for c in clusters if "s0" in c.ids)


def test_clustering_does_not_depend_on_input_order(rnd):
    records = background(n=150) + burst(
        rnd, "lift", 5, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="lift"
    )
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    assert [c.ids for c in cluster_records(records)] == [c.ids for c in cluster_records(shuffled)]


def test_weekly_top_clusters_per_street_with_counts(rnd):
    lift = burst(
        rnd, "lift", 7, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="lift"
    )
    garbage = burst(
        rnd,
        "garbage",
        3,
        estate="金山苑",
        building="2号楼",
        street=STREETS[0],
        start=MONDAY,
        prefix="g",
        problem_index=1,
    )
    # the lift again the week after: a recurring issue
    again = burst(
        rnd,
        "lift",
        3,
        estate="阳光花园",
        building="5号楼",
        street=STREETS[0],
        start=MONDAY + dt.timedelta(days=7),
        prefix="again",
    )
    report = weekly_hot_issues(background() + lift + garbage + again, top=5, min_count=2)
    week = week_start(MONDAY)
    top = report[(STREETS[0], week)]
    assert [h.count for h in top] == sorted((h.count for h in top), reverse=True)
    assert top[0].count == 7 and sorted(top[0].ids) == sorted(r.id for r in lift)
    assert any(sorted(h.ids) == sorted(r.id for r in garbage) and h.count == 3 for h in top)
    following = report[(STREETS[0], week + dt.timedelta(days=7))]
    recurring = next(h for h in following if "again0" in h.ids)
    assert recurring.count == 3 and recurring.earlier_weeks == 1
    assert recurring.total == 10
    assert all(len(items) <= 5 for items in report.values())
    assert all(h.count >= 2 for items in report.values() for h in items)


def test_week_starts_on_monday_in_shanghai_time():
    # Sunday 23:30 in Shanghai is Sunday 15:30 UTC; Monday 00:30 Shanghai is still Sunday in UTC
    assert week_start(dt.datetime(2026, 3, 15, 15, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 9)
    assert week_start(dt.datetime(2026, 3, 15, 16, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 16)


def test_empty_input():
    assert cluster_records([]) == []
    assert weekly_hot_issues([]) == {}


def test_one_lift_told_in_different_ways_is_one_issue(rnd):
    t = topic("lift")
    lift = [
        record(
            hotline_demand(
                rnd,
                t,
                estate="阳光花园",
                building="5号楼",
                problem=t.problems[k % len(t.problems)],
                at=MONDAY + dt.timedelta(hours=rnd.randint(0, 96)),
            ),
            STREETS[0],
            f"lift{k}",
        )
        for k in range(8)
    ]
    garbage = burst(
        rnd, "garbage", 4, estate="阳光花园", building="5号楼", street=STREETS[0], start=MONDAY, prefix="g"
    )
    clusters = cluster_records(background() + lift + garbage)
    assert sorted(cluster_of(clusters, "lift0").ids) == sorted(r.id for r in lift)
    assert not set(cluster_of(clusters, "g0").ids) & {r.id for r in lift}
