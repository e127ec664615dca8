"""The one queued task: run a Job by its id. Retries and resumption are the Job's business
(gongzhi.jobs.services.job_run), so that a run the worker lost can be picked up again."""

from django_tasks import task


@task()
def job_execute(job_id: str) -> None:
    from .services import job_run

    job_run(job_id=job_id)
