"""Import batches: a file or pushed rows, staged and linked in chunks.

An import is idempotent and resumable: a batch is keyed by (source, checksum of the file),
its rows are staged and linked in chunks, each chunk in one transaction together with the
batch's progress, and a row already staged (batch, row number) is never staged again. So a
run killed midway and started again ends exactly where an uninterrupted run would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Person

from .. import batchlink, params, readers
from ..errors import error
from ..models import (
    BatchState,
    Field,
    FieldValue,
    ImportBatch,
    LinkCandidate,
    LinkDecision,
    RecordStatus,
    Source,
    SourceRecord,
)
from ..rules import IMPORT
from .linking import _apply_tag, _person_data, batch_recount
from .provenance import (
    ORIGIN,
    _conflicts_refresh,
    _current_values,
    _field_values_of,
    conflicts_read,
    persons_fields_apply,
    values_read,
)
from .sources import _require_import
from .staging import _Context, stage_row

CHUNK_SIZE = 1000
MAX_PUSH_ROWS = 5000

# --- import batches ---------------------------------------------------------------------


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def _batch_get_or_create(
    *, by, source: Source, data: bytes, filename: str, kind: str, observed_on: dt.date | None
) -> tuple[ImportBatch, bool]:
    checksum = _checksum(data)
    existing = ImportBatch.objects.filter(source=source, checksum=checksum).first()
    if existing is not None:
        return existing, False
    batch = ImportBatch(
        source=source,
        region_id=source.region_id,
        kind=kind,
        filename=filename[:200],
        checksum=checksum,
        observed_on=observed_on or timezone.localdate(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    batch.file.save(f"{checksum}.{source.file_format}", ContentFile(data), save=False)
    batch.save()
    return batch, True


def batch_submit(
    *,
    by,
    source: Source,
    data: bytes,
    filename: str,
    kind: str = ImportBatch.Kind.FILE,
    observed_on: dt.date | None = None,
    run: bool = True,
) -> tuple[ImportBatch, bool]:
    """Take in an extract. The same file for the same source is the same batch: submitting
    it again returns that batch (new=False) and, if it had not finished, carries on."""
    _require_import(by, source)
    if source.builtin:
        raise error("source_builtin")
    if not source.active:
        raise error("source_inactive")
    rows = readers.read_rows(source.file_format, data)
    if next(iter(rows), None) is None:
        raise error("empty_file")
    batch, new = _batch_get_or_create(
        by=by, source=source, data=data, filename=filename, kind=kind, observed_on=observed_on
    )
    if run and batch.state != BatchState.DONE:
        batch_run(batch=batch, by=by)
        batch.refresh_from_db()
    return batch, new


def batch_push(*, by, source: Source, rows: list[dict], observed_on: dt.date | None = None, name: str = ""):
    """An API push: JSON rows in the source's own layout, taken in like a file."""
    if len(rows) > MAX_PUSH_ROWS:
        raise error("too_many_rows", n=MAX_PUSH_ROWS)
    data = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()
    if source.file_format != "json":
        # A push to a file source is read with the JSON reader all the same.
        source = Source.objects.get(pk=source.pk)
        source.file_format = "json"
    return batch_submit(
        by=by,
        source=source,
        data=data,
        filename=name or f"api-{timezone.localtime():%Y%m%d-%H%M%S}.json",
        kind=ImportBatch.Kind.API,
        observed_on=observed_on,
    )


def _batch_format(batch: ImportBatch) -> str:
    return "json" if batch.kind == ImportBatch.Kind.API else batch.source.file_format


