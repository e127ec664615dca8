"""A job's page (polled by HTMX while it runs) and its download, for its owner only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .kinds import job_kind
from .services import job_for_owner, job_result_path


def _context(job):
    return {"job": job, "kind": job_kind(job.kind)}


@login_required
@require_GET
def job_detail(request, job_id):
    job = job_for_owner(user=request.user, job_id=job_id)
    return render(request, "jobs/detail.html", _context(job))


@login_required
@require_GET
def job_status(request, job_id):
    job = job_for_owner(user=request.user, job_id=job_id)
    return render(request, "jobs/_status.html", _context(job))


@login_required
@require_GET
def job_download(request, job_id):
    job, path = job_result_path(user=request.user, job_id=job_id)
    content_type = job_kind(job.kind).content_type
    disposition = f'attachment; filename="{job.result_name}"'
    internal = getattr(settings, "GONGZHI_X_ACCEL_REDIRECT", "")
    if internal:
        # nginx serves the file itself (docs/deploy.md): Django only decides who may have it.
        data_jobs = settings.DATA_DIR / "jobs"
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = internal.rstrip("/") + "/" + str(path.relative_to(data_jobs))
        response["Content-Disposition"] = disposition
        return response
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.result_name, content_type=content_type
    )
