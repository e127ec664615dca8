"""A large resident export runs as a background job: the page is sent to the job's page,
which shows progress (HTMX polling) and then the file; only its owner may download it, while
still allowed to export; the export is in the access log once; a run that dies part-way is
retried and resumes from the last saved chunk."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.core.models import AccessLogEntry
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.registry import exports
from gongzhi.registry import jobs as export_jobs
from gongzhi.registry.models import Person
from gongzhi.registry.tests.test_pages_support import login, world_fixture  # noqa: F401
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def _background(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.GONGZHI_EXPORT_BACKGROUND_ABOVE = 1  # the two residents of 军门 make a "large" export


def _rows(content: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book.worksheets[0].iter_rows(values_only=True))[1:]


def test_large_export_runs_as_a_job_with_progress_and_a_download(world, community_worker):
    client = login(community_worker)
    page = client.get(reverse("registry:export"))
    assert "后台" in page.content.decode()
    response = client.post(reverse("registry:export"), {"purpose": "export_filing", "note": "季度走访名单"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.id])
    assert (job.kind, job.status, job.total, job.done) == (export_jobs.PERSON_EXPORT, JobStatus.DONE, 2, 2)

    detail = client.get(reverse("jobs:detail", args=[job.id])).content.decode()
    assert reverse("jobs:download", args=[job.id]) in detail and "100%" in detail
    status = client.get(reverse("jobs:status", args=[job.id])).content.decode()
    assert "hx-trigger" not in status  # finished: the page stops polling

    download = client.get(reverse("jobs:download", args=[job.id]))
    assert download.status_code == 200
    rows = _rows(b"".join(download.streaming_content))
    assert {r[0] for r in rows} == {world.inside.person.name, world.inside.spouse.name}
    person = Person.objects.get(pk=world.inside.person.pk)
    assert person.id_number not in repr(rows) and person.id_number_masked in repr(rows)
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.count, entry.purpose, entry.user, entry.community_code) == (
        "export",
        2,
        "export_filing",
        community_worker,
        "350102004001",
    )


def test_a_running_job_page_polls(world, community_worker):
    job = Job.objects.create(kind=export_jobs.PERSON_EXPORT, owner=community_worker, total=10, done=4)
    job.status = JobStatus.RUNNING
    job.save()
    html = login(community_worker).get(reverse("jobs:status", args=[job.id])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "40%" in html
    assert reverse("jobs:download", args=[job.id]) not in html


def test_only_the_owner_still_allowed_to_export_may_download(world, community_worker, make_user):
    login(community_worker).post(
        reverse("registry:export"), {"purpose": "export_filing", "note": "季度走访名单"}
    )
    job = Job.objects.get()
    url = reverse("jobs:download", args=[job.id])
    colleague = make_user("community_head", "350102004001")
    for path in (url, reverse("jobs:detail", args=[job.id])):
        assert login(colleague).get(path).status_code == 404
    community_worker.assignments.all().delete()
    assert login(community_worker).get(url).status_code == 404
    assert AccessLogEntry.objects.count() == 1


def test_a_run_that_dies_part_way_is_retried_and_resumes_from_its_last_chunk(
    world, community_worker, monkeypatch, junmen
):
    for i in range(3):
        PersonFactory(community=junmen, name=f"补充{i}")
    monkeypatch.setattr(export_jobs, "CHUNK", 2)
    calls = {"rows": 0}
    real_row = exports._person_row

    def flaky_row(p):
        calls["rows"] += 1
        if calls["rows"] == 3:  # first row of the second chunk, on the first attempt
            raise OSError("disk hiccup")
        return real_row(p)

    monkeypatch.setattr(export_jobs, "_person_row", flaky_row)
    login(community_worker).post(
        reverse("registry:export"), {"purpose": "export_filing", "note": "季度走访名单"}
    )
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    # 5 rows made once each, plus the one that failed: the first chunk was not made again.
    assert calls["rows"] == 6
    rows = _rows(Path(job.result_path).read_bytes())
    assert len(rows) == 5 and len({r[0] for r in rows}) == 5
    assert AccessLogEntry.objects.get().count == 5


def test_export_above_the_limit_is_refused_before_queueing(world, community_worker, monkeypatch):
    monkeypatch.setattr(export_jobs, "MAX_EXPORT", 1)
    response = login(community_worker).post(
        reverse("registry:export"), {"purpose": "export_filing", "note": "季度走访名单"}
    )
    assert response.status_code == 400
    assert Job.objects.count() == 0 and AccessLogEntry.objects.count() == 0
