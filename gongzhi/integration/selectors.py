"""Every read of the integration app, scoped; and what departments may read of the register."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from gongzhi.core import pii
from gongzhi.core.audit import access_log_record
from gongzhi.core.errors import NotFound
from gongzhi.core.models import AccessAction, Department, RoleAssignment
from gongzhi.core.roles import ROLE_PERMISSIONS
from gongzhi.core.scoping import scope_q, scoped
from gongzhi.registry.codes import TagKind
from gongzhi.registry.models import Person, PersonTag

from . import codes
from .errors import error
from .models import (
    PERSON_FIELDS,
    PROVENANCE_FIELDS,
    CandidateState,
    Conflict,
    Field,
    FieldValue,
    ImportBatch,
    LinkCandidate,
    LinkDecision,
    Merge,
    RecordStatus,
    SharedField,
    SharingRule,
    Source,
    SourceRecord,
)
from .rules import DEPARTMENT_READ, IMPORT, MANAGE_SOURCES, REVIEW, VIEW_PROVENANCE

# --- sources and batches ------------------------------------------------------------------


def source_list(*, user, perm: str = MANAGE_SOURCES) -> QuerySet[Source]:
    qs = Source.objects.filter(scope_q(user, perm, field="department__region_id"))
    return qs.select_related("department", "department__region", "default_community").order_by(
        "department__name", "name"
    )


def user_departments(user, perm: str) -> list[Department]:
    """Departments the user works for under a role granting `perm`."""
    if user is None or not user.is_authenticated:
        return []
    rows = RoleAssignment.objects.filter(user=user, active=True, department__isnull=False).select_related(
        "department"
    )
    return [
        a.department for a in rows if a.department is not None and perm in ROLE_PERMISSIONS.get(a.role, ())
    ]


def importable_sources(*, user) -> QuerySet[Source]:
    """Sources the user may import into: by region, or their own department's."""
    by_region = source_list(user=user, perm=IMPORT)
    departments = [d.pk for d in user_departments(user, IMPORT)]
    if departments:
        return (by_region | Source.objects.filter(department_id__in=departments)).distinct()
    return by_region


def source_get(*, user, pk: int, perm: str = MANAGE_SOURCES) -> Source:
    source = source_list(user=user, perm=perm).filter(pk=pk).first()
    if source is None and perm == IMPORT:
        source = importable_sources(user=user).filter(pk=pk).first()
    if source is None:
        raise NotFound()
    return source


def batch_list(*, user, source: Source | None = None) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.filter(scope_q(user, IMPORT, field="region_id"))
    departments = [d.pk for d in user_departments(user, IMPORT)]
    if departments:
        qs = (qs | ImportBatch.objects.filter(source__department_id__in=departments)).distinct()
    if source is not None:
        qs = qs.filter(source=source)
    return qs.select_related("source", "source__department", "created_by").order_by("-created_at", "-id")


def batch_get(*, user, pk: int) -> ImportBatch:
    batch = batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise NotFound()
    return batch


def batch_records(*, batch: ImportBatch, show: str = "") -> QuerySet[SourceRecord]:
    qs = batch.records.select_related("person", "community")
    if show == "rejected":
        qs = qs.filter(status=RecordStatus.REJECTED)
    elif show == "matched":
        qs = qs.filter(decision__in=[LinkDecision.EXACT, LinkDecision.PROBABLE, LinkDecision.ACCEPTED])
    elif show == "created":
        qs = qs.filter(decision__in=[LinkDecision.CREATED, LinkDecision.SEPARATE])
    elif show == "review":
        qs = qs.filter(decision=LinkDecision.REVIEW)
    return qs.order_by("row_number")


# --- review ---------------------------------------------------------------------------------


def review_queue(*, user) -> QuerySet[LinkCandidate]:
    return (
        scoped(LinkCandidate.objects.filter(state=CandidateState.OPEN), user, REVIEW)
        .select_related("record", "record__source", "person", "community")
        .order_by("-probability", "id")
    )


