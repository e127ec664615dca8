"""Working-day arithmetic across weekends, the 2026 public holidays and make-up working days,
and the deadlines and windows of the lifecycle under frozen time."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from gongzhi.core.errors import ApplicationError
from gongzhi.demands import calendar, services

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 1, 1), False),  # 元旦
        (dt.date(2026, 1, 4), True),  # Sunday, make-up working day
        (dt.date(2026, 2, 14), True),  # Saturday, make-up for 春节
        (dt.date(2026, 2, 16), False),  # Monday in 春节
        (dt.date(2026, 2, 23), False),  # last day of 春节
        (dt.date(2026, 2, 24), True),
        (dt.date(2026, 2, 28), True),  # Saturday, make-up
        (dt.date(2026, 4, 6), False),  # 清明 Monday
        (dt.date(2026, 5, 5), False),  # 劳动节 Tuesday
        (dt.date(2026, 5, 9), True),  # Saturday, make-up
        (dt.date(2026, 6, 19), False),  # 端午 Friday
        (dt.date(2026, 9, 20), True),  # Sunday, make-up for 国庆
        (dt.date(2026, 9, 25), False),  # 中秋 Friday
        (dt.date(2026, 10, 7), False),  # 国庆 Wednesday
        (dt.date(2026, 10, 10), True),  # Saturday, make-up
        (dt.date(2026, 3, 7), False),  # an ordinary Saturday
        (dt.date(2026, 3, 9), True),  # an ordinary Monday
        (dt.date(2025, 1, 29), False),  # 2025 春节
        (dt.date(2025, 2, 8), True),  # 2025 make-up Saturday
    ],
)
def test_is_workday(day, expected):
    assert calendar.is_workday(day) is expected


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (at(2026, 3, 6, 10), 5, at(2026, 3, 13, 17, 30)),  # Friday → next Friday (weekend skipped)
        (at(2026, 3, 7, 10), 5, at(2026, 3, 13, 17, 30)),  # Saturday counts from Monday
        (at(2025, 12, 31, 10), 1, at(2026, 1, 4, 17, 30)),  # 元旦 skipped, Sunday make-up day counts
        (at(2026, 2, 13, 10), 5, at(2026, 2, 27, 17, 30)),  # 2/14 make-up, 春节 2/15–2/23 skipped
        (at(2026, 9, 30, 12), 3, at(2026, 10, 10, 17, 30)),  # 国庆 skipped, 10/10 Saturday counts
        (at(2026, 4, 30, 9), 3, at(2026, 5, 8, 17, 30)),  # 劳动节 5/1–5/5
        (at(2026, 3, 2, 9), 15, at(2026, 3, 23, 17, 30)),  # complex: 15 working days
    ],
)
def test_add_working_days(start, days, expected):
    assert calendar.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (at(2026, 3, 9, 10), 2, at(2026, 3, 9, 12)),  # inside one day
        (at(2026, 3, 6, 16, 30), 2, at(2026, 3, 9, 10)),  # Friday evening → Monday morning
        (at(2026, 3, 6, 20), 2, at(2026, 3, 9, 11)),  # after hours starts next working morning
        (at(2026, 4, 3, 17), 2, at(2026, 4, 7, 10, 30)),  # 清明 4/4–4/6 skipped
        (at(2026, 9, 19, 10), 1, at(2026, 9, 20, 10)),  # Saturday → Sunday make-up day
        (at(2026, 3, 9, 7), 8.5, at(2026, 3, 9, 17, 30)),  # a whole working day
    ],
)
def test_add_working_hours(start, hours, expected):
    assert calendar.add_working_hours(start, hours) == expected


def test_urgent_counts_clock_hours():
    assert calendar.due_at(at(2026, 3, 7, 22), "urgent") == at(2026, 3, 8, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        calendar.add_working_days(dt.datetime(2026, 3, 6, 10), 1)


def test_a_year_can_be_configured():
    # 2027 ships weekends-only until its notice is loaded; loading rows takes effect at once.
    assert calendar.is_workday(dt.date(2027, 2, 8)) is True
    calendar.set_year(
        2027,
        holidays=[(dt.date(2027, 2, 6), dt.date(2027, 2, 12), "春节")],
        workdays=[(dt.date(2027, 2, 13), "春节调休上班")],
    )
    assert calendar.is_workday(dt.date(2027, 2, 8)) is False
    assert calendar.is_workday(dt.date(2027, 2, 13)) is True
    assert calendar.add_working_days(at(2027, 2, 5, 10), 1) == at(2027, 2, 13, 17, 30)


def test_dispatch_sets_deadlines_in_working_time(demand_in, people, units, category):
    demand = demand_in("submitted")
    with freeze_time(at(2026, 2, 13, 16)):  # Friday before 春节, 16:00
        services.demand_dispatch(
            demand=demand, unit=units["community"], by=people["street_staff"], category=category
        )
    demand.refresh_from_db()
    assert demand.due_at == at(2026, 2, 27, 17, 30)
    # 2 working hours: 1.5 h on Friday, 0.5 h on the make-up Saturday 2/14.
    assert demand.sign_deadline == at(2026, 2, 14, 9, 30)
    assert demand.return_deadline == at(2026, 2, 14, 9, 30)


def _dispatched_at(demand_in, people, units, category, moment):
    demand = demand_in("submitted")
    with freeze_time(moment):
        services.demand_dispatch(
            demand=demand, unit=units["community"], by=people["street_staff"], category=category
        )
    demand.refresh_from_db()
    return demand


def test_return_within_the_window(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 3, 6, 16, 30))
    with freeze_time(at(2026, 3, 9, 9, 59)):  # Monday, still inside 2 working hours
        services.demand_return(demand=demand, by=people["community_worker"], reason="应由区住建局处理")
    demand.refresh_from_db()
    assert demand.state == "return_pending"


def test_return_outside_the_window_is_refused(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 3, 6, 16, 30))
    with freeze_time(at(2026, 3, 9, 10, 1)), pytest.raises(ApplicationError) as exc:
        services.demand_return(demand=demand, by=people["community_worker"], reason="应由区住建局处理")
    assert exc.value.code == "return_window_passed"
    assert "2个工作小时" in str(exc.value.message)
    demand.refresh_from_db()
    assert demand.state == "dispatched"


def test_extension_before_the_deadline_moves_it_by_working_days(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 4, 27, 10))  # Monday
    assert demand.due_at == at(2026, 5, 7, 17, 30)  # 5 working days over 劳动节: 4/28–4/30, 5/6, 5/7
    with freeze_time(at(2026, 4, 28, 10)):
        services.demand_sign(demand=demand, by=people["community_worker"])
    with freeze_time(at(2026, 5, 7, 17)):
        services.extension_request(
            demand=demand, by=people["community_worker"], reason="待材料", working_days=2
        )
    with freeze_time(at(2026, 5, 8, 9)):  # decided after the old deadline: allowed
        services.extension_decide(demand=demand, by=people["street_staff"], approve=True)
    demand.refresh_from_db()
    # From Thursday 5/7 17:30: Friday 5/8 (1), Saturday 5/9, a make-up working day (2).
    assert demand.due_at == at(2026, 5, 9, 17, 30)
    assert demand.extended


def test_extension_after_the_deadline_is_refused(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 3, 2, 10))
    with freeze_time(at(2026, 3, 2, 11)):
        services.demand_sign(demand=demand, by=people["community_worker"])
    with freeze_time(at(2026, 3, 9, 17, 31)), pytest.raises(ApplicationError) as exc:
        services.extension_request(
            demand=demand, by=people["community_worker"], reason="待材料", working_days=2
        )
    assert exc.value.code == "extension_after_deadline"


def test_only_one_pending_extension_and_at_most_two(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 3, 2, 10))
    worker, street = people["community_worker"], people["street_staff"]
    with freeze_time(at(2026, 3, 3, 10)):
        services.demand_sign(demand=demand, by=worker)
        services.extension_request(demand=demand, by=worker, reason="a", working_days=1)
        with pytest.raises(ApplicationError) as exc:
            services.extension_request(demand=demand, by=worker, reason="b", working_days=1)
        assert exc.value.code == "extension_pending"
        services.extension_decide(demand=demand, by=street, approve=True)
        services.extension_request(demand=demand, by=worker, reason="c", working_days=1)
        services.extension_decide(demand=demand, by=street, approve=True)
        with pytest.raises(ApplicationError) as exc:
            services.extension_request(demand=demand, by=worker, reason="d", working_days=1)
        assert exc.value.code == "extension_limit"
        # The step's guard (may it be taken now?) answers before the input is checked.
        with pytest.raises(ApplicationError) as exc:
            services.extension_request(demand=demand, by=worker, reason="d", working_days=31)
        assert exc.value.code == "extension_limit"


def test_remind_before_and_supervise_after_the_deadline(demand_in, people, units, category):
    demand = _dispatched_at(demand_in, people, units, category, at(2026, 3, 2, 10))  # due 3/9 17:30
    street = people["street_staff"]
    with freeze_time(at(2026, 3, 9, 17)):
        services.demand_remind(demand=demand, by=street)
        with pytest.raises(ApplicationError) as exc:
            services.demand_supervise(demand=demand, by=street)
        assert exc.value.code == "supervise_before_deadline"
    with freeze_time(at(2026, 3, 9, 18)):
        with pytest.raises(ApplicationError) as exc:
            services.demand_remind(demand=demand, by=street)
        assert exc.value.code == "remind_after_deadline"
        services.demand_supervise(demand=demand, by=street, note="请今日内办结")
        demand.refresh_from_db()
        assert demand.is_overdue()
    assert (demand.remind_count, demand.supervise_count) == (1, 1)