def batch_run(
    *,
    batch: ImportBatch,
    by=None,
    chunk_size: int | None = None,
    progress: Callable[[ImportBatch], None] | None = None,
) -> ImportBatch:
    """Stage and link the rows not yet done, chunk by chunk. Safe to call again after an
    interruption, and concurrently: a chunk locks the batch row while it works.
    `progress` is called with the batch (its counts as committed) after each chunk."""
    by = by or batch.created_by
    chunk_size = chunk_size or CHUNK_SIZE
    _require_import(by, batch.source)
    with batch.file.open("rb") as f:
        data = f.read()
    ImportBatch.objects.filter(pk=batch.pk).exclude(state=BatchState.DONE).update(state=BatchState.RUNNING)
    batchlink.keys_sync()  # blocking keys of people a bulk loader put in since the last import
    ctx = _Context(batch.source, batch)
    rows = readers.read_rows(_batch_format(batch), data)
    total = 0
    chunk: list[tuple[int, dict[str, str]]] = []
    try:
        for index, (number, row) in enumerate(rows, start=1):
            total = index
            if index <= batch.rows_done:
                continue
            chunk.append((number, row))
            if len(chunk) >= chunk_size:
                done = _run_chunk(batch=batch, chunk=chunk, rows_done=index, by=by, ctx=ctx)
                chunk = []
                if progress is not None:
                    progress(done)
        if chunk:
            done = _run_chunk(batch=batch, chunk=chunk, rows_done=total, by=by, ctx=ctx)
            if progress is not None:
                progress(done)
    except BaseException as exc:  # an interrupted run (or a killed one) is taken up again later
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=BatchState.INTERRUPTED, error=str(exc)[:1000] or exc.__class__.__name__
        )
        raise
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != BatchState.DONE:
            # what this batch showed of the source's mistakes, kept for its next imports
            source = Source.objects.select_for_update().get(pk=batch.source_id)
            source.link_params = params.source_params(source, batch.link_counts, batch_pk=batch.pk)
            source.save(update_fields=["link_params"])
        batch.total_rows = total
        batch.state = BatchState.DONE
        batch.error = ""
        batch.finished_at = batch.finished_at or timezone.now()
        batch.save()
        batch_recount(batch)
    return batch


def _run_chunk(*, batch: ImportBatch, chunk, rows_done: int, by, ctx: _Context) -> ImportBatch:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        done = set(
            SourceRecord.objects.filter(batch=locked, row_number__in=[n for n, _row in chunk]).values_list(
                "row_number", flat=True
            )
        )
        staged = [
            stage_row(batch=locked, row_number=number, raw=row, ctx=ctx, save=False)
            for number, row in chunk
            if number not in done
        ]
        ctx.counts = params.empty()
        records_link(staged, by=by, ctx=ctx)
        locked.rows_done = max(locked.rows_done, rows_done)
        locked.link_counts = params.add(locked.link_counts, ctx.counts)
        locked.save(update_fields=["rows_done", "link_counts"])
        batch_recount(locked)
    ctx.learn(locked.link_counts)
    batch.rows_done = locked.rows_done
    return locked


_REVIEW_REASONS = {
    "number_only": _("身份号码与已登记居民相同，但姓名（或性别和出生日期）明显不同，请人工核对。"),
    "no_sex": _("没有有效身份号码，也没有性别，不能新建居民，请人工核对。"),
    "too_little": _("没有身份号码和出生日期，信息不足以识别或新建居民，请人工核对。"),
}


