"""The topic and poll workflows, each step declared once (core.guard)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from . import rules
from .eligibility import household_of, household_refusal, roll_refusal, voter_key
from .errors import error
from .models import TopicState as S
from .polls import PollState as P


def _household_may_support(topic, user, now):
    return household_refusal(topic, user)


def _not_yet_supported(topic, user, now):
    from .models import TopicSupport

    household = household_of(user)
    if household is not None and TopicSupport.objects.filter(topic=topic, household=household).exists():
        return error("already_supported")
    return None


def _has_resolution(topic, user, now):
    from .models import Resolution

    if not Resolution.objects.filter(topic=topic).exists():
        return error("wrong_state", state=topic.get_state_display(), step=_("反馈"))
    return None


def _topic_wrong_state(topic, step):
    return error("wrong_state", state=topic.get_state_display(), step=TOPIC.steps[step].label)


TOPIC = Workflow(
    {
        "support": Step(
            _("支持"), (S.PROPOSED,), None, rules.PROPOSE, (_household_may_support, _not_yet_supported)
        ),
        "agenda": Step(_("列入议程"), (S.PROPOSED,), S.AGENDA, rules.MANAGE),
        "refer": Step(_("转介"), (S.PROPOSED, S.AGENDA), S.REFERRED, rules.MANAGE),
        "accept": Step(_("接收转介"), (S.REFERRED,), S.PROPOSED, rules.RECEIVE),
        "return": Step(_("退回转介"), (S.REFERRED,), S.PROPOSED, rules.RECEIVE),
        "merge": Step(_("合并"), (S.PROPOSED, S.AGENDA), S.MERGED, rules.MANAGE),
        "reject": Step(_("不予议事"), (S.PROPOSED, S.AGENDA), S.REJECTED, rules.MANAGE),
        "decide": Step(_("形成决议"), (S.AGENDA,), S.DECIDED, rules.MANAGE),
        "progress": Step(_("填报进展"), (S.DECIDED,), None, rules.MANAGE, (_has_resolution,)),
        "report": Step(_("反馈办结"), (S.DECIDED,), S.CLOSED, rules.MANAGE, (_has_resolution,)),
    },
    wrong_state=_topic_wrong_state,
)


def _before_close(poll, user, now):
    if poll.closes_at <= now:
        return error("poll_closed")
    return None


def _has_options(poll, user, now):
    if poll.options.count() < 2:
        return error("no_options")
    return None


def _on_roll(poll, user, now):
    return roll_refusal(poll, user)


def _not_yet_voted(poll, user, now):
    from .polls import VoteRecord

    key = voter_key(poll, user)
    if key and VoteRecord.objects.filter(poll=poll, voter=key).exists():
        return error("already_voted")
    return None


def _poll_wrong_state(poll, step):
    return error("poll_wrong_state", state=poll.get_state_display(), step=POLL.steps[step].label)


POLL = Workflow(
    {
        "open": Step(_("开始投票"), (P.DRAFT,), P.OPEN, rules.MANAGE, (_has_options, _before_close)),
        "vote": Step(_("投票"), (P.OPEN,), None, rules.VOTE, (_before_close, _on_roll, _not_yet_voted)),
        "paper": Step(_("录入纸质选票"), (P.OPEN,), None, rules.MANAGE, (_before_close,)),
        "close": Step(_("结束投票"), (P.OPEN,), P.CLOSED, rules.MANAGE),
    },
    wrong_state=_poll_wrong_state,
)
