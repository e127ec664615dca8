"""The steps of an election, of an objection to its roll and of a nomination, each declared once
(core.guard): the services require them, the pages show the buttons they allow."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from . import policy, rules
from .errors import error
from .models import CandidateState, Election, ObjectionState, State


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _no_roll_yet(e: Election, user, now):
    return error("roll_drawn") if e.roll_drawn_at is not None else None


def _roll_drawn(e: Election, user, now):
    return error("no_roll") if e.roll_drawn_at is None else None


def _in_time_for_roll(e: Election, user, now):
    if (e.held_on - _today(now)).days < policy.ROLL_DAYS_BEFORE:
        return error("too_late_for_roll", n=policy.ROLL_DAYS_BEFORE)
    return None


def _objections_open(e: Election, user, now):
    if e.objections_until is None or _today(now) > e.objections_until:
        return error("objections_closed")
    return None


def _resident_on_register(e: Election, user, now):
    # An account without a registered person cannot say who it is on the roll.
    return error("no_person") if getattr(user, "person_id", None) is None else None


def _objections_over(e: Election, user, now):
    if e.objections_until is not None and _today(now) <= e.objections_until:
        return error("objections_still_open", day=e.objections_until)
    if e.objections.filter(state=ObjectionState.PENDING).exists():
        return error("objections_pending")
    return None


def _enough_candidates(e: Election, user, now):
    # 差额选举: more accepted candidates than seats.
    accepted = e.candidates.filter(state=CandidateState.ACCEPTED).count()
    if accepted <= e.seats:
        return error("too_few_candidates", seats=e.seats, n=accepted)
    return None


def _in_time_for_candidates(e: Election, user, now):
    if (e.held_on - _today(now)).days < policy.CANDIDATES_DAYS_BEFORE:
        return error("too_late_for_candidates", n=policy.CANDIDATES_DAYS_BEFORE)
    return None


def _election_day(e: Election, user, now):
    return error("not_yet_election_day", day=e.held_on) if _today(now) < e.held_on else None


def _someone_voted(e: Election, user, now):
    return error("no_votes") if e.voted == 0 else None


def _election_wrong_state(e: Election, step: str):
    return error("wrong_state", state=e.get_state_display(), step=ELECTION.steps[step].label)


ELECTION = Workflow(
    {
        "draw": Step(_("生成选民名单"), (State.DRAFT,), None, rules.MANAGE, (_no_roll_yet,)),
        "publish": Step(
            _("公布选民名单"), (State.DRAFT,), State.PUBLISHED, rules.MANAGE, (_roll_drawn, _in_time_for_roll)
        ),
        "object": Step(
            _("对选民名单提出异议"),
            (State.PUBLISHED,),
            None,
            rules.OBJECT,
            (_objections_open, _resident_on_register),
        ),
        "nominate": Step(_("登记提名"), (State.PUBLISHED,), None, rules.MANAGE),
        "publish_candidates": Step(
            _("公布候选人"),
            (State.PUBLISHED,),
            State.CANDIDATES,
            rules.MANAGE,
            (_objections_over, _enough_candidates, _in_time_for_candidates),
        ),
        "vote": Step(_("登记投票"), (State.CANDIDATES,), None, rules.MANAGE, (_election_day,)),
        "result": Step(
            _("登记选举结果"),
            (State.CANDIDATES,),
            State.CLOSED,
            rules.MANAGE,
            (_election_day, _someone_voted),
        ),
    },
    wrong_state=_election_wrong_state,
)


def _election_published(obj, user, now):
    if obj.election.state != State.PUBLISHED:
        return error("wrong_state", state=obj.election.get_state_display(), step=_("处理"))
    return None


def _objection_wrong_state(o, step: str):
    return error("objection_handled", state=o.get_state_display())


OBJECTION = Workflow(
    {
        "uphold": Step(
            _("异议成立，更正名单"),
            (ObjectionState.PENDING,),
            ObjectionState.UPHELD,
            rules.MANAGE,
            (_election_published,),
        ),
        "dismiss": Step(
            _("异议不成立"),
            (ObjectionState.PENDING,),
            ObjectionState.DISMISSED,
            rules.MANAGE,
            (_election_published,),
        ),
    },
    wrong_state=_objection_wrong_state,
)


def _candidate_wrong_state(c, step: str):
    return error("candidate_answered", state=c.get_state_display())


CANDIDATE = Workflow(
    {
        "accept": Step(
            _("接受提名"),
            (CandidateState.NOMINATED,),
            CandidateState.ACCEPTED,
            rules.RESPOND,
            (_election_published,),
        ),
        "decline": Step(
            _("谢绝提名"),
            (CandidateState.NOMINATED,),
            CandidateState.DECLINED,
            rules.RESPOND,
            (_election_published,),
        ),
    },
    wrong_state=_candidate_wrong_state,
)
