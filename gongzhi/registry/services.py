"""Every write to the register: validation, permission, transaction, history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from gongzhi.core import idnumber, pii
from gongzhi.core.audit import access_log_record
from gongzhi.core.errors import ApplicationError
from gongzhi.core.history import change_record, diff
from gongzhi.core.manifests import run_hook
from gongzhi.core.models import AccessAction, Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import in_scope
from gongzhi.core.text import clean_text

from .codes import ETHNICITIES, PersonStatus, Relationship, ResidenceType, Sex, TagKind
from .errors import error
from .models import Building, Dwelling, Estate, Household, HouseholdMember, Person, PersonTag
from .rules import CHANGE_PERSON, MANAGE_PLACES, REVEAL_PERSON, VIEW_PERSON

# Where a change to a person came from, passed to the "person_changed" hook (AppManifest.hooks):
# an edit on the registry pages or API, a row of the registry's spreadsheet import, or a write an
# app above the register makes itself (that app passes its own label: integration applying a
# department's data or a merge passes "integration").
ORIGIN_REGISTRY_EDIT = "registry_edit"
ORIGIN_IMPORT = "import"

# Fields a person's edit may touch, besides the identity number and phone.
PLAIN_FIELDS = (
    "name",
    "former_names",
    "sex",
    "birth_date",
    "ethnicity",
    "residence_type",
    "status",
    "hukou_address",
    "workplace",
    "notes",
    "dwelling",
    "address",
)
_MAX = {
    "name": 50,
    "former_names": 100,
    "hukou_address": 200,
    "workplace": 100,
    "address": 200,
    "notes": 1000,
}
_LABELS = {
    "name": gettext_lazy("姓名"),
    "notes": gettext_lazy("备注"),
    "former_names": gettext_lazy("曾用名"),
    "hukou_address": gettext_lazy("户籍地址"),
    "workplace": gettext_lazy("工作单位"),
    "address": gettext_lazy("居住地址"),
}


def _clean_text(field: str, value: Any) -> str:
    """core.text.clean_text: control characters refused, zero-width-only text is empty,
    over-long text refused (never cut)."""
    try:
        return clean_text(value, field=field, label=_LABELS.get(field, field), max_length=_MAX.get(field))
    except ApplicationError as exc:
        if exc.code != "too_long":
            raise
        if field == "name":
            raise error("name_too_long") from None
        if field == "notes":
            raise error("notes_too_long") from None
        refused = error("field_too_long", field=_LABELS.get(field, field), n=_MAX[field])
        refused.field = field
        raise refused from None


def _birth_date(value: Any) -> dt.date:
    """A birth date entered without an identity number: a real date, not in the future."""
    if isinstance(value, dt.datetime):
        value = value.date()
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(
            "birth_invalid", gettext("出生日期无法识别，请写成 1980-05-17。"), field="birth_date"
        ) from None
    if day > timezone.localdate() or day.year < 1890:
        refused = error("birth_future" if day.year >= 1890 else "birth_too_early")
        refused.field = "birth_date"
        raise refused
    return day


def person_clean(*, data: dict[str, Any], community: Region) -> dict[str, Any]:
    """Validate a person's fields; return them cleaned, with `id_number` in 18-character form
    and sex and birth date derived from it (or checked against what was entered)."""
    out: dict[str, Any] = {}
    for field in ("name", "former_names", "hukou_address", "workplace", "notes", "address"):
        if field in data:
            out[field] = _clean_text(field, data[field])
    if "name" in data and not out["name"]:
        raise error("name_required")
    raw_id = (data.get("id_number") or "").strip()
    if "id_number" in data:
        if raw_id:
            parsed = idnumber.parse(raw_id)
            out["id_number"] = parsed.value
            sex, birth = data.get("sex") or None, data.get("birth_date") or None
            if sex and sex != parsed.sex:
                raise error("sex_mismatch")
            if (
                birth
                and (birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth)))
                != parsed.birth_date
            ):
                raise error("birth_mismatch")
            out["sex"], out["birth_date"] = parsed.sex, parsed.birth_date
        else:
            out["id_number"] = ""
    if "sex" not in out and "sex" in data:
        if data["sex"] not in Sex.values:
            raise error("sex_required")
        out["sex"] = data["sex"]
    if "birth_date" not in out and data.get("birth_date"):
        out["birth_date"] = _birth_date(data["birth_date"])
    if "phone" in data:
        out["phone"] = idnumber.normalise_phone(data.get("phone") or "")
    for field, allowed in (
        ("ethnicity", {c for c, _ in ETHNICITIES}),
        ("residence_type", set(ResidenceType.values)),
        ("status", set(PersonStatus.values)),
    ):
        if field in data and data[field]:
            if data[field] not in allowed:
                from django.utils.translation import gettext as _

                from gongzhi.core.errors import ApplicationError

                raise ApplicationError(
                    "invalid_choice", _("“%(v)s”不是有效的选项。") % {"v": data[field]}, field=field
                )
            out[field] = data[field]
    if "dwelling" in data:
        dwelling = data["dwelling"]
        if dwelling is not None and dwelling.community_id != community.code:
            raise error("dwelling_other_community")
        out["dwelling"] = dwelling
        if dwelling is not None:
            out["address"] = dwelling.address
    return out


def _check_community(community: Region | None) -> Region:
    if community is None:
        raise error("community_required")
    if community.level != RegionLevel.COMMUNITY:
        raise error("not_community")
    return community


def _apply(person: Person, cleaned: dict[str, Any]) -> None:
    for field, value in cleaned.items():
        if field == "id_number":
            person.set_id_number(value)
        elif field == "phone":
            person.set_phone(value)
        else:
            setattr(person, field, value)


def _snapshot(person: Person) -> dict[str, Any]:
    """Comparable values for history; identity number and phone only in masked form."""
    snap: dict[str, Any] = {}
    for field in PLAIN_FIELDS:
        value = getattr(person, field + "_id" if field == "dwelling" else field)
        snap[field] = value.isoformat() if isinstance(value, dt.date) else value
    snap["id_number"] = person.id_number_hash and pii.mask_id_number(person.id_number)
    snap["phone"] = person.phone_hash and pii.mask_phone(person.phone)
    snap["community"] = person.community_id
    return snap


def _check_against_kept_id(person: Person, cleaned: dict[str, Any]) -> None:
    """Sex and birth date edited while the identity number is kept must still agree with it."""
    try:
        parsed = idnumber.parse(person.id_number)
    except idnumber.IdNumberError:
        return  # a legacy number that no longer parses: nothing to compare against
    if cleaned.get("sex") and cleaned["sex"] != parsed.sex:
        raise error("sex_mismatch")
    if cleaned.get("birth_date") and cleaned["birth_date"] != parsed.birth_date:
        raise error("birth_mismatch")


def _holder_of(id_hash: str, exclude_pk: int | None = None) -> Person | None:
    if not id_hash:
        return None
    qs = Person.objects.filter(id_number_hash=id_hash)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.only("pk", "community_id").first()


def _taken_error(by, holder: Person):
    """Whose number it is may be said only to someone who may see that person: elsewhere
    the answer is only that the number cannot be registered here (no "other community")."""
    if in_scope(by, VIEW_PERSON, holder.community_id):
        return error("duplicate_id_number")
    return error("id_not_registrable_here")


def _ensure_unique_id(id_hash: str, exclude_pk: int | None = None, *, by=None) -> None:
    holder = _holder_of(id_hash, exclude_pk)
    if holder is not None:
        raise _taken_error(by, holder)


def id_conflict_record(*, by, holder: Person, community: Region | None, via: str) -> None:
    """Log an attempt to register, in `community`, a number registered to a person the user
    may not see: an entry in that person's history, which their community reads."""
    change_record(
        obj=holder,
        by=by,
        action="id_conflict",
        note=gettext("%(place)s的工作人员尝试登记该身份号码（%(via)s），未登记。")
        % {"place": community.name if community is not None else "—", "via": via},
    )


