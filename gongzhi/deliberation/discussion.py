"""Online discussion of a topic (网上议事): threaded comments by residents in the council's area
and by staff, until the topic's closing time; moderation (hide with a reason, reports by users,
optional pre-moderation per council)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock

MAX_DEPTH = 3  # a reply to a reply to a reply, no deeper


class CommentState(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    PENDING = "pending", _("待审核")
    HIDDEN = "hidden", _("已隐藏")


class Comment(models.Model):
    topic = models.ForeignKey(
        "deliberation.Topic", verbose_name=_("议题"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("回复"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What others see: a resident's surname only, staff as staff (set when posted).
    author_label = models.CharField(_("发言人"), max_length=60)
    body = models.TextField(_("内容"), max_length=2000)
    state = models.CharField(
        _("状态"), max_length=10, choices=CommentState.choices, default=CommentState.PUBLISHED
    )
    at = models.DateTimeField(default=clock.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(_("处理理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("讨论发言")
        verbose_name_plural = _("讨论发言")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_DEPTH), name="comment_depth_max"),
            models.CheckConstraint(
                condition=~Q(state="hidden") | ~Q(moderation_reason=""), name="comment_hidden_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["topic", "state"], name="comment_topic_state_idx")]

    @property
    def community_id(self):  # for scoping: where the topic is now
        return self.topic.community_id or self.topic.region_id


class CommentReport(models.Model):
    """A user reports a comment to the moderators, once (UNIQUE)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("举报理由"), max_length=200)
    at = models.DateTimeField(default=clock.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="comment_report_once")]
