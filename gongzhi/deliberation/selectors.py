"""Reads of deliberation, scoped (core.scoping), and the 622 figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scope_q

from . import rules
from .meetings import Meeting
from .models import Council, CouncilLevel, Outcome, QuorumRule, Resolution, Topic, TopicState
from .polls import Poll, PollState

if TYPE_CHECKING:
    from gongzhi.core.models import Region


def _visible_q(user, field_name: str = "region_id") -> Q:
    return scope_q(user, rules.VIEW, field_name) | scope_q(user, rules.PROPOSE, field_name)


def _may_see(user) -> bool:
    return bool(scope_prefixes(user, rules.VIEW) or scope_prefixes(user, rules.PROPOSE))


def councils(*, user):
    if not _may_see(user):
        return Council.objects.none()
    return Council.objects.filter(_visible_q(user)).select_related("region", "building")


def council_get(*, user, pk: int) -> Council:
    c = councils(user=user).filter(pk=pk).first()
    if c is None:
        raise NotFound()
    return c


def topics(*, user, council: Council | None = None, states=None):
    if not _may_see(user):
        return Topic.objects.none()
    qs = Topic.objects.filter(_visible_q(user)).select_related("council")
    if council is not None:
        qs = qs.filter(council=council)
    if states:
        qs = qs.filter(state__in=states)
    return qs


def topic_get(*, user, pk: int) -> Topic:
    t = topics(user=user).filter(pk=pk).first()
    if t is None:
        # The council a topic is referred to sees it while the referral is pending.
        t = Topic.objects.filter(
            pk=pk,
            state=TopicState.REFERRED,
            referrals__state="pending",
            referrals__to_council__in=councils(user=user).filter(scope_q(user, rules.MANAGE, "region_id")),
        ).first()
    if t is None:
        raise NotFound()
    return t


def referrals_in(*, user):
    """Topics referred to councils this user manages, waiting for an answer."""
    from .models import Referral

    return Referral.objects.filter(
        state="pending", to_council__in=Council.objects.filter(scope_q(user, rules.MANAGE, "region_id"))
    ).select_related("topic", "from_council", "to_council")


def polls(*, user, council: Council | None = None):
    if not _may_see(user):
        return Poll.objects.none()
    qs = Poll.objects.filter(_visible_q(user, "council__region_id")).select_related("council")
    if council is not None:
        qs = qs.filter(council=council)
    return qs


def poll_get(*, user, pk: int) -> Poll:
    p = polls(user=user).filter(pk=pk).first()
    if p is None:
        raise NotFound()
    return p


def resolutions(*, user, council: Council | None = None):
    qs = Resolution.objects.filter(topic__in=topics(user=user, council=council)).select_related(
        "topic", "task__unit", "project__round"
    )
    return qs


def resolution_of(topic: Topic) -> Resolution | None:
    """A topic's resolution with what it was handed on as: the task (its unit and state) or the
    微实事 project (its round)."""
    return (
        Resolution.objects.select_related("task__unit", "project__round")
        .prefetch_related("milestones")
        .filter(topic=topic)
        .first()
    )


def households_behind(topic: Topic) -> int:
    """How many households raised the matter: those of the demands' residents, and the supporters."""
    from gongzhi.demands.models import Demand
    from gongzhi.registry.models import HouseholdMember

    persons = Demand.objects.filter(
        pk__in=topic.demand_links.values_list("demand_id", flat=True), person__isnull=False
    ).values_list("person_id", flat=True)
    hh = set(HouseholdMember.objects.filter(person_id__in=persons).values_list("household_id", flat=True))
    hh |= set(topic.supports.values_list("household_id", flat=True))
    return len(hh)


# ------------------------------------------------------------------ 622


