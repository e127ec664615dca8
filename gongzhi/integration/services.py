"""Every write of the integration app: sources, import batches, linking, field provenance,
review decisions and sharing rules. Merges live in merging.py.

Edits made on the registry pages are observations too: registry.services.person_create and
person_update call the "person_changed" hook (this app's manifest) with what changed and where it
came from; person_changed keeps an edit of the community as the value of
the district's built-in source 社区采集, so that a later import weighs it like any other
source instead of silently overwriting a worker's correction.

An import is idempotent and resumable: a batch is keyed by (source, checksum of the file),
its rows are staged and linked in chunks, each chunk in one transaction together with the
batch's progress, and a row already staged (batch, row number) is never staged again. So a
run killed midway and started again ends exactly where an uninterrupted run would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import idnumber, pii
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.models import Department, DepartmentKind, Region, RegionLevel, RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.core.roles import ROLE_PERMISSIONS
from gongzhi.core.scoping import in_scope
from gongzhi.core.spreadsheets import cell_text
from gongzhi.core.text import bad_character, bad_character_message
from gongzhi.registry import services as registry_services
from gongzhi.registry.codes import ETHNICITIES, DisabilityCategory, TagKind
from gongzhi.registry.models import Person, PersonTag

from . import batchlink, codes, linkage, readers
from .errors import error
from .models import (
    PERSON_FIELDS,
    PROVENANCE_FIELDS,
    SENSITIVE_FIELDS,
    BatchState,
    CandidateState,
    Conflict,
    Field,
    FieldRule,
    FieldValue,
    ImportBatch,
    LinkCandidate,
    LinkDecision,
    RecordStatus,
    SharedField,
    SharingRule,
    Source,
    SourceRecord,
)
from .rules import IMPORT, MANAGE_SHARING, MANAGE_SOURCES, REVIEW

CHUNK_SIZE = 1000
MAX_PUSH_ROWS = 5000
_REGISTRY_ETHNICITIES = {code for code, _label in ETHNICITIES}
# Fields where a value entered on the registry pages is never replaced by a field rule alone:
# when a department disagrees, the register keeps the community's value and the conflict
# waits for a reviewer.
HELD_FIELDS = (Field.ID_NUMBER, Field.NAME, Field.BIRTH_DATE, Field.SEX, Field.PHONE)
# 社区采集 ranks first by default: community staff check at the door, and a correction is
# deliberate. A district can rank a department above it on the source page.
BUILTIN_TRUST_RANK = 1
BUILTIN_SOURCE_NAME = "社区采集"

# The origin this app passes to the register's person_create/person_update when it writes the
# register itself (applying field rules, creating a person from a record, merging): such writes
# are not observations of the community (see person_changed).
ORIGIN = "integration"


# --- sources ---------------------------------------------------------------------------


def _clean_source(
    *,
    department: Department,
    name: str,
    file_format: str,
    columns: dict[str, str] | list,
    code_maps: dict[str, dict[str, str]],
    trust_rank: int,
    default_community: Region | None,
    default_tag_kind: str,
) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise error("source_name_required")
    clean_columns: list[list[str]] = []
    seen: set[str] = set()
    pairs = columns.items() if isinstance(columns, dict) else columns or []
    for column, target in pairs:
        column = str(column).strip()
        if not column or not target:
            continue
        if target not in Field.values:
            raise error("unknown_field", column=column, field=target)
        if target in seen:
            raise error("duplicate_field", field=Field(target).label)
        seen.add(target)
        clean_columns.append([column, target])
    if Field.NAME not in seen:
        raise error("name_column_required")
    if Field.COMMUNITY not in seen and default_community is None:
        raise error("community_required")
    if default_community is not None and (
        default_community.level != RegionLevel.COMMUNITY
        or not default_community.code.startswith(department.region_id)
    ):
        raise error("community_outside", department=department.name)
    clean_maps: dict[str, dict[str, str]] = {}
    for table, mapping in (code_maps or {}).items():
        if table not in codes.CodeTable.values:
            raise error("unknown_table", table=table)
        known = codes.labels(table)
        clean: dict[str, str] = {}
        for own, national in (mapping or {}).items():
            own, national = str(own).strip(), str(national).strip()
            if not own:
                continue
            if national not in known:
                raise error("unknown_code", table=codes.CodeTable(table).label, code=national)
            clean[own] = national
        if clean:
            clean_maps[table] = clean
    try:
        trust_rank = int(trust_rank)
    except (TypeError, ValueError):
        raise error("trust_rank") from None
    if not 1 <= trust_rank <= 99:
        raise error("trust_rank")
    if default_tag_kind and default_tag_kind not in TagKind.values:
        raise error("unknown_tag", kind=default_tag_kind)
    return {
        "name": name,
        "file_format": file_format,
        "columns": clean_columns,
        "code_maps": clean_maps,
        "trust_rank": trust_rank,
        "default_community": default_community,
        "default_tag_kind": default_tag_kind or "",
    }


@transaction.atomic
def source_create(
    *,
    by,
    department: Department,
    name: str,
    file_format: str,
    columns: dict[str, str] | list,
    code_maps: dict[str, dict[str, str]] | None = None,
    trust_rank: int = 5,
    default_community: Region | None = None,
    default_tag_kind: str = "",
) -> Source:
    require(by, MANAGE_SOURCES, department.region_id)
    cleaned = _clean_source(
        department=department,
        name=name,
        file_format=file_format,
        columns=columns,
        code_maps=code_maps or {},
        trust_rank=trust_rank,
        default_community=default_community,
        default_tag_kind=default_tag_kind,
    )
    if Source.objects.filter(department=department, name=cleaned["name"]).exists():
        raise error("source_name_taken")
    return Source.objects.create(department=department, created_by=by, updated_by=by, **cleaned)


@transaction.atomic
def source_update(*, by, source: Source, **changes) -> Source:
    require(by, MANAGE_SOURCES, source, hide=True)
    if source.builtin:
        return _builtin_source_update(by=by, source=source, trust_rank=changes.get("trust_rank"))
    current = {
        "name": source.name,
        "file_format": source.file_format,
        "columns": source.columns,
        "code_maps": source.code_maps,
        "trust_rank": source.trust_rank,
        "default_community": source.default_community,
        "default_tag_kind": source.default_tag_kind,
    }
    active = changes.pop("active", source.active)
    current.update(changes)
    cleaned = _clean_source(department=source.department, **current)
    if (
        Source.objects.filter(department=source.department, name=cleaned["name"])
        .exclude(pk=source.pk)
        .exists()
    ):
        raise error("source_name_taken")
    for key, value in cleaned.items():
        setattr(source, key, value)
    source.active = bool(active)
    source.updated_by = by
    source.save()
    return source


def _builtin_source_update(*, by, source: Source, trust_rank) -> Source:
    """社区采集 has no layout to edit: only how far it is trusted."""
    if trust_rank is not None:
        try:
            trust_rank = int(trust_rank)
        except (TypeError, ValueError):
            raise error("trust_rank") from None
        if not 1 <= trust_rank <= 99:
            raise error("trust_rank")
        source.trust_rank = trust_rank
    source.updated_by = by
    source.save(update_fields=["trust_rank", "updated_by", "updated_at"])
    return source


def builtin_source(community_code: str) -> Source:
    """The district's 社区采集 source (with its department), created on first need.

    One per district rather than one for the whole system: trust ranks are weighed among a
    district's sources, sources are scoped by their department's region, and so each
    district's data officer sees it on the sources page and can rank it against the
    departments of that district."""
    district_code = community_code[:6]
    found = Source.objects.select_related("department").filter(
        builtin=True, department__region_id=district_code
    )
    source = found.first()
    if source is not None:
        return source
    district = Region.objects.filter(code=district_code).first() or Region.objects.get(code=community_code)
    try:
        with transaction.atomic():
            department, _new = Department.objects.get_or_create(
                code=f"community-{district.code}",
                defaults={
                    "name": f"{district.name}各社区",
                    "kind": DepartmentKind.OTHER,
                    "region": district,
                },
            )
            return Source.objects.create(
                department=department,
                name=BUILTIN_SOURCE_NAME,
                file_format="json",
                columns=[],
                trust_rank=BUILTIN_TRUST_RANK,
                builtin=True,
            )
    except IntegrityError:  # created by a concurrent edit meanwhile
        return found.get()


def parse_code_map(text: str) -> dict[str, str]:
    """“部门代码=国家标准代码” per line (the mapping editor's text box)."""
    out: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise error("bad_code_line", n=n)
        own, national = (part.strip() for part in line.split("=", 1))
        if not own or not national:
            raise error("bad_code_line", n=n)
        out[own] = national
    return out


# --- who may import into a source -------------------------------------------------------


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


def _require_import(by, source: Source) -> None:
    """District staff import into any source of their region; a department's own staff
    only into their department's sources."""
    if by is not None and by.is_superuser:
        return
    region_roles = RoleAssignment.objects.filter(user=by, active=True, region__isnull=False).values_list(
        "role", "region_id"
    )
    for role, code in region_roles:
        if IMPORT in ROLE_PERMISSIONS.get(role, ()) and source.region_id.startswith(code):
            return
    if any(d.pk == source.department_id for d in user_departments(by, IMPORT)):
        return
    if in_scope(by, IMPORT, source.region_id):
        raise error("wrong_department")
    raise PermissionDenied()


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
    batchlink.keys_sync()  # blocking keys of people registered or changed since the last import
    ctx = _Context(batch.source)
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
        records_link(staged, by=by, ctx=ctx)
        locked.rows_done = max(locked.rows_done, rows_done)
        locked.save(update_fields=["rows_done"])
        batch_recount(locked)
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
    decisions = batchlink.decide(rows, batchlink.candidates(rows), model=ctx.model if ctx else None)
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
    FieldValue.objects.bulk_create(
        [fv for record, person, _fresh in linked for fv in _field_values_of(record=record, person=person)]
    )
    stale = {}
    for record, person, fresh in linked:
        if not allowed[person.pk]:
            continue
        if fresh:
            if record.values.get("stated_birth_date") or record.values.get("stated_sex"):
                _conflicts_refresh(person, _current_values(person))
        else:
            stale[person.pk] = person
    if stale:
        persons_fields_apply(persons=list(stale.values()), by=by, perm=IMPORT)
    for record, person, _fresh in linked:
        if allowed[person.pk] and record.values.get(Field.TAG_KIND):
            _apply_tag(record=record, person=person, by=by, perm=IMPORT)
    batchlink.keys_sync(sorted({person.pk for _r, person, _f in linked}))


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


# --- staging one row ---------------------------------------------------------------------


_COMMUNITY_SUFFIXES = ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区")


def community_stem(name: str) -> str:
    """军门 for 军门社区, 军门社区居委会, 军门社区居民委员会 and 军门 itself."""
    name = re.sub(r"\s+", "", name or "")
    for suffix in _COMMUNITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Context:
    """What every row of a batch needs: the source, a cache of its communities and the
    linkage model."""

    def __init__(self, source: Source):
        self.source = source
        self.region = source.department.region_id
        self.model = linkage.DEFAULT_MODEL
        self._communities: dict[str, Region | None] = {}
        self._stems: dict[str, list[Region]] | None = None

    def _by_stem(self) -> dict[str, list[Region]]:
        if self._stems is None:
            self._stems = {}
            qs = Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith=self.region)
            for region in qs:
                self._stems.setdefault(community_stem(region.name), []).append(region)
        return self._stems

    def community(self, value: str) -> Region | None:
        """The community a row names: its 12-digit code, or its name in any of the usual
        spellings (with or without 社区 / 居委会 / 社区居委会), when that spelling names one
        community of the source's region."""
        value = value.strip()
        if value not in self._communities:
            found = None
            if value.isdigit():
                found = Region.objects.filter(
                    level=RegionLevel.COMMUNITY, code__startswith=self.region, code=value
                ).first()
            else:
                same = self._by_stem().get(community_stem(value), [])
                exact = [r for r in same if r.name == value]
                found = exact[0] if len(exact) == 1 else same[0] if len(same) == 1 else None
            self._communities[value] = found
        return self._communities[value]