def records_link(records: list[SourceRecord], *, by, ctx: _Context | None = None) -> None:
    """Link a chunk of staged records at once (``batchlink``): candidates by indexed
    look-ups, one batch link, then each accepted record linked, registered or sent to
    review; a record the register refuses is kept as rejected with the reason. The chunk's
    records, field values and review candidates are written together, and the people it
    links to are brought up to date together (``persons_fields_apply``)."""
    accepted = [r for r in records if r.status == RecordStatus.ACCEPTED]
    rows = [
        batchlink.Row(
            record=r,
            id_raw=getattr(r, "_id_plain", None) if r.pk is None else r.id_number,
            phone=getattr(r, "_phone_plain", None) if r.pk is None else r.phone,
        )
        for r in accepted
    ]
    decisions = batchlink.decide(
        rows,
        batchlink.candidates(rows),
        model=ctx.model if ctx else None,
        counts=ctx.counts if ctx else None,
    )
    persons = Person.objects.in_bulk([d.person_pk for d in decisions if d.person_pk])
    created: dict[int, Person] = {}
    ended: dict[int, Person] = {}  # row → the person it was linked to or registered as
    linked: list[tuple[SourceRecord, Person, bool]] = []  # (record, person, registered from it)
    review: list[tuple[SourceRecord, list]] = []
    Action = batchlink.Action
    for k, (row, decision) in enumerate(zip(rows, decisions, strict=True)):
        record = row.record
        for lo, probability, agreements in decision.row_candidates:
            other = ended.get(lo)
            if other is None or _two_numbers(record, other):
                continue
            if all(pk != other.pk for pk, _p, _a in decision.candidates):
                decision.candidates.append((other.pk, probability, agreements))
        decision.candidates.sort(key=lambda c: -c[1])
        person = None
        if decision.action == Action.FOLLOW and decision.leader is not None:
            person = created.get(decision.leader)
        elif decision.action == Action.LINK:
            person = persons.get(decision.person_pk)
        if person is not None:
            record.person = person
            record.decision = LinkDecision.EXACT if decision.exact else LinkDecision.PROBABLE
            record.probability = decision.probability
            linked.append((record, person, False))
            ended[k] = person
        elif decision.action == Action.CREATE:
            person = _register_from(record=record, by=by)
            if person is not None:
                created[k] = ended[k] = person
                linked.append((record, person, True))
        else:
            record.decision = LinkDecision.REVIEW
            record.probability = decision.candidates[0][1] if decision.candidates else None
            if decision.reason in _REVIEW_REASONS:
                record.errors = [
                    *record.errors,
                    {"field": "", "level": "warning", "message": str(_REVIEW_REASONS[decision.reason])},
                ]
            review.append((record, decision.candidates))
    # Who may update the people linked to (outside the importer's region: provenance only).
    allowed: dict[int, bool] = {}
    for record, person, _fresh in linked:
        if person.pk not in allowed:
            allowed[person.pk] = by is not None and by.has_perm(IMPORT, person)
        if not allowed[person.pk]:
            record.errors = [
                *record.errors,
                {
                    "field": "",
                    "level": "warning",
                    "message": _("该居民登记在您的辖区以外，已记录来源，未更新居民信息。"),
                },
            ]
    saved = [r for r in records if r.pk is not None]
    SourceRecord.objects.bulk_create([r for r in records if r.pk is None])
    for r in saved:
        r.save()
    LinkCandidate.objects.bulk_create(
        [
            LinkCandidate(
                record=record,
                person_id=person_pk,
                # accepted records always have one (stage_values rejects a row without a community)
                community_id=record.community_id,  # type: ignore[misc]
                probability=probability,
                agreements=agreements,
            )
            for record, candidates in review
            for person_pk, probability, agreements in candidates
        ],
        ignore_conflicts=True,
    )
    stale: dict[int, Person] = {}
    for _record, person, fresh in linked:
        if allowed[person.pk] and not fresh:
            stale[person.pk] = person
    # The field values the people linked to had before this chunk, read before its own are
    # written (those are added from memory: no need to read them back).
    before = values_read(list(stale)) if stale else {}
    new_values = [
        fv for record, person, _fresh in linked for fv in _field_values_of(record=record, person=person)
    ]
    FieldValue.objects.bulk_create(new_values)
    for record, person, fresh in linked:
        stated = record.values.get("stated_birth_date") or record.values.get("stated_sex")
        if allowed[person.pk] and fresh and stated:
            _conflicts_refresh(person, _current_values(person))
    if stale:
        if all(fv.pk is not None for fv in new_values):
            for fv in new_values:
                if fv.person_id in before:
                    before[fv.person_id].append(fv)
            for values in before.values():
                values.sort(key=lambda fv: (fv.observed_on, fv.pk))
        else:  # a database that does not return the new rows' ids: read them back
            before = values_read(list(stale))
        # conflicts read now: a person registered by this chunk may have had one opened above
        conflicts = conflicts_read(list(stale))
        persons_fields_apply(
            persons=list(stale.values()),
            by=by,
            perm=IMPORT,
            preloaded={pk: (before[pk], conflicts[pk]) for pk in stale},
        )
    for record, person, _fresh in linked:
        if allowed[person.pk] and record.values.get(Field.TAG_KIND):
            _apply_tag(record=record, person=person, by=by, perm=IMPORT)


def _register_from(*, record: SourceRecord, by) -> Person | None:
    """A new person from the record; None (the record rejected with the reason) when the
    register refuses."""
    try:
        # person_create is atomic: a refusal leaves nothing behind
        person = registry_services.person_create(
            by=by,
            community=record.community,
            data=_person_data(record),
            note=_("由%(source)s导入创建") % {"source": record.source.name},
            perm=IMPORT,
            origin=ORIGIN,
        )
    except ApplicationError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        record.status = RecordStatus.REJECTED
        record.decision = LinkDecision.NONE
        record.errors = [
            *record.errors,
            {"field": exc.field or "", "level": "error", "message": str(exc.message)},
        ]
        return None
    record.person = person
    record.decision = LinkDecision.CREATED
    record.probability = None
    return person


def _two_numbers(record: SourceRecord, person: Person) -> bool:
    """Two valid, different identity numbers: two people, whatever else agrees."""
    return bool(
        record.id_number_hash and person.id_number_hash and record.id_number_hash != person.id_number_hash
    )


def record_link(*, record: SourceRecord, by) -> SourceRecord:
    """Link one accepted record (a chunk of one)."""
    records_link([record], by=by, ctx=None)
    record.refresh_from_db()
    return record
