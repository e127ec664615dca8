"""Demands work that runs in the background worker: refreshing the three rates' monthly
rollup (rates_rollup.py), month by month, reporting progress; a run the worker lost starts
again from the month after the last one it finished (the cursor saved in the job)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy

from gongzhi.core.permissions import require
from gongzhi.jobs.kinds import JobKind, job_kind_register
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.jobs.services import job_start

from . import rules
from .rates_rollup import months_to_refresh, rates_rollup_refresh

RATES_ROLLUP_REFRESH = "demands.rates_rollup_refresh"


@transaction.atomic
def rates_rollup_refresh_start(*, by, force: bool = False) -> Job:
    """Queue a refresh of the rates' monthly rollup (the stale or missing months; every month
    with `force`); one still queued or running (whoever started it) is returned instead."""
    require(by, rules.VIEW_RATES)
    pending = (
        Job.objects.select_for_update()
        .filter(kind=RATES_ROLLUP_REFRESH, status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
        .first()
    )
    if pending is not None:
        return pending
    months = [m.isoformat() for m in months_to_refresh(force=force)]
    return job_start(kind=RATES_ROLLUP_REFRESH, by=by, params={"months": months}, total=len(months))


def _run(job, progress) -> None:
    months = [dt.date.fromisoformat(m) for m in job.params.get("months", [])]
    done = int((job.state or {}).get("done", 0))
    progress.set_total(len(months))

    def step(i: int, n: int) -> None:
        progress.advance(done + i, state={"done": done + i})

    rates_rollup_refresh(months=months[done:], progress=step)


job_kind_register(
    JobKind(
        name=RATES_ROLLUP_REFRESH,
        label=gettext_lazy("刷新三率月度汇总"),
        run=_run,
        may_download=lambda user, job: False,
    )
)