@dataclass
class Staged:
    values: dict[str, Any] = field(default_factory=dict)
    id_raw: str = ""  # as typed, folded (may be mistyped)
    id_valid: str = ""  # the valid 18-character form, when there is one
    phone: str = ""
    community: Region | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def fail(self, field_name: str, message: str) -> None:
        self.errors.append({"field": field_name, "level": "error", "message": message})

    def warn(self, field_name: str, message: str) -> None:
        self.errors.append({"field": field_name, "level": "warning", "message": message})

    @property
    def ok(self) -> bool:
        return not any(e["level"] == "error" for e in self.errors)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: str) -> dt.date | None:
    """A date as departments write it; None when it cannot be read (ValueError if empty)."""
    value = value.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(value)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


_GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1级": 1, "2级": 2, "3级": 3, "4级": 4}
_DISABILITY_LABELS = {str(label): value for value, label in DisabilityCategory.choices}


def clean_name(raw: str) -> str:
    """The name the register shows: simplified characters, spaces removed; a middle dot
    between the parts of a transliterated name is kept in one form."""
    from .names import _t2s

    text = re.sub(r"\s+", "", raw or "")
    text = re.sub(r"[•‧・．.･\u00b7\u2022\u30fb]", "·", text)
    return _t2s().convert(text) if text and not text.isascii() else text


def stage_row(
    *, batch: ImportBatch, row_number: int, raw: dict[str, str], ctx: _Context, save: bool = True
) -> SourceRecord:
    """Validate and normalise one row and keep it, accepted or refused with its reasons
    (``save=False``: not saved yet — the chunk saves its records together)."""
    staged = stage_values(raw, ctx)
    values = staged.values
    record = SourceRecord(
        community=staged.community,
        batch=batch,
        source=ctx.source,
        row_number=row_number,
        external_id=str(values.get(Field.EXTERNAL_ID, ""))[:64],
        raw_encrypted=pii.encrypt(json.dumps(raw, ensure_ascii=False, sort_keys=True)),
        values=values,
        id_number_encrypted=pii.encrypt(staged.id_raw),
        id_number_hash=pii.keyed_hash(staged.id_valid),
        phone_encrypted=pii.encrypt(staged.phone),
        errors=staged.errors,
        status=RecordStatus.ACCEPTED if staged.ok else RecordStatus.REJECTED,
    )
    if staged.id_valid:
        values["id_valid"] = True
    record._id_plain, record._phone_plain = staged.id_raw, staged.phone  # no decrypting back
    if save:
        record.save()
    return record


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d{1,2}$")


def excel_mangled(cell: str, normalised: str) -> bool:
    """An identity number Excel stored as a float: shown in scientific notation
    (3.50102198705E+17), or written out with its last digits turned to zeros (at most 15
    significant digits survive) and so failing its check character."""
    text = cell.strip().replace(",", "")
    if _SCIENTIFIC.match(text):
        return True
    if re.fullmatch(r"\d{16,18}\.0+", text):
        return True
    if len(normalised) == 18 and normalised.isdigit() and normalised.endswith("000"):
        return not idnumber.is_valid(normalised)
    return False


def stage_values(raw: dict[str, str], ctx: _Context) -> Staged:  # noqa: C901 - one check per field
    source = ctx.source
    s = Staged()
    get = {target: (raw.get(column) or "").strip() for column, target in source.columns}
    for column, target in source.columns:  # control characters: refused (and never stored)
        char = bad_character(get.get(target, ""))
        if char:
            s.fail(target, str(bad_character_message(char, column)))
            get[target] = cell_text(get[target])
    maps = source.code_maps

    external = get.get(Field.EXTERNAL_ID, "")
    if len(external) > 64:  # refused, never cut: a cut number could name another record
        s.fail(Field.EXTERNAL_ID, _("编号超过64个字符。"))
    elif external:
        s.values[Field.EXTERNAL_ID] = external
    name = clean_name(get.get(Field.NAME, ""))
    if not name:
        s.fail(Field.NAME, _("姓名为空。"))
    elif len(name) > 50:
        s.fail(Field.NAME, _("姓名超过50个字。"))
    else:
        s.values[Field.NAME] = name

    # Community: a column (code or name), else the source's default.
    community_text = get.get(Field.COMMUNITY, "")
    if community_text:
        s.community = ctx.community(community_text)
        if s.community is not None and community_text not in (s.community.code, s.community.name):
            s.values["community_written"] = community_text
            s.warn(
                Field.COMMUNITY,
                _("社区“%(c)s”按“%(name)s”（%(code)s）识别。")
                % {"c": community_text, "name": s.community.name, "code": s.community.code},
            )
        if s.community is None:
            s.fail(
                Field.COMMUNITY,
                _("社区“%(c)s”不存在或不在本部门辖区内（请填写12位区划代码或社区名称）。")
                % {"c": community_text},
            )
    elif source.default_community_id:
        s.community = source.default_community
    else:
        s.fail(Field.COMMUNITY, _("没有填写所属社区。"))
    if s.community is not None:
        s.values[Field.COMMUNITY] = s.community.code

    # Identity number: a valid one (or a 15-digit one upgraded) is used for exact linking;
    # a mistyped one is kept for comparison only; one Excel cut to 15 significant digits
    # is unknown (not evidence against anyone).
    id_cell = get.get(Field.ID_NUMBER, "")
    id_text = idnumber.normalise(id_cell)
    parsed = None
    if id_text and excel_mangled(id_cell, id_text):
        s.values["id_mangled"] = True
        s.warn(
            Field.ID_NUMBER,
            _("身份号码“%(v)s”已被Excel截断为15位有效数字，按未知处理，不用于比对。") % {"v": id_cell[:24]},
        )
    elif id_text:
        s.id_raw = id_text
        try:
            parsed = idnumber.parse(id_text)
            s.id_valid = parsed.value
            if parsed.upgraded_from_15:
                s.warn(Field.ID_NUMBER, _("15位身份号码已升为18位。"))
        except idnumber.IdNumberError as exc:
            s.warn(
                Field.ID_NUMBER,
                _("身份号码无效（%(reason)s），仅用于比对，不写入居民信息。") % {"reason": exc.message},
            )

    # Sex and birth date: a valid number outranks what the row says; a disagreement is kept
    # (stated_*) and shown as a conflict on the person's provenance panel.
    sex_text = get.get(Field.SEX, "")
    sex = ""
    if sex_text:
        national = codes.to_national(codes.CodeTable.SEX, sex_text, maps.get(codes.CodeTable.SEX))
        if national is None:
            s.fail(Field.SEX, _("性别代码“%(v)s”无法识别，请在数据源的代码对照中补充。") % {"v": sex_text})
        else:
            sex = codes.to_registry(codes.CodeTable.SEX, national)
    if parsed is not None:
        if sex and sex != parsed.sex:
            s.values["stated_sex"] = sex
            s.warn(Field.SEX, _("性别与身份号码不符（号码第17位表示性别），以号码为准，已列为数据冲突。"))
        sex = parsed.sex
    if sex:
        s.values[Field.SEX] = sex

    birth_text = get.get(Field.BIRTH_DATE, "")
    birth = None
    if birth_text:
        birth = parse_date(birth_text)
        if birth is None:
            s.fail(Field.BIRTH_DATE, _("出生日期“%(v)s”无法识别，请写成 1980-05-17。") % {"v": birth_text})
        elif birth > timezone.localdate():
            s.fail(Field.BIRTH_DATE, _("出生日期晚于今天。"))
            birth = None
    if parsed is not None:
        if birth and birth != parsed.birth_date:
            s.values["stated_birth_date"] = birth.isoformat()
            s.warn(
                Field.BIRTH_DATE,
                _("出生日期与身份号码不符（号码第7–14位为出生日期），以号码为准，已列为数据冲突。"),
            )
        birth = parsed.birth_date
    if birth:
        s.values[Field.BIRTH_DATE] = birth.isoformat()
    if not s.id_valid and not sex and not any(e["field"] == Field.SEX for e in s.errors):
        if birth is None:
            s.fail(
                Field.SEX,
                _("没有有效身份号码、性别和出生日期，仅凭姓名无法识别是哪位居民。"),
            )
        else:
            s.warn(Field.SEX, _("没有有效身份号码和性别：只能匹配已登记的居民，不能新建。"))

    for target, table in (
        (Field.ETHNICITY, codes.CodeTable.ETHNICITY),
        (Field.EDUCATION, codes.CodeTable.EDUCATION),
        (Field.RELATIONSHIP, codes.CodeTable.RELATIONSHIP),
    ):
        text = get.get(target, "")
        if not text:
            continue
        national = codes.to_national(table, text, maps.get(table))
        if national is None:
            s.fail(
                target,
                _("%(field)s代码“%(v)s”无法识别，请在数据源的代码对照中补充。")
                % {"field": Field(target).label, "v": text},
            )
        else:
            s.values[target] = national

    phone_text = get.get(Field.PHONE, "")
    if phone_text:
        try:
            s.phone = idnumber.normalise_phone(phone_text)
        except ApplicationError:
            s.warn(Field.PHONE, _("电话号码“%(v)s”格式不正确，未采用。") % {"v": pii.mask_phone(phone_text)})

    for target, limit in ((Field.ADDRESS, 200), (Field.HUKOU_ADDRESS, 200), (Field.WORKPLACE, 100)):
        text = get.get(target, "")
        if text:
            if len(text) > limit:
                s.fail(target, _("%(field)s超过%(n)d个字。") % {"field": Field(target).label, "n": limit})
            else:
                s.values[target] = text

    # Group tag: a column, or every row of the source (a disabled persons' federation list).
    tag_text = get.get(Field.TAG_KIND, "")
    tag = ""
    if tag_text:
        tag = codes.to_national(codes.CodeTable.TAG, tag_text, maps.get(codes.CodeTable.TAG)) or ""
        if not tag:
            s.fail(
                Field.TAG_KIND, _("人群类别“%(v)s”无法识别，请在数据源的代码对照中补充。") % {"v": tag_text}
            )
    elif source.default_tag_kind:
        tag = source.default_tag_kind
    if tag:
        s.values[Field.TAG_KIND] = tag
        grade_text = get.get(Field.TAG_GRADE, "")
        if grade_text:
            grade = _GRADES.get(grade_text) or (int(grade_text) if grade_text.isdigit() else 0)
            if not 1 <= grade <= 4:
                s.fail(Field.TAG_GRADE, _("残疾等级“%(v)s”应为1–4级。") % {"v": grade_text})
            else:
                s.values[Field.TAG_GRADE] = grade
        category_text = get.get(Field.DISABILITY_CATEGORY, "")
        if category_text:
            category = _DISABILITY_LABELS.get(category_text) or (
                category_text if category_text in DisabilityCategory.values else ""
            )
            if not category:
                s.fail(Field.DISABILITY_CATEGORY, _("残疾类别“%(v)s”无法识别。") % {"v": category_text})
            else:
                s.values[Field.DISABILITY_CATEGORY] = category
        for target in (Field.TAG_VALID_FROM, Field.TAG_VALID_TO):
            text = get.get(target, "")
            if text:
                day = parse_date(text)
                if day is None:
                    s.fail(
                        target, _("%(field)s“%(v)s”无法识别。") % {"field": Field(target).label, "v": text}
                    )
                else:
                    s.values[target] = day.isoformat()
        start, end = s.values.get(Field.TAG_VALID_FROM), s.values.get(Field.TAG_VALID_TO)
        if start and end and end < start:
            s.fail(Field.TAG_VALID_TO, _("失效日期早于认定日期。"))
        _check_tag_facts(s, tag, birth)
    return s


