"""Writes of councils and their members: create and edit a council (its level, region, threshold and
boundary of matters), add, edit and end members. One guard, `rules.COUNCIL`, for all of them."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.permissions import require

from . import rules
from .errors import error
from .models import Council, CouncilLevel, CouncilMember, MemberKind, Position, QuorumRule

MAX_THRESHOLD = 100_000
_PARENT_LEVEL: dict[str, str] = {
    CouncilLevel.COMMUNITY: CouncilLevel.STREET,
    CouncilLevel.GROUP: CouncilLevel.COMMUNITY,
}


def _threshold(value) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise error("council_threshold") from None
    if not (1 <= n <= MAX_THRESHOLD):
        raise error("council_threshold")
    return n


def _name(value: str, taken_in: str, exclude: int | None = None) -> str:
    name = (value or "").strip()
    if not name or len(name) > 80:
        raise error("council_name")
    others = Council.objects.filter(region_id=taken_in, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise error("council_name_taken", name=name)
    return name


def _default_parent(level: str, region) -> Council | None:
    """A community council answers to its street's council; a group to its community's."""
    if level == CouncilLevel.COMMUNITY:
        return (
            Council.objects.filter(region_id=region.code[:9], level=CouncilLevel.STREET)
            .order_by("pk")
            .first()
        )
    if level == CouncilLevel.GROUP:
        return (
            Council.objects.filter(community_id=region.code, level=CouncilLevel.COMMUNITY)
            .order_by("pk")
            .first()
        )
    return None


@transaction.atomic
def council_create(
    *,
    by,
    region,
    level: str,
    name: str,
    building=None,
    parent: Council | None = None,
    support_threshold=10,
    boundary: str = "",
    refers: str = "",
    quorum: str = QuorumRule.HALF,
    premoderation: bool = False,
) -> Council:
    """A street council speaks for a street; a community council for a community; a building group
    for one building of a community. The parent is the level above (found when not given)."""
    require(by, rules.COUNCIL, region)
    if level not in CouncilLevel.values:
        raise error("council_level")
    if (level == CouncilLevel.STREET) != (region.level == 4) or region.level not in (4, 5):
        raise error("council_level")
    if level == CouncilLevel.GROUP:
        if building is None or building.community_id != region.code:
            raise error("council_building")
    else:
        building = None
    if quorum not in QuorumRule.values:
        raise error("council_quorum")
    if parent is None:
        parent = _default_parent(level, region)
    elif parent.level != _PARENT_LEVEL.get(level) or not region.code.startswith(
        parent.community_id or parent.region_id
    ):
        raise error("council_parent")
    try:
        with transaction.atomic():
            return Council.objects.create(
                region=region,
                community=region if region.level == 5 else None,
                level=level,
                name=_name(name, region.code),
                building=building,
                parent=parent,
                support_threshold=_threshold(support_threshold),
                quorum=quorum,
                premoderation=bool(premoderation),
                boundary=(boundary or "").strip()[:2000],
                refers=(refers or "").strip()[:2000],
            )
    except IntegrityError:  # the same name created at the same moment
        raise error("council_name_taken", name=(name or "").strip()) from None


@transaction.atomic
def council_update(
    *,
    by,
    council: Council,
    name: str,
    support_threshold,
    boundary: str = "",
    refers: str = "",
    quorum: str = QuorumRule.HALF,
    premoderation: bool = False,
) -> Council:
    """Its level, region and building stay: they say what the council is (topics and polls hang on
    them). A lower threshold does not put proposed topics on the agenda by itself; the next support does."""
    council = Council.objects.select_for_update().get(pk=council.pk)
    require(by, rules.COUNCIL, council)
    if quorum not in QuorumRule.values:
        raise error("council_quorum")
    council.name = _name(name, council.region_id, exclude=council.pk)
    council.support_threshold = _threshold(support_threshold)
    council.boundary = (boundary or "").strip()[:2000]
    council.refers = (refers or "").strip()[:2000]
    council.quorum = quorum
    council.premoderation = bool(premoderation)
    council.save(update_fields=["name", "support_threshold", "boundary", "refers", "quorum", "premoderation"])
    return council


# ------------------------------------------------------------------ members


def _term(term_start, term_end) -> tuple[dt.date, dt.date]:
    if not isinstance(term_start, dt.date) or not isinstance(term_end, dt.date) or term_end < term_start:
        raise error("member_term")
    return term_start, term_end


def _check_member(
    council: Council, *, kind: str, position: str, term: tuple[dt.date, dt.date], person, exclude=None
) -> None:
    if kind not in MemberKind.values:
        raise error("member_kind")
    if position not in Position.values:
        raise error("member_position")
    overlapping = CouncilMember.objects.filter(
        council=council, term_start__lte=term[1], term_end__gte=term[0]
    ).exclude(pk=exclude)
    if position == Position.CHAIR:
        chair = overlapping.filter(position=Position.CHAIR).first()
        if chair is not None:
            raise error("chair_taken", name=chair.name)
    if person is not None and overlapping.filter(person=person).exists():
        raise error("member_duplicate", name=person.name)


@transaction.atomic
def council_member_add(
    *,
    by,
    council: Council,
    kind: str,
    name: str = "",
    term_start: dt.date,
    term_end: dt.date,
    position: str = Position.MEMBER,
    person=None,
    user=None,
    organization=None,
) -> CouncilMember:
    """A member, linked to a resident of the council's area in the registry (by person), or to an
    organisation working there (a property company, a unit, a social organisation), or both."""
    council = Council.objects.select_for_update().get(pk=council.pk)
    require(by, rules.COUNCIL, council)
    term = _term(term_start, term_end)
    if person is not None and not (person.community_id or "").startswith(council.region_id):
        raise error("member_person_outside")
    if organization is not None and not (
        council.region_id.startswith(organization.region_id)
        or organization.region_id.startswith(council.region_id)
    ):
        raise error("member_org_outside")
    name = (name or "").strip() or (person.name if person is not None else "")
    if not name and organization is not None:
        name = organization.name[:50]
    if not name or len(name) > 50:
        raise error("member_name")
    _check_member(council, kind=kind, position=position, term=term, person=person)
    return CouncilMember.objects.create(
        council=council,
        kind=kind,
        position=position,
        name=name,
        person=person,
        user=user,
        organization=organization,
        term_start=term[0],
        term_end=term[1],
    )


@transaction.atomic
def council_member_update(
    *, by, member: CouncilMember, kind: str, position: str, term_start: dt.date, term_end: dt.date
) -> CouncilMember:
    """Change a member's kind, position or term (who they are stays: add a new member for that)."""
    council = Council.objects.select_for_update().get(pk=member.council_id)
    member = CouncilMember.objects.select_for_update().get(pk=member.pk)
    require(by, rules.COUNCIL, council)
    term = _term(term_start, term_end)
    _check_member(council, kind=kind, position=position, term=term, person=member.person, exclude=member.pk)
    member.kind, member.position = kind, position
    member.term_start, member.term_end = term
    member.save(update_fields=["kind", "position", "term_start", "term_end"])
    return member


@transaction.atomic
def council_member_end(*, by, member: CouncilMember, on: dt.date | None = None) -> CouncilMember:
    """End a member's term: `on` is their last day (today by default). Not before today — past
    meetings count who was in term then — and not after the term's own end."""
    member = CouncilMember.objects.select_for_update().select_related("council").get(pk=member.pk)
    require(by, rules.COUNCIL, member.council)
    today = clock.now().date()
    on = on or today
    if member.term_end < today:
        raise error("member_already_ended")
    if not isinstance(on, dt.date) or on < today or on < member.term_start or on > member.term_end:
        raise error("member_end_date")
    member.term_end = on
    member.save(update_fields=["term_end"])
    return member