@dataclass
class Settled:
    region: str
    counts: dict = field(default_factory=dict)
    total: int = 0
    records: list = field(default_factory=list)

    def share(self, kind: str) -> float:
        return self.counts.get(kind, 0) / self.total if self.total else 0.0

    @property
    def shares(self) -> dict:
        return {k: self.share(k) for k in Outcome.values}

    @property
    def meets_622(self) -> bool:
        return (
            self.total > 0
            and self.share("deliberation") >= 0.6
            and self.share("social_org") >= 0.2
            and self.share("referral") <= 0.2
        )


def _code(region: str | Region) -> str:
    """The ledgers pass the Region, the pages its code."""
    return region if isinstance(region, str) else region.code


def settled_matters(*, user, region: str | Region = ""):
    """The closed matters a 622 counts, in the user's scope (narrowed to `region`): demands
    closed with a resolution kind, and topics closed with an outcome. None when the user may not
    manage deliberation anywhere."""
    from gongzhi.demands.models import Demand, DemandState

    region = _code(region)
    prefixes = scope_prefixes(user, rules.MANAGE)
    if not prefixes:
        return None
    if region and not any(region.startswith(p) for p in prefixes):
        raise NotFound()
    area = Q(community__code__startswith=region) if region else scope_q(user, rules.MANAGE, "community_id")
    demands = Demand.objects.filter(area, state=DemandState.CLOSED).exclude(resolution_kind="")
    topic_area = Q(region__code__startswith=region) if region else scope_q(user, rules.MANAGE, "region_id")
    closed_topics = Topic.objects.filter(topic_area, state=TopicState.CLOSED).exclude(outcome="")
    return demands, closed_topics


def settled_share(*, user, region: str | Region = "", kind: str = "") -> Settled:
    """Yuhuatai's 622 for a community or street: of the closed matters — demands closed with a
    resolution kind, and topics closed with an outcome — the share settled by deliberation, by
    social-organisation service and by referral. The records are what was counted (filtered to one
    kind for the drill-down)."""
    region = _code(region)
    matters = settled_matters(user=user, region=region)
    if matters is None:
        return Settled(region=region)
    demands, closed_topics = matters
    out = Settled(region=region)
    for k in Outcome.values:
        out.counts[k] = demands.filter(resolution_kind=k).count() + closed_topics.filter(outcome=k).count()
    out.total = sum(out.counts.values())
    if kind in Outcome.values:
        out.records = [
            ("demand", d.pk, d.title, d.resolution_kind, d.closed_at)
            for d in demands.filter(resolution_kind=kind).order_by("-closed_at")[:200]
        ]
        out.records += [
            ("topic", t.pk, t.title, t.outcome, t.closed_at)
            for t in closed_topics.filter(outcome=kind).order_by("-closed_at")[:200]
        ]
    return out


def open_polls_for(*, user):
    return polls(user=user).filter(state=PollState.OPEN)


def community_council(community_code: str) -> Council | None:
    """The community's own council (where a matter raised at a door goes to be discussed)."""
    return (
        Council.objects.filter(community_id=community_code, level=CouncilLevel.COMMUNITY)
        .order_by("pk")
        .first()
    )


# ------------------------------------------------------------------ meetings


def meetings(*, user, council: Council | None = None):
    if not _may_see(user):
        return Meeting.objects.none()
    qs = Meeting.objects.filter(_visible_q(user, "council__region_id")).select_related("council")
    if council is not None:
        qs = qs.filter(council=council)
    return qs


def meeting_get(*, user, pk: int) -> Meeting:
    m = meetings(user=user).filter(pk=pk).first()
    if m is None:
        raise NotFound()
    return m


