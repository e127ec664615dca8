"""The demo history: demands lived through the real services, over six months, for a district."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from gongzhi.core.models import Region, User
from gongzhi.demands import rates, selectors
from gongzhi.demands.demo import demands_history_generate
from gongzhi.demands.models import (
    OPEN_STATES,
    Assignment,
    Channel,
    Demand,
    DemandEvent,
    DemandState,
    ResolutionKind,
    Satisfaction,
)
from gongzhi.demands.units import units_sync

from .conftest import DISTRICT, JUNMEN, STREET, at

NOW = at(2026, 11, 20, 15, 30)  # a Friday afternoon
N = 260


@pytest.fixture
def district(db):
    from gongzhi.core.demo import demo_accounts_ensure
    from gongzhi.registry.generate import district_generate

    district_generate(district=DISTRICT, residents=300, seed=3, today=NOW.date())
    demo_accounts_ensure()
    region = Region.objects.get(code=DISTRICT)
    units_sync(region)
    return region


@pytest.fixture
def history(district):
    report = demands_history_generate(district, n=N, seed=7, now=NOW)
    assert not report.skipped and report.refused == 0
    return report


def test_every_state_and_the_demo_accounts_have_work(history):
    demands = Demand.objects.all()
    assert abs(demands.count() - N) <= 5 and history.created == demands.count()
    assert set(demands.values_list("state", flat=True)) == set(DemandState.values)
    assert history.overdue >= 3
    overdue = demands.filter(state__in=OPEN_STATES, due_at__lt=NOW)
    assert overdue.count() == history.overdue and overdue.filter(community_id=JUNMEN).exists()
    assert demands.filter(supervise_count__gt=0).exists() and demands.filter(extended=True).exists()
    assert demands.filter(reopen_count__gt=0).exists()
    # every channel, hotline the largest
    channels = dict(demands.values_list("channel").annotate(n=Count("id")))
    assert set(channels) == set(Channel.values)
    assert max(channels, key=channels.get) == Channel.HOTLINE
    # what the demo accounts find waiting
    community, street, resident = (User.objects.get(username=u) for u in ("community", "street", "resident"))
    work = selectors.work_list(user=community)
    assert {DemandState.DISPATCHED, DemandState.HANDLING}.issubset(set(work.values_list("state", flat=True)))
    assert work.filter(due_at__lt=NOW).exists()  # overdue in 军门社区
    assert selectors.dispatch_queue(user=community).filter(state=DemandState.SUBMITTED).exists()
    reviews = selectors.review_queue(user=street)
    assert reviews.filter(state=DemandState.RETURN_PENDING).exists()
    assert reviews.filter(extension_requests__state="pending").exists()
    mine = selectors.my_demands(user=resident)
    assert mine.filter(state=DemandState.CLOSED).exists() and mine.filter(state=DemandState.REPLIED).exists()
    # a proactive task made from an older cluster, its sources pointing at it
    (task,) = demands.filter(channel=Channel.PROACTIVE)
    assert task.source_demands.count() >= 2 and task.state == DemandState.CLOSED
    assert all(s.created_at < task.created_at for s in task.source_demands.all())


def test_timelines_are_in_order_and_before_now(history):
    events: dict[int, list[DemandEvent]] = {}
    for e in DemandEvent.objects.order_by("id"):
        events.setdefault(e.demand_id, []).append(e)
    for d in Demand.objects.all():
        timeline = events[d.pk]
        assert timeline[0].kind == "created" and timeline[0].at == d.created_at
        state = DemandState.SUBMITTED
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert before.at <= after.at, (d.tracking_code, before.kind, after.kind)
        for e in timeline[1:]:
            assert e.from_state == state, (d.tracking_code, e.kind, e.from_state, state)
            state = e.to_state
        assert state == d.state and timeline[-1].at < NOW
        moments = [d.created_at, d.dispatched_at, d.signed_at, d.replied_at, d.called_back_at, d.closed_at]
        known = [m for m in moments if m is not None]
        assert known == sorted(known), d.tracking_code
    for a in Assignment.objects.all():
        assert a.signed_at is None or a.dispatched_at <= a.signed_at < NOW


def test_rates_match_a_recount_and_read_well(history, district):
    months = sorted(
        {d.closed_at.astimezone(NOW.tzinfo).strftime("%Y-%m") for d in Demand.objects.filter(state="closed")}
    )
    assert len(months) >= 5  # six months of history
    for key in months:
        period = rates.Period.parse(key)
        total = rates.rates_total(district, period)
        closed = Demand.objects.filter(closed_at__gte=period.start, closed_at__lt=period.end).exclude(
            channel=Channel.PROACTIVE
        )
        assignments = Assignment.objects.filter(
            dispatched_at__gte=period.start, dispatched_at__lt=period.end
        ).exclude(demand__channel=Channel.PROACTIVE)
        assert total.closed == closed.count()
        assert total.resolved == closed.filter(resolved=True).count()
        assert total.rated == closed.exclude(satisfaction="").count()
        assert total.satisfied == closed.filter(satisfaction__in=["satisfied", "basic"]).count()
        assert total.dispatched == assignments.count()
        assert total.signed_in_time == sum(a.signed_in_time for a in assignments)
        for value in (total.response, total.resolution, total.satisfaction):
            assert value is None or 0 <= value <= 1
        by_area = rates.rates_by_area(district, period)
        assert rates.rates_sum(district, by_area).closed == total.closed
    whole = rates.Period.parse("2026")
    total = rates.rates_total(district, whole)
    assert 0.8 < total.response < 0.99 and 0.8 < total.resolution < 0.99 and 0.8 < total.satisfaction < 0.99
    assert total.tasks_closed == 1  # the proactive task, apart from the rates
    kinds = {k for row in rates.shares_622(district, whole) for k in ResolutionKind.values if row[k]}
    assert kinds == set(ResolutionKind.values)
    rated = Demand.objects.exclude(satisfaction="")
    good = rated.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]).count()
    assert good / rated.count() > 0.8 and rated.filter(satisfaction=Satisfaction.UNSATISFIED).exists()


def test_hot_issues_this_week(history):
    from gongzhi.demands.hotissues import hot_issues_week, week_start

    street = User.objects.get(username="street")
    report = hot_issues_week(user=street, region_code=STREET, week=week_start(NOW))
    top = report[STREET][0]
    assert top.count >= 5 and top.earlier_weeks >= 1  # the lift of 军门社区, already raised last week
    district = User.objects.get(username="district")
    whole = hot_issues_week(user=district, region_code=DISTRICT, week=week_start(NOW))
    assert len(whole) >= 3


def test_idempotent_and_deterministic(district):
    first = demands_history_generate(district, n=80, seed=11, now=NOW)
    snapshot = list(
        Demand.objects.order_by("created_at", "title").values_list(
            "created_at", "title", "channel", "community", "unit__name", "state", "satisfaction", "closed_at"
        )
    )
    assert demands_history_generate(district, n=80, seed=11, now=NOW).skipped
    assert Demand.objects.count() == first.created
    Demand.objects.update(proactive_task=None)
    Demand.objects.all().delete()
    demands_history_generate(district, n=80, seed=11, now=NOW)
    again = list(
        Demand.objects.order_by("created_at", "title").values_list(
            "created_at", "title", "channel", "community", "unit__name", "state", "satisfaction", "closed_at"
        )
    )
    assert again == snapshot


def test_the_clock_is_given_back(district):
    from django.utils import timezone

    real = timezone.now
    demands_history_generate(district, n=20, seed=1, now=NOW)
    assert timezone.now is real and abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
