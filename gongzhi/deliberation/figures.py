"""The ledgers' figure of deliberation: the month's 622 share settled by deliberation, counted
over demands and topics together (the demands app's own 622 figures count demands only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gongzhi.core import clock

from .models import Outcome
from .selectors import settled_matters


class SettledRecords:
    """The matters the share's numerator counted, demands then topics, newest first: what the
    figure's drill-down lists (`count()` and slices, like a queryset)."""

    def __init__(self, demands, topics):
        self.demands, self.topics = demands.order_by("-closed_at"), topics.order_by("-closed_at")

    def count(self) -> int:
        return self.demands.count() + self.topics.count()

    def __getitem__(self, window: slice) -> list[str]:
        stop = window.stop if window.stop is not None else self.count()
        rows = [
            _("诉求 %(code)s：%(title)s") % {"code": d.tracking_code, "title": d.title}
            for d in self.demands[:stop]
        ]
        rows += [_("议题：%(title)s") % {"title": t.title} for t in self.topics[: max(0, stop - len(rows))]]
        return rows[window]


@dataclass
class SettledShare:
    number: float | None
    records: SettledRecords | None


def settled_622(*, user, region, period: str) -> SettledShare:
    """“622”：本月办结的诉求（已注明解决方式）和本月结束的议题（已注明结果）中，由社区协商解决的占比（目标60%）。
    钻取列出由协商解决的诉求和议题。"""
    matters = settled_matters(user=user, region=region)
    if matters is None:
        return SettledShare(None, None)
    year, month = (int(x) for x in period.split("-"))
    start, end = clock.month_bounds(dt.date(year, month, 1))
    demands, topics = (qs.filter(closed_at__gte=start, closed_at__lt=end) for qs in matters)
    total = demands.count() + topics.count()
    settled = SettledRecords(
        demands.filter(resolution_kind=Outcome.DELIBERATION), topics.filter(outcome=Outcome.DELIBERATION)
    )
    return SettledShare(settled.count() / total if total else None, settled)
