"""Pages of meetings (thin): schedule, the meeting page (agenda, attendance and quorum, opinions and
minutes, the chair's approval), the door screen with the rotating sign-in code and its QR code, and
the member's phone page to sign in."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require

from . import meeting_services as ms
from . import rules, selectors
from .errors import error
from .meetings import Invitation, Meeting, MeetingState, SigninMethod, Stance
from .models import MemberKind, Topic, TopicState
from .workflow import MEETING


def _datetime(value) -> dt.datetime | None:
    parsed = parse_datetime((value or "").strip())
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _local_input(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    council = selectors.council_get(user=request.user, pk=pk)
    require(request.user, rules.MANAGE, council.community_id or council.region_id)
    candidates = Topic.objects.filter(council=council, state__in=[TopicState.PROPOSED, TopicState.AGENDA])
    p = request.POST
    form = {
        "title": p.get("title", ""),
        "starts_at": p.get("starts_at", ""),
        "ends_at": p.get("ends_at", ""),
        "place": p.get("place", ""),
        "online_url": p.get("online_url", ""),
        "topics": {int(i) for i in p.getlist("topics") if i.isdigit()},
    }
    if request.method == "POST":
        try:
            starts_at = _datetime(form["starts_at"])
            if starts_at is None:
                raise error("meeting_in_past")
            meeting = ms.meeting_schedule(
                by=request.user,
                council=council,
                title=form["title"],
                starts_at=starts_at,
                ends_at=_datetime(form["ends_at"]),
                place=form["place"],
                online_url=form["online_url"],
                topics=list(candidates.filter(pk__in=form["topics"])),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("会议已安排，已通知 %(n)d 位成员。") % {"n": meeting.invitations.count()},
            )
            return HttpResponseRedirect(reverse("deliberation:meeting", args=[meeting.pk]))
    return render(
        request,
        "deliberation/meeting_new.html",
        {"council": council, "form": form, "candidates": candidates},
    )


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    actions = MEETING.allowed(meeting, request.user)
    staff = request.user.has_perm(rules.MANAGE, meeting)
    show_minutes = staff or meeting.state == MeetingState.APPROVED or "approve" in actions
    attendance = selectors.meeting_attendance(meeting) if staff or "approve" in actions else []
    invitations = meeting.invitations.all()
    return render(
        request,
        "deliberation/meeting_detail.html",
        {
            "meeting": meeting,
            "actions": actions,
            "labels": {k: s.label for k, s in MEETING.steps.items()},
            "agenda": meeting.topics.all(),
            "quorum": selectors.meeting_quorum(meeting),
            "attendance": attendance,
            "absent": [m for m, a in attendance if a is None],
            "invited": invitations.count(),
            "acknowledged": invitations.exclude(read_at=None).count(),
            "show_minutes": show_minutes,
            "opinions": meeting.opinions.select_related("topic") if show_minutes else [],
            "sides": MemberKind.choices,
            "side_labels": dict(MemberKind.choices),
            "stances": Stance.choices,
            "my_invitation": Invitation.objects.filter(meeting=meeting, user=request.user).first(),
            "digest_ok": meeting.state != MeetingState.APPROVED
            or ms.minutes_digest(meeting) == meeting.minutes_digest,
        },
    )


@login_required
@require_POST
def meeting_act(request, pk: int, step: str):
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    p = request.POST
    try:
        if step == "open_signin":
            ms.meeting_signin_open(by=request.user, meeting=meeting)
        elif step == "mark_present":
            ms.meeting_mark_present(
                by=request.user, meeting=meeting, member_ids=[i for i in p.getlist("members") if i.isdigit()]
            )
        elif step == "opinion":
            topic = meeting.topics.filter(pk=p.get("topic") or 0).first() if p.get("topic") else None
            ms.opinion_add(
                by=request.user,
                meeting=meeting,
                topic=topic,
                side=p.get("side", ""),
                stance=p.get("stance", ""),
                text=p.get("text", ""),
                speaker=p.get("speaker", ""),
            )
        elif step == "minutes":
            ms.minutes_save(by=request.user, meeting=meeting, minutes=p.get("minutes", ""))
        elif step == "end":
            ms.meeting_end(by=request.user, meeting=meeting)
        elif step == "approve":
            ms.minutes_approve(by=request.user, meeting=meeting)
        elif step == "cancel":
            ms.meeting_cancel(by=request.user, meeting=meeting, reason=p.get("reason", ""))
        else:
            raise NotFound()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已保存。"))
    return HttpResponseRedirect(reverse("deliberation:meeting", args=[meeting.pk]))


def _door_context(request, meeting: Meeting) -> dict:
    now = clock.now()
    code = ms.signin_code(meeting, now)
    url = request.build_absolute_uri(reverse("deliberation:signin") + f"?m={meeting.pk}&c={code}")
    qr = segno.make(url, error="m").svg_inline(scale=6, title=_("扫码签到"))
    quorum = selectors.meeting_quorum(meeting)
    return {
        "meeting": meeting,
        "code": code,
        "qr": qr,
        "url": url,
        "seconds": ms.code_seconds_left(now),
        "quorum": quorum,
    }


@login_required
@require_GET
def meeting_door(request, pk: int):
    """The screen at the door: the current sign-in code, its QR code and the count so far. The code
    block reloads itself (HTMX) so the code shown is always the current one."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    MEETING.require("mark_present", meeting, request.user)
    template = (
        "deliberation/_door_code.html"
        if request.headers.get("HX-Request")
        else "deliberation/meeting_door.html"
    )
    return render(request, template, _door_context(request, meeting))


@login_required
@require_http_methods(["GET", "POST"])
def signin(request):
    """The member's phone page: meetings of their councils now taking sign-in, and the code (typed,
    or carried in from the QR code's link — confirmed with one tap, never written on a GET)."""
    open_meetings = list(selectors.signin_meetings_for(user=request.user))
    if request.method == "POST":
        meeting = next((m for m in open_meetings if str(m.pk) == request.POST.get("meeting")), None)
        try:
            if meeting is None:
                raise error("not_council_member")
            ms.meeting_signin(
                by=request.user,
                meeting=meeting,
                code=request.POST.get("code", ""),
                method=SigninMethod.QR if request.POST.get("via") == "qr" else SigninMethod.CODE,
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("签到成功：%(m)s") % {"m": meeting.title})
        return HttpResponseRedirect(reverse("deliberation:signin"))
    rows = []
    for m in open_meetings:
        refusal = MEETING.refusal("signin", m, request.user)
        rows.append((m, refusal.message if refusal else ""))
    return render(
        request,
        "deliberation/signin.html",
        {
            "rows": rows,
            "prefill_meeting": request.GET.get("m", ""),
            "prefill_code": "".join(ch for ch in request.GET.get("c", "") if ch.isdigit())[:6],
            "invitations": selectors.invitations_for(user=request.user)[:20],
        },
    )


@login_required
@require_POST
def invitation_ack(request, pk: int):
    invitation = Invitation.objects.filter(pk=pk, user=request.user).select_related("meeting").first()
    if invitation is None:
        raise NotFound()
    ms.invitation_acknowledge(by=request.user, invitation=invitation)
    messages.success(request, _("已确认收到会议通知。"))
    return HttpResponseRedirect(reverse("deliberation:signin"))
