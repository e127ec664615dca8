"""Dual evaluation (双评议): residents rate their community through a household sample drawn from the
register; communities rate departments anonymously.

Integrity lives in the database: one response per sampled household (a OneToOne), a one-time code
unique and used once (the response's existence), one rating per community and department per survey.
Community-to-department answers are stored WITHOUT any link to the rating community: the submission
row (who has answered) and the answer rows (what was answered) share nothing but the survey and the
department, so no query can join an answer back to its community."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk


class Survey(models.Model):
    class Target(models.TextChoices):
        COMMUNITY = "community", _("居民评社区")
        DEPARTMENT = "department", _("社区评部门")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    region = models.ForeignKey(
        "core.Region", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=200)
    target = models.CharField(_("评议对象"), max_length=12, choices=Target.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    scale_max = models.PositiveSmallIntegerField(_("量表最高分"), default=5)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("评议问卷")
        verbose_name_plural = _("评议问卷")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_max__gte=2, scale_max__lte=10), name="evaluation_scale_range"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("量表")
        YESNO = "yesno", _("是否")
        TEXT = "text", _("文字")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="questions")
    number = models.PositiveSmallIntegerField(_("题号"))
    text = models.CharField(_("题目"), max_length=300)
    aspect = models.CharField(_("评议方面"), max_length=50, blank=True)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices, default=Kind.SCALE)
    # Skip logic: ask only when question `skip_unless_number` was answered with `skip_unless_value`.
    skip_unless_number = models.PositiveSmallIntegerField(null=True, blank=True)
    skip_unless_value = models.SmallIntegerField(null=True, blank=True)
    # A question about an admitted item (自贡: items residents reject are withdrawn): when the survey
    # closes, a poor result withdraws the item from a community, or from the catalogue.
    application = models.ForeignKey(
        "admission.Application",
        verbose_name=_("评议的准入事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["survey_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="evaluation_question_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class SampleHousehold(models.Model):
    """A household drawn into a survey's sample (stratum: estate × age group of the household head)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="sample")
    community = community_fk()
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    estate_id = models.BigIntegerField(null=True, blank=True)
    age_group = models.CharField(_("年龄组"), max_length=8)
    code_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the one-time code

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "community", "household"], name="evaluation_household_once_in_sample"
            )
        ]


class Response(AppendOnlyModel):
    """A sampled household's answer. One per household: the OneToOne is the database's guarantee."""

    class Channel(models.TextChoices):
        CODE = "code", _("一次性验证码")
        VISIT = "visit", _("入户走访")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    community = community_fk()
    sample = models.OneToOneField(SampleHousehold, on_delete=models.PROTECT, related_name="response")
    channel = models.CharField(_("方式"), max_length=6, choices=Channel.choices)
    at = models.DateTimeField(default=clock.now)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="code", visitor__isnull=True) | Q(channel="visit", visitor__isnull=False),
                name="evaluation_channel_matches_visitor",
            )
        ]


class Answer(AppendOnlyModel):
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    community = community_fk()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="evaluation_answer_once")
        ]
        indexes = [models.Index(fields=["survey", "question", "community"], name="evaluation_answer_group")]


class DepartmentSubmission(AppendOnlyModel):
    """That a community has rated a department in a survey (not what it said)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    community = community_fk()
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "community", "department"], name="evaluation_rate_department_once"
            )
        ]


class DepartmentAnswer(AppendOnlyModel):
    """What some community said about a department: no community, no submission, no time, no author;
    a random key, so not even the insertion order lines answers up with submissions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["survey", "department", "question"], name="evaluation_dept_answer_group")
        ]
