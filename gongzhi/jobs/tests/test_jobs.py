"""The job layer: retries with a limit, user errors not retried, the real database worker
runs a queued job, a job a dead worker left behind is resumed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.jobs.kinds import JobKind, JobOutput, job_kind_register
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.jobs.services import job_start, jobs_requeue_stale

RUNS: list[str] = []


def _flaky(job, progress):
    RUNS.append(str(job.id))
    if job.params.get("fail_times", 0) >= job.attempts:
        raise RuntimeError("transient")
    if job.params.get("refuse"):
        raise ApplicationError("bad", "输入有误")
    progress.set_total(3)
    progress.advance(3, state={"cursor": 3})
    return JobOutput(filename="out.txt", content=b"hello")


job_kind_register(JobKind(name="test.flaky", label="测试", run=_flaky))


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    RUNS.clear()


def test_an_unexpected_error_is_retried(community_worker):
    job = job_start(kind="test.flaky", by=community_worker, params={"fail_times": 1})
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (JobStatus.DONE, 2, 3)
    assert Path(job.result_path).read_bytes() == b"hello"


def test_retries_stop_at_the_limit_with_a_plain_message(community_worker):
    job = job_start(kind="test.flaky", by=community_worker, params={"fail_times": 9})
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert "3" in job.error and "RuntimeError" not in job.error


def test_a_user_error_fails_at_once_with_its_message(community_worker):
    job = job_start(kind="test.flaky", by=community_worker, params={"refuse": True})
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.FAILED, 1, "输入有误")


def test_a_queued_job_is_run_by_the_worker(settings, make_user, monkeypatch):
    # The worker loop as `gongzhi worker` runs it, inside the test's transaction: its
    # connection-recycling step would end that transaction, so it is a no-op here.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    from django_tasks_db.models import DBTaskResult

    user = make_user("community_worker", "350102004001")
    job = job_start(kind="test.flaky", by=user, params={})
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and RUNS == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and [str(job.id)] == RUNS
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_job_a_dead_worker_left_running_is_queued_again(community_worker):
    job = Job.objects.create(kind="test.flaky", owner=community_worker, state={"cursor": 1})
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=30)
    )
    fresh = Job.objects.create(kind="test.flaky", owner=community_worker)
    Job.objects.filter(pk=fresh.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert jobs_requeue_stale() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)  # immediate backend: ran again at once
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING
