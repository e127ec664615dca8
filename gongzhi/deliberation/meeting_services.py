"""Writes of meetings: schedule (with an invitation per member), sign-in by a rotating code or a QR
scan, attendance entered by staff, opinions and minutes, the chair's approval (after which nothing
changes), cancellation. Every step asks the MEETING guard first."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.permissions import require

from . import rules
from .eligibility import council_member_of
from .errors import error
from .meetings import Attendance, Invitation, Meeting, MeetingState, Opinion, SigninMethod, Stance
from .models import Council, CouncilMember, MemberKind, Topic, TopicState
from .workflow import MEETING

CODE_PERIOD = 120  # seconds: the sign-in code changes every two minutes
CODE_GRACE = 1  # the previous code still works (someone typing as it changes)
MAX_BAD_CODES = 8  # wrong codes per member and meeting before a ten-minute pause
LOCK_SECONDS = 600


def signin_code(meeting: Meeting, at: dt.datetime | None = None, *, window_offset: int = 0) -> str:
    """The six-digit sign-in code of this meeting for the two-minute window containing `at`:
    derived from the meeting's secret (HMAC), so it rotates by itself and nothing is stored."""
    window = int((at or clock.now()).timestamp()) // CODE_PERIOD - window_offset
    key = f"{settings.SECRET_KEY}:signin:{meeting.signin_secret}".encode()
    digest = hmac.new(key, str(window).encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def signin_code_valid(meeting: Meeting, code: str, at: dt.datetime | None = None) -> bool:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    return any(
        hmac.compare_digest(code, signin_code(meeting, at, window_offset=k)) for k in range(CODE_GRACE + 1)
    )


def code_seconds_left(at: dt.datetime | None = None) -> int:
    return CODE_PERIOD - int((at or clock.now()).timestamp()) % CODE_PERIOD


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("council").get(pk=meeting.pk)


def _members_in_term(council: Council, day: dt.date):
    return CouncilMember.objects.filter(council=council, term_start__lte=day, term_end__gte=day)


def _recipient(member: CouncilMember):
    """The account an invitation reaches: the member's own, else one linked to their person."""
    from gongzhi.core.models import User

    if member.user_id:
        return member.user_id
    if member.person_id:
        return (
            User.objects.filter(person_id=member.person_id, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
    return None


@transaction.atomic
def meeting_schedule(
    *,
    by,
    council: Council,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    place: str = "",
    online_url: str = "",
    topics: Sequence[Topic] = (),
) -> Meeting:
    """Schedule a meeting with its agenda (this council's undecided topics) and invite every member
    in term on the day: one invitation per member, shown on their phone."""
    require(by, rules.MANAGE, council.community_id or council.region_id)
    title, place, online_url = (title or "").strip(), (place or "").strip(), (online_url or "").strip()
    if not title:
        raise error("meeting_title")
    if starts_at is None or starts_at <= clock.now():
        raise error("meeting_in_past")
    if ends_at is not None and ends_at <= starts_at:
        raise error("meeting_end_order")
    if online_url:
        try:
            URLValidator(schemes=["http", "https"])(online_url)
        except ValidationError:
            raise error("meeting_place") from None
    if not place and not online_url:
        raise error("meeting_place")
    if any(
        t.council_id != council.pk or t.state not in (TopicState.PROPOSED, TopicState.AGENDA) for t in topics
    ):
        raise error("agenda_topic")
    meeting = Meeting.objects.create(
        council=council,
        title=title[:100],
        starts_at=starts_at,
        ends_at=ends_at,
        place=place[:100],
        online_url=online_url[:300],
        created_by=by,
    )
    meeting.topics.set(topics)
    now = clock.now()
    Invitation.objects.bulk_create(
        [
            Invitation(meeting=meeting, member=m, user_id=_recipient(m), at=now)
            for m in _members_in_term(council, starts_at.date())
        ]
    )
    return meeting


@transaction.atomic
def meeting_signin_open(*, by, meeting: Meeting, at: dt.datetime | None = None) -> Meeting:
    meeting = _locked(meeting)
    now = at or clock.now()
    MEETING.require("open_signin", meeting, by, now=now)
    meeting.state = MeetingState.SIGNIN
    meeting.signin_opened_at = now
    meeting.save(update_fields=["state", "signin_opened_at"])
    return meeting


def _throttle_key(meeting: Meeting, user) -> str:
    return f"gz:deliberation:signin:{meeting.pk}:{user.pk}"


@transaction.atomic
def meeting_signin(
    *, by, meeting: Meeting, code: str, method: str = SigninMethod.CODE, at: dt.datetime | None = None
) -> Attendance:
    """A member signs in from their phone with the code shown at the door (typed, or in the QR
    code's link). The database keeps one attendance per member per meeting."""
    meeting = Meeting.objects.select_related("council").get(pk=meeting.pk)
    now = at or clock.now()
    MEETING.require("signin", meeting, by, now=now)
    key = _throttle_key(meeting, by)
    if cache.get(key, 0) >= MAX_BAD_CODES:
        raise error("signin_locked")
    if not signin_code_valid(meeting, code, now):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, LOCK_SECONDS)
        raise error("bad_signin_code")
    member = council_member_of(meeting.council, by, meeting.starts_at.date())
    assert member is not None  # the guard's _is_member
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                meeting=meeting,
                member=member,
                method=method if method in (SigninMethod.CODE, SigninMethod.QR) else SigninMethod.CODE,
                at=now,
                by=by,
            )
    except IntegrityError:
        raise error("already_signed_in") from None


@transaction.atomic
def meeting_mark_present(*, by, meeting: Meeting, member_ids: Sequence[int]) -> int:
    """Staff sign in members who came without a phone. Members not of this council, or out of
    term, are refused; those already signed in are left as they are. Returns how many were added."""
    meeting = _locked(meeting)
    MEETING.require("mark_present", meeting, by)
    ids = {int(i) for i in member_ids}
    if not ids:
        raise error("members_required")
    valid = set(
        _members_in_term(meeting.council, meeting.starts_at.date())
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if valid != ids:
        raise error("members_required")
    have = set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    now = clock.now()
    rows = [
        Attendance(meeting=meeting, member_id=i, method=SigninMethod.STAFF, at=now, by=by)
        for i in sorted(valid - have)
    ]
    Attendance.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def opinion_add(
    *, by, meeting: Meeting, side: str, stance: str, text: str, topic: Topic | None = None, speaker: str = ""
) -> Opinion:
    """One side's opinion on an agenda item, for the minutes (never after the chair's approval)."""
    meeting = _locked(meeting)
    MEETING.require("record", meeting, by)
    if side not in MemberKind.values or stance not in Stance.values:
        raise error("opinion_side")
    if not (text or "").strip():
        raise error("opinion_text")
    if topic is not None and not meeting.topics.filter(pk=topic.pk).exists():
        raise error("agenda_topic")
    return Opinion.objects.create(
        meeting=meeting,
        topic=topic,
        side=side,
        stance=stance,
        text=text.strip()[:2000],
        speaker=(speaker or "").strip()[:50],
        by=by,
    )


@transaction.atomic
def minutes_save(*, by, meeting: Meeting, minutes: str) -> Meeting:
    meeting = _locked(meeting)
    MEETING.require("record", meeting, by)
    meeting.minutes = (minutes or "").strip()[:20000]
    meeting.save(update_fields=["minutes"])
    return meeting


@transaction.atomic
def meeting_end(*, by, meeting: Meeting, at: dt.datetime | None = None) -> Meeting:
    meeting = _locked(meeting)
    now = at or clock.now()
    MEETING.require("end", meeting, by, now=now)
    meeting.state = MeetingState.ENDED
    fields = ["state"]
    if meeting.ends_at is None and now > meeting.starts_at:
        meeting.ends_at = now
        fields.append("ends_at")
    meeting.save(update_fields=fields)
    return meeting


def minutes_digest(meeting: Meeting) -> str:
    """SHA-256 over the minutes and every opinion recorded, in order."""
    h = hashlib.sha256(meeting.minutes.encode())
    for o in Opinion.objects.filter(meeting=meeting).order_by("at", "id"):
        h.update(f"\x1e{o.pk}\x1f{o.topic_id}\x1f{o.side}\x1f{o.stance}\x1f{o.speaker}\x1f{o.text}".encode())
    return h.hexdigest()


@transaction.atomic
def minutes_approve(*, by, meeting: Meeting, at: dt.datetime | None = None) -> Meeting:
    """The chair approves the minutes; from then on neither they nor the opinions change (the guard
    refuses every recording step, and the digest stored here shows any change made behind it)."""
    meeting = _locked(meeting)
    now = at or clock.now()
    MEETING.require("approve", meeting, by, now=now)
    meeting.state = MeetingState.APPROVED
    meeting.minutes_approved_at = now
    meeting.minutes_approved_by = by
    meeting.minutes_digest = minutes_digest(meeting)
    meeting.save(update_fields=["state", "minutes_approved_at", "minutes_approved_by", "minutes_digest"])
    return meeting


@transaction.atomic
def meeting_cancel(*, by, meeting: Meeting, reason: str) -> Meeting:
    meeting = _locked(meeting)
    MEETING.require("cancel", meeting, by)
    if not (reason or "").strip():
        raise error("reason_required")
    meeting.state = MeetingState.CANCELLED
    meeting.cancel_reason = reason.strip()[:300]
    meeting.save(update_fields=["state", "cancel_reason"])
    return meeting


@transaction.atomic
def invitation_acknowledge(*, by, invitation: Invitation) -> Invitation:
    """The member confirms they have seen the invitation (回执)."""
    if invitation.user_id != by.pk:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    if invitation.read_at is None:
        invitation.read_at = clock.now()
        invitation.save(update_fields=["read_at"])
    return invitation
