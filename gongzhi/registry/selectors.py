"""Every read of the register goes through here, scoped to what the user may see."""

from __future__ import annotations

import re
from typing import TypeVar

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FullResultSet
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock, pii
from gongzhi.core.errors import NotFound
from gongzhi.core.history import history_for
from gongzhi.core.models import ChangeRecord, Region
from gongzhi.core.scoping import scope_q, scoped

from .codes import ETHNICITIES, PersonStatus, ResidenceType, Sex, TagKind
from .models import Building, Dwelling, Estate, Grid, Household, Person, PersonTag
from .rules import VIEW_PERSON

_QS = TypeVar("_QS", bound=QuerySet)

_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ID_FULL = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
# What makes a search word look like (part of) an address rather than a name: digits, road
# and house words, and the words estates and courtyards are named with (小区, 花园, 苑, 园, 院,
# 里, 坊, 新村, 公寓, 大厦, 广场, 街, 巷…).
_ADDRESS_HINT = re.compile(
    r"[0-9０-９路街巷弄里坊号楼栋幢座单元室院村区苑园厦期寓]|广场|宿舍|安置房|山庄|名都|雅居|华庭"
)


def _name_key(field: str = "name"):
    """Names compared by code point: on PostgreSQL COLLATE "C" (indexed in migrations 0002
    and 0005), so that a prefix is an index range whatever the database's collation; SQLite
    compares by code point already."""
    return Collate(field, "C") if connection.vendor == "postgresql" else F(field)


def _name_prefix_q(prefix: str, field: str = "name") -> Q:
    """name LIKE 'prefix%' written as a range on the code-point key (`<field>_key`, aliased
    by the caller), which an index serves."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF or 0xD7FF <= last < 0xE000:
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}_key__gte": prefix, f"{field}_key__lt": prefix[:-1] + chr(last + 1)})


def person_queryset(*, user, perm: str = VIEW_PERSON) -> QuerySet[Person]:
    return scoped(Person.objects.all(), user, perm)


def current_tags_q(kind: str) -> Exists:
    return Exists(_current_tags(kind).filter(person=OuterRef("pk")))


class PersonSearch(QuerySet[Person]):
    """The people a search finds. A search by group tag and nothing else besides the scope,
    community and status is counted on the tags alone (`tag_kind_status_community_idx`,
    index-only): the tags carry the person's community and status, kept in line by the
    services. The count stays exact; it is read this way only while the filters are those
    person_search set (a caller that narrows the search further is counted on the people)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._count_by_tags: tuple[QuerySet, tuple] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._count_by_tags = self._count_by_tags
        return clone

    def _shape(self) -> tuple:
        query = self.query
        try:
            sql, params = query.get_compiler(self.db).compile(query.where)
        except (EmptyResultSet, FullResultSet) as empty_or_full:
            sql, params = type(empty_or_full).__name__, ()
        return (
            sql,
            tuple(params),
            query.distinct,
            query.combinator,
            query.is_sliced,
            query.group_by,
            bool(query.extra),
        )

    def counted_on_tags(self) -> bool:
        return self._count_by_tags is not None and self._shape() == self._count_by_tags[1]

    def count(self) -> int:
        if self._result_cache is None and self._count_by_tags is not None:
            tags, shape = self._count_by_tags
            if self._shape() == shape:
                # COUNT(DISTINCT): a person may hold the same kind twice; sorted in memory,
                # where a DISTINCT subquery's hash spills to disk at tens of thousands.
                return tags.order_by().aggregate(n=Count("person_id", distinct=True))["n"]
        return super().count()


