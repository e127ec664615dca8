"""Field provenance: every source's value of every field, the field rules that choose among
them, conflicts, and the community's own edits (社区采集).

Edits made on the registry pages are observations too: registry.services.person_create and
person_update call the "person_changed" hook (this app's manifest) with what changed and where it
came from; person_changed keeps an edit of the community as the value of the district's built-in
source 社区采集, so that a later import weighs it like any other source instead of silently
overwriting a worker's correction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import idnumber, pii
from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services as registry_services
from gongzhi.registry.codes import ETHNICITIES
from gongzhi.registry.models import Person

from .. import batchlink, codes, linkage
from ..models import (
    PERSON_FIELDS,
    PROVENANCE_FIELDS,
    SENSITIVE_FIELDS,
    Conflict,
    Field,
    FieldRule,
    FieldValue,
    SourceRecord,
)
from .sources import builtin_source

# The origin this app passes to the register's person_create/person_update when it writes the
# register itself (applying field rules, creating a person from a record, merging): such writes
# are not observations of the community (see person_changed).
ORIGIN = "integration"


# Fields where a value entered on the registry pages is never replaced by a field rule alone:
# when a department disagrees, the register keeps the community's value and the conflict
# waits for a reviewer.
HELD_FIELDS = (Field.ID_NUMBER, Field.NAME, Field.BIRTH_DATE, Field.SEX, Field.PHONE)

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


# A change to any of these can change a person's blocking keys (name, birth date, community;
# an identity number sets the birth date).
_KEYED = {"name", "birth_date", "community", "community_id", "id_number"}


def person_changed(*, person: Person, changes, by, origin: str) -> list[FieldValue]:
    """The register's "person_changed" hook (declared in this app's manifest): called by
    registry.services.person_create (every field given) and person_update (the fields that
    changed), inside their transaction. Writes this app makes itself (origin ORIGIN: applying
    field rules, creating a person from a department's record, merging) are not observations
    of the community and are skipped; every other origin (the registry's pages, API and
    spreadsheet import) is kept as 社区采集. Whatever the origin, the person's blocking keys
    for the import's candidate look-ups follow at once (``batchlink.keys_refresh``)."""
    if _KEYED & set(map(str, changes)):
        batchlink.keys_refresh(person)
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


def values_read(pks: list[int]) -> dict[int, list[FieldValue]]:
    """Per person: their field values, in (observed_on, id) order."""
    out: dict[int, list[FieldValue]] = {pk: [] for pk in pks}
    for part in batchlink._chunks(sorted(pks)):
        for fv in (
            FieldValue.objects.filter(person_id__in=part)
            .select_related("source")
            .order_by("observed_on", "id")
        ):
            out[fv.person_id].append(fv)
    return out


def conflicts_read(pks: list[int]) -> dict[int, list[Conflict]]:
    out: dict[int, list[Conflict]] = {pk: [] for pk in pks}
    for part in batchlink._chunks(sorted(pks)):
        for c in Conflict.objects.filter(person_id__in=part):
            out[c.person_id].append(c)
    return out


def provenance_read(pks: list[int]) -> dict[int, tuple[list[FieldValue], list[Conflict]]]:
    """Per person: their field values (in (observed_on, id) order) and conflicts."""
    values, conflicts = values_read(pks), conflicts_read(pks)
    return {pk: (values[pk], conflicts[pk]) for pk in pks}


def persons_fields_apply(
    *,
    persons: list[Person],
    by,
    perm: str,
    preloaded: dict[int, tuple[list[FieldValue], list[Conflict]]] | None = None,
) -> None:
    """``person_fields_apply`` for many people, their field values, conflicts and register
    rows read together (``preloaded``: the values and conflicts already in hand)."""
    pks = [p.pk for p in persons]
    read = provenance_read(pks) if preloaded is None else preloaded
    fresh: dict[int, Person] = {}
    for part in batchlink._chunks(pks):
        fresh.update(Person.objects.in_bulk(part))
    rules = _rules()
    for pk in pks:
        values, conflicts = read[pk]
        person_fields_apply(
            person=fresh[pk],
            by=by,
            perm=perm,
            preloaded=(values, conflicts, rules),
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


_REGISTRY_ETHNICITIES = {code for code, _label in ETHNICITIES}


def _registry_ethnicity(code: str) -> str:
    return code if code in _REGISTRY_ETHNICITIES else "97"
