"""Starting, running, retrying and resuming background jobs.

A job is enqueued in the same transaction that creates its row (the database task backend
stores the task beside it), so a job is never lost between the two. A run that fails with an
unexpected error is retried (up to `max_attempts`, with a growing pause); an ApplicationError
is the user's problem, not the machine's, and fails at once with its message. A run the
worker lost (killed mid-way) is resumed by `jobs_requeue_stale`, which `gongzhi worker`
calls on start: the handler continues from the cursor it saved in `job.state`.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError, NotFound

from .kinds import job_kind
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

RETRY_PAUSE = timedelta(seconds=10)
STALE_AFTER = timedelta(minutes=5)


def job_dir(job: Job) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / str(job.id)


def _enqueue(job: Job, *, delay: timedelta | None = None) -> None:
    from .tasks import job_execute

    task = job_execute
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    result = task.enqueue(str(job.id))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


@transaction.atomic
def job_start(*, kind: str, by, params: dict, total: int = 0) -> Job:
    """Create the job and queue it. The caller has already checked the user's permission."""
    job_kind(kind)  # unknown kinds fail here, not in the worker
    job = Job.objects.create(kind=kind, owner=by, params=params, total=total)
    _enqueue(job)
    job.refresh_from_db()
    return job


class JobProgress:
    """Handed to a job's handler: report progress and save the resumption cursor."""

    def __init__(self, job: Job):
        self.job = job

    def set_total(self, total: int) -> None:
        self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(total=total, heartbeat_at=timezone.now())

    def advance(self, done: int, *, state: dict | None = None) -> None:
        self.job.done = done
        if state is not None:
            self.job.state = state
        Job.objects.filter(pk=self.job.pk).update(
            done=done, state=self.job.state, heartbeat_at=timezone.now()
        )


def job_run(*, job_id: str) -> None:
    """Run (or resume) a job: called by the queued task, in the worker."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "attempts", "heartbeat_at"])
    kind = job_kind(job.kind)
    try:
        output = kind.run(job, JobProgress(job))
    except ApplicationError as exc:
        _finish(job, status=JobStatus.FAILED, error=str(exc.message))
        return
    except Exception:
        logger.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
        if job.attempts < job.max_attempts:
            Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
            _enqueue(job, delay=RETRY_PAUSE * job.attempts)
        else:
            message = _("处理时出错，已尝试%(n)d次。请稍后再试，或把任务编号告诉管理员。") % {
                "n": job.attempts
            }
            _finish(job, status=JobStatus.FAILED, error=message)
        return
    if output is not None:
        folder = job_dir(job)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "result.bin"
        path.write_bytes(output.content)
        job.result_name = output.filename
        job.result_path = str(path)
    _finish(job, status=JobStatus.DONE, error="")


def _finish(job: Job, *, status: str, error: str) -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if status == JobStatus.DONE:
        job.done = max(job.done, job.total)
    job.save(update_fields=["status", "error", "finished_at", "done", "result_name", "result_path"])


def jobs_requeue_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Queue again the jobs whose run stopped reporting (the worker died): they resume from
    their saved cursor. Returns how many."""
    cutoff = timezone.now() - older_than
    stale = list(Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff))
    for job in stale:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        _enqueue(job)
    return len(stale)


def job_for_owner(*, user, job_id) -> Job:
    """The user's own job, or 404 (other people's jobs are not revealed)."""
    job = Job.objects.filter(pk=job_id, owner_id=getattr(user, "pk", None)).first()
    if job is None:
        raise NotFound()
    return job


def job_result_path(*, user, job_id) -> tuple[Job, Path]:
    """The finished job's file, if the user still may download it."""
    job = job_for_owner(user=user, job_id=job_id)
    if job.status != JobStatus.DONE or not job.result_path or not job_kind(job.kind).may_download(user, job):
        raise NotFound()
    path = Path(job.result_path)
    if not path.is_file():
        raise NotFound()
    return job, path


def jobs_prune(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete finished jobs and their files after a week."""
    old = list(Job.objects.filter(finished_at__lt=timezone.now() - older_than))
    for job in old:
        shutil.rmtree(job_dir(job), ignore_errors=True)
    Job.objects.filter(pk__in=[j.pk for j in old]).delete()
    return len(old)