def _check_tag_facts(s: Staged, tag: str, birth: dt.date | None) -> None:
    """The facts a tag rests on, as far as the row shows them (the register checks the rest
    when the tag is applied: registry.services.tag_facts_check)."""
    label = str(TagKind(tag).label) if tag in TagKind.values else tag
    min_age = registry_services.TAG_MIN_AGE.get(TagKind(tag)) if tag in TagKind.values else None
    if min_age and birth is not None:
        on = (
            dt.date.fromisoformat(s.values[Field.TAG_VALID_FROM])
            if s.values.get(Field.TAG_VALID_FROM)
            else None
        )
        age = registry_services.age_on(birth, on or timezone.localdate())
        if age < min_age:
            s.fail(
                Field.TAG_KIND,
                _("“%(tag)s”要求年满%(min)d周岁，该行人员为%(age)d岁。")
                % {"tag": label, "min": min_age, "age": age},
            )
    if tag == TagKind.DISABLED and not s.values.get(Field.TAG_GRADE):
        s.fail(Field.TAG_GRADE, _("“残疾人”须填写残疾等级（1–4级）。"))
    elif tag != TagKind.DISABLED and (
        s.values.get(Field.TAG_GRADE) or s.values.get(Field.DISABILITY_CATEGORY)
    ):
        s.fail(Field.TAG_GRADE, _("只有“残疾人”才填写残疾等级和类别。"))


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


def _registry_ethnicity(code: str) -> str:
    return code if code in _REGISTRY_ETHNICITIES else "97"


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


# --- field provenance --------------------------------------------------------------------


def display_value(field_name: str, plain: str) -> str:
    if field_name == Field.ID_NUMBER:
        return pii.mask_id_number(plain)
    if field_name == Field.PHONE:
        return pii.mask_phone(plain)
    if field_name == Field.SEX:
        return {"M": "男", "F": "女"}.get(plain, plain)
    table = codes.TABLE_OF_FIELD.get(field_name)
    if table and table != codes.CodeTable.SEX:
        return codes.labels(table).get(plain, plain)
    return plain


def field_values_record(*, record: SourceRecord, person: Person) -> None:
    """Keep what the record says about each field of the person, with the extract's date."""
    existing = set(FieldValue.objects.filter(record=record).values_list("field", flat=True))
    FieldValue.objects.bulk_create(
        [fv for fv in _field_values_of(record=record, person=person) if fv.field not in existing]
    )


