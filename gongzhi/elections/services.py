"""Writes of elections: create; draw, publish and correct the roll; objections; nominations and
candidates; votes; results. Every step goes through the guard (workflow.py) first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.registry.models import HouseholdMember, Person

from . import policy, rules
from .errors import error
from .models import (
    JOINT_MIN,
    Candidate,
    CandidateState,
    Election,
    Method,
    NominationBasis,
    Objection,
    ObjectionKind,
    ObjectionState,
    RollChange,
    State,
    VoterEntry,
)
from .workflow import CANDIDATE, ELECTION, OBJECTION

# Kept for callers of the first version.
VOTING_AGE = policy.VOTING_AGE
RESIDENT_DAYS = policy.RESIDENT_DAYS


def _today() -> dt.date:
    return timezone.localdate(clock.now())


def _lock(election: Election) -> Election:
    return Election.objects.select_for_update().get(pk=election.pk)


def _text(value, limit: int, code: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise error(code)
    return value


@transaction.atomic
def election_create(
    *, community: Region, term: str, held_on: dt.date, seats: int, method: str, by
) -> Election:
    require(by, rules.MANAGE, community.code)
    if not (isinstance(term, str) and len(term) == 4 and term.isdigit()):
        raise error("bad_term")
    if not isinstance(seats, int) or not policy.MIN_SEATS <= seats <= policy.MAX_SEATS:
        raise error("bad_seats")
    if method not in Method.values:
        raise error("bad_method")
    if not isinstance(held_on, dt.date):
        raise error("bad_date")
    if held_on < _today():
        raise error("past_date")
    if Election.objects.filter(community=community, term=term).exists():
        raise error("exists")
    try:
        with transaction.atomic():
            return Election.objects.create(
                community=community, term=term, held_on=held_on, seats=seats, method=method
            )
    except IntegrityError:  # a parallel request registered it first
        raise error("exists") from None


# ---- the roll ----------------------------------------------------------------------------


def _eligible(person: Person, election: Election) -> bool:
    born_before = policy.adult_born_on_or_before(election.held_on)
    return (
        person.status == "active"
        and person.community_id == election.community_id
        and person.birth_date is not None
        and person.birth_date <= born_before
    )


@transaction.atomic
def roll_draw(*, election: Election, by) -> dict:
    """Draw the roll from the registry: active residents aged 18 on election day, with hukou here
    or migrants who joined a household here at least a year before. A person already on another
    community's roll in the district this term is left off and counted (the constraint holds it)."""
    election = _lock(election)
    ELECTION.require("draw", election, by)
    born_before = policy.adult_born_on_or_before(election.held_on)
    people = Person.objects.filter(
        community_id=election.community_id, status="active", birth_date__lte=born_before
    ).values_list("pk", "residence_type")
    joined = dict(
        HouseholdMember.objects.filter(community_id=election.community_id).values_list(
            "person_id", "joined_on"
        )
    )
    settled = election.held_on - dt.timedelta(days=policy.RESIDENT_DAYS)
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
    election.roll_drawn_at = clock.now()
    election.save(update_fields=["registered", "roll_drawn_at"])
    return {"registered": election.registered, "skipped": skipped}


@transaction.atomic
def roll_publish(*, election: Election, by) -> Election:
    """Publish the roll (公示) today, at least 20 days before election day; objections for 5 days."""
    election = _lock(election)
    ELECTION.require("publish", election, by)
    today = _today()
    election.state = State.PUBLISHED
    election.roll_published_on = today
    election.objections_until = policy.objections_until(today)
    election.save(update_fields=["state", "roll_published_on", "objections_until"])
    return election


# ---- objections to the roll --------------------------------------------------------------


@transaction.atomic
def objection_file(
    *, election: Election, by, kind: str, reason: str, about_self: bool = False, subject_name: str = ""
) -> Objection:
    """A resident objects to the published roll: about themselves (I am left off / my details are
    wrong) or about someone else, named (left off, or on it and should not be)."""
    election = _lock(election)
    ELECTION.require("object", election, by)
    if kind not in ObjectionKind.values:
        raise error("bad_kind")
    reason = _text(reason, 500, "reason_required")
    subject = None
    if about_self:
        subject = Person.objects.filter(pk=by.person_id).first()
        subject_name = ""
    else:
        subject_name = _text(subject_name, 50, "subject_required")
    now = clock.now()
    return Objection.objects.create(
        community_id=election.community_id,
        election=election,
        kind=kind,
        subject=subject,
        subject_name=subject_name,
        reason=reason,
        filed_by=by,
        filed_at=now,
        answer_due=timezone.localdate(now) + dt.timedelta(days=policy.ANSWER_DAYS),
    )