def _refuse_id_held_elsewhere(
    *, by, data: dict[str, Any], community: Region | None, via: str, exclude_pk: int | None = None
) -> None:
    """Before the write's transaction (so that the log entry stays when the write is refused):
    a number registered to a person outside the user's sight is refused, and the attempt
    logged."""
    raw = (data.get("id_number") or "").strip()
    if not raw:
        return
    try:
        value = idnumber.parse(raw).value
    except idnumber.IdNumberError:
        return  # refused with its own message by person_clean
    holder = _holder_of(pii.keyed_hash(value), exclude_pk)
    if holder is not None and not in_scope(by, VIEW_PERSON, holder.community_id):
        id_conflict_record(by=by, holder=holder, community=community, via=via)
        raise error("id_not_registrable_here")


def person_create(
    *,
    by,
    community: Region,
    data: dict[str, Any],
    note: str = "",
    perm: str = CHANGE_PERSON,
    via: str = "",
    origin: str = ORIGIN_REGISTRY_EDIT,
) -> Person:
    """Register a person. `perm` is the permission the caller acts under (the spreadsheet
    import creates people under registry.import_person); `origin` says where the change came
    from (ORIGIN_*), for the apps that follow a person's changes (the "person_changed" hook)."""
    if by is not None and by.has_perm(perm, community):
        _refuse_id_held_elsewhere(by=by, data=data, community=community, via=via or gettext("登记"))
    return _person_create(by=by, community=community, data=data, note=note, perm=perm, origin=origin)


