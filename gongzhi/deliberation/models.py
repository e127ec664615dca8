"""Councils (议事会), their members, topics (议题) with the demands and households behind them,
referrals between levels, meetings, resolutions and their report-back. Polls live in polls.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk


class CouncilLevel(models.TextChoices):
    STREET = "street", _("街道议事会")
    COMMUNITY = "community", _("社区议事会")
    GROUP = "group", _("楼栋/小组议事会")


class QuorumRule(models.TextChoices):
    """How many of the council's members (列席 not counted) must be present for a meeting to decide."""

    HALF = "half", _("过半数成员到会")
    TWO_THIRDS = "two_thirds", _("三分之二以上成员到会")


class Council(models.Model):
    # `region` is the street or community the council speaks for (its scope); `community` is
    # null only for a street council.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+"
    )
    community = community_fk(null=True)
    level = models.CharField(_("层级"), max_length=10, choices=CouncilLevel.choices)
    name = models.CharField(_("名称"), max_length=80)
    building = models.ForeignKey(
        "registry.Building",
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级议事会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    support_threshold = models.PositiveIntegerField(_("列入议程所需支持户数"), default=10)
    quorum = models.CharField(
        _("会议法定人数"), max_length=10, choices=QuorumRule.choices, default=QuorumRule.HALF
    )
    premoderation = models.BooleanField(_("网上讨论先审后发"), default=False)
    # The boundary of matters (议事范围): what this level decides, and what it refers on.
    boundary = models.TextField(_("本级议定的事项"), blank=True, max_length=2000)
    refers = models.TextField(_("转介的事项"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("议事会")
        verbose_name_plural = _("议事会")
        ordering = ["region_id", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="council_unique_name"),
            models.CheckConstraint(condition=Q(support_threshold__gte=1), name="council_threshold_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberKind(models.TextChoices):
    RESIDENTS_COMMITTEE = "rc", _("居委会")
    OWNERS_COMMITTEE = "oc", _("业委会")
    PROPERTY = "property", _("物业公司")
    SOCIAL_ORG = "social_org", _("社会组织")
    UNIT = "unit", _("驻区单位")
    SOCIAL_WORKER = "social_worker", _("专业社工")
    RESIDENT_REP = "resident_rep", _("居民代表")


class Position(models.TextChoices):
    CHAIR = "chair", _("主任")
    VICE_CHAIR = "vice_chair", _("副主任")
    MEMBER = "member", _("委员")
    OBSERVER = "observer", _("列席")


class CouncilMember(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("议事会"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("成员类别"), max_length=16, choices=MemberKind.choices)
    position = models.CharField(_("职务"), max_length=12, choices=Position.choices, default=Position.MEMBER)
    name = models.CharField(_("姓名"), max_length=50)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="council_memberships",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"))

    class Meta:
        verbose_name = _("议事会成员")
        verbose_name_plural = _("议事会成员")
        ordering = ["council_id", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="member_term_order"
            ),
        ]


class TopicState(models.TextChoices):
    PROPOSED = "proposed", _("征集支持")
    AGENDA = "agenda", _("已列入议程")
    REFERRED = "referred", _("转介中")
    DECIDED = "decided", _("已形成决议")
    CLOSED = "closed", _("已办结反馈")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予议事")


class TopicOrigin(models.TextChoices):
    RESIDENT = "resident", _("居民提议")
    MEMBER = "member", _("议事会成员提议")
    STAFF = "staff", _("工作人员提议")
    HOT_ISSUE = "hot_issue", _("热点问题")
    DEMAND = "demand", _("群众诉求")


class Outcome(models.TextChoices):
    """How a matter was settled (Yuhuatai's 622); the same words as the demands' resolution kinds."""

    DELIBERATION = "deliberation", _("社区协商解决")
    SOCIAL_ORG = "social_org", _("社会组织服务")
    REFERRAL = "referral", _("转办职能部门")


class Topic(models.Model):
    council = models.ForeignKey(
        Council, verbose_name=_("议事会"), on_delete=models.PROTECT, related_name="topics"
    )
    # Copied from the council (and moved with it on referral): what scoping filters on.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+"
    )
    community = community_fk(null=True)
    title = models.CharField(_("议题"), max_length=100)
    body = models.TextField(_("说明"), max_length=4000, blank=True)
    origin = models.CharField(_("来源"), max_length=12, choices=TopicOrigin.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=TopicState.choices, default=TopicState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提议时间"), default=clock.now)
    support_count = models.PositiveIntegerField(_("支持户数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    outcome = models.CharField(_("解决方式"), max_length=12, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(_("议定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # Online discussion (网上议事): open until this moment; None: not opened.
    discussion_closes_at = models.DateTimeField(_("网上讨论截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["decided", "closed"]) | ~Q(outcome=""),
                name="topic_decided_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["region", "state"], name="topic_region_state_idx")]

    def __str__(self) -> str:
        return self.title


class TopicDemand(models.Model):
    """A demand behind a topic: its resident's household is among those who raised the matter."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="demand_links")
    demand = models.ForeignKey("demands.Demand", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "demand"], name="topic_demand_unique")]


class TopicSupport(AppendOnlyModel):
    """One household supports a topic once (the database refuses a second row)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "household"], name="topic_support_one_per_household")
        ]


class ReferralState(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")


class Referral(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="referrals")
    from_council = models.ForeignKey(
        Council, verbose_name=_("转出"), on_delete=models.PROTECT, related_name="+"
    )
    to_council = models.ForeignKey(
        Council, verbose_name=_("转至"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("转介理由"), max_length=300)
    deadline = models.DateField(_("接收期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=ReferralState.choices, default=ReferralState.PENDING
    )
    answer = models.CharField(_("接收或退回说明"), max_length=300, blank=True)
    at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic"], condition=Q(state="pending"), name="referral_one_pending_per_topic"
            ),
        ]


class TopicEvent(AppendOnlyModel):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    text = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class ResolutionState(models.TextChoices):
    CARRYING_OUT = "carrying_out", _("落实中")
    DONE = "done", _("已落实")


class Resolution(models.Model):
    topic = models.OneToOneField(
        Topic, verbose_name=_("议题"), on_delete=models.PROTECT, related_name="resolution"
    )
    text = models.TextField(_("决议内容"), max_length=4000)
    owner = models.CharField(_("落实责任单位"), max_length=100)
    deadline = models.DateField(_("落实期限"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    state = models.CharField(
        _("状态"), max_length=14, choices=ResolutionState.choices, default=ResolutionState.CARRYING_OUT
    )
    adopted_at = models.DateTimeField(_("通过时间"), default=clock.now)
    report = models.TextField(_("反馈"), blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    # A resolution is carried out either as a task handed to a unit (a demand on the proactive
    # channel, dispatched through the demands services) or as a 微实事 project: once, one or the
    # other (the one-to-one fields and the check below; resolution_services.py).
    task = models.OneToOneField(
        "demands.Demand",
        verbose_name=_("交办任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_resolution",
    )
    project = models.OneToOneField(
        "budgeting.Project",
        verbose_name=_("微实事项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_resolution",
    )
    handed_at = models.DateTimeField(_("交办时间"), null=True, blank=True)

    class Meta:
        ordering = ["-adopted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="resolution_progress_max"),
            models.CheckConstraint(
                condition=Q(task__isnull=True) | Q(project__isnull=True), name="resolution_task_or_project"
            ),
        ]


class Milestone(AppendOnlyModel):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="milestones")
    text = models.CharField(_("进展"), max_length=300)
    progress = models.PositiveSmallIntegerField(_("进度（%）"))
    photo = models.FileField(_("照片"), upload_to="deliberation/milestones/", blank=True, max_length=200)
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class SatisfactionAnswer(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Satisfaction(AppendOnlyModel):
    """After the report-back, each household asked (those whose demands started the topic, and the
    topic's followers) answers once: the database refuses a second row for the household."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="satisfaction")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.CharField(_("满意度"), max_length=12, choices=SatisfactionAnswer.choices)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.UniqueConstraint(fields=["topic", "household"], name="satisfaction_one_per_household"),
        ]


class Notice(models.Model):
    """An in-app message about a topic: its report-back, pushed to followers and to the households
    whose demands started it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=300)
    at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "topic", "message"], name="notice_once")]


from .discussion import Comment, CommentReport  # noqa: E402,F401
from .meetings import Attendance, Invitation, Meeting, Opinion  # noqa: E402,F401
from .polls import Ballot, PaperCode, Poll, PollOption, RollEntry, VoteRecord  # noqa: E402,F401