@dataclass
class Quorum:
    """Whether a meeting could decide: the council's voting members in term on the day (列席 not
    counted), how many of them signed in, and the attendance rows counted."""

    rule: str
    members: int
    present: int
    records: list = field(default_factory=list)

    @property
    def required(self) -> int:
        if self.rule == QuorumRule.TWO_THIRDS:
            return -(-2 * self.members // 3)  # at least two thirds
        return self.members // 2 + 1  # more than half

    @property
    def met(self) -> bool:
        return self.members > 0 and self.present >= self.required


def meeting_quorum(meeting: Meeting) -> Quorum:
    from .meetings import Attendance
    from .models import CouncilMember, Position

    day = meeting.starts_at.date()
    voting = CouncilMember.objects.filter(
        council_id=meeting.council_id, term_start__lte=day, term_end__gte=day
    ).exclude(position=Position.OBSERVER)
    records = list(
        Attendance.objects.filter(meeting=meeting, member__in=voting)
        .select_related("member")
        .order_by("at", "id")
    )
    return Quorum(rule=meeting.council.quorum, members=voting.count(), present=len(records), records=records)


def meeting_attendance(meeting: Meeting):
    """Every member invited or present, with their attendance (None: absent)."""
    from .meetings import Attendance
    from .models import CouncilMember

    day = meeting.starts_at.date()
    present = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    members = CouncilMember.objects.filter(council_id=meeting.council_id).filter(
        Q(term_start__lte=day, term_end__gte=day) | Q(pk__in=list(present))
    )
    return [(m, present.get(m.pk)) for m in members.order_by("position", "name", "pk")]


def invitations_for(*, user):
    """The meetings this user is invited to that have not happened yet (newest first)."""
    from .meetings import Invitation, MeetingState

    if user is None or not user.is_authenticated:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(user=user, meeting__state__in=[MeetingState.SCHEDULED, MeetingState.SIGNIN])
        .select_related("meeting__council")
        .order_by("meeting__starts_at")
    )


def signin_meetings_for(*, user):
    """Meetings now taking sign-in of councils this user is a member of (by account or person)."""
    from gongzhi.core import clock

    from .meetings import MeetingState
    from .models import CouncilMember
    from .rules import member_q

    if user is None or not user.is_authenticated:
        return Meeting.objects.none()
    today = clock.now().date()
    councils_of = CouncilMember.objects.filter(
        member_q(user), term_start__lte=today, term_end__gte=today
    ).values_list("council_id", flat=True)
    return Meeting.objects.filter(state=MeetingState.SIGNIN, council_id__in=list(councils_of)).select_related(
        "council"
    )


# ------------------------------------------------------------------ online discussion


def discussion_thread(*, user, topic: Topic) -> list:
    """The topic's comments in thread order, each with what this user may see of it: staff see
    everything; others see published comments, their own pending ones, and a hidden comment as a
    placeholder with its reason (its replies stay in place)."""
    from .discussion import Comment, CommentState

    staff = user.has_perm(rules.MANAGE, topic)
    rows = list(
        Comment.objects.filter(topic=topic)
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved=False)))
        .order_by("at", "id")
    )
    for c in rows:
        c.topic = topic  # the guard reads the comment's topic: no query per comment
    visible = {
        c.pk
        for c in rows
        if staff
        or c.state in (CommentState.PUBLISHED, CommentState.HIDDEN)
        or (c.state == CommentState.PENDING and c.author_id == user.pk)
    }
    children: dict[int | None, list] = {}
    for c in rows:
        if c.pk in visible:
            children.setdefault(c.parent_id if c.parent_id in visible else None, []).append(c)
    out: list = []

    def walk(parent_id):
        for c in children.get(parent_id, []):
            out.append(c)
            walk(c.pk)

    walk(None)
    return out


def moderation_queue(*, user):
    """Comments waiting for a moderator in this user's area: pre-moderated ones, and published
    ones with unresolved reports."""
    from .discussion import Comment, CommentState

    if not scope_prefixes(user, rules.MANAGE):
        return Comment.objects.none()
    return (
        Comment.objects.filter(scope_q(user, rules.MANAGE, "topic__region_id"))
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved=False)))
        .filter(Q(state=CommentState.PENDING) | Q(state=CommentState.PUBLISHED, open_reports__gt=0))
        .select_related("topic")
        .order_by("at", "id")
    )