@transaction.atomic
def _person_create(
    *, by, community: Region, data: dict[str, Any], note: str, perm: str, origin: str
) -> Person:
    community = _check_community(community)
    require(by, perm, community)
    cleaned = person_clean(data=data, community=community)
    if "name" not in cleaned:
        raise error("name_required")
    if not cleaned.get("sex"):
        raise error("sex_required")
    person = Person(community=community, created_by=by if by and by.is_authenticated else None)
    _apply(person, cleaned)
    person.updated_by = person.created_by
    _ensure_unique_id(person.id_number_hash, by=by)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        holder = _holder_of(person.id_number_hash)
        raise (_taken_error(by, holder) if holder else error("duplicate_id_number")) from None
    change_record(obj=person, by=by, action="create", changes=diff({}, _snapshot(person)), note=note)
    # Every field given (integration keeps them as 社区采集 in field provenance).
    run_hook("person_changed", person=person, changes=cleaned, by=by, origin=origin)
    return person


def person_update(
    *,
    by,
    person: Person,
    data: dict[str, Any],
    expected_version: int | None = None,
    note: str = "",
    perm: str = CHANGE_PERSON,
    via: str = "",
    origin: str = ORIGIN_REGISTRY_EDIT,
) -> Person:
    """Edit a person. With `expected_version` an edit made on a stale form is refused rather
    than silently overwriting someone else's change. `origin`: as for person_create."""
    require(by, perm, person, hide=True)
    _refuse_id_held_elsewhere(
        by=by,
        data=data,
        community=data.get("community") or person.community,
        via=via or gettext("修改"),
        exclude_pk=person.pk,
    )
    return _person_update(
        by=by,
        person=person,
        data=data,
        expected_version=expected_version,
        note=note,
        perm=perm,
        origin=origin,
    )


