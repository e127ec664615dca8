"""The three rates on a small fixture whose figures were worked out by hand.

Period: March 2026. Units: 军门社区 (C) and 东街街道 (S); every demand is in 军门社区.

  d1 → C  dispatched 3/2 10:00, signed 11:00 (limit 12:00: in time)   满意/解决     closed 3/5   deliberation
  d2 → C  dispatched 3/3 10:00, signed 13:00 (late)                    基本满意/未解决 closed 3/6  social_org
  d3 → C  dispatched 3/4 10:00, signed 10:30 (in time)                 不满意/未解决  closed 3/10  referral
  d4 → C  dispatched 3/5 10:00, never signed
  d5 → S  dispatched 3/5 10:00, signed 10:10 (in time)                 满意/解决     closed 4/2 (April)
  d6 → C  dispatched 3/6 10:00, returned, accepted; → S 3/6 14:00 (limit 16:00),
          S signs 3/9 09:30 (late)                                     满意/解决     closed 3/12  deliberation

C: response 2/5 (d1, d3 of d1 d2 d3 d4 d6) = 40 %; closed in March d1 d2 d3 → resolution 1/3,
   satisfaction (满意 d1 + 基本满意 d2) 2/3.
S: response 1/2 (d5 of d5 d6) = 50 %; closed in March d6 → resolution 1/1, satisfaction 1/1.
东街街道 as an area (all dispatches and closings in its communities): response 3/7,
   resolution 2/4, satisfaction 3/4.
Ranking by the mean of the three: S (0.833) before C (0.467).
622 for 军门社区 (closed in March): deliberation 2/4, social organisation 1/4, referral 1/4.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from gongzhi.core.models import Region
from gongzhi.demands import rates, services
from gongzhi.demands.models import Category

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(people, units, junmen):
    cat = Category.objects.get(code="env-noise")  # ordinary: sign within 2 working hours
    street, worker, s_staff = people["street_staff"], people["community_worker"], people["street_staff"]

    def demand(dispatch_at, unit, sign_at=None, rating=None, close_at=None, kind="deliberation"):
        with freeze_time(dispatch_at):
            d = services.demand_create(by=street, channel="hotline", title="t", body="b", community=junmen)
            services.demand_dispatch(demand=d, unit=units[unit], by=street, category=cat)
        handler = worker if unit == "community" else s_staff
        if sign_at:
            with freeze_time(sign_at):
                services.demand_sign(demand=d, by=handler)
        if rating:
            with freeze_time(close_at):
                services.demand_reply(demand=d, by=handler, reply="r", resolution_kind=kind)
                services.demand_callback(demand=d, by=street, satisfaction=rating[0], resolved=rating[1])
                forced = rating[0] == "unsatisfied" or not rating[1]
                services.demand_close(demand=d, by=street, force=forced, note="确认" if forced else "")
        return d

    demand(at(2026, 3, 2, 10), "community", at(2026, 3, 2, 11), ("satisfied", True), at(2026, 3, 5, 10))
    demand(
        at(2026, 3, 3, 10),
        "community",
        at(2026, 3, 3, 13),
        ("basic", False),
        at(2026, 3, 6, 10),
        "social_org",
    )
    demand(
        at(2026, 3, 4, 10),
        "community",
        at(2026, 3, 4, 10, 30),
        ("unsatisfied", False),
        at(2026, 3, 10, 10),
        "referral",
    )
    demand(at(2026, 3, 5, 10), "community")
    demand(at(2026, 3, 5, 10), "street", at(2026, 3, 5, 10, 10), ("satisfied", True), at(2026, 4, 2, 10))
    d6 = demand(at(2026, 3, 6, 10), "community")
    with freeze_time(at(2026, 3, 6, 11)):
        services.demand_return(demand=d6, by=worker, reason="属街道职责")
        services.return_decide(demand=d6, by=s_staff, accept=True)
    with freeze_time(at(2026, 3, 6, 14)):
        services.demand_dispatch(demand=d6, unit=units["street"], by=street)
    with freeze_time(at(2026, 3, 9, 9, 30)):
        services.demand_sign(demand=d6, by=s_staff)
    with freeze_time(at(2026, 3, 12, 10)):
        services.demand_reply(demand=d6, by=s_staff, reply="r", resolution_kind="deliberation")
        services.demand_callback(demand=d6, by=street, satisfaction="satisfied", resolved=True)
        services.demand_close(demand=d6, by=street)
    return rates.Period.parse("2026-03")


@pytest.fixture
def march_with_task(march, people, units, junmen):
    """The same March, plus a proactive task (未诉先办) from two undispatched demands, handled
    by 军门社区: signed late, unsatisfied, closed by force on 3/11. It must change no figure."""
    from gongzhi.demands.hotissues import hot_issue_task_create

    street, worker = people["street_staff"], people["community_worker"]
    with freeze_time(at(2026, 3, 9, 9)):
        sources = [
            services.demand_create(by=street, channel="hotline", title="路灯不亮", body="b", community=junmen)
            for _ in range(2)
        ]
        task = hot_issue_task_create(by=street, demand_ids=[d.pk for d in sources])
        services.demand_dispatch(
            demand=task, unit=units["community"], by=street, category=Category.objects.get(code="env-noise")
        )
    with freeze_time(at(2026, 3, 10, 9)):
        services.demand_sign(demand=task, by=worker)
    with freeze_time(at(2026, 3, 11, 9)):
        services.demand_reply(demand=task, by=worker, reply="r", resolution_kind="referral")
        services.demand_callback(demand=task, by=street, satisfaction="unsatisfied", resolved=False)
        services.demand_close(demand=task, by=street, force=True, note="确认")
    return march


def _by_name(items):
    return {r.name: r for r in items}


def test_proactive_tasks_stay_out_of_the_rates(march_with_task, units):
    street = Region.objects.get(code="350102004")
    district = Region.objects.get(code="350102")
    c = _by_name(rates.rates_by_unit(street, march_with_task))["军门社区"]
    assert (c.signed_in_time, c.dispatched, c.resolved, c.closed, c.satisfied, c.rated) == (2, 5, 1, 3, 2, 3)
    assert (c.tasks_dispatched, c.tasks_closed) == (1, 1)
    area = _by_name(rates.rates_by_area(district, march_with_task))["东街街道"]
    assert (area.signed_in_time, area.dispatched, area.resolved, area.closed) == (3, 7, 2, 4)
    assert (area.tasks_dispatched, area.tasks_closed) == (1, 1)
    total = rates.rates_total(district, march_with_task)
    assert (total.dispatched, total.closed, total.rated, total.tasks_closed) == (7, 4, 4, 1)
    summed = rates.rates_sum(district, rates.rates_by_area(district, march_with_task))
    assert (summed.closed, summed.tasks_dispatched, summed.tasks_closed) == (4, 1, 1)
    (row,) = rates.shares_622(street, march_with_task)
    assert row["total"] == 4 and row["referral"] == 1
    for metric, n in (("response", 5), ("resolution", 3), ("satisfaction", 3)):
        assert (
            rates.drill_down(street, march_with_task, metric=metric, unit_id=units["community"].id).count()
            == n
        )


def test_dashboard_shows_tasks_apart(client, march_with_task, people):
    client.force_login(people["district_staff"])
    response = client.get("/demands/rates/", {"region": "350102004", "period": "2026-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["total"].tasks_closed == 1 and response.context["show_tasks"]
    assert "不计入三率" in page and 'data-testid="proactive-stat"' in page


def test_rates_by_unit(march, django_assert_num_queries):
    street = Region.objects.get(code="350102004")
    # units, the monthly rollup's state (none here, so all live), dispatches, closings, the
    # proactive tasks (none here): not one query per unit
    with django_assert_num_queries(5):
        items = rates.rates_by_unit(street, march)
    got = _by_name(items)
    c, s = got["军门社区"], got["东街街道"]
    assert (c.signed_in_time, c.dispatched, c.response) == (2, 5, pytest.approx(0.4))
    assert (c.resolved, c.closed, c.resolution) == (1, 3, pytest.approx(1 / 3))
    assert (c.satisfied, c.rated, c.satisfaction) == (2, 3, pytest.approx(2 / 3))
    assert (s.signed_in_time, s.dispatched) == (1, 2)
    assert (s.resolved, s.closed, s.satisfied, s.rated) == (1, 1, 1, 1)
    assert [r.name for r in items[:2]] == ["东街街道", "军门社区"]
    assert items[0].extra["rank"] == 1 and items[1].extra["rank"] == 2
    assert got["大根社区"].score is None and got["大根社区"].extra["rank"] is None


def test_rates_by_area_and_total(march):
    district = Region.objects.get(code="350102")
    area = _by_name(rates.rates_by_area(district, march))["东街街道"]
    assert (area.signed_in_time, area.dispatched) == (3, 7)
    assert (area.resolved, area.closed) == (2, 4)
    assert (area.satisfied, area.rated) == (3, 4)
    total = rates.rates_total(district, march)
    assert (total.dispatched, total.closed, total.rated) == (7, 4, 4)
    summed = rates.rates_sum(district, rates.rates_by_area(district, march))
    assert (summed.dispatched, summed.signed_in_time, summed.closed, summed.resolved, summed.satisfied) == (
        7,
        3,
        4,
        2,
        3,
    )


def test_other_period_is_empty(march):
    street = Region.objects.get(code="350102004")
    feb = _by_name(rates.rates_by_unit(street, rates.Period.parse("2026-02")))
    assert feb["军门社区"].dispatched == 0 and feb["军门社区"].response is None
    april = _by_name(rates.rates_by_unit(street, rates.Period.parse("2026-04")))
    assert (april["东街街道"].closed, april["东街街道"].dispatched) == (1, 0)


def test_622_shares(march):
    rows = rates.shares_622(Region.objects.get(code="350102004"), march)
    assert len(rows) == 1
    r = rows[0]
    assert (r["name"], r["total"]) == ("军门社区", 4)
    assert r["shares"] == {"deliberation": 0.5, "social_org": 0.25, "referral": 0.25}


def test_drill_down_lists_the_demands_behind_a_figure(march, units):
    street = Region.objects.get(code="350102004")
    response = rates.drill_down(street, march, metric="response", unit_id=units["community"].id)
    assert response.count() == 5
    assert sum(a.signed_in_time for a in response) == 2
    closed = rates.drill_down(street, march, metric="resolution", unit_id=units["community"].id)
    assert closed.count() == 3


@pytest.mark.parametrize(
    "key, start, end",
    [
        ("2026-03", at(2026, 3, 1), at(2026, 4, 1)),
        ("2026-Q4", at(2026, 10, 1), at(2027, 1, 1)),
        ("2026", at(2026, 1, 1), at(2027, 1, 1)),
    ],
)
def test_period_parse(key, start, end):
    p = rates.Period.parse(key)
    assert (p.start, p.end) == (start, end)
