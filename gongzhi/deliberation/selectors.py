"""Reads of deliberation, scoped (core.scoping), and the 622 figure."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scope_q

from . import rules
from .models import Council, CouncilLevel, Outcome, Resolution, Topic, TopicState
from .polls import Poll, PollState


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
    qs = Resolution.objects.filter(topic__in=topics(user=user, council=council)).select_related("topic")
    return qs


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


def settled_share(*, user, region: str = "", kind: str = "") -> Settled:
    """Yuhuatai's 622 for a community or street: of the closed matters — demands closed with a
    resolution kind, and topics closed with an outcome — the share settled by deliberation, by
    social-organisation service and by referral. The records are what was counted (filtered to one
    kind for the drill-down)."""
    from gongzhi.demands.models import Demand, DemandState

    prefixes = scope_prefixes(user, rules.MANAGE)
    if not prefixes:
        return Settled(region=region)
    if region and not any(region.startswith(p) for p in prefixes):
        raise NotFound()
    area = Q(community__code__startswith=region) if region else scope_q(user, rules.MANAGE, "community_id")
    demands = Demand.objects.filter(area, state=DemandState.CLOSED).exclude(resolution_kind="")
    topic_area = Q(region__code__startswith=region) if region else scope_q(user, rules.MANAGE, "region_id")
    closed_topics = Topic.objects.filter(topic_area, state=TopicState.CLOSED).exclude(outcome="")
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
