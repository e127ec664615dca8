"""The topic and poll workflows, each step declared once (core.guard)."""

from __future__ import annotations

import datetime as dt

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


def _asked(topic, user, now):
    from .eligibility import satisfaction_refusal

    return satisfaction_refusal(topic, user)


def _not_yet_rated(topic, user, now):
    from .models import Satisfaction

    household = household_of(user)
    if household is not None and Satisfaction.objects.filter(topic=topic, household=household).exists():
        return error("already_rated")
    return None


def _not_handed(topic, user, now):
    """A resolution is handed on once: as a task for a unit or as a 微实事 project, not both."""
    from .resolution_services import handed_refusal

    return handed_refusal(topic)


def _may_take_in(topic, user, now):
    """Handing to a unit takes in and dispatches a demand: the demands app's own permissions."""
    from .resolution_services import task_permission_refusal

    return task_permission_refusal(topic, user)


def _round_collecting(topic, user, now):
    from .resolution_services import round_refusal

    return round_refusal(topic)


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
        # A resolution handed on, once: staff who manage the council (resolution_services.py).
        "task": Step(
            _("交办承办单位"),
            (S.DECIDED,),
            None,
            rules.COUNCIL,
            (_has_resolution, _not_handed, _may_take_in),
        ),
        "project": Step(
            _("转为微实事项目"),
            (S.DECIDED,),
            None,
            rules.COUNCIL,
            (_has_resolution, _not_handed, _round_collecting),
        ),
        # After the report-back: the households asked say how satisfied they are, once.
        "rate": Step(_("评价满意度"), (S.CLOSED,), None, rules.VOTE, (_asked, _not_yet_rated)),
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


# ------------------------------------------------------------------ meetings

from .meetings import MeetingState as M  # noqa: E402

SIGNIN_BEFORE = dt.timedelta(hours=1)


def _signin_window(meeting, user, now):
    if now < meeting.starts_at - SIGNIN_BEFORE:
        return error("signin_too_early")
    return None


def _is_member(meeting, user, now):
    from .eligibility import council_member_of

    if council_member_of(meeting.council, user, meeting.starts_at.date()) is None:
        return error("not_council_member")
    return None


def _not_signed_in(meeting, user, now):
    from .eligibility import council_member_of
    from .meetings import Attendance

    member = council_member_of(meeting.council, user, meeting.starts_at.date())
    if member is not None and Attendance.objects.filter(meeting=meeting, member=member).exists():
        return error("already_signed_in")
    return None


def _has_minutes(meeting, user, now):
    if not (meeting.minutes or "").strip():
        return error("minutes_required")
    return None


def _meeting_wrong_state(meeting, step):
    return error("meeting_wrong_state", state=meeting.get_state_display(), step=MEETING.steps[step].label)


MEETING = Workflow(
    {
        "open_signin": Step(_("开始签到"), (M.SCHEDULED,), M.SIGNIN, rules.MANAGE, (_signin_window,)),
        "signin": Step(_("签到"), (M.SIGNIN,), None, rules.VOTE, (_is_member, _not_signed_in)),
        "mark_present": Step(_("代为签到"), (M.SIGNIN,), None, rules.MANAGE),
        "record": Step(_("记录纪要"), (M.SIGNIN, M.ENDED), None, rules.MANAGE),
        "end": Step(_("结束会议"), (M.SIGNIN,), M.ENDED, rules.MANAGE),
        "approve": Step(_("审定纪要"), (M.ENDED,), M.APPROVED, rules.CHAIR, (_has_minutes,)),
        "cancel": Step(_("取消会议"), (M.SCHEDULED,), M.CANCELLED, rules.MANAGE),
    },
    wrong_state=_meeting_wrong_state,
)


# ------------------------------------------------------------------ online discussion

from .discussion import CommentState as C  # noqa: E402


def _discussion_open(topic, user, now):
    if topic.discussion_closes_at is None:
        return error("discussion_not_open")
    if topic.discussion_closes_at <= now:
        from django.utils import timezone

        at = timezone.localtime(topic.discussion_closes_at).strftime("%Y-%m-%d %H:%M")
        return error("discussion_closed", at=at)
    return None


def _in_area(topic, user, now):
    from .eligibility import resident_refusal

    return resident_refusal(topic.council, user)


def _discussion_wrong_state(topic, step):
    return error("wrong_state", state=topic.get_state_display(), step=DISCUSSION.steps[step].label)


DISCUSSION = Workflow(
    {
        "open_discussion": Step(_("开放网上讨论"), (S.PROPOSED, S.AGENDA), None, rules.MANAGE),
        "comment": Step(_("发言"), (S.PROPOSED, S.AGENDA), None, rules.DISCUSS, (_discussion_open, _in_area)),
        "close_discussion": Step(
            _("截止网上讨论"), (S.PROPOSED, S.AGENDA), None, rules.MANAGE, (_discussion_open,)
        ),
    },
    wrong_state=_discussion_wrong_state,
)


def _not_own(comment, user, now):
    if comment.author_id == user.pk:
        return error("own_comment")
    return None


def _not_reported(comment, user, now):
    if comment.reports.filter(user=user).exists():
        return error("already_reported")
    return None


def _has_reports(comment, user, now):
    if not comment.reports.filter(resolved=False).exists():
        return error("no_reports")
    return None


def _comment_wrong_state(comment, step):
    return error("comment_wrong_state", state=comment.get_state_display(), step=MODERATION.steps[step].label)


MODERATION = Workflow(
    {
        "report": Step(_("举报"), (C.PUBLISHED,), None, rules.DISCUSS, (_not_own, _not_reported)),
        "publish": Step(_("审核发布"), (C.PENDING,), C.PUBLISHED, rules.MANAGE),
        "hide": Step(_("隐藏"), (C.PUBLISHED, C.PENDING), C.HIDDEN, rules.MANAGE),
        "restore": Step(_("恢复显示"), (C.HIDDEN,), C.PUBLISHED, rules.MANAGE),
        "dismiss": Step(_("驳回举报"), (C.PUBLISHED,), None, rules.MANAGE, (_has_reports,)),
    },
    wrong_state=_comment_wrong_state,
)