def council_for_demands(*, user, demand_ids) -> Council:
    """The council a set of demands (a hot issue) goes to: their community's council, or their
    street's when they span communities. Demands outside the user's area are not found."""
    from gongzhi.demands.models import Demand

    from .errors import error

    ids = set(demand_ids)
    demands = list(Demand.objects.filter(scope_q(user, rules.MANAGE, "community_id"), pk__in=ids))
    if not ids or len(demands) != len(ids):
        raise NotFound()
    communities = {d.community_id for d in demands}
    council = None
    if len(communities) == 1:
        council = community_council(next(iter(communities)))
    else:
        streets = {c[:9] for c in communities}
        if len(streets) == 1:
            council = (
                Council.objects.filter(region_id=next(iter(streets)), level=CouncilLevel.STREET)
                .order_by("pk")
                .first()
            )
    if council is None:
        raise error("no_council_for_demands")
    return council


# ------------------------------------------------------------------ council management


def council_members(council: Council):
    """A council's members, chair first, then vice-chairs, members and observers; each with
    `in_term` (today within their term)."""
    from django.db.models import Case, IntegerField, Value, When

    from gongzhi.core import clock

    from .models import CouncilMember, Position

    today = clock.now().date()
    order = Case(
        *[When(position=p, then=Value(i)) for i, p in enumerate(Position.values)],
        output_field=IntegerField(),
    )
    rows: list = list(
        CouncilMember.objects.filter(council=council)
        .select_related("person", "organization")
        .annotate(rank=order)
        .order_by("-term_end", "rank", "name", "pk")
    )
    for m in rows:
        m.in_term = m.term_start <= today <= m.term_end
    rows.sort(key=lambda m: (not m.in_term, m.rank))
    return rows


PEOPLE_SHOWN = 20


def member_people(*, user, council: Council, q: str) -> tuple[list, str]:
    """The person picker of the members page: residents of the council's area the user may see in
    the registry, by name (its first characters), the last four of the identity number or part of
    the address; at most 20, identity numbers masked."""
    from gongzhi.core.errors import ApplicationError
    from gongzhi.registry.selectors import person_search

    q = (q or "").strip()[:40]
    if not q:
        return [], ""
    try:
        qs = person_search(user=user, q=q).filter(community__code__startswith=council.region_id)
        return list(qs.select_related("community", "dwelling")[:PEOPLE_SHOWN]), ""
    except ApplicationError as e:
        return [], str(e.message)


def member_person_get(*, user, council: Council, pk) -> object | None:
    """The person chosen in the picker, if the user may see them and they live in the council's area."""
    from gongzhi.registry.models import Person
    from gongzhi.registry.rules import VIEW_PERSON

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Person.objects.filter(scope_q(user, VIEW_PERSON), community__code__startswith=council.region_id)
        .filter(pk=pk)
        .first()
    )


def member_organizations(council: Council):
    """Organisations working in the council's area (or in the street or district around it)."""
    from gongzhi.organizations.models import Organization

    prefixes = [council.region_id[:n] for n in (6, 9, 12) if n <= len(council.region_id)]
    return Organization.objects.filter(
        Q(region__code__startswith=council.region_id) | Q(region_id__in=prefixes)
    ).order_by("name")


def council_regions(*, user) -> list:
    """Streets and communities where this user may set up a council."""
    from gongzhi.core.models import Region
    from gongzhi.core.scoping import user_regions

    out = []
    for r in user_regions(user, rules.MANAGE):
        if r.level in (4, 5):
            out.append(r)
        if r.level < 5:
            out += list(
                Region.objects.filter(code__startswith=r.code, level__in=[4, 5]).exclude(pk=r.pk)[:300]
            )
    return out