@transaction.atomic
def _person_update(
    *,
    by,
    person: Person,
    data: dict[str, Any],
    expected_version: int | None,
    note: str,
    perm: str,
    origin: str,
) -> Person:
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and locked.version != expected_version:
        raise error("stale")
    before = _snapshot(locked)
    community = data.get("community") or locked.community
    if community.code != locked.community_id:
        _check_community(community)
        require(by, perm, community)
    cleaned = person_clean(data=data, community=community)
    if "id_number" in cleaned and not cleaned["id_number"] and locked.id_number_hash:
        cleaned.pop("id_number")  # an empty box on a masked field keeps the number
    if "id_number" not in cleaned and locked.id_number_hash:
        _check_against_kept_id(locked, cleaned)
    _apply(locked, cleaned)
    locked.community = community
    _ensure_unique_id(locked.id_number_hash, exclude_pk=locked.pk, by=by)
    changes = diff(before, _snapshot(locked))
    if not changes:
        return locked
    locked.version = F("version") + 1
    locked.updated_by = by if by and by.is_authenticated else None
    locked.updated_at = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        holder = _holder_of(locked.id_number_hash, exclude_pk=locked.pk)
        raise (_taken_error(by, holder) if holder else error("duplicate_id_number")) from None
    locked.refresh_from_db()
    _tags_follow(locked)
    change_record(obj=locked, by=by, action="update", changes=changes, note=note)
    # The fields that changed (integration keeps them as 社区采集 in field provenance).
    run_hook("person_changed", person=locked, changes=changes, by=by, origin=origin)
    return locked


def _tags_follow(person: Person) -> None:
    """Keep the person's tags on the person's community, status and name (what group counts
    read on the tags alone)."""
    now = {"community_id": person.community_id, "person_status": person.status, "person_name": person.name}
    PersonTag.objects.filter(person=person).exclude(**now).update(**now)


def person_reveal(
    *,
    by,
    person: Person,
    purpose: str,
    note: str = "",
    fields: tuple[str, ...] = ("id_number", "phone"),
) -> dict[str, str]:
    """The full identity number and phone, for a user with the permission who chooses a
    purpose from the lawful list (core.purposes) and stays within the hourly reveal limit;
    the view goes into the access log. Pages and API both come here."""
    require(by, REVEAL_PERSON, person, hide=True)
    access_log_record(
        user=by,
        action=AccessAction.REVEAL,
        object_type="registry.person",
        object_id=str(person.pk),
        community_code=person.community_id,
        fields=list(fields),
        purpose=purpose,
        note=note,
    )
    values = {"id_number": person.id_number, "phone": person.phone}
    return {f: values[f] for f in fields}


# Tags that rest on a fact the register holds: the minimum age (on the day the tag starts).
TAG_MIN_AGE = {TagKind.ELDERLY_80: 80, TagKind.ELDERLY_ALONE: 60}


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def tag_facts_check(
    *, person: Person, kind: str, grade: int | None = None, disability_category: str = "", on: dt.date
) -> None:
    """Refuse a tag the register's facts contradict: elderly tags by age, 独居老人 by the
    household (no other member), 残疾人 with a grade (and a grade only on 残疾人). Every path
    that adds a tag (page, import, department import) goes through person_tag_add, which
    calls this."""
    from django.utils.translation import gettext as _

    label = _(str(TagKind(kind).label))
    min_age = TAG_MIN_AGE.get(TagKind(kind))
    if min_age is not None:
        birth = Person.objects.values_list("birth_date", flat=True).get(pk=person.pk)
        if birth is None:
            raise ApplicationError(
                "tag_needs_birth_date", error("tag_needs_birth_date", tag=label).message, field="kind"
            )
        age = age_on(birth, on)
        if age < min_age:
            raise ApplicationError(
                "tag_age", error("tag_age", tag=label, min=min_age, age=age).message, field="kind"
            )
    if kind == TagKind.ELDERLY_ALONE:
        membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
        if membership is not None:
            others = (
                HouseholdMember.objects.filter(household_id=membership.household_id)
                .exclude(person=person)
                .count()
            )
            if others:
                raise ApplicationError(
                    "tag_not_alone",
                    error("tag_not_alone", household=membership.household.number, n=others).message,
                    field="kind",
                )
    if kind == TagKind.DISABLED:
        if grade is None:
            raise ApplicationError("tag_grade_required", error("tag_grade_required").message, field="grade")
    elif grade is not None or disability_category:
        raise ApplicationError(
            "tag_grade_only_disabled", error("tag_grade_only_disabled").message, field="grade"
        )


