"""Integration API (/api/integration/): department systems push their rows and read back
what they may; reviewers work the queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET

from . import selectors, services
from .rules import DEPARTMENT_READ, IMPORT, REVIEW, VIEW_PROVENANCE
from .workflow import REVIEW_WORKFLOW

router = Router(tags=["integration"])


class SourceOut(Schema):
    id: int
    name: str
    department: str
    department_kind: str
    file_format: str
    columns: list[list[str]]  # [column, register field] in the sheet's order
    trust_rank: int


class PushIn(Schema):
    rows: list[dict[str, Any]]
    observed_on: dt.date | None = None
    name: str = ""


class RowReport(Schema):
    row_number: int
    status: str
    decision: str
    person_id: int | None
    errors: list[dict[str, str]]


class BatchOut(Schema):
    id: int
    source_id: int
    kind: str
    filename: str
    state: str
    new: bool = False
    observed_on: dt.date
    total_rows: int
    accepted: int
    rejected: int
    matched: int
    created: int
    review: int
    rejected_rows: list[RowReport] = []


class PeopleOut(Schema):
    department: str
    fields: list[str]
    total: int
    offset: int
    items: list[dict[str, Any]]


class ExportOut(Schema):
    source: str
    header: list[str]
    rows: list[list[str]]


class CandidateOut(Schema):
    id: int
    probability: float
    agreements: dict[str, str]
    record_name: str
    person_id: int
    person_name: str
    community: str


class DecisionOut(Schema):
    record_id: int
    decision: str
    person_id: int | None


class OfferedOut(Schema):
    candidate_id: int
    person_id: int
    person_name: str
    probability: float
    agreements: dict[str, str]
    state: str


class ReviewRecordOut(Schema):
    id: int
    name: str
    source: str
    row_number: int
    community: str | None
    best: float | None  # the likeliest open candidate's probability; None when nobody is offered
    allowed_actions: list[str]  # "link", "reject", "register": what this user may do now
    candidates: list[OfferedOut]


class RegisterIn(Schema):
    sex: str = ""  # M or F, when the record has neither an identity number nor a sex
    birth_date: dt.date | None = None  # when the record has neither a number nor a birth date


def _batch_out(batch, new: bool = False) -> dict:
    rejected = [
        {
            "row_number": r.row_number,
            "status": r.status,
            "decision": r.decision,
            "person_id": r.person_id,
            "errors": r.errors,
        }
        for r in selectors.batch_records(batch=batch, show="rejected")[:1000]
    ]
    return {
        "id": batch.pk,
        "source_id": batch.source_id,
        "kind": batch.kind,
        "filename": batch.filename,
        "state": batch.state,
        "new": new,
        "observed_on": batch.observed_on,
        "total_rows": batch.total_rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "matched": batch.matched,
        "created": batch.created,
        "review": batch.review,
        "rejected_rows": rejected,
    }


@router.get("/sources", response=list[SourceOut])
def sources(request: HttpRequest):
    """The sources the caller may push into."""
    require(request.user, IMPORT)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "department": s.department.name,
            "department_kind": s.department.kind,
            "file_format": s.file_format,
            "columns": s.columns,
            "trust_rank": s.trust_rank,
        }
        for s in selectors.importable_sources(user=request.user)
    ]


@router.post("/sources/{source_id}/rows", response={200: BatchOut, 201: BatchOut})
def push_rows(request: HttpRequest, source_id: int, payload: PushIn):
    """Push rows in the source's own layout (its column names as keys). The same rows pushed
    again are the same batch and add nothing (200 instead of 201)."""
    source = selectors.source_get(user=request.user, pk=source_id, perm=IMPORT)
    batch, new = services.batch_push(
        by=request.user, source=source, rows=payload.rows, observed_on=payload.observed_on, name=payload.name
    )
    return Status(201 if new else 200, _batch_out(batch, new))


@router.get("/batches/{batch_id}", response=BatchOut)
def batch(request: HttpRequest, batch_id: int):
    return _batch_out(selectors.batch_get(user=request.user, pk=batch_id))


PURPOSE_HELP = (
    "必填：用途，取自法定用途清单（handle_demand、callback、home_visit、aid_check、"
    "department_assist、register_correction、export_filing），记入访问日志"
)


class ReadQuery(Schema):
    purpose: str = Field(description=PURPOSE_HELP)
    note: str = Field("", description="选填：用途的补充说明（不超过200字）")
    fields: str = ""
    q: str = ""
    tag: str = ""
    offset: int = Field(0, le=MAX_OFFSET)
    limit: int = 100
    department: int | None = None


@router.get("/department/people", response=PeopleOut)
def department_people(request: HttpRequest, params: Query[ReadQuery]):
    """The residents of the department's region, only the fields shared with the department.
    Asking for a field that is not shared is refused (403). Every read is logged."""
    require(request.user, DEPARTMENT_READ)
    department = selectors.user_department(request.user, params.department)
    requested = [f.strip() for f in params.fields.split(",") if f.strip()] or None
    limit = max(1, min(params.limit, 500))
    fields, total, rows = selectors.department_read(
        user=request.user,
        department=department,
        fields=requested,
        purpose=params.purpose,
        note=params.note,
        q=params.q,
        tag=params.tag,
        offset=max(params.offset, 0),
        limit=limit,
        masked=False,
    )
    return {
        "department": department.name,
        "fields": fields,
        "total": total,
        "offset": params.offset,
        "items": rows,
    }


@router.get("/department/export", response=ExportOut)
def department_export(
    request: HttpRequest, source: int, purpose: str, note: str = "", department: int | None = None
):
    """The residents in the layout of one of the department's sources. Logged as an export."""
    require(request.user, DEPARTMENT_READ)
    dept = selectors.user_department(request.user, department)
    src = selectors.department_sources(department=dept).filter(pk=source).first()
    if src is None:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    header, rows = selectors.export_rows(
        user=request.user, department=dept, source=src, purpose=purpose, note=note
    )
    return {"source": src.name, "header": header, "rows": rows}


