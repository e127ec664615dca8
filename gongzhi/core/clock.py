"""The platform's clock. Services, selectors and model defaults read the time from `clock.now()`.

Normally that is `django.utils.timezone.now()`. Code that lives through history on purpose — the
demo generator building six months of demands through the real services — sets the time explicitly
for its own thread of execution with `clock.at(moment)` (or a `SettableClock`), instead of replacing
Django's `timezone.now` for the whole process (which every other thread and request would also see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_moment: ContextVar[dt.datetime | None] = ContextVar("gongzhi_clock_moment", default=None)


def now() -> dt.datetime:
    moment = _moment.get()
    return moment if moment is not None else timezone.now()


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """The clock reads `moment` inside the block (this context only)."""
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


class SettableClock:
    """A clock the caller moves forward: `with SettableClock() as c: c.set(t); service(...)`."""

    def __enter__(self) -> SettableClock:
        self._token = _moment.set(None)
        return self

    def set(self, moment: dt.datetime | None) -> None:
        _moment.set(moment)

    @property
    def t(self) -> dt.datetime | None:
        return _moment.get()

    def __exit__(self, *exc) -> None:
        _moment.reset(self._token)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, local time."""
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )
