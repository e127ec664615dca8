"""Residents' committee elections (居委会换届选举): an election per community and term; the voter
roll drawn from the registry (each person on at most one roll in the district per term, held by
the database) and published for a period (公示) during which residents object to it; candidates
nominated from the roll who accept or decline; votes marked on the roll; the results.

The stored counts (registered, voted) move with the roll and a recomputation must equal them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.fields import community_fk


class Method(models.TextChoices):
    DIRECT = "direct", _("直接选举")
    HOUSEHOLD = "household", _("户代表选举")
    DELEGATE = "delegate", _("居民代表选举")


class State(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    PUBLISHED = "published", _("选民名单公示中")
    CANDIDATES = "candidates", _("候选人已公布")
    CLOSED = "closed", _("已选举")


class Election(models.Model):
    community = community_fk()
    term = models.CharField(_("届次"), max_length=4)
    held_on = models.DateField(_("选举日"))
    seats = models.PositiveSmallIntegerField(_("职数"))
    method = models.CharField(_("选举方式"), max_length=10, choices=Method.choices, default=Method.DIRECT)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    registered = models.PositiveIntegerField(_("登记选民数"), default=0)
    voted = models.PositiveIntegerField(_("参选人数"), default=0)
    roll_drawn_at = models.DateTimeField(_("名单生成时间"), null=True, blank=True)
    roll_published_on = models.DateField(_("名单公布日期"), null=True, blank=True)
    objections_until = models.DateField(_("异议截止日期"), null=True, blank=True)
    candidates_published_on = models.DateField(_("候选人公布日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结果登记时间"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "term"], name="elections_one_per_term"),
            models.CheckConstraint(
                condition=Q(voted__lte=F("registered")), name="elections_voted_le_registered"
            ),
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(roll_published_on__isnull=False, objections_until__isnull=False),
                name="elections_published_has_period",
            ),
        ]

    @property
    def turnout(self):
        return round(100 * self.voted / self.registered, 1) if self.registered else None

    @property
    def valid(self) -> bool:
        """过半数选民参加投票，选举有效。"""
        return self.registered > 0 and 2 * self.voted > self.registered


class VoterEntry(models.Model):
    class Basis(models.TextChoices):
        HUKOU = "hukou", _("户籍居民")
        RESIDENT = "resident", _("居住满一年的流动人口")
        OBJECTION = "objection", _("异议核实后补登")

    community = community_fk()
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    district = models.CharField(max_length=6)
    term = models.CharField(max_length=4)
    basis = models.CharField(_("登记依据"), max_length=10, choices=Basis.choices)
    voted = models.BooleanField(_("已投票"), default=False)

    class Meta:
        constraints = [
            # Each person on at most one voter roll in the district for a term.
            models.UniqueConstraint(
                fields=["person", "district", "term"], name="elections_one_roll_in_district"
            ),
        ]


class ObjectionKind(models.TextChoices):
    OMITTED = "omitted", _("应登记而未登记")
    WRONGLY_INCLUDED = "wrongly_included", _("不应登记而登记")
    DETAIL = "detail", _("登记信息有误")


class ObjectionState(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立，已更正")
    DISMISSED = "dismissed", _("异议不成立")


class RollChange(models.TextChoices):
    ADDED = "added", _("已补登")
    REMOVED = "removed", _("已移出")


class Objection(models.Model):
    """A resident's objection to the published roll (对选民名单有不同意见), answered by the
    election committee within a few days; an upheld one corrects the roll."""

    community = community_fk()
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="objections")
    kind = models.CharField(_("异议类型"), max_length=20, choices=ObjectionKind.choices)
    subject = models.ForeignKey(
        "registry.Person",
        verbose_name=_("涉及居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_name = models.CharField(_("涉及居民姓名"), max_length=50, blank=True)
    reason = models.TextField(_("理由"), max_length=500)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提出时间"), default=clock.now)
    answer_due = models.DateField(_("答复期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=ObjectionState.choices, default=ObjectionState.PENDING
    )
    answer = models.TextField(_("处理意见"), max_length=500, blank=True)
    roll_change = models.CharField(_("名单变更"), max_length=10, choices=RollChange.choices, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("选民名单异议")
        verbose_name_plural = _("选民名单异议")
        ordering = ["filed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="pending") | Q(handled_at__isnull=False, handled_by__isnull=False),
                name="elections_objection_handled",
            ),
        ]


class NominationBasis(models.TextChoices):
    JOINT = "joint", _("选民联名推荐")
    GROUP = "group", _("居民小组推荐")
    SELF = "self", _("本人自荐")


class CandidateState(models.TextChoices):
    NOMINATED = "nominated", _("已提名，待本人确认")
    ACCEPTED = "accepted", _("接受提名")
    DECLINED = "declined", _("谢绝提名")


JOINT_MIN = 10  # 选民十人以上联名


class Candidate(models.Model):
    """A nomination of a voter on the roll (one per voter per election: the entry is one-to-one)."""

    community = community_fk()
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidates")
    entry = models.OneToOneField(
        VoterEntry, verbose_name=_("选民"), on_delete=models.PROTECT, related_name="candidacy"
    )
    basis = models.CharField(_("提名方式"), max_length=10, choices=NominationBasis.choices)
    supporters = models.PositiveSmallIntegerField(_("联名人数"), default=0)
    state = models.CharField(
        _("状态"), max_length=10, choices=CandidateState.choices, default=CandidateState.NOMINATED
    )
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(_("提名时间"), default=clock.now)
    responded_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    votes = models.PositiveIntegerField(_("得票数"), null=True, blank=True)
    elected = models.BooleanField(_("当选"), default=False)

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="joint") | Q(supporters__gte=JOINT_MIN), name="elections_joint_supporters"
            ),
            models.CheckConstraint(
                condition=Q(elected=False) | Q(votes__isnull=False, state="accepted"),
                name="elections_elected_has_votes",
            ),
        ]
