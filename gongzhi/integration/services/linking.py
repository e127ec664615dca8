"""Linking a record to a person (or registering one from it), and the reviewer's decisions
on the candidates and conflicts; a batch's counts follow each decision (batch_recount)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import idnumber
from gongzhi.core.errors import ApplicationError
from gongzhi.core.history import change_record
from gongzhi.core.permissions import require
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Person, PersonTag

from ..errors import error
from ..models import (
    CandidateState,
    Conflict,
    Field,
    FieldValue,
    ImportBatch,
    LinkCandidate,
    LinkDecision,
    RecordStatus,
    SourceRecord,
)
from ..rules import IMPORT, REVIEW
from ..workflow import REVIEW_WORKFLOW
from .provenance import (
    ORIGIN,
    _conflicts_refresh,
    _current_values,
    _registry_ethnicity,
    field_values_record,
    manual_observation_record,
    person_fields_apply,
)

# --- linking ----------------------------------------------------------------------------


def _person_data(record: SourceRecord) -> dict[str, Any]:
    v = record.values
    data: dict[str, Any] = {"name": v[Field.NAME], "sex": v.get(Field.SEX, "")}
    if v.get(Field.BIRTH_DATE):
        data["birth_date"] = v[Field.BIRTH_DATE]
    if record.id_number_hash:
        data["id_number"] = idnumber.parse(record.id_number).value
        data.pop("sex")
        data.pop("birth_date", None)
    if record.phone:
        data["phone"] = record.phone
    if v.get(Field.ETHNICITY):
        data["ethnicity"] = _registry_ethnicity(v[Field.ETHNICITY])
    for target in (Field.ADDRESS, Field.HUKOU_ADDRESS, Field.WORKPLACE):
        if v.get(target):
            data[str(target)] = v[target]
    return data


def _create_person(*, record: SourceRecord, by, perm: str, decision: str) -> SourceRecord:
    person = registry_services.person_create(
        by=by,
        community=record.community,
        data=_person_data(record),
        note=_("由%(source)s导入创建") % {"source": record.source.name},
        perm=perm,
        origin=ORIGIN,
    )
    return _link_to(
        record=record, person=person, decision=decision, probability=None, by=by, perm=perm, fresh=True
    )


def _link_to(
    *,
    record: SourceRecord,
    person: Person,
    decision: str,
    probability: float | None,
    by,
    perm: str = IMPORT,
    fresh: bool = False,
) -> SourceRecord:
    """Link the record to the person and take in its fields. ``fresh``: the person was just
    registered from this very record, so the register already shows its values and only a
    disagreement with its identity number can make a conflict."""
    record.person = person
    record.decision = decision
    record.probability = probability
    if decision in (LinkDecision.ACCEPTED, LinkDecision.SEPARATE):
        record.decided_by = by
        record.decided_at = timezone.now()
    record.save(update_fields=["person", "decision", "probability", "decided_by", "decided_at"])
    field_values_record(record=record, person=person)
    if fresh:
        if record.values.get("stated_birth_date") or record.values.get("stated_sex"):
            _conflicts_refresh(person, _current_values(person))
        _apply_tag(record=record, person=person, by=by, perm=perm)
    elif by is not None and by.has_perm(perm, person):
        person_fields_apply(person=person, by=by, perm=perm)
        _apply_tag(record=record, person=person, by=by, perm=perm)
    else:
        record.errors = [
            *record.errors,
            {
                "field": "",
                "level": "warning",
                "message": _("该居民登记在您的辖区以外，已记录来源，未更新居民信息。"),
            },
        ]
        record.save(update_fields=["errors"])
    return record


def _apply_tag(*, record: SourceRecord, person: Person, by, perm: str) -> None:
    v = record.values
    kind = v.get(Field.TAG_KIND)
    if not kind:
        return
    department = record.source.department
    today = timezone.localdate()
    current = PersonTag.objects.filter(person=person, kind=kind, source_department=department).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    if current.exists():
        return
    valid_from = dt.date.fromisoformat(v[Field.TAG_VALID_FROM]) if v.get(Field.TAG_VALID_FROM) else None
    valid_to = dt.date.fromisoformat(v[Field.TAG_VALID_TO]) if v.get(Field.TAG_VALID_TO) else None
    if valid_to is not None and valid_to < today:
        return  # an expired entitlement: nothing current to show
    try:
        with transaction.atomic():
            registry_services.person_tag_add(
                by=by,
                person=person,
                kind=kind,
                valid_from=valid_from,
                valid_to=valid_to,
                grade=v.get(Field.TAG_GRADE),
                disability_category=v.get(Field.DISABILITY_CATEGORY, ""),
                source_department=department,
                perm=perm,
            )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        # The register's facts contradict the tag (age, household, grade): keep the record,
        # do not tag, and say why in the batch report.
        record.errors = [
            *record.errors,
            {
                "field": Field.TAG_KIND,
                "level": "warning",
                "message": _("人群标签未加上：%(reason)s") % {"reason": exc.message},
            },
        ]
        record.save(update_fields=["errors"])


# --- review -----------------------------------------------------------------------------


def _lock_open(candidate: LinkCandidate, by, step: str) -> tuple[LinkCandidate, SourceRecord]:
    candidate = LinkCandidate.objects.select_for_update().get(pk=candidate.pk)
    record = (
        SourceRecord.objects.select_for_update().select_related("source", "batch").get(pk=candidate.record_id)
    )
    if candidate.state != CandidateState.OPEN:
        raise error("already_decided")
    REVIEW_WORKFLOW.require(step, record, by)
    return candidate, record


@transaction.atomic
def candidate_accept(*, by, candidate: LinkCandidate) -> SourceRecord:
    """The reviewer says the record is this person: link it and take in its fields."""
    require(by, REVIEW, candidate, hide=True)
    candidate, record = _lock_open(candidate, by, "link")
    now = timezone.now()
    LinkCandidate.objects.filter(pk=candidate.pk).update(
        state=CandidateState.ACCEPTED, decided_by=by, decided_at=now
    )
    LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).update(
        state=CandidateState.CLOSED, decided_by=by, decided_at=now
    )
    record = _link_to(
        record=record,
        person=candidate.person,
        decision=LinkDecision.ACCEPTED,
        probability=candidate.probability,
        by=by,
        perm=REVIEW,
    )
    batch_recount(record.batch)
    return record


@transaction.atomic
def candidate_reject(*, by, candidate: LinkCandidate) -> SourceRecord:
    """The reviewer says the record is not this person. When no candidate is left, the
    record is a person of its own and is registered — when it carries an identity number or
    a sex; else it waits for the reviewer to register it with a sex (``record_register``)."""
    require(by, REVIEW, candidate, hide=True)
    candidate, record = _lock_open(candidate, by, "reject")
    LinkCandidate.objects.filter(pk=candidate.pk).update(
        state=CandidateState.REJECTED, decided_by=by, decided_at=timezone.now()
    )
    registrable = bool(record.id_number_hash or record.values.get(Field.SEX))
    if registrable and not LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).exists():
        record = _create_person(record=record, by=by, perm=REVIEW, decision=LinkDecision.SEPARATE)
        batch_recount(record.batch)
    return record


@transaction.atomic
def record_register(
    *, by, record: SourceRecord, sex: str = "", birth_date: dt.date | str | None = None
) -> SourceRecord:
    """The reviewer says the record is none of the people offered (or nobody was offered):
    register it as a new person. Every open candidate is closed as rejected. A sex or birth
    date the row lacks may be given by the reviewer (kept as the reviewer's observation,
    社区采集); the record's own values are its department's. Logged in the record's history
    and the new person's."""
    require(by, REVIEW, record, hide=True)
    record = SourceRecord.objects.select_for_update().select_related("source", "batch").get(pk=record.pk)
    REVIEW_WORKFLOW.require("register", record, by)
    given: dict[str, Any] = {}
    if sex and not record.values.get(Field.SEX) and not record.id_number_hash:
        if sex not in ("M", "F"):
            raise error("bad_sex")
        given["sex"] = sex
    if birth_date and not record.values.get(Field.BIRTH_DATE) and not record.id_number_hash:
        try:
            day = birth_date if isinstance(birth_date, dt.date) else dt.date.fromisoformat(str(birth_date))
        except ValueError:
            raise error("bad_birth_date") from None
        if day > timezone.localdate() or day.year < 1900:
            raise error("bad_birth_date")
        given["birth_date"] = day.isoformat()
    if not record.id_number_hash and not (record.values.get(Field.SEX) or given.get("sex")):
        raise error("register_needs_sex")
    now = timezone.now()
    closed = list(
        LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).values_list(
            "person_id", flat=True
        )
    )
    LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).update(
        state=CandidateState.REJECTED, decided_by=by, decided_at=now
    )
    note = _("核对后登记为新居民：%(source)s 第%(n)d行") % {
        "source": record.source.name,
        "n": record.row_number,
    }
    person = registry_services.person_create(
        by=by,
        community=record.community,
        data={**_person_data(record), **given},
        note=note,
        perm=REVIEW,
        origin=ORIGIN,
    )
    if given:
        # what the reviewer supplied is their observation, not the department's
        manual_observation_record(person=person, changes=given, by=by)
    record = _link_to(
        record=record,
        person=person,
        decision=LinkDecision.SEPARATE,
        probability=None,
        by=by,
        perm=REVIEW,
        fresh=True,
    )
    change_record(
        obj=record,
        by=by,
        action="register_new",
        changes={"person": [None, person.pk], "candidates_rejected": closed, "given": given},
        note=note,
    )
    batch_recount(record.batch)
    return record


