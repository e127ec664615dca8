"""Participatory budgeting (微实事): a round per community or street with a budget and phases,
residents' proposals reviewed by staff, ballots (one per voter: UNIQUE), results with explanations."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.fields import community_fk


class Phase(models.TextChoices):
    COLLECT = "collect", _("征集项目")
    REVIEW = "review", _("可行性审核")
    VOTING = "voting", _("公开投票")
    RESULTS = "results", _("公布结果")
    IMPLEMENTATION = "implementation", _("实施跟踪")


class BallotKind(models.TextChoices):
    APPROVAL = "approval", _("赞成票（最多选 N 项）")
    KNAPSACK = "knapsack", _("预算内自选（不超过总预算）")
    CUMULATIVE = "cumulative", _("积分投票（把 N 分分给若干项目）")


class Eligibility(models.TextChoices):
    RESIDENT = "resident", _("辖区居民")
    HOUSEHOLD = "household", _("每户一票")


class Rule(models.TextChoices):
    GREEDY = "greedy", _("按票数择优（放不下的跳过）")
    GREEDY_NO_SKIP = "greedy-no-skip", _("按票数择优（放不下即停止）")
    GREEDY_THRESHOLD = "greedy-threshold", _("按票数择优（须达最低票数）")
    EQUAL_SHARES = "equalshares", _("平等份额法（Method of Equal Shares）")


class Round(models.Model):
    region = models.ForeignKey(
        "core.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+"
    )
    community = community_fk(null=True)
    title = models.CharField(_("名称"), max_length=100)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=0)
    phase = models.CharField(_("阶段"), max_length=16, choices=Phase.choices, default=Phase.COLLECT)
    ballot_kind = models.CharField(
        _("投票方式"), max_length=10, choices=BallotKind.choices, default=BallotKind.APPROVAL
    )
    max_choices = models.PositiveSmallIntegerField(_("最多可选项目数"), default=3)
    min_spend = models.DecimalField(
        _("预算内自选最低使用比例"), max_digits=3, decimal_places=2, default=Decimal("0.70")
    )
    eligibility = models.CharField(
        _("投票资格"), max_length=10, choices=Eligibility.choices, default=Eligibility.RESIDENT
    )
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=16)
    points = models.PositiveSmallIntegerField(_("每人可分配的分数"), default=10)
    rule = models.CharField(_("计票规则"), max_length=20, choices=Rule.choices, default=Rule.GREEDY)
    min_votes = models.PositiveIntegerField(_("最低票数（按票数择优并设门槛时）"), default=0)
    # Set when the round was imported from a Pabulib file: its ballots come from the file.
    source = models.CharField(_("导入来源"), max_length=200, blank=True)
    voting_closes_at = models.DateTimeField(_("投票截止"), null=True, blank=True)
    results = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("微实事")
        verbose_name_plural = _("微实事")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="round_budget_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="round_points_positive"),
            models.CheckConstraint(
                condition=Q(min_spend__gte=0) & Q(min_spend__lte=1), name="round_min_spend_share"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    FEASIBLE = "feasible", _("审核通过")
    REJECTED = "rejected", _("未通过审核")


class Project(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("项目"), max_length=100)
    body = models.TextField(_("说明"), max_length=2000, blank=True)
    cost = models.DecimalField(_("费用（元）"), max_digits=12, decimal_places=0)
    state = models.CharField(
        _("状态"), max_length=10, choices=ProjectState.choices, default=ProjectState.PROPOSED
    )
    review_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected = models.BooleanField(_("入选"), default=False)
    explanation = models.CharField(_("入选或落选原因"), max_length=300, blank=True)
    votes = models.PositiveIntegerField(_("得票"), default=0)
    progress = models.PositiveSmallIntegerField(_("实施进度（%）"), default=0)
    progress_note = models.CharField(_("实施情况"), max_length=300, blank=True)

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gt=0), name="project_cost_positive"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_max"),
        ]


class RollEntry(models.Model):
    """Who may vote, frozen when voting opens: "p:<person>" or "h:<household>"."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="roll")
    voter = models.CharField(max_length=24)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="budget_roll_unique")]


class Voted(models.Model):
    """ "Has voted": one per voter per round (UNIQUE); the ballot itself carries no voter."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="voted")
    voter = models.CharField(max_length=24)
    paper = models.BooleanField(default=False)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="budget_one_vote_per_voter")]


class Ballot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    projects = models.JSONField()  # project ids chosen
    # Cumulative (and imported ordinal/scoring) ballots: the points given to each, in the same order.
    points = models.JSONField(null=True, blank=True)