def _objection_locked(objection: Objection) -> tuple[Objection, Election]:
    election = _lock(objection.election)
    objection = (
        Objection.objects.select_for_update(of=("self",)).select_related("subject").get(pk=objection.pk)
    )
    objection.election = election
    return objection, election


def _handled(objection: Objection, by, state: str, answer: str, change: str = "") -> Objection:
    objection.state = state
    objection.answer = answer
    objection.roll_change = change
    objection.handled_by = by
    objection.handled_at = clock.now()
    objection.save(update_fields=["state", "answer", "roll_change", "handled_by", "handled_at"])
    return objection


@transaction.atomic
def objection_uphold(*, objection: Objection, by, answer: str, person_id: int | None = None) -> Objection:
    """The objection holds: the roll is corrected — the person is added (left off) or taken off
    (wrongly on it); a wrong detail is answered and corrected in the registry by its own page."""
    objection, election = _objection_locked(objection)
    OBJECTION.require("uphold", objection, by)
    answer = _text(answer, 500, "answer_required")
    change = ""
    if objection.kind in (ObjectionKind.OMITTED, ObjectionKind.WRONGLY_INCLUDED):
        pid = person_id or objection.subject_id
        person = Person.objects.filter(pk=pid).first() if pid else None
        if person is None:
            raise error("person_required")
        if objection.kind == ObjectionKind.OMITTED:
            if not _eligible(person, election):
                raise error("not_eligible")
            if VoterEntry.objects.filter(election=election, person=person).exists():
                raise error("already_on_roll")
            try:
                with transaction.atomic():
                    VoterEntry.objects.create(
                        community_id=election.community_id,
                        election=election,
                        person=person,
                        district=election.community_id[:6],
                        term=election.term,
                        basis=VoterEntry.Basis.OBJECTION,
                    )
            except IntegrityError:
                raise error("on_other_roll") from None
            Election.objects.filter(pk=election.pk).update(registered=F("registered") + 1)
            change = RollChange.ADDED
        else:
            entry = VoterEntry.objects.filter(election=election, person=person).first()
            if entry is None:
                raise error("not_on_roll")
            if Candidate.objects.filter(entry=entry).exists():
                raise error("is_candidate")
            entry.delete()
            Election.objects.filter(pk=election.pk).update(registered=F("registered") - 1)
            change = RollChange.REMOVED
        objection.subject = person
        objection.save(update_fields=["subject"])
    return _handled(objection, by, ObjectionState.UPHELD, answer, change)


@transaction.atomic
def objection_dismiss(*, objection: Objection, by, answer: str) -> Objection:
    objection, _election = _objection_locked(objection)
    OBJECTION.require("dismiss", objection, by)
    return _handled(objection, by, ObjectionState.DISMISSED, _text(answer, 500, "answer_required"))


# ---- candidates --------------------------------------------------------------------------


@transaction.atomic
def candidate_nominate(
    *, election: Election, by, entry_id: int, basis: str, supporters: int = 0
) -> Candidate:
    """Register a nomination of a voter on the roll (选民证编号 = the entry's number)."""
    election = _lock(election)
    ELECTION.require("nominate", election, by)
    entry = VoterEntry.objects.filter(election=election, pk=entry_id).first()
    if entry is None:
        raise error("not_on_roll")
    if basis not in NominationBasis.values:
        raise error("bad_basis")
    if not isinstance(supporters, int) or supporters < 0 or supporters > 10000:
        raise error("too_few_supporters", n=JOINT_MIN)
    if basis == NominationBasis.JOINT and supporters < JOINT_MIN:
        raise error("too_few_supporters", n=JOINT_MIN)
    if Candidate.objects.filter(entry=entry).exists():
        raise error("already_nominated")
    try:
        with transaction.atomic():
            return Candidate.objects.create(
                community_id=election.community_id,
                election=election,
                entry=entry,
                basis=basis,
                supporters=supporters if basis == NominationBasis.JOINT else 0,
                nominated_by=by,
                nominated_at=clock.now(),
            )
    except IntegrityError:
        raise error("already_nominated") from None


