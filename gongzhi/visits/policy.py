"""How often each household should be visited, and the one due/overdue rule every page uses."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Vulnerable groups (registry tags) at their own frequency, in days; other households twice a year.
FREQUENCY_DAYS = {
    "elderly_alone": 30,
    "extreme_hardship": 30,
    "disabled": 60,
    "minimum_allowance": 60,
    "elderly_80": 60,
}
ORDINARY_DAYS = 180
HOUSEHOLDS_PER_WORKER = 250
VISITS_PER_MONTH = 30
LEDGER_DAYS = 7  # default deadline of a ledger item
FAR_METRES = 500  # a visit recorded farther than this from the estate is flagged
BACKDATE = dt.timedelta(days=1)
# How far a phone's clock may run ahead of the server's before a time it sends counts as future.
CLOCK_SKEW = dt.timedelta(minutes=2)
# A visit captured offline on the phone (no signal) may be uploaded up to this many days after its
# capture; the one-day back-dating window then runs from the capture. Settings may change it
# (GONGZHI_VISITS_OFFLINE_DAYS).
OFFLINE_DAYS = 7
CODE_MINUTES = 30

DUE_LABELS = {
    "done": _("已走访"),
    "overdue": _("已逾期"),
    "due": _("本周应访"),
    "upcoming": _("待走访"),
}


def offline_days() -> int:
    """Days an offline capture may wait on the phone before upload (OFFLINE_DAYS unless set)."""
    return int(getattr(settings, "GONGZHI_VISITS_OFFLINE_DAYS", OFFLINE_DAYS))


def due_state(due: dt.date, *, visited: bool, today: dt.date) -> str:
    """done / overdue / due (within a week) / upcoming — the same everywhere."""
    if visited:
        return "done"
    if due < today:
        return "overdue"
    if (due - today).days <= 7:
        return "due"
    return "upcoming"


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


# The platform's own work this app puts on a community (declared in the manifest; the district's
# list says which listed duty admits it).
WORK_MONTHLY_VISITS = "visits.monthly_visits"
WORK_COURTYARD_INSPECTION = "visits.courtyard_inspection"


def plans_work_ref(community_code: str, month: dt.date) -> str:
    """The reference of a community's month of visits as the platform's work (one inbox task)."""
    return f"visits.plans:{community_code}:{month:%Y-%m}"


def inspection_work_ref(inspection_pk: int) -> str:
    """The reference of a courtyard inspection as the platform's work (one inbox task)."""
    return f"visits.inspection:{inspection_pk}"
