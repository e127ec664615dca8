"""The figures of grid work return their number and the records they counted, scoped: households
per worker, visits per worker this month, vulnerable households visited on time (a tagged
household through its member's tag), and a recent demand putting a household first in the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.visits import selectors, services
from gongzhi.visits.models import PlanItem

pytestmark = pytest.mark.django_db


def test_households_per_worker(place, staff):
    services.coverage_apply(community=place["community"], by=staff["head"])
    fig = selectors.households_per_worker(user=staff["street"])
    names = {
        staff["grid"].display_name or staff["grid"].username,
        staff["grid2"].display_name or staff["grid2"].username,
    }
    assert sorted(r[2] for r in fig.records) == [4, 6] and fig.value == 5.0
    assert {r[1] for r in fig.records} == names and {r[0] for r in fig.records} == {place["community"].code}
    assert selectors.households_per_worker(user=staff["other_grid"]).records == []


def test_visits_per_worker_this_month(place, staff):
    h = place["households"]
    services.coverage_apply(community=place["community"], by=staff["head"])
    services.visit_record(household=h[0], by=staff["grid"], met="户主", situation="良好")
    fig = selectors.visits_per_worker(user=staff["head"])
    assert [r[2:] for r in fig.records] == [(1, False)] and fig.value == 0


def test_vulnerable_households_visited_on_time(place, staff):
    from gongzhi.registry.models import PersonTag

    h = place["households"]  # h[9]'s head lives alone (monthly); h[3]'s is 80+ (every two months)
    PersonTag.objects.create(community_id=h[3].community_id, person=h[3].head, kind="elderly_80")
    fig = selectors.vulnerable_on_time(user=staff["street"])
    assert fig.value == 0.0 and sorted((r[1], r[3], r[4]) for r in fig.records) == sorted(
        [(h[9].pk, 30, False), (h[3].pk, 60, False)]
    )
    services.coverage_apply(community=place["community"], by=staff["head"])
    worker = services.Coverage.objects.get(household=h[9]).worker
    services.visit_record(household=h[9], by=worker, met="老人本人", situation="良好")
    fig = selectors.vulnerable_on_time(user=staff["head"])
    assert fig.value == 50.0 and {r[1]: r[4] for r in fig.records} == {h[9].pk: True, h[3].pk: False}
    assert selectors.vulnerable_on_time(user=staff["other_grid"]).records == []


def test_a_recent_demand_puts_the_household_first(place, staff):
    from gongzhi.demands.models import Channel
    from gongzhi.demands.services import demand_create

    h = place["households"]
    services.coverage_assign(
        community=place["community"], household_ids=[x.pk for x in h], worker=staff["grid"], by=staff["head"]
    )
    demand_create(
        by=staff["head"],
        channel=Channel.GRID_VISIT,
        title="楼道堆物",
        body="楼道堆放杂物",
        community=place["community"],
        person=h[4].head,
        created_at=clock.now() - dt.timedelta(days=3),
    )
    (plan,) = services.plans_generate(
        community=place["community"], month=timezone.localdate().replace(day=1), by=staff["head"], minimum=2
    )
    first = plan.items.order_by("position").first()
    assert first.household == h[4] and first.reason == PlanItem.Reason.OPEN_ITEMS
