"""Every read of elections, scoped; the turnout figure returns its number and the records."""

from __future__ import annotations

from collections import Counter

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.pii import mask_name
from gongzhi.core.scoping import scope_prefixes, scoped
from gongzhi.visits.selectors import FigureResult

from . import rules
from .models import Candidate, CandidateState, Election, Objection, State, VoterEntry


def elections(*, user):
    return scoped(Election.objects.select_related("community"), user, rules.VIEW)


def resident_elections(*, user):
    """The elections of the resident's community once their roll is published (never a draft)."""
    return scoped(Election.objects.select_related("community"), user, rules.OBJECT).exclude(state=State.DRAFT)


def election_get(*, user, pk: int) -> Election:
    """Staff see every election in scope; residents their community's, once published."""
    e = Election.objects.select_related("community").filter(pk=pk).first()
    if e is None:
        raise NotFound()
    if user.has_perm(rules.VIEW, e):
        return e
    if user.has_perm(rules.OBJECT, e) and e.state != State.DRAFT:
        return e
    raise NotFound()


def manageable_communities(*, user) -> list[Region]:
    prefixes = scope_prefixes(user, rules.MANAGE)
    if not prefixes:
        return []
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    return list(Region.objects.filter(q, level=5).order_by("code")[:500])


def roll_summary(*, election: Election) -> dict:
    basis = Counter(VoterEntry.objects.filter(election=election).values_list("basis", flat=True))
    return {
        "by_basis": [(VoterEntry.Basis(k).label, n) for k, n in sorted(basis.items())],
        "registered": election.registered,
    }


def roll_rows(*, election: Election):
    """The roll as published (公示): voter number, masked name, building — never an identity number."""
    return (
        VoterEntry.objects.filter(election=election)
        .select_related("person__dwelling__building__estate")
        .order_by("pk")
    )


def roll_row(entry: VoterEntry) -> dict:
    d = entry.person.dwelling if entry.person.dwelling_id else None
    return {
        "number": entry.pk,
        "name": mask_name(entry.person.name),
        "place": str(d.building) if d is not None and d.building_id else "—",
        "basis": entry.get_basis_display(),
        "voted": entry.voted,
    }


def my_entry(*, user, election: Election) -> VoterEntry | None:
    if getattr(user, "person_id", None) is None:
        return None
    return VoterEntry.objects.filter(election=election, person_id=user.person_id).first()


def objections(*, user, election: Election):
    """The committee sees every objection; a resident sees their own."""
    qs = Objection.objects.filter(election=election).select_related("filed_by", "subject", "handled_by")
    if user.has_perm(rules.VIEW, election):
        return qs
    return qs.filter(filed_by=user)


def subject_label(o: Objection) -> str:
    return mask_name(o.subject.name) if o.subject_id and o.subject else o.subject_name


def objection_get(*, user, pk: int) -> Objection:
    o = Objection.objects.select_related("election").filter(pk=pk).first()
    if o is None or not user.has_perm(rules.VIEW, o.election):
        raise NotFound()
    return o


def candidates(*, user, election: Election):
    """Staff see every nomination; residents the accepted candidates once published, and their own."""
    qs = Candidate.objects.filter(election=election).select_related("entry__person")
    if user.has_perm(rules.VIEW, election):
        return qs
    shown = Q(entry__person_id=getattr(user, "person_id", None) or -1)
    if election.state in (State.CANDIDATES, State.CLOSED):
        shown |= Q(state=CandidateState.ACCEPTED)
    return qs.filter(shown)


def candidate_get(*, user, pk: int) -> Candidate:
    c = Candidate.objects.select_related("election", "entry__person").filter(pk=pk).first()
    if c is None or not user.has_perm(rules.RESPOND, c):
        raise NotFound()
    return c


def candidate_rows(qs) -> list[dict]:
    return [
        {
            "c": c,
            "name": c.entry.person.name
            if c.state == CandidateState.ACCEPTED
            else mask_name(c.entry.person.name),
        }
        for c in qs
    ]


def results(*, election: Election) -> dict:
    """Turnout, validity and each candidate's votes (closed elections only)."""
    rows = (
        Candidate.objects.filter(election=election, state=CandidateState.ACCEPTED)
        .select_related("entry__person")
        .order_by("-votes", "pk")
    )
    elected = [c for c in rows if c.elected]
    return {
        "rows": rows,
        "elected": elected,
        "unfilled": max(0, election.seats - len(elected)),
        "turnout": election.turnout,
        "valid": election.valid,
    }


def turnout(*, user, **params):
    """Turnout (参选率) of the elections held (closed), from the stored counts, which the roll
    recomputes (services.turnout_verify)."""
    records = [
        (e.community.name, e.term, e.registered, e.voted, e.turnout)
        for e in elections(user=user).filter(state=State.CLOSED)
    ]
    reg = sum(r[2] for r in records)
    value = round(100 * sum(r[3] for r in records) / reg, 1) if reg else None
    return FigureResult(
        value, records, "%", (_("社区"), _("届次"), _("登记选民数"), _("参选人数"), _("参选率"))
    )


def resident_todo(*, user) -> dict:
    publishing = resident_elections(user=user).filter(state=State.PUBLISHED).count()
    person_id = getattr(user, "person_id", None)
    nominations = (
        Candidate.objects.filter(
            entry__person_id=person_id, state=CandidateState.NOMINATED, election__state=State.PUBLISHED
        ).count()
        if person_id
        else 0
    )
    return {"publishing": publishing, "nominations": nominations}
