"""Ledger work that runs in the background worker: refreshing a region's rollups.

A refresh recomputes every figure for the region and every region below it (a district: its
streets and communities), region by region, reporting progress; a run the worker lost starts
again from the region after the last one it finished (the cursor saved in the job).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy

from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.jobs.kinds import JobKind, job_kind_register
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.jobs.services import job_start

from . import layouts, rules  # noqa: F401 - layouts registers the workbook job
from .rollups import regions_under, rollups_refresh

ROLLUP_REFRESH = "ledgers.rollup_refresh"


@transaction.atomic
def rollup_refresh_start(*, region: Region, period: str, by) -> Job:
    """Queue a refresh of the region's rollups for the month; a refresh of the same region and
    month still queued or running (whoever started it) is returned instead of starting another."""
    require(by, rules.VIEW, region)
    pending = (
        Job.objects.select_for_update()
        .filter(
            kind=ROLLUP_REFRESH,
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
            params__region=region.code,
            params__period=period,
        )
        .first()
    )
    if pending is not None:
        return pending
    n = len(regions_under(region.code))
    return job_start(kind=ROLLUP_REFRESH, by=by, params={"region": region.code, "period": period}, total=n)


def _run(job, progress) -> None:
    code, period = job.params["region"], job.params["period"]
    regions = regions_under(code)
    done = int((job.state or {}).get("done", 0))

    def step(i: int, n: int) -> None:
        progress.advance(done + i, state={"done": done + i})

    progress.set_total(len(regions))
    rollups_refresh(region_code=code, period=period, regions=regions[done:], progress=step)


job_kind_register(
    JobKind(
        name=ROLLUP_REFRESH,
        label=gettext_lazy("刷新台账指标汇总"),
        run=_run,
        may_download=lambda user, job: False,
    )
)
