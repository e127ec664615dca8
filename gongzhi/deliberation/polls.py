"""Polls (表决): the roll frozen when voting opens, one vote per voter per poll enforced by the
database, paper ballots with one-time printed codes kept only as salted hashes, and secret ballots
that keep no link to their voter beyond the "has voted" record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock


class PollKind(models.TextChoices):
    MEMBER = "member", _("议事会成员表决")
    RESIDENT = "resident", _("居民投票")
    HOUSEHOLD = "household", _("按户投票")
    OWNER = "owner", _("业主表决（民法典第278条）")


class PollState(models.TextChoices):
    DRAFT = "draft", _("准备中")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class Poll(models.Model):
    council = models.ForeignKey(
        "deliberation.Council", verbose_name=_("议事会"), on_delete=models.PROTECT, related_name="polls"
    )
    topic = models.ForeignKey(
        "deliberation.Topic",
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="polls",
    )
    # The region whose residents/households/owners vote (a community, or a street); for owners'
    # votes, the estate.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("投票范围"), on_delete=models.PROTECT, related_name="+"
    )
    estate = models.ForeignKey(
        "registry.Estate",
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("表决事项"), max_length=120)
    kind = models.CharField(_("投票方式"), max_length=10, choices=PollKind.choices)
    secret = models.BooleanField(_("无记名投票"), default=False)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=18)
    # Items 6–8 of art. 278 (maintenance fund, rebuilding, common parts) need 3/4 instead of 1/2.
    major_matter = models.BooleanField(_("重大事项（第278条第6–8项）"), default=False)
    state = models.CharField(_("状态"), max_length=8, choices=PollState.choices, default=PollState.DRAFT)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"))
    salt = models.CharField(max_length=32, editable=False)
    results = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def community_id(self):  # for scoping: the council's community or region
        return self.council.community_id or self.council.region_id


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("选项"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["poll_id", "position", "id"]


class RollEntry(models.Model):
    """The roll, frozen when voting opens. `voter` is "p:<person>", "h:<household>", "m:<member>" or,
    for co-owners voting as one (art. 278), "o:<their first dwelling>"."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="roll")
    voter = models.CharField(max_length=24)
    weight_area = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "voter"], name="roll_unique_voter")]


class Channel(models.TextChoices):
    ONLINE = "online", _("网上投票")
    PAPER = "paper", _("纸质选票")


class VoteRecord(models.Model):
    """ "Has voted": one per voter per poll, online or on paper — never both (UNIQUE)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="records")
    voter = models.CharField(max_length=24)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField(default=clock.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "voter"], name="vote_one_per_voter_per_poll")]


class Ballot(models.Model):
    """A ballot. Random primary key and no time, so that for a secret poll (voter empty) nothing
    orders or links it to its "has voted" record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")
    voter = models.CharField(max_length=24, blank=True)
    weight_area = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"], condition=~Q(voter=""), name="ballot_one_per_voter"
            ),
        ]


class PaperCode(models.Model):
    """A one-time code printed on a paper ballot, kept only as a salted hash."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="paper_codes")
    voter = models.CharField(max_length=24)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "code_hash"], name="paper_code_unique"),
            models.UniqueConstraint(fields=["poll", "voter"], name="paper_code_one_per_voter"),
        ]