def _respond(candidate: Candidate, by, step: str, state: str) -> Candidate:
    _lock(candidate.election)
    candidate = (
        Candidate.objects.select_for_update(of=("self",))
        .select_related("entry", "election")
        .get(pk=candidate.pk)
    )
    CANDIDATE.require(step, candidate, by)
    candidate.state = state
    candidate.responded_at = clock.now()
    candidate.save(update_fields=["state", "responded_at"])
    return candidate


@transaction.atomic
def candidate_accept(*, candidate: Candidate, by) -> Candidate:
    return _respond(candidate, by, "accept", CandidateState.ACCEPTED)


@transaction.atomic
def candidate_decline(*, candidate: Candidate, by) -> Candidate:
    return _respond(candidate, by, "decline", CandidateState.DECLINED)


@transaction.atomic
def candidates_publish(*, election: Election, by) -> Election:
    """Publish the accepted candidates (more than the seats) at least 5 days before election day,
    once the objection period is over and every objection answered."""
    election = _lock(election)
    ELECTION.require("publish_candidates", election, by)
    election.state = State.CANDIDATES
    election.candidates_published_on = _today()
    election.save(update_fields=["state", "candidates_published_on"])
    return election


# ---- voting and results ------------------------------------------------------------------


def parse_numbers(text: str) -> list[int]:
    """Voter numbers (选民证编号) typed or scanned, separated by spaces, commas or new lines."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise error("bad_voter_numbers", numbers="、".join(bad[:5]))
    return [int(p) for p in parts]


@transaction.atomic
def votes_record(
    *, election: Election, by, person_ids: Iterable[int] | None = None, numbers: Iterable[int] | None = None
) -> int:
    """Mark who voted (from the signed ballot register), by person or by voter number; the stored
    count moves with the roll. Marking a voter twice counts once."""
    election = _lock(election)
    ELECTION.require("vote", election, by)
    roll = VoterEntry.objects.filter(election=election)
    if numbers is not None:
        ids = set(numbers)
        on_roll = roll.filter(pk__in=ids)
        found = set(on_roll.values_list("pk", flat=True))
        if found != ids:
            raise error("bad_voter_numbers", numbers="、".join(str(n) for n in sorted(ids - found)[:5]))
    else:
        ids = set(person_ids or ())
        on_roll = roll.filter(person_id__in=ids)
        if on_roll.count() != len(ids):
            raise error("not_on_roll")
    n = on_roll.filter(voted=False).update(voted=True)
    Election.objects.filter(pk=election.pk).update(voted=F("voted") + n)
    return n


def elected_of(votes: dict[int, int], *, seats: int, voted: int, valid: bool) -> set[int]:
    """Who is elected: the election is valid (more than half the voters took part); a candidate
    needs more than half of the ballots cast; the most votes fill the seats; a tie for the last
    seat elects none of the tied (they go to a further ballot, 另行选举)."""
    if not valid:
        return set()
    qualified = sorted(((v, c) for c, v in votes.items() if 2 * v > voted), reverse=True)
    if len(qualified) <= seats:
        return {c for _v, c in qualified}
    cutoff = qualified[seats - 1][0]
    if qualified[seats][0] == cutoff:  # the last seat is tied
        return {c for v, c in qualified if v > cutoff}
    return {c for _v, c in qualified[:seats]}


@transaction.atomic
def results_record(*, election: Election, by, votes: dict[int, int]) -> Election:
    """The count of each accepted candidate's votes; who is elected follows from the rule."""
    election = _lock(election)
    ELECTION.require("result", election, by)
    candidates = {c.pk: c for c in election.candidates.filter(state=CandidateState.ACCEPTED)}
    if set(votes) != set(candidates):
        raise error("bad_votes")
    for v in votes.values():
        if not isinstance(v, int) or not 0 <= v <= election.voted:
            raise error("bad_votes")
    if sum(votes.values()) > election.voted * election.seats:
        raise error("too_many_votes")
    elected = elected_of(votes, seats=election.seats, voted=election.voted, valid=election.valid)
    for pk, c in candidates.items():
        c.votes = votes[pk]
        c.elected = pk in elected
    Candidate.objects.bulk_update(list(candidates.values()), ["votes", "elected"])
    election.state = State.CLOSED
    election.closed_at = clock.now()
    election.save(update_fields=["state", "closed_at"])
    return election


def turnout_verify() -> list[int]:
    """Elections whose stored counts differ from their roll (should be none)."""
    bad = []
    for e in Election.objects.all():
        roll = VoterEntry.objects.filter(election=e)
        if roll.count() != e.registered or roll.filter(voted=True).count() != e.voted:
            bad.append(e.pk)
    return bad