def council_buildings(*, user):
    """Buildings of the communities where this user manages councils (for a building group)."""
    from gongzhi.registry.models import Building

    return (
        Building.objects.filter(scope_q(user, rules.MANAGE, "community_id"))
        .select_related("estate")
        .order_by("community_id", "estate__name", "name")
    )


# ------------------------------------------------------------------ paper ballots


@dataclass
class PaperStatus:
    """Where a poll's paper ballots stand: the roll, codes issued and entered, online votes, and
    the voters with no code yet (issuing gives codes to them)."""

    roll: int
    issued: int
    used: int
    online: int
    without_code: int


def paper_status(poll: Poll) -> PaperStatus:
    from .polls import Channel, PaperCode, RollEntry, VoteRecord

    roll = RollEntry.objects.filter(poll=poll).count()
    codes = PaperCode.objects.filter(poll=poll)
    issued = codes.count()
    return PaperStatus(
        roll=roll,
        issued=issued,
        used=codes.filter(used_at__isnull=False).count(),
        online=VoteRecord.objects.filter(poll=poll, channel=Channel.ONLINE).count(),
        without_code=roll - issued,
    )


def voter_labels(keys) -> dict[str, tuple[str, str]]:
    """Who a printed slip goes to: (name masked, address) for each roll key — a household ("h:")
    by its head and dwelling, a resident ("p:") by name and address, a member ("m:") by name, and
    co-owners voting as one ("o:") by their dwelling."""
    from gongzhi.core.pii import mask_name
    from gongzhi.registry.models import Dwelling, Household, Person

    from .models import CouncilMember

    ids: dict[str, list[int]] = {}
    for key in keys:
        kind, _sep, pk = key.partition(":")
        if pk.isdigit():
            ids.setdefault(kind, []).append(int(pk))
    out: dict[str, tuple[str, str]] = {}
    for h in Household.objects.filter(pk__in=ids.get("h", [])).select_related(
        "head", "dwelling__building__estate"
    ):
        out[f"h:{h.pk}"] = (
            mask_name(h.head.name) if h.head is not None else "",
            h.dwelling.address if h.dwelling is not None else "",
        )
    for p in Person.objects.filter(pk__in=ids.get("p", [])).select_related("dwelling__building__estate"):
        out[f"p:{p.pk}"] = (mask_name(p.name), p.dwelling.address if p.dwelling is not None else p.address)
    for m in CouncilMember.objects.filter(pk__in=ids.get("m", [])):
        out[f"m:{m.pk}"] = (m.name, "")
    for d in Dwelling.objects.filter(pk__in=ids.get("o", [])).select_related("building__estate"):
        out[f"o:{d.pk}"] = ("", d.address)
    return out


# ------------------------------------------------------------------ satisfaction


@dataclass
class SatisfactionCounts:
    """Answers to the satisfaction question of reported-back topics: counts per answer (满意,
    基本满意, 不满意), in total and per topic. `rows` gives (answer, label, count, share)."""

    counts: dict = field(default_factory=dict)
    by_topic: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rows(self) -> list:
        from .models import SatisfactionAnswer

        return [
            (k, label, self.counts.get(k, 0), self.counts.get(k, 0) / self.total if self.total else 0.0)
            for k, label in SatisfactionAnswer.choices
        ]

    def topic(self, topic_id: int) -> SatisfactionCounts:
        return SatisfactionCounts(counts=self.by_topic.get(topic_id, {}))


def satisfaction_counts(*, topics) -> SatisfactionCounts:
    """The one count of satisfaction answers, for a topic (a list of one) or a council's topics:
    the topic page, the council page and the API read it."""
    from .models import Satisfaction

    out = SatisfactionCounts()
    rows = (
        Satisfaction.objects.filter(topic__in=topics)
        .values("topic_id", "answer")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        out.counts[r["answer"]] = out.counts.get(r["answer"], 0) + r["n"]
        out.by_topic.setdefault(r["topic_id"], {})[r["answer"]] = r["n"]
    return out