@router.get("/people/{person_id}/provenance")
def provenance(request: HttpRequest, person_id: int):
    """Where each field of a person came from (personal data masked)."""
    from gongzhi.registry.selectors import person_get

    require(request.user, VIEW_PROVENANCE)
    person = person_get(user=request.user, pk=person_id, perm=VIEW_PROVENANCE)
    p = selectors.person_provenance(person, user=request.user)
    return {
        "person_id": person.pk,
        "fields": [
            {
                "field": f["field"],
                "shown": f["shown"],
                "values": [
                    {
                        "source": v["source"],
                        "value": v["display"],
                        "observed_on": v["observed_on"].isoformat(),
                        "chosen": v["chosen"],
                    }
                    for v in f["values"]
                ],
            }
            for f in p["fields"]
        ],
        "tags": [
            {
                "kind": t.kind,
                "source": t.source,
                "valid_from": t.valid_from.isoformat(),
                "valid_to": t.valid_to.isoformat() if t.valid_to else None,
            }
            for t in p["tags"]
        ],
        "open_conflicts": [c.field for c in p["conflicts"]],
    }


@router.get("/review", response=list[CandidateOut])
def review_queue(request: HttpRequest, limit: int = 100):
    require(request.user, REVIEW)
    return [
        {
            "id": c.pk,
            "probability": c.probability,
            "agreements": c.agreements,
            "record_name": c.record.values.get("name", ""),
            "person_id": c.person_id,
            "person_name": c.person.name,
            "community": c.community_id,
        }
        for c in selectors.review_queue(user=request.user)[: max(1, min(limit, 500))]
    ]


@router.post("/review/{candidate_id}/{action}", response=DecisionOut)
def review_decide(request: HttpRequest, candidate_id: int, action: str):
    """action: accept (the same person) or reject (not the same person)."""
    candidate = selectors.candidate_get(user=request.user, pk=candidate_id)
    if action == "accept":
        record = services.candidate_accept(by=request.user, candidate=candidate)
    elif action == "reject":
        record = services.candidate_reject(by=request.user, candidate=candidate)
    else:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    return {"record_id": record.pk, "decision": record.decision, "person_id": record.person_id}


@router.get("/review/records", response=list[ReviewRecordOut])
def review_records(request: HttpRequest, limit: int = 100):
    """Records waiting for review, with or without candidates, and what may be done with each."""
    require(request.user, REVIEW)
    out = []
    for r in selectors.review_records(user=request.user)[: max(1, min(limit, 500))]:
        out.append(
            {
                "id": r.pk,
                "name": r.values.get("name", ""),
                "source": r.source.name,
                "row_number": r.row_number,
                "community": r.community_id,
                "best": r.best,  # type: ignore[attr-defined]  # annotated by review_records
                "allowed_actions": REVIEW_WORKFLOW.allowed(r, request.user),
                "candidates": [
                    {
                        "candidate_id": c.pk,
                        "person_id": c.person_id,
                        "person_name": c.person.name,
                        "probability": c.probability,
                        "agreements": c.agreements,
                        "state": c.state,
                    }
                    for c in selectors.record_candidates(r)
                ],
            }
        )
    return out


@router.post("/review/records/{record_id}/register", response=DecisionOut)
def review_register(request: HttpRequest, record_id: int, payload: RegisterIn):
    """None of the people offered (or nobody was offered): register the record as a new person."""
    record = selectors.review_record_get(user=request.user, pk=record_id)
    record = services.record_register(
        by=request.user, record=record, sex=payload.sex, birth_date=payload.birth_date
    )
    return {"record_id": record.pk, "decision": record.decision, "person_id": record.person_id}
