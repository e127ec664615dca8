"""Writes of councils, topics, referrals, meetings and resolutions. Polls: poll_services.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from gongzhi.core import clock
from gongzhi.core.permissions import require
from gongzhi.core.scoping import in_scope

from . import rules
from .eligibility import household_of
from .errors import error
from .models import (
    Council,
    CouncilMember,
    Milestone,
    Notice,
    Outcome,
    Referral,
    ReferralState,
    Resolution,
    ResolutionState,
    Satisfaction,
    SatisfactionAnswer,
    Topic,
    TopicDemand,
    TopicEvent,
    TopicOrigin,
    TopicState,
    TopicSupport,
)
from .workflow import TOPIC


def _event(topic: Topic, kind: str, by, text: str = "") -> None:
    TopicEvent.objects.create(
        topic=topic, kind=kind, text=text[:300], by=by if by and by.is_authenticated else None
    )


def _locked(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("council").get(pk=topic.pk)


def _set_state(topic: Topic, state: str, **fields) -> None:
    topic.state = state
    for k, v in fields.items():
        setattr(topic, k, v)
    topic.save(update_fields=["state", *fields])


# ------------------------------------------------------------------ councils: council_services.py

from .council_services import (  # noqa: E402,F401
    council_create,
    council_member_add,
    council_member_end,
    council_member_update,
    council_update,
)

# ------------------------------------------------------------------ topics


def _scope_of(council: Council) -> str:
    return council.community_id or council.region_id


@transaction.atomic
def topic_propose(
    *,
    by,
    council: Council,
    title: str,
    body: str = "",
    demand_ids: Sequence[int] = (),
    hot_issue: bool = False,
    at: dt.datetime | None = None,
) -> Topic:
    """A resident proposes from the phone; staff and members propose, or make a topic in one click
    from a hot issue or a demand (the demands come with it, and so the households behind them)."""
    code = _scope_of(council)
    staff = by is not None and by.has_perm(rules.MANAGE, code)
    if not staff:
        require(by, rules.PROPOSE, code)
    title = (title or "").strip()
    if not title:
        raise error("title_required")
    demands = []
    if demand_ids:
        from gongzhi.demands.models import Demand

        if not staff:
            raise error("demands_outside")
        demands = list(Demand.objects.filter(pk__in=set(demand_ids)))
        if len(demands) != len(set(demand_ids)) or any(
            not d.community_id.startswith(council.region_id) or not in_scope(by, rules.MANAGE, d.community_id)
            for d in demands
        ):
            raise error("demands_outside")
    if demands:
        origin = TopicOrigin.HOT_ISSUE if hot_issue else TopicOrigin.DEMAND
    elif staff:
        origin = TopicOrigin.STAFF
    elif CouncilMember.objects.filter(council=council, user=by).exists():
        origin = TopicOrigin.MEMBER
    else:
        origin = TopicOrigin.RESIDENT
    topic = Topic.objects.create(
        council=council,
        region_id=council.region_id,
        community_id=council.community_id,
        title=title[:100],
        body=body,
        origin=origin,
        proposed_by=by if by and by.is_authenticated else None,
        created_at=at or clock.now(),
    )
    TopicDemand.objects.bulk_create([TopicDemand(topic=topic, demand=d) for d in demands])
    _event(topic, "propose", by, title)
    return topic


@transaction.atomic
def topic_support(*, by, topic: Topic) -> Topic:
    """One household, one support (the database refuses a second). At the council's threshold the
    topic goes on the agenda by itself."""
    topic = _locked(topic)
    TOPIC.require("support", topic, by)
    household = household_of(by)
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, household=household, user=by)
    except IntegrityError:
        raise error("already_supported") from None
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db()
    if topic.state == TopicState.PROPOSED and topic.support_count >= topic.council.support_threshold:
        _set_state(topic, TopicState.AGENDA)
        _event(
            topic,
            "agenda",
            None,
            gettext("支持户数达到 %(n)d 户，自动列入议程") % {"n": topic.council.support_threshold},
        )
    return topic


@transaction.atomic
def topic_supports_record(*, by, topic: Topic, household_ids: Sequence[int]) -> Topic:
    """Staff record the households that signed a paper support sheet (征集签名), in bulk. Households
    outside the council and households that already support are skipped (the database keeps one
    support per household)."""
    from gongzhi.registry.models import Household

    topic = _locked(topic)
    require(by, rules.MANAGE, _scope_of(topic.council))
    if topic.state != TopicState.PROPOSED:
        raise error("wrong_state", state=topic.get_state_display(), step=TOPIC.steps["support"].label)
    qs = Household.objects.filter(
        pk__in=set(household_ids), community__code__startswith=topic.council.region_id
    )
    if topic.council.building_id:
        qs = qs.filter(dwelling__building_id=topic.council.building_id)
    now = clock.now()
    TopicSupport.objects.bulk_create(
        [TopicSupport(topic=topic, household_id=h, at=now) for h in qs.values_list("id", flat=True)],
        ignore_conflicts=True,
    )
    topic.support_count = TopicSupport.objects.filter(topic=topic).count()
    topic.save(update_fields=["support_count"])
    _event(topic, "supports", by, str(topic.support_count))
    if topic.support_count >= topic.council.support_threshold:
        _set_state(topic, TopicState.AGENDA)
    return topic


@transaction.atomic
def topic_agenda(*, by, topic: Topic) -> Topic:
    topic = _locked(topic)
    TOPIC.require("agenda", topic, by)
    _set_state(topic, TopicState.AGENDA)
    _event(topic, "agenda", by)
    return topic


@transaction.atomic
def topic_refer(*, by, topic: Topic, to_council: Council, reason: str, deadline: dt.date) -> Referral:
    """Refer up or down one level, with a reason and a deadline for the receiving council."""
    topic = _locked(topic)
    TOPIC.require("refer", topic, by)
    reason = (reason or "").strip()
    if not reason:
        raise error("reason_required")
    if to_council.pk == topic.council_id:
        raise error("same_council")
    if to_council.pk != topic.council.parent_id and to_council.parent_id != topic.council_id:
        raise error("not_adjacent")
    if deadline <= clock.now().date():
        raise error("deadline_past")
    referral = Referral.objects.create(
        topic=topic,
        from_council=topic.council,
        to_council=to_council,
        reason=reason,
        deadline=deadline,
        by=by,
    )
    _set_state(topic, TopicState.REFERRED)
    _event(topic, "refer", by, f"{to_council.name}：{reason}")
    return referral


@transaction.atomic
def topic_referral_answer(*, by, topic: Topic, accept: bool, answer: str = "") -> Topic:
    """The receiving council accepts (the topic moves to it) or returns it with a reason."""
    topic = _locked(topic)
    TOPIC.require("accept" if accept else "return", topic, by)
    referral = Referral.objects.select_for_update().get(topic=topic, state=ReferralState.PENDING)
    if not accept and not (answer or "").strip():
        raise error("reason_required")
    referral.state = ReferralState.ACCEPTED if accept else ReferralState.RETURNED
    referral.answer = answer.strip()
    referral.decided_at = clock.now()
    referral.save(update_fields=["state", "answer", "decided_at"])
    if accept:
        c = referral.to_council
        _set_state(topic, TopicState.PROPOSED, council=c, region_id=c.region_id, community_id=c.community_id)
    else:
        _set_state(topic, TopicState.PROPOSED)
    _event(topic, "accept" if accept else "return", by, answer)
    return topic


@transaction.atomic
def topic_merge(*, by, topic: Topic, into: Topic) -> Topic:
    """One matter, one discussion: a duplicate is merged, its demands and supporters going along
    (each supporting household once; the kept topic's count is its distinct households, and it
    goes on the agenda if that reaches the council's threshold, as a support would)."""
    topic = _locked(topic)
    TOPIC.require("merge", topic, by)
    into = _locked(into)
    if (
        into.pk == topic.pk
        or into.council_id != topic.council_id
        or into.state not in (TopicState.PROPOSED, TopicState.AGENDA)
    ):
        raise error("merge_target")
    have = set(TopicDemand.objects.filter(topic=into).values_list("demand_id", flat=True))
    TopicDemand.objects.bulk_create(
        [
            TopicDemand(topic=into, demand_id=d)
            for d in topic.demand_links.values_list("demand_id", flat=True)
            if d not in have
        ]
    )
    # Its supporting households support the kept topic, once each: a household that supported
    # both keeps its one row there (the unique constraint; ignore_conflicts skips it). The merged
    # topic keeps its own rows (append-only) as the record of who supported it.
    TopicSupport.objects.bulk_create(
        [
            TopicSupport(topic=into, household_id=household_id, user_id=user_id, at=at)
            for household_id, user_id, at in topic.supports.order_by("at", "pk").values_list(
                "household_id", "user_id", "at"
            )
        ],
        ignore_conflicts=True,
    )
    _set_state(topic, TopicState.MERGED, merged_into=into)
    _event(topic, "merge", by, into.title)
    _event(into, "merged_in", by, topic.title)
    count = TopicSupport.objects.filter(topic=into).count()
    if count != into.support_count:
        into.support_count = count
        into.save(update_fields=["support_count"])
        _event(into, "supports", by, str(count))
    if into.state == TopicState.PROPOSED and count >= into.council.support_threshold:
        _set_state(into, TopicState.AGENDA)
        _event(
            into,
            "agenda",
            None,
            gettext("支持户数达到 %(n)d 户，自动列入议程") % {"n": into.council.support_threshold},
        )
    return topic


@transaction.atomic
def topic_reject(*, by, topic: Topic, reason: str) -> Topic:
    topic = _locked(topic)
    TOPIC.require("reject", topic, by)
    if not (reason or "").strip():
        raise error("reason_required")
    _set_state(topic, TopicState.REJECTED, note=reason.strip()[:300])
    _event(topic, "reject", by, reason)
    return topic


@transaction.atomic
def topic_decide(
    *, by, topic: Topic, outcome: str, text: str, owner: str, deadline: dt.date, at: dt.datetime | None = None
) -> Resolution:
    """The council adopts a resolution: who carries it out and by when; how the matter is settled."""
    topic = _locked(topic)
    TOPIC.require("decide", topic, by, now=at)
    if outcome not in Outcome.values:
        raise error("outcome_required")
    if not (text or "").strip() or not (owner or "").strip():
        raise error("reason_required")
    now = at or clock.now()
    _set_state(topic, TopicState.DECIDED, outcome=outcome, decided_at=now)
    resolution = Resolution.objects.create(
        topic=topic, text=text.strip(), owner=owner.strip(), deadline=deadline, adopted_at=now
    )
    _event(topic, "decide", by, text)
    return resolution


@transaction.atomic
def resolution_progress(*, by, topic: Topic, text: str, progress: int, photo=None) -> Milestone:
    topic = _locked(topic)
    TOPIC.require("progress", topic, by)
    resolution = Resolution.objects.select_for_update().get(topic=topic)
    if not (0 <= int(progress) <= 100) or int(progress) < resolution.progress:
        raise error("progress_range")
    if not (text or "").strip():
        raise error("reason_required")
    m = Milestone.objects.create(
        resolution=resolution, text=text.strip(), progress=progress, photo=photo, by=by
    )
    resolution.progress = progress
    resolution.save(update_fields=["progress"])
    return m


def report_recipients(topic: Topic) -> set[int]:
    """Users to tell: who proposed or supported the topic, and everyone in the households whose
    demands started it (their household from the registry)."""
    from gongzhi.core.models import User
    from gongzhi.demands.models import Demand
    from gongzhi.registry.models import HouseholdMember

    ids = set(TopicSupport.objects.filter(topic=topic, user__isnull=False).values_list("user_id", flat=True))
    if topic.proposed_by_id:
        ids.add(topic.proposed_by_id)
    demand_ids = TopicDemand.objects.filter(topic=topic).values_list("demand_id", flat=True)
    persons = set(
        Demand.objects.filter(pk__in=demand_ids, person__isnull=False).values_list("person_id", flat=True)
    )
    submitters = Demand.objects.filter(pk__in=demand_ids, submitted_by__isnull=False)
    ids |= set(submitters.values_list("submitted_by_id", flat=True))
    households = HouseholdMember.objects.filter(person_id__in=persons).values_list("household_id", flat=True)
    persons |= set(
        HouseholdMember.objects.filter(household_id__in=households).values_list("person_id", flat=True)
    )
    ids |= set(User.objects.filter(person_id__in=persons, is_active=True).values_list("id", flat=True))
    return ids


@transaction.atomic
def resolution_report(*, by, topic: Topic, report: str, at: dt.datetime | None = None) -> Resolution:
    """Report back (反馈): published on the council page, pushed to followers and households."""
    topic = _locked(topic)
    TOPIC.require("report", topic, by, now=at)
    if not (report or "").strip():
        raise error("reason_required")
    now = at or clock.now()
    resolution = Resolution.objects.select_for_update().get(topic=topic)
    resolution.report = report.strip()
    resolution.reported_at = now
    resolution.state = ResolutionState.DONE
    resolution.progress = 100
    resolution.save(update_fields=["report", "reported_at", "state", "progress"])
    _set_state(topic, TopicState.CLOSED, closed_at=now)
    message = (gettext("议题“%(t)s”已办结：%(r)s") % {"t": topic.title, "r": report.strip()})[:300]
    Notice.objects.bulk_create(
        [
            Notice(recipient_id=uid, topic=topic, message=message, at=now)
            for uid in sorted(report_recipients(topic))
        ],
        ignore_conflicts=True,
    )
    _event(topic, "report", by, report)
    return resolution


@transaction.atomic
def topic_satisfaction_answer(*, by, topic: Topic, answer: str) -> Satisfaction:
    """A household asked after the report-back answers 满意 / 基本满意 / 不满意, once: the guard says
    who is asked; the database's UNIQUE refuses a second answer, however many arrive at once."""
    topic = _locked(topic)
    TOPIC.require("rate", topic, by)
    if answer not in SatisfactionAnswer.values:
        raise error("satisfaction_answer")
    household = household_of(by)
    try:
        with transaction.atomic():
            row = Satisfaction.objects.create(topic=topic, household=household, user=by, answer=answer)
    except IntegrityError:
        raise error("already_rated") from None
    _event(topic, "rate", by, str(SatisfactionAnswer(answer).label))
    return row


@transaction.atomic
def topic_from_ledger_item(*, item, by) -> Topic:
    """A matter a grid worker recorded at a door (visits' 民情台账) becomes a topic of the
    community's council, proposed by that worker's community as staff would."""
    from .selectors import community_council

    council = community_council(item.community_id)
    if council is None:
        raise error("no_community_council")
    return topic_propose(by=by, council=council, title=item.title, body=item.detail)
