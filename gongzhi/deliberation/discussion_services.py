"""Writes of the online discussion of a topic: open it until a closing time (or close it early),
comment and reply (refused after the closing time by the guard), report a comment, and moderate
(publish a pre-moderated comment, hide one with a reason, restore it)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gongzhi.core import clock

from . import rules
from .discussion import MAX_DEPTH, Comment, CommentReport, CommentState
from .eligibility import person_of
from .errors import error
from .models import Topic, TopicEvent
from .workflow import DISCUSSION, MODERATION


def _locked(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related("council").get(pk=topic.pk)


def _event(topic: Topic, kind: str, by, text: str = "") -> None:
    TopicEvent.objects.create(topic=topic, kind=kind, text=text[:300], by=by)


@transaction.atomic
def discussion_open(*, by, topic: Topic, closes_at: dt.datetime) -> Topic:
    """Open (or extend) the online discussion until `closes_at`."""
    topic = _locked(topic)
    DISCUSSION.require("open_discussion", topic, by)
    if closes_at is None or closes_at <= clock.now():
        raise error("discussion_close_time")
    topic.discussion_closes_at = closes_at
    topic.save(update_fields=["discussion_closes_at"])
    _event(topic, "discussion_open", by, closes_at.isoformat(timespec="minutes"))
    return topic


@transaction.atomic
def discussion_close(*, by, topic: Topic) -> Topic:
    topic = _locked(topic)
    DISCUSSION.require("close_discussion", topic, by)
    topic.discussion_closes_at = clock.now()
    topic.save(update_fields=["discussion_closes_at"])
    _event(topic, "discussion_close", by)
    return topic


def _label(by, staff: bool) -> str:
    if staff:
        return gettext("%(name)s（工作人员）") % {"name": by.display_name or by.username}
    person = person_of(by)
    name = (person.name if person is not None else "") or by.display_name or "?"
    return gettext("%(name)s（居民）") % {"name": name[0] + "**"}


@transaction.atomic
def comment_post(*, by, topic: Topic, body: str, parent: Comment | None = None) -> Comment:
    """A resident of the council's area (or staff) speaks, or replies, while the discussion is
    open. Where the council pre-moderates, a resident's comment waits for staff to publish it."""
    topic = Topic.objects.select_related("council").get(pk=topic.pk)
    DISCUSSION.require("comment", topic, by)
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise error("comment_empty")
    depth = 0
    if parent is not None:
        if parent.topic_id != topic.pk or parent.state != CommentState.PUBLISHED:
            raise error("comment_parent")
        depth = parent.depth + 1
        if depth > MAX_DEPTH:
            raise error("comment_too_deep")
    staff = by.has_perm(rules.MANAGE, topic)
    state = CommentState.PENDING if topic.council.premoderation and not staff else CommentState.PUBLISHED
    return Comment.objects.create(
        topic=topic,
        parent=parent,
        depth=depth,
        author=by,
        author_label=_label(by, staff)[:60],
        body=body,
        state=state,
    )


@transaction.atomic
def comment_report(*, by, comment: Comment, reason: str) -> CommentReport:
    comment = Comment.objects.select_related("topic").get(pk=comment.pk)
    MODERATION.require("report", comment, by)
    reason = (reason or "").strip()
    if not reason:
        raise error("reason_required")
    try:
        with transaction.atomic():
            return CommentReport.objects.create(comment=comment, user=by, reason=reason[:200])
    except IntegrityError:
        raise error("already_reported") from None


@transaction.atomic
def comment_moderate(*, by, comment: Comment, step: str, reason: str = "") -> Comment:
    """publish (a pre-moderated comment), hide (with a reason, shown in its place), restore, or
    dismiss its reports (the comment stays as it is). Every step resolves the open reports."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("topic").get(pk=comment.pk)
    if step not in ("publish", "hide", "restore", "dismiss"):
        raise ValueError(step)
    MODERATION.require(step, comment, by)
    if step == "dismiss":
        CommentReport.objects.filter(comment=comment, resolved=False).update(resolved=True)
        return comment
    reason = (reason or "").strip()
    if step == "hide" and not reason:
        raise error("reason_required")
    comment.state = MODERATION.steps[step].target or comment.state
    comment.moderated_by = by
    comment.moderated_at = clock.now()
    comment.moderation_reason = reason[:300] if step == "hide" else ""
    comment.save(update_fields=["state", "moderated_by", "moderated_at", "moderation_reason"])
    CommentReport.objects.filter(comment=comment, resolved=False).update(resolved=True)
    return comment
