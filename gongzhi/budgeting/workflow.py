"""The phases of a round, each step declared once (core.guard): what may be done in which phase."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.guard import Step, Workflow

from . import rules
from .models import Phase as P


def _wrong(obj, step):
    return ApplicationError(
        "wrong_phase",
        _("当前阶段为“%(phase)s”，不能%(step)s。")
        % {"phase": obj.get_phase_display(), "step": ROUND.steps[step].label},
        status=409,
    )


def _has_feasible(obj, user, now):
    if not obj.projects.filter(state="feasible").exists():
        return ApplicationError("no_feasible", _("还没有通过审核的项目。"))
    return None


def _none_pending(obj, user, now):
    if obj.projects.filter(state="proposed").exists():
        return ApplicationError("review_pending", _("还有项目未审核。"))
    return None


def _before_close(obj, user, now):
    if obj.voting_closes_at and obj.voting_closes_at <= now:
        return ApplicationError("voting_closed", _("投票已截止。"))
    return None


def _on_roll(obj, user, now):
    from .services import roll_refusal

    return roll_refusal(obj, user)


ROUND = Workflow(
    {
        "propose": Step(_("提交项目"), (P.COLLECT,), None, rules.PROPOSE),
        "start_review": Step(_("开始审核"), (P.COLLECT,), P.REVIEW, rules.MANAGE),
        "review": Step(_("审核项目"), (P.REVIEW,), None, rules.MANAGE),
        "start_voting": Step(
            _("开始投票"), (P.REVIEW,), P.VOTING, rules.MANAGE, (_has_feasible, _none_pending)
        ),
        "vote": Step(_("投票"), (P.VOTING,), None, rules.VOTE, (_before_close, _on_roll)),
        "paper": Step(_("录入纸质选票"), (P.VOTING,), None, rules.MANAGE),
        "tally": Step(_("计票并公布结果"), (P.VOTING,), P.RESULTS, rules.MANAGE),
        "implement": Step(_("进入实施"), (P.RESULTS,), P.IMPLEMENTATION, rules.MANAGE),
        "progress": Step(_("填报实施进度"), (P.IMPLEMENTATION,), None, rules.MANAGE),
    },
    wrong_state=_wrong,
    state_attr="phase",
)