@transaction.atomic
def person_tag_add(
    *,
    by,
    person: Person,
    kind: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    grade: int | None = None,
    disability_category: str = "",
    source_department=None,
    source_label: str = "",
    perm: str = CHANGE_PERSON,
) -> PersonTag:
    require(by, perm, person, hide=True)
    if kind not in TagKind.values:
        from django.utils.translation import gettext as _

        from gongzhi.core.errors import ApplicationError

        raise ApplicationError("invalid_tag", _("未知的人群类别：%(k)s") % {"k": kind}, field="kind")
    if grade is not None and not 1 <= int(grade) <= 4:
        raise error("grade_range")
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to < valid_from:
        raise error("validity_order")
    tag_facts_check(
        person=person, kind=kind, grade=grade, disability_category=disability_category, on=valid_from
    )
    # The tag carries the person's community, status and name as they are now (see PersonTag).
    community_id, person_status, person_name = Person.objects.values_list(
        "community_id", "status", "name"
    ).get(pk=person.pk)
    tag = PersonTag.objects.create(
        community_id=community_id,
        person_status=person_status,
        person_name=person_name,
        person=person,
        kind=kind,
        grade=grade,
        disability_category=disability_category or "",
        source_department=source_department,
        source_label=source_label or ("" if source_department else "社区采集"),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    change_record(obj=person, by=by, action="tag_add", changes={"tag": [None, kind]})
    return tag


@transaction.atomic
def person_tag_end(*, by, tag: PersonTag, on: dt.date | None = None) -> PersonTag:
    require(by, CHANGE_PERSON, tag.person, hide=True)
    on = on or timezone.localdate()
    if on < tag.valid_from:
        raise error("validity_order")
    tag.valid_to = on
    tag.save(update_fields=["valid_to"])
    change_record(obj=tag.person, by=by, action="tag_end", changes={"tag": [tag.kind, None]})
    return tag


@transaction.atomic
def household_create(
    *,
    by,
    community: Region,
    number: str,
    dwelling: Dwelling | None = None,
    kind: str = Household.Kind.FAMILY,
    perm: str = CHANGE_PERSON,
) -> Household:
    community = _check_community(community)
    require(by, perm, community)
    if dwelling is not None and dwelling.community_id != community.code:
        raise error("dwelling_other_community")
    household = Household.objects.create(
        community=community,
        number=number.strip(),
        dwelling=dwelling,
        kind=kind,
        created_by=by if by and by.is_authenticated else None,
    )
    change_record(obj=household, by=by, action="create", changes={"number": [None, household.number]})
    return household


@transaction.atomic
def household_member_add(
    *, by, household: Household, person: Person, relationship: str, perm: str = CHANGE_PERSON
) -> HouseholdMember:
    require(by, perm, household, hide=True)
    if person.community_id != household.community_id:
        raise error("household_other_community")
    if relationship not in Relationship.values:
        from django.utils.translation import gettext as _

        from gongzhi.core.errors import ApplicationError

        raise ApplicationError("invalid_relationship", _("与户主关系代码无效。"), field="relationship")
    if HouseholdMember.objects.filter(person=person).exists():
        raise error("already_member")
    if relationship == Relationship.HEAD:
        if household.head_id:
            raise error("head_exists")
        household.head = person
        household.save(update_fields=["head"])
    member = HouseholdMember.objects.create(
        community_id=household.community_id, household=household, person=person, relationship=relationship
    )
    change_record(obj=household, by=by, action="member_add", changes={"member": [None, person.pk]})
    return member


@transaction.atomic
def household_member_remove(*, by, member: HouseholdMember) -> None:
    household = member.household
    require(by, CHANGE_PERSON, household, hide=True)
    if household.head_id == member.person_id:
        household.head = None
        household.save(update_fields=["head"])
    change_record(obj=household, by=by, action="member_remove", changes={"member": [member.person_id, None]})
    member.delete()


# A building taller than this is not created from an import row: a typo in a room number
# ("9901" for "901") must not make a 99-storey building. A registered building may say more.
MAX_NEW_FLOORS = 60


def dwelling_floor(number: str) -> int:
    """The floor a room number names: the digits before the last two (302 → 3, 1502 → 15);
    a number of one or two digits, or with letters in front, is on the ground floor."""
    head = number[:-2]
    return max(int(head), 1) if len(number) >= 3 and head.isdigit() else 1


def _estate_grid(estate: Estate):
    """The grid of an estate whose buildings all lie in one grid (a new building joins it)."""
    grids = set(Building.objects.filter(estate=estate).values_list("grid_id", flat=True))
    return next(iter(grids)) if len(grids) == 1 else None


@transaction.atomic
def dwelling_locate(
    *,
    by,
    community: Region,
    estate_name: str,
    building_name: str,
    entrance: int,
    number: str,
    perm: str = MANAGE_PLACES,
    allow_new_places: bool = False,
) -> Dwelling:
    """The dwelling at estate / building / entrance / number in a community. A new room in a
    registered building is created when its floor and entrance fit the building. An estate or
    building that is not registered is refused, unless the caller explicitly allows new places
    (`allow_new_places`); then it is created, and a building grows to at most MAX_NEW_FLOORS
    floors (or what it already has)."""
    community = _check_community(community)
    require(by, perm, community)
    who = by if by and by.is_authenticated else None
    estate_name, building_name, number = estate_name.strip(), building_name.strip(), number.strip()
    floor = dwelling_floor(number)
    estate = Estate.objects.filter(community=community, name=estate_name).first()
    if estate is None:
        if not allow_new_places:
            raise error("place_unknown_estate", name=estate_name)
        if floor > MAX_NEW_FLOORS:
            raise error("place_new_floor_range", number=number, floor=floor, n=MAX_NEW_FLOORS)
        estate = Estate.objects.create(community=community, name=estate_name, created_by=who)
        change_record(obj=estate, by=by, action="create", changes={"name": [None, estate_name]})
    building = Building.objects.select_for_update().filter(estate=estate, name=building_name).first()
    if building is None:
        if not allow_new_places:
            raise error("place_unknown_building", name=building_name, estate=estate_name)
        if floor > MAX_NEW_FLOORS:
            raise error("place_new_floor_range", number=number, floor=floor, n=MAX_NEW_FLOORS)
        building = Building.objects.create(
            community=community,
            estate=estate,
            name=building_name,
            entrances=max(entrance, 1),
            grid_id=_estate_grid(estate),
            created_by=who,
        )
        change_record(obj=building, by=by, action="create", changes={"name": [None, building_name]})
    dwelling = Dwelling.objects.filter(building=building, entrance=entrance, number=number).first()
    if dwelling is None:
        if floor > building.floors and not allow_new_places:
            raise error(
                "place_floor_range",
                number=number,
                floor=floor,
                building=building_name,
                floors=building.floors,
            )
        if floor > max(building.floors, MAX_NEW_FLOORS):
            raise error("place_new_floor_range", number=number, floor=floor, n=MAX_NEW_FLOORS)
        if entrance > building.entrances and not allow_new_places:
            raise error(
                "place_entrance_range", building=building_name, n=building.entrances, entrance=entrance
            )
        if floor > building.floors or entrance > building.entrances:
            before = {"floors": building.floors, "entrances": building.entrances}
            building.floors = max(building.floors, floor)
            building.entrances = max(building.entrances, entrance)
            building.save(update_fields=["floors", "entrances"])
            change_record(
                obj=building,
                by=by,
                action="update",
                changes=diff(before, {"floors": building.floors, "entrances": building.entrances}),
            )
        dwelling = Dwelling.objects.create(
            community=community,
            building=building,
            entrance=entrance,
            floor=floor,
            number=number,
            created_by=who,
        )
        change_record(obj=dwelling, by=by, action="create", changes={"number": [None, number]})
    dwelling.building = building
    building.estate = estate
    return dwelling