@transaction.atomic
def conflict_resolve(*, by, conflict: Conflict, value_id: int) -> Conflict:
    """Choose which source's value the register shows for this person's field."""
    require(by, REVIEW, conflict, hide=True)
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.state != Conflict.State.OPEN:
        raise error("conflict_resolved")
    chosen = FieldValue.objects.filter(
        pk=value_id, person_id=conflict.person_id, field=conflict.field
    ).first()
    if chosen is None:
        raise error("conflict_choice")
    conflict.state = Conflict.State.RESOLVED
    conflict.chosen = chosen
    conflict.resolved_by = by
    conflict.resolved_at = timezone.now()
    conflict.save()
    person_fields_apply(person=conflict.person, by=by, perm=REVIEW)
    return conflict


def batch_recount(batch: ImportBatch) -> None:
    """The batch's counts, always computed from its records (never incremented)."""
    agg = SourceRecord.objects.filter(batch=batch).aggregate(
        accepted=Count("id", filter=Q(status=RecordStatus.ACCEPTED)),
        rejected=Count("id", filter=Q(status=RecordStatus.REJECTED)),
        matched=Count(
            "id", filter=Q(decision__in=[LinkDecision.EXACT, LinkDecision.PROBABLE, LinkDecision.ACCEPTED])
        ),
        created=Count("id", filter=Q(decision__in=[LinkDecision.CREATED, LinkDecision.SEPARATE])),
        review=Count("id", filter=Q(decision=LinkDecision.REVIEW)),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(**agg)
    for key, value in agg.items():
        setattr(batch, key, value)