def _field_values_of(*, record: SourceRecord, person: Person) -> list[FieldValue]:
    """The record's field values for the person (unsaved)."""
    v = record.values
    plain: dict[str, str] = {
        f: str(v[f]) for f in PROVENANCE_FIELDS if v.get(f) and f not in SENSITIVE_FIELDS
    }
    # What the row said, where it contradicted its identity number (the register follows
    # the number; the disagreement is listed as a conflict).
    if v.get("stated_birth_date"):
        plain[Field.BIRTH_DATE] = v["stated_birth_date"]
    if v.get("stated_sex"):
        plain[Field.SEX] = v["stated_sex"]
    id_plain = getattr(record, "_id_plain", None)
    phone = getattr(record, "_phone_plain", None)
    if record.id_number_hash:
        plain[Field.ID_NUMBER] = idnumber.parse(record.id_number if id_plain is None else id_plain).value
    phone = record.phone if phone is None else phone
    if phone:
        plain[Field.PHONE] = phone
    rows = []
    for name, value in plain.items():
        sensitive = name in SENSITIVE_FIELDS
        rows.append(
            FieldValue(
                community_id=person.community_id,
                person=person,
                field=name,
                value=pii.encrypt(value) if sensitive else value,
                value_hash=_value_hash(name, value),
                display=display_value(name, value)[:200],
                source=record.source,
                record=record,
                observed_on=record.batch.observed_on,
            )
        )
    return rows


def _register_plain(person: Person, name: str) -> tuple[str, str]:
    """A register field of the person as (plain value, value hash)."""
    if name == Field.ID_NUMBER:
        return person.id_number, person.id_number_hash
    if name == Field.PHONE:
        return person.phone, person.phone_hash
    if name == Field.BIRTH_DATE:
        value = person.birth_date.isoformat() if person.birth_date else ""
    else:
        value = str(getattr(person, name) or "")
    return value, _value_hash(name, value) if value else ""


def person_changed(*, person: Person, changes, by, origin: str) -> list[FieldValue]:
    """The register's "person_changed" hook (declared in this app's manifest): called by
    registry.services.person_create (every field given) and person_update (the fields that
    changed), inside their transaction. Writes this app makes itself (origin ORIGIN: applying
    field rules, creating a person from a department's record, merging) are not observations
    of the community and are skipped; every other origin (the registry's pages, API and
    spreadsheet import) is kept as 社区采集."""
    if origin == ORIGIN:
        return []
    return manual_observation_record(person=person, changes=changes, by=by)


def manual_observation_record(*, person: Person, changes, by) -> list[FieldValue]:
    """Keep what community staff entered on the registry pages as values of the district's
    built-in source 社区采集, dated the day of the edit (the time and who are kept too).
    `changes` is anything keyed by the register's field names. Where a department already
    says otherwise, the conflict is listed at once."""
    names = [f for f in PERSON_FIELDS if str(f) in changes]
    if not names:
        return []
    source = builtin_source(person.community_id)
    who = by if by is not None and by.is_authenticated else None
    today, now = timezone.localdate(), timezone.now()
    rows = []
    for name in names:
        plain, value_hash = _register_plain(person, name)
        if not plain and name in (Field.NAME, Field.ID_NUMBER, Field.SEX):
            continue  # kept as it was (an empty identity-number box keeps the number)
        sensitive = name in SENSITIVE_FIELDS
        rows.append(
            FieldValue(
                community_id=person.community_id,
                person=person,
                field=name,
                value=pii.encrypt(plain) if sensitive and plain else plain,
                value_hash=value_hash,
                display=(display_value(name, plain) if plain else _("（已清空）"))[:200],
                source=source,
                record=None,
                observed_on=today,
                recorded_by=who,
                created_at=now,
            )
        )
    created = FieldValue.objects.bulk_create(rows)
    observed = [fv.field for fv in rows]
    if FieldValue.objects.filter(person=person, field__in=observed, source__builtin=False).exists():
        current = _current_values(person)
        _conflicts_refresh(person, {name: current[name] for name in observed if name in current})
    return created


def _value_hash(field_name: str, value: str) -> str:
    if field_name == Field.PHONE:
        return pii.keyed_hash(value, purpose="phone")
    if field_name == Field.ID_NUMBER:
        return pii.keyed_hash(value)
    return hashlib.sha256(value.encode()).hexdigest()


def _current_values(
    person: Person, values: Iterable[FieldValue] | None = None
) -> dict[str, list[FieldValue]]:
    """Per field, each source's latest value (``values``: the person's field values, already
    read, in (observed_on, id) order)."""
    latest: dict[tuple[str, int], FieldValue] = {}
    if values is None:
        values = (
            FieldValue.objects.filter(person=person).select_related("source").order_by("observed_on", "id")
        )
    for fv in values:
        latest[(fv.field, fv.source_id)] = fv
    out: dict[str, list[FieldValue]] = {}
    for (name, _source), fv in latest.items():
        out.setdefault(name, []).append(fv)
    return out


def _resolved_order(conflict: Conflict) -> tuple[dt.datetime, int]:
    """Resolved conflicts, oldest decision first (one resolved before resolved_at was kept: first)."""
    return (conflict.resolved_at or _LONG_AGO, conflict.pk)


_LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _rules() -> dict[str, str]:
    return dict(FieldRule.objects.values_list("field", "rule"))


def choose(values: list[FieldValue], rule: str) -> FieldValue:
    if rule == FieldRule.Rule.MOST_RECENT:
        return max(values, key=lambda fv: (fv.observed_on, -fv.source.trust_rank, fv.id))
    return min(values, key=lambda fv: (fv.source.trust_rank, -fv.observed_on.toordinal(), -fv.id))