def review_records(*, user) -> QuerySet[SourceRecord]:
    """The records waiting for a reviewer, with or without a candidate: each with its best
    open candidate's probability (``best``, None when nobody was offered) and how many are
    open (``offered``). Those with the likeliest candidate first, those with none last."""
    is_open = Q(candidates__state=CandidateState.OPEN)
    return (
        scoped(
            SourceRecord.objects.filter(
                status=RecordStatus.ACCEPTED, decision=LinkDecision.REVIEW, person__isnull=True
            ),
            user,
            REVIEW,
        )
        .select_related("source", "community")
        .annotate(
            best=Max("candidates__probability", filter=is_open), offered=Count("candidates", filter=is_open)
        )
        .order_by(F("best").desc(nulls_last=True), "pk")
    )


def review_record_get(*, user, pk: int) -> SourceRecord:
    record = (
        scoped(SourceRecord.objects.all(), user, REVIEW)
        .select_related("source", "batch", "community", "person")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise NotFound()
    return record


def record_candidates(record: SourceRecord) -> list[LinkCandidate]:
    """The people offered for a record, open ones first, likeliest first."""
    return sorted(
        LinkCandidate.objects.filter(record=record).select_related("person", "person__community"),
        key=lambda c: (c.state != CandidateState.OPEN, -(c.probability or 0.0), c.pk),
    )


def candidate_get(*, user, pk: int) -> LinkCandidate:
    candidate = (
        scoped(LinkCandidate.objects.all(), user, REVIEW)
        .select_related("record", "record__source", "record__batch", "person", "person__community")
        .filter(pk=pk)
        .first()
    )
    if candidate is None:
        raise NotFound()
    return candidate


@dataclass
class SideBySide:
    label: str
    record: str
    person: str
    agreement: str


def side_by_side(candidate: LinkCandidate) -> list[SideBySide]:
    """The record and the person field by field, personal data masked."""
    from .services import display_value

    r, p = candidate.record, candidate.person
    v = r.values
    agreements = candidate.agreements or {}
    rows = [
        (Field.NAME, v.get(Field.NAME, ""), p.name, agreements.get("name", "")),
        (Field.ID_NUMBER, r.id_number_masked, p.id_number_masked, agreements.get("id_number", "")),
        (
            Field.SEX,
            display_value(Field.SEX, v.get(Field.SEX, "")),
            display_value(Field.SEX, p.sex),
            agreements.get("sex", ""),
        ),
        (
            # The year only, beside the masked numbers; the agreement says whether the dates match.
            Field.BIRTH_DATE,
            masked_birth(v.get(Field.BIRTH_DATE, "")),
            masked_birth(p.birth_date),
            agreements.get("birth_date", ""),
        ),
        (Field.PHONE, r.phone_masked, p.phone_masked, agreements.get("phone", "")),
        (
            Field.COMMUNITY,
            str(r.community) if r.community_id else "",
            str(p.community),
            agreements.get("address", ""),
        ),
        (Field.ADDRESS, v.get(Field.ADDRESS, ""), p.address, agreements.get("address", "")),
    ]
    return [SideBySide(str(Field(f).label), a, b, agreement) for f, a, b, agreement in rows]


def masked_birth(value) -> str:
    """A birth date as the masked surfaces show it (the year): beside a masked identity
    number the full date would leave about one candidate number."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return f"{text[:4]}年" if len(text) >= 4 and text[:4].isdigit() else ""


def conflict_list(*, user, state: str = Conflict.State.OPEN) -> QuerySet[Conflict]:
    qs = scoped(Conflict.objects.all(), user, REVIEW)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("person", "community").order_by("-created_at", "-id")


def conflict_get(*, user, pk: int) -> Conflict:
    conflict = scoped(Conflict.objects.all(), user, REVIEW).select_related("person").filter(pk=pk).first()
    if conflict is None:
        raise NotFound()
    return conflict


def merge_list(*, user) -> QuerySet[Merge]:
    return scoped(Merge.objects.all(), user, REVIEW).select_related("kept", "by", "undone_by")


def merge_get(*, user, pk: int) -> Merge:
    merge = merge_list(user=user).filter(pk=pk).first()
    if merge is None:
        raise NotFound()
    return merge


def review_person_get(*, user, pk: int) -> Person:
    person = scoped(Person.objects.all(), user, REVIEW).select_related("community").filter(pk=pk).first()
    if person is None:
        raise NotFound()
    return person


# --- provenance -----------------------------------------------------------------------------


def person_provenance(person: Person, *, user=None) -> dict:
    """Where each field of a person came from and when, which value the register shows, the
    group tags with their department and validity, open conflicts and the linked records.
    With `user`, answers only when the user may see provenance for this person."""
    from .services import shown_values

    if user is not None and not user.has_perm(VIEW_PROVENANCE, person):
        raise NotFound()
    shown = shown_values(person)
    values = list(
        FieldValue.objects.filter(person=person)
        .select_related("source", "source__department", "recorded_by")
        .order_by("field", "-observed_on", "-id")
    )
    fields = []
    for name in PROVENANCE_FIELDS:
        rows = [fv for fv in values if fv.field == name]
        if not rows:
            continue
        chosen = shown.get(name)
        # What the register shows (for its own fields), which may follow from the identity
        # number rather than from a source (sex, birth date); the values that agree with it.
        current = _register_hash(person, name) if name in PERSON_FIELDS else None
        fields.append(
            {
                "field": name,
                "label": Field(name).label,
                "shown": _register_display(person, name)
                if current is not None
                else (chosen.display if chosen else ""),
                "values": [
                    {
                        "source": str(fv.source),
                        "display": masked_birth(fv.display) if name == Field.BIRTH_DATE else fv.display,
                        "observed_on": fv.observed_on,
                        "by": _who(fv.recorded_by) if fv.source.builtin else "",
                        "chosen": fv.value_hash == current
                        if current is not None
                        else chosen is not None and fv.pk == chosen.pk,
                    }
                    for fv in rows
                ],
            }
        )
    tags = list(
        PersonTag.objects.filter(person=person).select_related("source_department").order_by("-valid_from")
    )
    records = list(
        SourceRecord.objects.filter(person=person)
        .select_related("source", "source__department", "batch")
        .order_by("-batch__observed_on", "-id")
    )
    conflicts = list(Conflict.objects.filter(person=person, state=Conflict.State.OPEN))
    return {"person": person, "fields": fields, "tags": tags, "records": records, "conflicts": conflicts}


def _who(user) -> str:
    return (user.display_name or user.username) if user is not None else ""


def _register_value(person: Person, name: str) -> str:
    if name == Field.BIRTH_DATE:
        return person.birth_date.isoformat() if person.birth_date else ""
    if name == Field.ID_NUMBER:
        return person.id_number
    if name == Field.PHONE:
        return person.phone
    return getattr(person, name) or ""


def _register_hash(person: Person, name: str) -> str:
    from .services.provenance import _value_hash

    if name == Field.ID_NUMBER:
        return person.id_number_hash
    if name == Field.PHONE:
        return person.phone_hash
    value = _register_value(person, name)
    return _value_hash(name, value) if value else ""


def _register_display(person: Person, name: str) -> str:
    from .services import display_value

    if name == Field.ID_NUMBER:
        return person.id_number_masked
    if name == Field.PHONE:
        return person.phone_masked
    if name == Field.BIRTH_DATE:
        return masked_birth(person.birth_date)
    return display_value(name, _register_value(person, name))


# --- departments: what they may read -------------------------------------------------------


def user_department(user, department_id: int | None = None) -> Department:
    """The department the user reads for (the given one, or their first)."""
    assignments = RoleAssignment.objects.filter(
        user=user, active=True, department__isnull=False
    ).select_related("department", "department__region")
    departments = [
        a.department
        for a in assignments
        if a.department is not None and user.has_perm(DEPARTMENT_READ, a.department.region_id)
    ]
    if department_id is not None:
        departments = [d for d in departments if d.pk == department_id]
    if not departments:
        raise error("no_department")
    return departments[0]


def shared_fields(department: Department) -> list[str]:
    allowed = set(SharingRule.objects.filter(department_kind=department.kind).values_list("field", flat=True))
    return [f for f in SharedField.values if f in allowed]


def check_fields(department: Department, requested: list[str] | None) -> list[str]:
    """The fields to give: those asked for (all allowed ones by default); asking for one the
    department may not read is refused, not silently dropped."""
    allowed = shared_fields(department)
    if not requested:
        return allowed
    refused = [f for f in requested if f not in allowed]
    if refused:
        labels = "、".join(str(SharedField(f).label) if f in SharedField.values else f for f in refused)
        from gongzhi.core.errors import PermissionDenied

        raise PermissionDenied(error("field_not_shared", fields=labels).message, code="field_not_shared")
    return [f for f in allowed if f in requested]


def check_search(department: Department, *, q: str = "", tag: str = "") -> None:
    """A department may search only by fields shared with it: a name search needs the name,
    a group search the tags (else the search itself would tell what the rules withhold)."""
    needed: list[str] = []
    if (q or "").strip():
        needed.append(SharedField.NAME)
    if tag:
        needed.append(SharedField.TAGS)
    check_fields(department, needed)


def department_people(*, user, department: Department, q: str = "", tag: str = "") -> QuerySet[Person]:
    check_search(department, q=q, tag=tag)
    qs = scoped(Person.objects.all(), user, DEPARTMENT_READ).filter(
        community__code__startswith=department.region_id
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(name__startswith=q)
    if tag:
        from gongzhi.registry.selectors import current_tags_q

        qs = qs.filter(current_tags_q(tag))
    today = timezone.localdate()
    return (
        qs.select_related("community")
        .prefetch_related(
            Prefetch(
                "tags",
                queryset=PersonTag.objects.filter(valid_from__lte=today).select_related("source_department"),
                to_attr="shared_tags",
            )
        )
        .order_by("community_id", "name", "id")
    )


def _latest_values(people: list[Person], names: list[str]) -> dict[tuple[int, str], str]:
    """Fields the register does not hold (education): the latest value any source gave."""
    out: dict[tuple[int, str], str] = {}
    for fv in FieldValue.objects.filter(person__in=[p.pk for p in people], field__in=names).order_by(
        "observed_on", "id"
    ):
        out[(fv.person_id, fv.field)] = fv.value
    return out


def person_row(person: Person, fields: list[str], *, masked: bool, extra: dict | None = None) -> dict:
    """One person as a department sees them: only the allowed fields."""
    row: dict = {"id": person.pk}
    today = timezone.localdate()
    for f in fields:
        if f == SharedField.ID_NUMBER:
            row[f] = person.id_number_masked if masked else person.id_number
        elif f == SharedField.PHONE:
            row[f] = person.phone_masked if masked else person.phone
        elif f == SharedField.BIRTH_DATE:
            # Beside a masked number only the year: the full date would give the number away.
            if masked:
                row[f] = masked_birth(person.birth_date)
            else:
                row[f] = person.birth_date.isoformat() if person.birth_date else ""
        elif f == SharedField.COMMUNITY:
            row[f] = person.community_id
        elif f == SharedField.TAGS:
            row[f] = [
                {
                    "kind": t.kind,
                    "label": str(TagKind(t.kind).label) if t.kind in TagKind.values else t.kind,
                    "source": t.source,
                    "valid_from": t.valid_from.isoformat(),
                    "valid_to": t.valid_to.isoformat() if t.valid_to else None,
                }
                for t in getattr(person, "shared_tags", person.tags.all())
                if t.valid_to is None or t.valid_to >= today
            ]
        elif f == SharedField.EDUCATION:
            row[f] = (extra or {}).get((person.pk, f), "")
        else:
            row[f] = getattr(person, f) or ""
    return row


def department_read(
    *,
    user,
    department: Department,
    fields: list[str] | None,
    purpose: str,
    note: str = "",
    q: str = "",
    tag: str = "",
    offset: int = 0,
    limit: int = 50,
    masked: bool = True,
) -> tuple[list[str], int, list[dict]]:
    """A page of the residents in the department's region, with only the allowed fields.
    The read is written to the access log (with its purpose) before anything is returned."""
    fields = check_fields(department, fields)
    qs = department_people(user=user, department=department, q=q, tag=tag)
    total = qs.count()
    people = list(qs[offset : offset + limit])
    access_log_record(
        user=user,
        action=AccessAction.DEPARTMENT_READ,
        object_type="registry.person",
        object_id=str(people[0].pk) if len(people) == 1 else "",
        community_code=department.region_id,
        fields=fields,
        count=len(people),
        purpose=purpose,
        note=note,
    )
    extra = _latest_values(people, [SharedField.EDUCATION]) if SharedField.EDUCATION in fields else {}
    return fields, total, [person_row(p, fields, masked=masked, extra=extra) for p in people]


def department_sources(*, department: Department) -> QuerySet[Source]:
    return Source.objects.filter(department=department, active=True, builtin=False).order_by("name")


# Register field behind each of a source's columns, for exporting in its layout.
# Keyed by the target's value, as a source's columns store it.
_EXPORT_SHARED: dict[str, SharedField] = {
    Field.NAME: SharedField.NAME,
    Field.ID_NUMBER: SharedField.ID_NUMBER,
    Field.SEX: SharedField.SEX,
    Field.BIRTH_DATE: SharedField.BIRTH_DATE,
    Field.ETHNICITY: SharedField.ETHNICITY,
    Field.PHONE: SharedField.PHONE,
    Field.COMMUNITY: SharedField.COMMUNITY,
    Field.ADDRESS: SharedField.ADDRESS,
    Field.HUKOU_ADDRESS: SharedField.HUKOU_ADDRESS,
    Field.WORKPLACE: SharedField.WORKPLACE,
    Field.EDUCATION: SharedField.EDUCATION,
}


def export_rows(*, user, department: Department, source: Source, purpose: str, note: str = ""):
    """The residents of the department's region in the source's own layout (its columns and
    its own codes); columns for fields the department may not read stay empty. Logged."""
    if source.department_id != department.pk:
        raise NotFound()
    allowed = set(shared_fields(department))
    header = source.column_names
    people = list(department_people(user=user, department=department))
    access_log_record(
        user=user,
        action=AccessAction.EXPORT,
        object_type="registry.person",
        community_code=department.region_id,
        fields=sorted(
            {str(_EXPORT_SHARED[t]) for t in source.column_fields if t in _EXPORT_SHARED} & allowed
        ),
        count=len(people),
        purpose=purpose,
        note=note,
    )
    education = _latest_values(people, [SharedField.EDUCATION]) if SharedField.EDUCATION in allowed else {}
    external = {
        person_id: ext
        for person_id, ext in SourceRecord.objects.filter(source=source, person__in=[p.pk for p in people])
        .exclude(external_id="")
        .order_by("id")
        .values_list("person_id", "external_id")
    }
    rows = []
    for p in people:
        rows.append([_export_cell(p, t, source, allowed, education, external) for t in source.column_fields])
    return header, rows


def _export_cell(
    person: Person, target: str, source: Source, allowed: set, education: dict, external: dict
) -> str:
    if target == Field.EXTERNAL_ID:
        return external.get(person.pk, "")
    if target in (
        Field.TAG_KIND,
        Field.TAG_GRADE,
        Field.DISABILITY_CATEGORY,
        Field.TAG_VALID_FROM,
        Field.TAG_VALID_TO,
    ):
        if SharedField.TAGS not in allowed:
            return ""
        tag = next(
            (t for t in getattr(person, "shared_tags", []) if t.source_department_id == source.department_id),
            None,
        )
        if tag is None:
            return ""
        if target == Field.TAG_KIND:
            return codes.from_national(
                codes.CodeTable.TAG, tag.kind, source.code_maps.get(codes.CodeTable.TAG)
            )
        if target == Field.TAG_GRADE:
            return str(tag.grade or "")
        if target == Field.DISABILITY_CATEGORY:
            return tag.get_disability_category_display() if tag.disability_category else ""
        day = tag.valid_from if target == Field.TAG_VALID_FROM else tag.valid_to
        return day.isoformat() if day else ""
    shared = _EXPORT_SHARED.get(target)
    if shared is None or shared not in allowed:
        return ""
    if target == Field.ID_NUMBER:
        return person.id_number
    if target == Field.PHONE:
        return person.phone
    if target == Field.BIRTH_DATE:
        return person.birth_date.isoformat() if person.birth_date else ""
    if target == Field.COMMUNITY:
        return person.community_id
    table = codes.TABLE_OF_FIELD.get(target)
    if target == Field.EDUCATION:
        value = education.get((person.pk, target), "")
    else:
        value = getattr(person, target) or ""
    if table:
        return codes.from_national(table, codes.from_registry(table, value), source.code_maps.get(table))
    return value


def mask(value: str, kind: str) -> str:
    return pii.mask_id_number(value) if kind == "id" else pii.mask_phone(value)
