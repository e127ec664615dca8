"""Pages of the online discussion (thin): the thread is drawn on the topic page; these take its
actions (open/close, comment, report, moderate) and show the moderators' queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.scoping import scope_prefixes

from . import discussion_services as ds
from . import rules, selectors
from .discussion import Comment
from .errors import error
from .workflow import MODERATION


def _back(topic_id: int, anchor: str = "discussion") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("deliberation:topic", args=[topic_id]) + f"#{anchor}")


@login_required
@require_POST
def discussion_act(request, pk: int, step: str):
    topic = selectors.topic_get(user=request.user, pk=pk)
    p = request.POST
    try:
        if step == "open":
            parsed = parse_datetime((p.get("closes_at") or "").strip())
            if parsed is None:
                raise error("discussion_close_time")
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)
            ds.discussion_open(by=request.user, topic=topic, closes_at=parsed)
        elif step == "close":
            ds.discussion_close(by=request.user, topic=topic)
        elif step == "comment":
            parent = None
            if p.get("parent"):
                parent = Comment.objects.filter(topic=topic, pk=p.get("parent") or 0).first()
                if parent is None:
                    raise error("comment_parent")
            comment = ds.comment_post(by=request.user, topic=topic, body=p.get("body", ""), parent=parent)
            if comment.state == "pending":
                messages.info(request, _("发言已提交，经工作人员审核后公开。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return _back(topic.pk)


@login_required
@require_POST
def comment_act(request, pk: int, step: str):
    comment = Comment.objects.select_related("topic").filter(pk=pk).first()
    if comment is None or step not in MODERATION.steps:
        raise NotFound()
    selectors.topic_get(user=request.user, pk=comment.topic_id)  # 404 outside the user's area
    try:
        if step == "report":
            ds.comment_report(by=request.user, comment=comment, reason=request.POST.get("reason", ""))
            messages.success(request, _("已举报，工作人员会尽快处理。"))
        else:
            ds.comment_moderate(
                by=request.user, comment=comment, step=step, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已完成：%(step)s") % {"step": MODERATION.steps[step].label})
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    if request.POST.get("next") == "queue":
        return HttpResponseRedirect(reverse("deliberation:moderation"))
    return _back(comment.topic_id, f"c{comment.pk}")


@login_required
@require_GET
def moderation_queue(request):
    if not scope_prefixes(request.user, rules.MANAGE):
        raise PermissionDenied()
    rows = list(selectors.moderation_queue(user=request.user)[:200])
    return render(
        request,
        "deliberation/moderation.html",
        {"rows": [(c, MODERATION.allowed(c, request.user)) for c in rows], "labels": MODERATION.steps},
    )
