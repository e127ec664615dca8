"""Registry work that runs in the background worker: large resident exports.

An export of more than EXPORT_BACKGROUND_ABOVE residents is a job: the worker reads the
residents in chunks ordered by id (keyset, so each chunk is the same whatever ran before),
saves each chunk's rows to the job's folder and its cursor in the job, and builds the
workbook at the end. A run that dies part-way resumes from the last saved chunk. The export
is written to the access log when the file is made, with its count and purpose, as the
immediate export is.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.audit import access_log_record, clean_purpose
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AccessAction
from gongzhi.core.permissions import require
from gongzhi.jobs.kinds import JobKind, JobOutput, job_kind_register
from gongzhi.jobs.services import job_dir, job_start

from .exports import MAX_EXPORT, _log_community, _person_row, _workbook_rows
from .rules import EXPORT_PERSON
from .selectors import person_list_page, person_search

PERSON_EXPORT = "registry.person_export"
CHUNK = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_background_above() -> int:
    """Exports of more residents than this run in the worker (default 3,000)."""
    return getattr(settings, "GONGZHI_EXPORT_BACKGROUND_ABOVE", 3000)


def person_export_start(
    *, by, purpose: str, note: str = "", filters: dict | None = None, count: int | None = None
):
    """Queue an export of the residents the user may export that match the filters."""
    require(by, EXPORT_PERSON)
    purpose, note = clean_purpose(purpose, note)
    filters = {k: v for k, v in (filters or {}).items() if v}
    if count is None:
        count = person_search(user=by, perm=EXPORT_PERSON, **filters).count()
    if count > MAX_EXPORT:
        raise ApplicationError(
            "export_too_large", _("符合条件的居民超过%(n)d人，请缩小查询范围后再导出。") % {"n": MAX_EXPORT}
        )
    return job_start(
        kind=PERSON_EXPORT, by=by, params={"purpose": purpose, "note": note, "filters": filters}, total=count
    )


def _person_export_run(job, progress) -> JobOutput:
    user = job.owner
    require(user, EXPORT_PERSON)  # the permission is checked again when the work is done
    filters = job.params.get("filters", {})
    qs = person_search(user=user, perm=EXPORT_PERSON, **filters)
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    state = dict(job.state or {})
    cursor, chunks, done = state.get("cursor", 0), state.get("chunks", 0), state.get("done", 0)
    if not state:
        progress.set_total(qs.count())
    with translation.override("zh-hans"):
        while True:
            people = list(person_list_page(qs.filter(pk__gt=cursor).order_by("pk"))[:CHUNK])
            if not people:
                break
            if done + len(people) > MAX_EXPORT:
                raise ApplicationError(
                    "export_too_large",
                    _("符合条件的居民超过%(n)d人，请缩小查询范围后再导出。") % {"n": MAX_EXPORT},
                )
            rows = [_person_row(p) for p in people]
            part = folder / f"part-{chunks:05d}.json"
            part.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            chunks, cursor, done = chunks + 1, people[-1].pk, done + len(people)
            progress.advance(done, state={"cursor": cursor, "chunks": chunks, "done": done})

    def all_rows():
        for i in range(chunks):
            path = folder / f"part-{i:05d}.json"
            yield from json.loads(path.read_text(encoding="utf-8"))

    content = _workbook_rows(all_rows())
    with transaction.atomic():
        access_log_record(
            user=user,
            action=AccessAction.EXPORT,
            object_type="registry.person",
            object_id="",
            community_code=_log_community(user, filters.get("community", "")),
            fields=["name", "id_number_masked", "phone_masked", "address"],
            count=done,
            purpose=job.params.get("purpose", ""),
            note=job.params.get("note", ""),
        )
    for i in range(chunks):
        (folder / f"part-{i:05d}.json").unlink(missing_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return JobOutput(filename=f"residents-{stamp}.xlsx", content=content)


job_kind_register(
    JobKind(
        name=PERSON_EXPORT,
        label=gettext_lazy("导出居民名单"),
        run=_person_export_run,
        may_download=lambda user, job: user.has_perm(EXPORT_PERSON),
        content_type=XLSX,
    )
)
