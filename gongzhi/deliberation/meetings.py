"""Meetings (议事会议): scheduled with an agenda of topics, in a room or online; an invitation per
member; attendance by a rotating sign-in code (typed, or scanned from a QR code at the door);
quorum from the members present; minutes with each side's opinions, approved by the chair and
unchangeable afterwards."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("已通知")
    SIGNIN = "signin", _("签到中")
    ENDED = "ended", _("纪要待审定")
    APPROVED = "approved", _("纪要已审定")
    CANCELLED = "cancelled", _("已取消")


def _secret() -> str:
    return secrets.token_hex(16)


class Meeting(models.Model):
    council = models.ForeignKey(
        "deliberation.Council", verbose_name=_("议事会"), on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("会议"), max_length=100)
    starts_at = models.DateTimeField(_("时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    online_url = models.URLField(_("线上会议链接"), max_length=300, blank=True)
    topics = models.ManyToManyField(
        "deliberation.Topic", verbose_name=_("议程"), blank=True, related_name="meetings"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    # The sign-in code is derived from this secret and the current two-minute window, so it
    # rotates by itself; nothing about it is stored.
    signin_secret = models.CharField(max_length=32, default=_secret, editable=False)
    signin_opened_at = models.DateTimeField(_("开始签到"), null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    minutes_approved_at = models.DateTimeField(_("纪要审定时间"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # SHA-256 of the approved minutes and opinions: a later change to either shows.
    minutes_digest = models.CharField(max_length=64, blank=True, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_url=""), name="meeting_place_or_online"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | (Q(minutes_approved_at__isnull=False) & ~Q(minutes="")),
                name="meeting_approved_has_minutes",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def community_id(self):  # for scoping: the council's community, or its street
        return self.council.community_id or self.council.region_id


class Invitation(models.Model):
    """The notice of a meeting to one member (one per member per meeting); shown on the member's
    phone page until read."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("deliberation.CouncilMember", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="invitation_one_per_member")
        ]


class SigninMethod(models.TextChoices):
    CODE = "code", _("输入签到码")
    QR = "qr", _("扫码签到")
    STAFF = "staff", _("工作人员代签")


class Attendance(AppendOnlyModel):
    """A member present at a meeting: once (the database refuses a second row)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("deliberation.CouncilMember", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("签到方式"), max_length=6, choices=SigninMethod.choices)
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_one_per_member")
        ]


class Stance(models.TextChoices):
    SUPPORT = "support", _("赞成")
    OPPOSE = "oppose", _("反对")
    RESERVE = "reserve", _("保留意见")
    SUGGEST = "suggest", _("建议")


class Opinion(AppendOnlyModel):
    """What one side said on an agenda item, for the minutes. Written once; a correction is a new
    opinion. None may be added once the chair has approved the minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="opinions")
    topic = models.ForeignKey(
        "deliberation.Topic", verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT
    )
    side = models.CharField(_("发言方"), max_length=16)  # a MemberKind value
    speaker = models.CharField(_("发言人"), max_length=50, blank=True)
    stance = models.CharField(_("意见"), max_length=8, choices=Stance.choices)
    text = models.TextField(_("发言要点"), max_length=2000)
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