def _conflict_summary(values: list[FieldValue]) -> list[dict[str, Any]]:
    return [
        {
            "value_id": fv.pk,
            "source": str(fv.source),
            "display": fv.display,
            "observed_on": fv.observed_on.isoformat(),
        }
        for fv in sorted(values, key=lambda fv: (fv.source.trust_rank, fv.pk))
    ]


def _latest_manual(values: list[FieldValue]) -> FieldValue | None:
    """The newest value entered on the registry pages (社区采集) among a field's values."""
    manual = [fv for fv in values if fv.source.builtin]
    return max(manual, key=lambda fv: (fv.created_at, fv.pk)) if manual else None


def _manual_since(values: list[FieldValue], decision: Conflict) -> bool:
    """A worker entered a different value after the reviewer's decision: it stands again."""
    manual = _latest_manual(values)
    return (
        manual is not None
        and manual.pk != decision.chosen_id
        and decision.resolved_at is not None
        and manual.created_at > decision.resolved_at
    )


def shown_values(
    person: Person,
    *,
    current: dict[str, list[FieldValue]] | None = None,
    conflicts: list[Conflict] | None = None,
    rules: dict[str, str] | None = None,
) -> dict[str, FieldValue]:
    """The value each field shows: a reviewer's choice; else the field's rule — except that
    for the held fields a value entered by the community stays until a reviewer decides
    when a department disagrees with it. (``current``, ``conflicts``, ``rules``: already read.)"""
    rules = _rules() if rules is None else rules
    chosen: dict[str, FieldValue] = {}
    if conflicts is None:
        conflicts = list(
            Conflict.objects.filter(person=person, state=Conflict.State.RESOLVED, chosen__isnull=False)
        )
    resolved = [c for c in conflicts if c.state == Conflict.State.RESOLVED and c.chosen_id is not None]
    decided = {c.field: c for c in sorted(resolved, key=_resolved_order)}
    for name, values in (_current_values(person) if current is None else current).items():
        decision = decided.get(name)
        pick = None
        if decision is not None and not _manual_since(values, decision):
            pick = next((fv for fv in values if fv.pk == decision.chosen_id), None)
        if pick is None:
            pick = choose(values, rules.get(name, FieldRule.Rule.MOST_TRUSTED))
            manual = _latest_manual(values) if name in HELD_FIELDS else None
            if manual is not None and pick.value_hash != manual.value_hash:
                pick = manual  # held for review (the conflict is listed)
        chosen[name] = pick
    return chosen


def _number_says(person: Person) -> dict[str, str]:
    """Sex and birth date as the person's identity number gives them (the register follows
    the number): value hash per field."""
    if not person.id_number_hash:
        return {}
    out: dict[str, str] = {}
    if person.birth_date:
        out[Field.BIRTH_DATE] = _value_hash(Field.BIRTH_DATE, person.birth_date.isoformat())
    if person.sex:
        out[Field.SEX] = _value_hash(Field.SEX, person.sex)
    return out


def _conflicts_refresh(
    person: Person, current: dict[str, list[FieldValue]], conflicts: list[Conflict] | None = None
) -> None:
    """Open, update or close the person's conflicts (``conflicts``: all of them, already read)."""
    number = _number_says(person)
    if conflicts is None:
        conflicts = list(Conflict.objects.filter(person=person))
    for name, values in current.items():
        distinct = {fv.value_hash for fv in values}
        if name in number:
            distinct.add(number[name])
        open_conflict = next(
            (c for c in conflicts if c.field == name and c.state == Conflict.State.OPEN), None
        )
        if len(distinct) <= 1:
            if open_conflict is not None:
                open_conflict.state = Conflict.State.RESOLVED
                open_conflict.resolved_at = timezone.now()
                open_conflict.save(update_fields=["state", "resolved_at"])
            continue
        summary = _conflict_summary(values)
        if name in number and all(fv.value_hash != number[name] for fv in values):
            if name == Field.BIRTH_DATE:
                plain = person.birth_date.isoformat() if person.birth_date else ""
            else:
                plain = person.sex
            summary.append(
                {
                    "value_id": None,
                    "source": str(_("身份号码")),
                    "display": display_value(name, plain),
                    "observed_on": "",
                }
            )
        if open_conflict is not None:
            if open_conflict.values != summary:
                open_conflict.values = summary
                open_conflict.save(update_fields=["values"])
            continue
        resolved = max(
            (
                c
                for c in conflicts
                if c.field == name and c.state == Conflict.State.RESOLVED and c.chosen_id is not None
            ),
            key=_resolved_order,
            default=None,
        )
        if (
            resolved is not None
            and resolved.chosen_id in {fv.pk for fv in values}
            and not _manual_since(values, resolved)
        ):
            continue  # a reviewer already chose among these values
        conflicts.append(
            Conflict.objects.create(
                community_id=person.community_id, person=person, field=name, values=summary
            )
        )