def _current_tags(kind: str) -> QuerySet[PersonTag]:
    today = timezone.localdate(clock.now())
    return PersonTag.objects.filter(kind=kind, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def _estate_q(user, perm: str, text: str) -> Q | None:
    """People living in the estates of the user's scope whose name is or starts with `text`
    (two characters or more: a single one is read as a surname), through their dwelling."""
    if len(text) < 2:
        return None
    estates = list(
        scoped(Estate.objects.all(), user, perm)
        .filter(name__startswith=text)
        .values_list("id", flat=True)[:50]
    )
    if not estates:
        return None
    return Q(dwelling_id__in=Dwelling.objects.filter(building__estate_id__in=estates).values("id"))


def person_search(
    *,
    user,
    q: str = "",
    name: str = "",
    id_tail: str = "",
    phone: str = "",
    address: str = "",
    tag: str = "",
    community: str = "",
    status: str = "active",
    perm: str = VIEW_PERSON,
) -> QuerySet[Person]:
    """Search the residents the user may see. `q` is read as what it looks like: four
    characters of an identity number, a mobile number, a full identity number, or a name
    (prefix) — or, when it has digits or address words (路, 巷, 号, 楼, 村, 小区, 花园, 苑…), a
    name prefix or an address fragment; text that is (the start of) the name of an estate in
    the user's scope also finds the people living there."""
    qs = PersonSearch(Person).filter(scope_q(user, perm)).alias(name_key=_name_key())
    q = (q or "").strip()
    # What the tags alone can count: the tag, scope, community, status and name prefixes.
    by_tags, prefixes = bool(tag), []
    identifying = ""  # a search by a full number confirms a guess: the reveal permission, logged
    if q:
        if _ID_TAIL.match(q):
            id_tail = q.upper()
        elif _PHONE.match(q):
            phone = q
        elif _ID_FULL.match(q):
            from gongzhi.core.idnumber import IdNumberError, parse

            try:
                value = parse(q).value
            except IdNumberError:
                value = q.upper()
            qs = qs.filter(id_number_hash=pii.keyed_hash(value))
            identifying = "id_number"
            by_tags = False
        else:
            where = _name_prefix_q(q)
            prefixes.append(q)
            if _ADDRESS_HINT.search(q):
                where |= Q(address__contains=q)
                by_tags = False
            estate = _estate_q(user, perm, q)
            if estate is not None:
                where |= estate
                by_tags = False
            qs = qs.filter(where)
    if name.strip():
        qs = qs.filter(_name_prefix_q(name.strip()))
        prefixes.append(name.strip())
    if id_tail or phone or address:
        by_tags = False
    if id_tail:
        qs = qs.filter(id_tail=id_tail.strip().upper())
    if phone:
        phone = phone.strip()
        if len(phone) == 4:
            qs = qs.filter(phone_tail=phone)
        else:
            qs = qs.filter(phone_hash=pii.keyed_hash(phone, purpose="phone"))
            identifying = identifying or "phone"
    if address:
        qs = qs.filter(address__contains=address.strip())
    if tag:
        qs = qs.filter(current_tags_q(tag))
    if community:
        qs = qs.filter(community__code__startswith=community)
    if status:
        qs = qs.filter(status=status)
    if identifying:
        qs = _identifying_search(qs, user=user, field=identifying)
    qs = qs.select_related("community").order_by("name_key", "id")
    if by_tags:
        tags = _current_tags(tag).filter(scope_q(user, perm))
        if community:
            tags = tags.filter(community__code__startswith=community)
        if status:
            tags = tags.filter(person_status=status)
        if prefixes:
            tags = tags.alias(person_name_key=_name_key("person_name"))
            for prefix in prefixes:
                tags = tags.filter(_name_prefix_q(prefix, "person_name"))
        qs._count_by_tags = (tags, qs._shape())
    return qs


def _identifying_search(qs: _QS, *, user, field: str) -> _QS:
    """A search by a full identity number or mobile number tells whether a guessed number
    belongs to a resident: masked `3501**********001X` and a birth year leave a few dozen
    candidates, and trying each would recover the number. Such a search is a reveal: it needs
    the reveal permission over the people it finds, and it is written to the access log."""
    from gongzhi.core.audit import access_log_record
    from gongzhi.core.errors import PermissionDenied
    from gongzhi.core.models import AccessAction
    from gongzhi.core.purposes import Purpose
    from gongzhi.core.scoping import has_anywhere

    from .rules import REVEAL_PERSON

    if not has_anywhere(user, REVEAL_PERSON):
        raise PermissionDenied(
            str(_("按完整身份号码或手机号查找需要查看完整信息的权限；请按姓名或号码后四位查找。"))
        )
    qs = qs.filter(scope_q(user, REVEAL_PERSON))
    found = list(qs.order_by().values_list("pk", "community_id")[:2])
    access_log_record(
        user=user,
        action=AccessAction.REVEAL,
        object_type="registry.person",
        object_id=str(found[0][0]) if len(found) == 1 else "",
        community_code=found[0][1] if len(found) == 1 else "",
        fields=[field],
        count=len(found),
        purpose=Purpose.LOOKUP_BY_NUMBER,
    )
    return qs


def person_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Person:
    person = (
        person_queryset(user=user, perm=perm)
        .select_related("community", "dwelling__building__estate", "membership__household")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise NotFound()
    return person


def person_names_masked(*, pks) -> dict[str, str]:
    """Masked names (林*华) by person id, for listing access-log entries the reader may already
    see: the entry names who was looked at without showing the full name or the record."""
    ids = {int(pk) for pk in pks if str(pk).isdigit()}
    return {
        str(pk): pii.mask_name(name)
        for pk, name in Person.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def person_ids_named(*, user, name: str, perm: str = VIEW_PERSON) -> list[int]:
    """The ids of the people in the user's scope with exactly this name (access-log filter)."""
    return list(
        person_queryset(user=user, perm=perm).filter(name=name.strip()).values_list("pk", flat=True)[:200]
    )


def person_tags(*, person: Person) -> QuerySet[PersonTag]:
    return person.tags.select_related("source_department").order_by("-valid_from")


def household_queryset(*, user, perm: str = VIEW_PERSON) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user, perm)


def household_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Household:
    household = (
        household_queryset(user=user, perm=perm)
        .select_related("community", "dwelling__building__estate", "head")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def household_members(*, household: Household):
    return household.members.select_related("person").order_by("relationship", "person__birth_date")


def estate_list(*, user, community: str | None = None, perm: str = VIEW_PERSON) -> QuerySet[Estate]:
    qs = scoped(Estate.objects.all(), user, perm)
    if community:
        qs = qs.filter(community__code__startswith=community)
    return (
        qs.annotate(building_count=Count("buildings"))
        .select_related("community")
        .order_by("community_id", "name")
    )


def estate_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Estate:
    estate = scoped(Estate.objects.all(), user, perm).select_related("community").filter(pk=pk).first()
    if estate is None:
        raise NotFound()
    return estate


def building_list(*, user, estate: Estate, perm: str = VIEW_PERSON) -> QuerySet[Building]:
    return (
        scoped(Building.objects.filter(estate=estate), user, perm)
        .annotate(dwelling_count=Count("dwellings", distinct=True))
        .select_related("grid")
        .order_by("name")
    )


def building_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Building:
    building = (
        scoped(Building.objects.all(), user, perm)
        .select_related("estate", "community", "grid")
        .filter(pk=pk)
        .first()
    )
    if building is None:
        raise NotFound()
    return building


def dwelling_list(*, building: Building) -> QuerySet[Dwelling]:
    return building.dwellings.annotate(resident_count=Count("residents")).order_by(
        "entrance", "-floor", "number"
    )


def dwelling_get(*, user, pk: int, perm: str = VIEW_PERSON) -> Dwelling:
    dwelling = (
        scoped(Dwelling.objects.all(), user, perm)
        .select_related("building__estate", "community")
        .filter(pk=pk)
        .first()
    )
    if dwelling is None:
        raise NotFound()
    return dwelling


def grid_list(*, user, perm: str = VIEW_PERSON) -> QuerySet[Grid]:
    return scoped(Grid.objects.all(), user, perm).select_related("community", "worker")


def communities_in_scope(*, user, perm: str = VIEW_PERSON) -> QuerySet[Region]:
    """The communities a user may work in (for pickers and the drill-down)."""
    return scoped(Region.objects.filter(level=5), user, perm, field="code").order_by("code")


def current_tags_prefetch() -> Prefetch:
    """Prefetch each person's tags that hold today, into `current_tags`."""
    today = timezone.localdate(clock.now())
    return Prefetch(
        "tags",
        queryset=PersonTag.objects.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("kind"),
        to_attr="current_tags",
    )


SEARCH_COUNT_CAP = 10_000


def search_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """How many a search found, counted up to `cap`: (n, more). Nobody pages through ten
    thousand people; past the cap the page says so and asks for a narrower search, and the
    count reads at most cap + 1 index entries however broad the search (a surname alone
    matches a hundred thousand people in a district). Counts answered from the tags are
    cheap at any size and stay exact."""
    if isinstance(qs, PersonSearch) and qs.counted_on_tags():
        return qs.count(), False
    cap = cap or SEARCH_COUNT_CAP
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def person_list_page(qs: QuerySet[Person]) -> QuerySet[Person]:
    """What a list of people shows besides the row itself: community, household, current tags."""
    return qs.select_related("community", "membership__household").prefetch_related(current_tags_prefetch())


def dwelling_households(*, dwelling: Dwelling) -> QuerySet[Household]:
    return (
        dwelling.households.select_related("head").annotate(member_count=Count("members")).order_by("number")
    )


def dwelling_residents(*, dwelling: Dwelling) -> QuerySet[Person]:
    return person_list_page(dwelling.residents.all()).order_by("name", "id")


def building_floors(*, building: Building) -> list[dict]:
    """The dwellings of a building laid out as a grid: one block per entrance, floors from
    the top, each cell a dwelling with its resident and household counts."""
    dwellings = list(
        building.dwellings.annotate(
            resident_count=Count("residents", distinct=True),
            household_count=Count("households", distinct=True),
        ).order_by("entrance", "-floor", "number")
    )
    entrances: dict[int, dict[int, list[Dwelling]]] = {}
    for d in dwellings:
        entrances.setdefault(d.entrance, {}).setdefault(d.floor, []).append(d)
    out = []
    for entrance in sorted(entrances):
        floors = entrances[entrance]
        # Columns are the position on the floor (302 and 502 share "02"), so that a missing
        # dwelling leaves a gap instead of shifting its neighbours.
        columns = sorted({_position(d) for fl in floors.values() for d in fl}, key=_natural)
        rows = []
        for f in sorted(floors, reverse=True):
            at = {_position(d): d for d in floors[f]}
            extra = [d for d in floors[f] if at.get(_position(d)) is not d]
            rows.append({"floor": f, "cells": [at.get(c) for c in columns] + extra})
        out.append(
            {
                "entrance": entrance,
                "floors": rows,
                "residents": sum(
                    d.resident_count  # type: ignore[attr-defined]  # annotated above (Count)
                    for fl in floors.values()
                    for d in fl
                ),
                "dwellings": sum(len(fl) for fl in floors.values()),
            }
        )
    return out


def _position(d: Dwelling) -> str:
    return d.number[-2:] if len(d.number) >= 3 else d.number


def _natural(text: str) -> tuple:
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def estate_buildings(*, user, estate: Estate, perm: str = VIEW_PERSON) -> QuerySet[Building]:
    return (
        scoped(Building.objects.filter(estate=estate), user, perm)
        .annotate(
            dwelling_count=Count("dwellings", distinct=True),
            resident_count=Count("dwellings__residents", distinct=True),
        )
        .select_related("grid")
        .order_by("name")
    )


def estate_overview(*, user, community: str = "", perm: str = VIEW_PERSON) -> QuerySet[Estate]:
    qs = scoped(Estate.objects.all(), user, perm)
    if community:
        qs = qs.filter(community__code__startswith=community)
    return (
        qs.annotate(
            building_count=Count("buildings", distinct=True),
            dwelling_count=Count("buildings__dwellings", distinct=True),
        )
        .select_related("community")
        .order_by("community_id", "name")
    )


def registry_summary(*, user, perm: str = VIEW_PERSON) -> dict:
    """Counts for the home page: residents, households, estates and current group tags in scope."""
    today = timezone.localdate(clock.now())
    people = person_queryset(user=user, perm=perm).filter(status="active")
    tags = (
        scoped(PersonTag.objects.all(), user, perm)
        .filter(valid_from__lte=today, person__status="active")
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("kind")
        .annotate(n=Count("person", distinct=True))
        .order_by("-n")
    )
    labels = dict(TagKind.choices)
    return {
        "people": people.count(),
        "migrants": people.filter(residence_type="migrant").count(),
        "households": household_queryset(user=user, perm=perm).count(),
        "estates": scoped(Estate.objects.all(), user, perm).count(),
        "tags": [{"kind": t["kind"], "label": labels.get(t["kind"], t["kind"]), "n": t["n"]} for t in tags],
    }


def community_table(*, user, perm: str = VIEW_PERSON) -> list[dict]:
    """One row per community in scope with its resident, household and tagged counts; for a
    scope wider than one street, one row per street (a district has a hundred communities)."""
    communities = list(communities_in_scope(user=user, perm=perm).select_related("parent"))
    codes = [c.code for c in communities]
    today = timezone.localdate(clock.now())
    counts = {
        "people": dict(
            Person.objects.filter(community__in=codes, status="active")
            .values("community")
            .annotate(n=Count("id"))
            .values_list("community", "n")
        ),
        "households": dict(
            Household.objects.filter(community__in=codes)
            .values("community")
            .annotate(n=Count("id"))
            .values_list("community", "n")
        ),
        "tagged": dict(
            PersonTag.objects.filter(community__in=codes, valid_from__lte=today)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .values("community")
            .annotate(n=Count("person", distinct=True))
            .values_list("community", "n")
        ),
    }
    by_street = len({c.parent_id for c in communities}) > 1
    rows: dict[str, dict] = {}
    for c in communities:
        region = c.parent if by_street and c.parent is not None else c
        row = rows.setdefault(
            region.code,
            {"region": region, "communities": 0, "people": 0, "households": 0, "tagged": 0},
        )
        row["communities"] += 1
        for key, values in counts.items():
            row[key] += values.get(c.code, 0)
    return list(rows.values())


def recent_changes(*, user, limit: int = 8, perm: str = VIEW_PERSON) -> list[ChangeRecord]:
    """The newest changes to residents in scope, with the person each one concerns."""
    records = list(
        scoped(
            ChangeRecord.objects.filter(object_type="registry.person"), user, perm, field="community_code"
        ).select_related("by")[:limit]
    )
    names = dict(
        Person.objects.filter(
            pk__in=[int(r.object_id) for r in records if r.object_id.isdigit()]
        ).values_list("pk", "name")
    )
    for r in records:
        r.person_name = names.get(int(r.object_id)) if r.object_id.isdigit() else None
    return records


_HISTORY_LABELS = {
    "id_number": _("公民身份号码"),
    "birth_date": _("出生年份"),
    "phone": _("联系电话"),
    "community": _("社区"),
    "tag": _("人群标签"),
    "member": _("家庭成员"),
}
ACTION_LABELS = {
    "create": _("新建"),
    "update": _("修改"),
    "import": _("导入"),
    "tag_add": _("添加标签"),
    "tag_end": _("结束标签"),
    "member_add": _("加入本户"),
    "member_remove": _("移出本户"),
    "id_conflict": _("他处尝试登记"),
}


def masked_changes(changes: dict | None) -> dict:
    """A change record's values as a masked surface may show them: a birth date as its year
    (identity numbers and phones are stored masked already)."""
    out = dict(changes or {})
    if "birth_date" in out:
        pair = out["birth_date"]
        out["birth_date"] = [_year_of(v) for v in pair] if isinstance(pair, list) else _year_of(pair)
    return out


def _year_of(value):
    return str(value)[:4] if value else value


def _display(field: str, value):
    if value in (None, ""):
        return "—"
    if field == "birth_date":
        return _("%(year)s年") % {"year": _year_of(value)}
    choices = {
        "sex": dict(Sex.choices),
        "ethnicity": dict(ETHNICITIES),
        "residence_type": dict(ResidenceType.choices),
        "status": dict(PersonStatus.choices),
        "tag": dict(TagKind.choices),
    }.get(field)
    if choices is not None:
        return choices.get(value, value)
    return value


def _region_name(code):
    if not code:
        return code
    region = Region.objects.filter(code=code).first()
    return region.short_name if region else code


def person_history(*, person: Person) -> list[dict]:
    """The edit history of a person, each change with readable field names and values."""
    rows = []
    for record in history_for(person):
        changes = []
        for field, pair in (record.changes or {}).items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            if field == "dwelling" or (record.action == "create" and after in (None, "")):
                continue  # the address says where; a new record lists what it has
            if field == "community":
                before, after = _region_name(before), _region_name(after)
            if field in _HISTORY_LABELS:
                label = _HISTORY_LABELS[field]
            else:
                try:
                    model_field = Person._meta.get_field(field)
                except FieldDoesNotExist:
                    model_field = None
                label = getattr(model_field, "verbose_name", None) or field  # a relation has none
            changes.append(
                {"label": label, "before": _display(field, before), "after": _display(field, after)}
            )
        rows.append(
            {
                "at": record.at,
                "by": record.by,
                "code": record.action,
                "action": ACTION_LABELS.get(record.action, record.action),
                "note": record.note,
                "changes": changes,
            }
        )
    return rows


def with_current_tags(qs: QuerySet[Person]) -> QuerySet[Person]:
    """Prefetch each person's current group tags into `current_tags` (one query per page)."""
    from django.db.models import Prefetch

    today = timezone.localdate(clock.now())
    current = (
        PersonTag.objects.filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("kind")
    )
    return qs.prefetch_related(Prefetch("tags", queryset=current, to_attr="current_tags"))


def communities_with_resident_counts(*, user, perm: str = VIEW_PERSON) -> QuerySet[Region]:
    """The communities in the user's scope, each with `resident_count` (active residents)."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from .codes import PersonStatus

    counts = (
        Person.objects.filter(community=OuterRef("code"), status=PersonStatus.ACTIVE)
        .order_by()
        .values("community")
        .annotate(n=Count("id"))
        .values("n")
    )
    return communities_in_scope(user=user, perm=perm).annotate(
        resident_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )


def region_children(*, code: str) -> QuerySet[Region]:
    """The divisions directly under a region (public reference data); 404 for an unknown code."""
    if not Region.objects.filter(code=code).exists():
        raise NotFound()
    return Region.objects.filter(parent_id=code).order_by("code")


def person_tag_get(*, user, pk: int, perm: str = VIEW_PERSON) -> PersonTag:
    tag = scoped(PersonTag.objects.all(), user, perm).select_related("person").filter(pk=pk).first()
    if tag is None:
        raise NotFound()
    return tag


def person_of_user(*, user) -> Person | None:
    """The resident record linked to a user account (a resident's own record), if any."""
    if not getattr(user, "person_id", None):
        return None
    return (
        Person.objects.select_related("community", "dwelling__building__estate", "membership__household")
        .prefetch_related(current_tags_prefetch())
        .filter(pk=user.person_id)
        .first()
    )
