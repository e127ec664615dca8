"""Working-day arithmetic for time limits, in Asia/Shanghai.

A day is a working day when it is Monday–Friday, unless the holiday calendar
(`HolidayCalendar`, one row per exception, seeded per year from the State Council's notice)
says otherwise: public holidays are rows with is_workday=False, make-up working days on a
weekend (调休) are rows with is_workday=True.

The rules, chosen to match how 12345 hotlines count and written here once:

* Working hours are 09:00–17:30 (WORKDAY_START–WORKDAY_END), 8.5 hours a day.
* **N working days** run from the day after the start: the deadline is 17:30 on the N-th
  working day after the start's date (a demand dispatched on Friday at 10:00 with 5 working
  days is due the next Friday at 17:30; one dispatched on Saturday is due the Friday after).
* **N working hours** count only time inside working hours on working days (dispatched at
  16:30 on a Friday with 2 working hours → 10:00 on Monday).
* **Urgent** demands (2 hours) count clock hours: a burst pipe does not wait for Monday.

Time limits per class are in TIME_LIMITS; the sign-for limit and the return window in
SIGN_LIMITS / RETURN_WINDOWS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

TZ = ZoneInfo("Asia/Shanghai")
WORKDAY_START = dt.time(9, 0)
WORKDAY_END = dt.time(17, 30)


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # "clock_hours" | "working_hours" | "working_days"

    def label(self) -> str:
        from django.utils.translation import gettext

        if self.unit == "clock_hours":
            return gettext("%(n)s小时") % {"n": _fmt(self.amount)}
        if self.unit == "working_hours":
            return gettext("%(n)s个工作小时") % {"n": _fmt(self.amount)}
        return gettext("%(n)s个工作日") % {"n": _fmt(self.amount)}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# Handling time limit per TimeLimitClass.
TIME_LIMITS: dict[str, Limit] = {
    "urgent": Limit(2, "clock_hours"),
    "ordinary": Limit(5, "working_days"),
    "complex": Limit(15, "working_days"),
    "inquiry": Limit(3, "working_days"),
}
# Sign for (签收) within: the response rate counts against this.
SIGN_LIMITS: dict[str, Limit] = {
    "urgent": Limit(0.5, "clock_hours"),
    "ordinary": Limit(2, "working_hours"),
    "complex": Limit(2, "working_hours"),
    "inquiry": Limit(2, "working_hours"),
}
# A unit may return (退单) a demand only within this window after it was dispatched.
RETURN_WINDOWS: dict[str, Limit] = {
    "urgent": Limit(0.5, "clock_hours"),
    "ordinary": Limit(2, "working_hours"),
    "complex": Limit(2, "working_hours"),
    "inquiry": Limit(2, "working_hours"),
}

_exceptions: dict[dt.date, bool] | None = None


def clear_cache() -> None:
    """Forget the loaded calendar (called when a HolidayCalendar row changes)."""
    global _exceptions
    _exceptions = None


def _calendar() -> dict[dt.date, bool]:
    global _exceptions
    if _exceptions is None:
        from .models import HolidayCalendar

        _exceptions = dict(HolidayCalendar.objects.values_list("date", "is_workday"))
    return _exceptions


def is_workday(day: dt.date) -> bool:
    override = _calendar().get(day)
    if override is not None:
        return override
    return day.weekday() < 5


def next_workday(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def local(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        raise ValueError("aware datetimes only")
    return moment.astimezone(TZ)


def _at(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=TZ)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """17:30 on the `days`-th working day after the date of `start` (local time)."""
    if days < 1:
        raise ValueError("days must be >= 1")
    day = local(start).date()
    for _ in range(days):
        day = next_workday(day)
    return _at(day, WORKDAY_END)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """`start` plus `hours` of working time (only 09:00–17:30 on working days counts)."""
    remaining = dt.timedelta(hours=hours)
    cursor = local(start)
    day = cursor.date()
    while True:
        if is_workday(day):
            begin = max(cursor, _at(day, WORKDAY_START))
            end = _at(day, WORKDAY_END)
            if begin < end:
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = _at(day, WORKDAY_START)


def add_limit(start: dt.datetime, limit: Limit) -> dt.datetime:
    if limit.unit == "clock_hours":
        return local(start) + dt.timedelta(hours=limit.amount)
    if limit.unit == "working_hours":
        return add_working_hours(start, limit.amount)
    return add_working_days(start, int(limit.amount))


def due_at(start: dt.datetime, time_limit: str) -> dt.datetime:
    return add_limit(start, TIME_LIMITS[time_limit or "ordinary"])


def sign_deadline(start: dt.datetime, time_limit: str) -> dt.datetime:
    return add_limit(start, SIGN_LIMITS[time_limit or "ordinary"])


def return_deadline(start: dt.datetime, time_limit: str) -> dt.datetime:
    return add_limit(start, RETURN_WINDOWS[time_limit or "ordinary"])


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += is_workday(day)
    return n


def set_year(year: int, *, holidays: list[tuple[dt.date, dt.date, str]], workdays: list[tuple[dt.date, str]]):
    """Replace a year's exceptions (used by the admin command and tests)."""
    from .models import HolidayCalendar

    HolidayCalendar.objects.filter(date__year=year).delete()
    rows = []
    for first, last, note in holidays:
        d = first
        while d <= last:
            rows.append(HolidayCalendar(date=d, is_workday=False, note=note))
            d += dt.timedelta(days=1)
    rows += [HolidayCalendar(date=d, is_workday=True, note=note) for d, note in workdays]
    HolidayCalendar.objects.bulk_create(rows)
    clear_cache()
