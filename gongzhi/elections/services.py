"""Writes of elections: create, draw and publish the roll, record votes, close."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F

from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.registry.models import HouseholdMember, Person

from . import rules
from .errors import error
from .models import Election, State, VoterEntry

VOTING_AGE = 18
RESIDENT_DAYS = 365  # migrants who have lived in the community for a year


@transaction.atomic
def election_create(
    *, community: Region, term: str, held_on: dt.date, seats: int, method: str, by
) -> Election:
    require(by, rules.MANAGE, community.code)
    if not (isinstance(term, str) and len(term) == 4 and term.isdigit()):
        raise error("bad_term")
    if not isinstance(seats, int) or not 3 <= seats <= 9:
        raise error("bad_seats")
    if Election.objects.filter(community=community, term=term).exists():
        raise error("exists")
    return Election.objects.create(
        community=community, term=term, held_on=held_on, seats=seats, method=method
    )


def _adult_born_before(held_on: dt.date) -> dt.date:
    try:
        return held_on.replace(year=held_on.year - VOTING_AGE)
    except ValueError:  # 29 February
        return held_on.replace(year=held_on.year - VOTING_AGE, day=28)


@transaction.atomic
def roll_draw(*, election: Election, by) -> dict:
    """Draw the roll from the registry: active residents aged 18 on election day, with hukou here
    or migrants who joined a household here at least a year before. A person already on another
    community's roll in the district this term is left off and counted (the constraint holds it)."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    require(by, rules.MANAGE, election)
    if election.state != State.DRAFT:
        raise error("wrong_state", state=election.get_state_display())
    born_before = _adult_born_before(election.held_on)
    people = Person.objects.filter(
        community_id=election.community_id, status="active", birth_date__lte=born_before
    ).values_list("pk", "residence_type")
    joined = dict(
        HouseholdMember.objects.filter(community_id=election.community_id).values_list(
            "person_id", "joined_on"
        )
    )
    settled = election.held_on - dt.timedelta(days=RESIDENT_DAYS)
    district = election.community_id[:6]
    taken = set(
        VoterEntry.objects.filter(district=district, term=election.term).values_list("person_id", flat=True)
    )
    entries, skipped = [], 0
    for pk, kind in people:
        if kind in ("registered", "away"):
            basis = VoterEntry.Basis.HUKOU
        elif kind == "migrant" and joined.get(pk) and joined[pk] <= settled:
            basis = VoterEntry.Basis.RESIDENT
        else:
            continue
        if pk in taken:
            skipped += 1
            continue
        entries.append(
            VoterEntry(
                community_id=election.community_id,
                election=election,
                person_id=pk,
                district=district,
                term=election.term,
                basis=basis,
            )
        )
    try:
        with transaction.atomic():
            VoterEntry.objects.bulk_create(entries, batch_size=2000)
    except IntegrityError:
        raise error("on_other_roll") from None
    election.registered = VoterEntry.objects.filter(election=election).count()
    election.state = State.PUBLISHED
    election.save(update_fields=["registered", "state"])
    return {"registered": election.registered, "skipped": skipped}


@transaction.atomic
def votes_record(*, election: Election, person_ids, by) -> int:
    """Mark who voted (from the signed ballot register); the stored count moves with the roll."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    require(by, rules.MANAGE, election)
    if election.state != State.PUBLISHED:
        raise error("wrong_state", state=election.get_state_display())
    ids = list(person_ids)
    on_roll = VoterEntry.objects.filter(election=election, person_id__in=ids)
    if on_roll.count() != len(set(ids)):
        raise error("not_on_roll")
    n = on_roll.filter(voted=False).update(voted=True)
    Election.objects.filter(pk=election.pk).update(voted=F("voted") + n)
    return n


@transaction.atomic
def election_close(*, election: Election, by) -> Election:
    election = Election.objects.select_for_update().get(pk=election.pk)
    require(by, rules.MANAGE, election)
    if election.state != State.PUBLISHED:
        raise error("wrong_state", state=election.get_state_display())
    election.state = State.CLOSED
    election.save(update_fields=["state"])
    return election


def turnout_verify() -> list[int]:
    """Elections whose stored counts differ from their roll (should be none)."""
    bad = []
    for e in Election.objects.all():
        roll = VoterEntry.objects.filter(election=e)
        if roll.count() != e.registered or roll.filter(voted=True).count() != e.voted:
            bad.append(e.pk)
    return bad