def persons_fields_apply(*, persons: list[Person], by, perm: str) -> None:
    """``person_fields_apply`` for many people, their field values, conflicts and register
    rows read together."""
    pks = [p.pk for p in persons]
    values: dict[int, list[FieldValue]] = {pk: [] for pk in pks}
    conflicts: dict[int, list[Conflict]] = {pk: [] for pk in pks}
    fresh: dict[int, Person] = {}
    for part in batchlink._chunks(pks):
        for fv in (
            FieldValue.objects.filter(person_id__in=part)
            .select_related("source")
            .order_by("observed_on", "id")
        ):
            values[fv.person_id].append(fv)
        for c in Conflict.objects.filter(person_id__in=part):
            conflicts[c.person_id].append(c)
        fresh.update(Person.objects.in_bulk(part))
    rules = _rules()
    for pk in pks:
        person_fields_apply(
            person=fresh[pk],
            by=by,
            perm=perm,
            preloaded=(values[pk], conflicts[pk], rules),
        )


def person_fields_apply(*, person: Person, by, perm: str, preloaded=None) -> Person:
    """Bring the register's shown values in line with the field rules; list conflicts.
    ``preloaded``: (the person's field values, conflicts, field rules) already read, and
    ``person`` fresh from the database."""
    if preloaded is None:
        current = _current_values(person)
        _conflicts_refresh(person, current)
        chosen = shown_values(person, current=current)
        person = Person.objects.get(pk=person.pk)
    else:
        values, conflicts, rules = preloaded
        current = _current_values(person, values)
        _conflicts_refresh(person, current, conflicts)
        chosen = shown_values(person, current=current, conflicts=conflicts, rules=rules)
    data: dict[str, Any] = {}
    for name in PERSON_FIELDS:
        fv = chosen.get(name)
        if fv is None:
            continue
        if name == Field.ID_NUMBER:
            if person.id_number_hash != fv.value_hash:
                data["id_number"] = fv.plain
        elif name == Field.PHONE:
            if person.phone_hash != fv.value_hash:
                data["phone"] = fv.plain
        elif name == Field.BIRTH_DATE:
            if (person.birth_date.isoformat() if person.birth_date else "") != fv.value:
                data["birth_date"] = fv.value
        elif name == Field.ETHNICITY:
            if person.ethnicity != _registry_ethnicity(fv.value):
                data["ethnicity"] = _registry_ethnicity(fv.value)
        elif name == Field.ADDRESS:
            # the same address re-spelt (号楼/栋/幢, spaces, punctuation) is not a change
            if not person.dwelling_id and linkage._norm_address(person.address) != linkage._norm_address(
                fv.value
            ):
                data["address"] = fv.value
        elif getattr(person, name) != fv.value:
            data[str(name)] = fv.value
    if person.id_number_hash or "id_number" in data:
        # Sex and birth date follow from the identity number.
        data.pop("sex", None)
        data.pop("birth_date", None)
    for _attempt in range(4):
        if not data:
            return person
        try:
            # person_update is atomic: a refusal leaves nothing behind
            return registry_services.person_update(
                by=by, person=person, data=data, perm=perm, note=_("按字段来源规则更新"), origin=ORIGIN
            )
        except ApplicationError as exc:
            taken = exc.code in ("duplicate_id_number", "id_not_registrable_here")
            dropped = exc.field or ("id_number" if taken else None)
            if dropped not in data:
                raise
            data.pop(dropped)
            if dropped == "id_number":
                _id_taken_conflict(person, chosen[Field.ID_NUMBER])
    return person


def _id_taken_conflict(person: Person, fv: FieldValue) -> None:
    """The number a source gives is registered to another person: a likely duplicate."""
    summary = _conflict_summary([fv]) + [
        {"value_id": None, "source": "", "display": _("号码已登记在另一位居民名下"), "observed_on": ""}
    ]
    Conflict.objects.update_or_create(
        person=person,
        field=Field.ID_NUMBER,
        state=Conflict.State.OPEN,
        defaults={"community_id": person.community_id, "values": summary},
    )


# --- review -----------------------------------------------------------------------------


def _lock_open(candidate: LinkCandidate) -> tuple[LinkCandidate, SourceRecord]:
    candidate = LinkCandidate.objects.select_for_update().get(pk=candidate.pk)
    record = (
        SourceRecord.objects.select_for_update().select_related("source", "batch").get(pk=candidate.record_id)
    )
    if candidate.state != CandidateState.OPEN or record.decision != LinkDecision.REVIEW:
        raise error("already_decided")
    return candidate, record


@transaction.atomic
def candidate_accept(*, by, candidate: LinkCandidate) -> SourceRecord:
    """The reviewer says the record is this person: link it and take in its fields."""
    require(by, REVIEW, candidate, hide=True)
    candidate, record = _lock_open(candidate)
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
    record is a person of its own and is registered."""
    require(by, REVIEW, candidate, hide=True)
    candidate, record = _lock_open(candidate)
    LinkCandidate.objects.filter(pk=candidate.pk).update(
        state=CandidateState.REJECTED, decided_by=by, decided_at=timezone.now()
    )
    if not LinkCandidate.objects.filter(record=record, state=CandidateState.OPEN).exists():
        record = _create_person(record=record, by=by, perm=REVIEW, decision=LinkDecision.SEPARATE)
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


# --- sharing rules ------------------------------------------------------------------------


@transaction.atomic
def sharing_rules_set(*, by, department_kind: str, fields: list[str]) -> list[str]:
    """Which fields a kind of department may read (replaces the current list)."""
    require(by, MANAGE_SHARING)
    fields = sorted({f for f in fields if f in SharedField.values})
    SharingRule.objects.filter(department_kind=department_kind).exclude(field__in=fields).delete()
    for f in fields:
        SharingRule.objects.get_or_create(department_kind=department_kind, field=f)
    return fields
