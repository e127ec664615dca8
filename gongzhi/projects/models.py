"""Public-benefit funding (公益创投): calls → applications → expert review → approval →
projects with instalments → mid-term and final evaluation → payments (a ledger)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk
from gongzhi.core.ledger import LedgerAccount, LedgerEntry
from gongzhi.core.models import Region, TimeStampedModel

# A grant is at most 60% of the project's budget (Ningbo 海曙区 and Guangzhou rules).
MAX_GRANT_SHARE = Decimal("0.60")


class CallPhase(models.TextChoices):
    OPEN = "open", _("征集中")
    REVIEW = "review", _("评审中")
    DECIDED = "decided", _("已立项")


class FundingCall(TimeStampedModel):
    region = models.ForeignKey(Region, verbose_name=_("发布区域"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=100)
    budget = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2)
    categories = models.CharField(_("资助方向"), max_length=200, blank=True)
    eligibility = models.TextField(_("申报条件"), max_length=1000, blank=True)
    phase = models.CharField(_("阶段"), max_length=10, choices=CallPhase.choices, default=CallPhase.OPEN)
    closes_at = models.DateTimeField(_("截止时间"))
    rubric = models.JSONField(_("评分细则"), default=list)  # [{"key": "need", "label": "需求契合"}, …]

    class Meta:
        verbose_name = _("创投项目征集")
        verbose_name_plural = _("创投项目征集")
        ordering = ["-closes_at"]
        constraints = [models.CheckConstraint(condition=models.Q(budget__gt=0), name="call_budget_positive")]

    def __str__(self) -> str:
        return self.title


class CallItem(TimeStampedModel):
    """An item of a call (征集项目): what the call asks organisations to do, often drawn from a
    community's needs list (the need's community and households come with it)."""

    call = models.ForeignKey(
        FundingCall, verbose_name=_("征集"), on_delete=models.CASCADE, related_name="items"
    )
    title = models.CharField(_("征集项目"), max_length=100)
    # A reference table (like the call) may not hold a database foreign key to a distributed one
    # (the needs, by community) when sharded: the service checks the need instead.
    need = models.ForeignKey(
        "organizations.Need",
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="call_items",
    )
    serves = models.ForeignKey(
        Region, verbose_name=_("服务区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    households = models.PositiveIntegerField(_("涉及户数"), default=0)

    class Meta:
        verbose_name = _("征集项目")
        verbose_name_plural = _("征集项目")
        ordering = ["call_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "title"], name="call_item_unique_title"),
            models.UniqueConstraint(
                fields=["call", "need"], condition=models.Q(need__isnull=False), name="call_item_need_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    REVISION = "revision", _("退回修改")
    IN_REVIEW = "in_review", _("专家评审中")
    APPROVED = "approved", _("已立项")
    REJECTED = "rejected", _("未立项")


class Application(TimeStampedModel):
    community = community_fk()  # where the project serves
    call = models.ForeignKey(
        FundingCall, verbose_name=_("征集"), on_delete=models.PROTECT, related_name="applications"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("申报组织"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        CallItem,
        verbose_name=_("征集项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    title = models.CharField(_("项目名称"), max_length=100)
    summary = models.TextField(_("项目简介"), max_length=2000, blank=True)
    budget_total = models.DecimalField(_("项目总预算（元）"), max_digits=12, decimal_places=2)
    requested = models.DecimalField(_("申请资助（元）"), max_digits=12, decimal_places=2)
    matched_funds = models.DecimalField(_("配套资金（元）"), max_digits=12, decimal_places=2, default=0)
    households_target = models.PositiveIntegerField(_("计划服务户数"), default=0)
    people_target = models.PositiveIntegerField(_("计划服务人数"), default=0)
    outputs = models.CharField(_("产出与成效"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    revision_note = models.CharField(_("修改意见"), max_length=300, blank=True)
    score = models.DecimalField(_("评审得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        ordering = ["-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested__gt=0), name="application_requested_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(requested__lte=models.F("budget_total") * MAX_GRANT_SHARE),
                name="application_grant_at_most_60_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewAssignment(TimeStampedModel):
    """An expert reviewing one application: declares conflicts of interest first, then scores
    blind to the other reviewers until submitting."""

    community = community_fk()
    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评审专家"), on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    conflict = models.BooleanField(_("存在利益冲突"), null=True)
    conflict_note = models.CharField(_("冲突说明"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交评分时间"), null=True, blank=True)
    comment = models.CharField(_("评审意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "application", "expert"], name="review_once_per_expert"
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(conflict=False),
                name="review_scored_only_without_conflict",
            ),
        ]


class Score(AppendOnlyModel):
    community = community_fk()
    assignment = models.ForeignKey(
        ReviewAssignment, verbose_name=_("评审任务"), on_delete=models.CASCADE, related_name="scores"
    )
    line = models.CharField(_("评分项"), max_length=30)
    score = models.PositiveSmallIntegerField(_("分数"))

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["community", "assignment", "line"], name="score_once_per_line"),
            models.CheckConstraint(condition=models.Q(score__lte=5), name="score_0_to_5"),
        ]


class ProjectPhase(models.TextChoices):
    RUNNING = "running", _("实施中")
    MIDTERM = "midterm", _("中期评估")
    FINAL = "final", _("结项评估")
    COMPLETED = "completed", _("已结项")


class Project(TimeStampedModel):
    community = community_fk()
    application = models.OneToOneField(
        Application, verbose_name=_("申报"), on_delete=models.PROTECT, related_name="project"
    )
    grant = models.DecimalField(_("资助金额（元）"), max_digits=12, decimal_places=2)
    phase = models.CharField(
        _("阶段"), max_length=10, choices=ProjectPhase.choices, default=ProjectPhase.RUNNING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("创投项目")
        verbose_name_plural = _("创投项目")

    @property
    def contract_state(self) -> str:
        """ "recorded" once its contract is recorded, else "none" (the CONTRACT workflow's state)."""
        return "recorded" if Contract.objects.filter(project_id=self.pk).exists() else "none"


class EvaluationKind(models.TextChoices):
    MIDTERM = "midterm", _("中期评估")
    FINAL = "final", _("结项评估")


class EvaluationStatus(models.TextChoices):
    AWAITING = "awaiting", _("待提交自评报告")
    SUBMITTED = "submitted", _("待专家评审")
    PASSED = "passed", _("评估通过")
    FAILED = "failed", _("评估未通过")


class Evaluation(TimeStampedModel):
    """Mid-term or final: self-report → expert review → public notice."""

    community = community_fk()
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="evaluations"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=EvaluationKind.choices)
    due_on = models.DateField(_("报告截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.AWAITING
    )
    report = models.TextField(_("自评报告"), max_length=4000, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    late = models.BooleanField(_("逾期提交"), default=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审专家"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.CharField(_("评审意见"), max_length=500, blank=True)
    notice_at = models.DateTimeField(_("公示时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目评估")
        verbose_name_plural = _("项目评估")
        constraints = [
            models.UniqueConstraint(fields=["community", "project", "kind"], name="evaluation_once_per_kind")
        ]


class InstalmentGate(models.TextChoices):
    SIGNING = "signing", _("签约后")
    MIDTERM = "midterm", _("中期评估通过后")
    FINAL = "final", _("结项评估通过后")


class Instalment(TimeStampedModel):
    community = community_fk()
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("期次"))
    gate = models.CharField(_("拨付条件"), max_length=10, choices=InstalmentGate.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("拨付人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("拨付期次")
        verbose_name_plural = _("拨付期次")
        ordering = ["project_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["community", "project", "seq"], name="instalment_unique_seq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    @property
    def state(self) -> str:
        return "paid" if self.paid_at else "unpaid"


class FundAccount(LedgerAccount):
    """The treasury (may go negative: it mints), each call's budget, each project's received funds."""

    name = models.CharField(_("账户"), max_length=120)
    call = models.OneToOneField(
        FundingCall, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    project = models.OneToOneField(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )

    class Meta(LedgerAccount.Meta):
        verbose_name = _("资金账户")
        verbose_name_plural = _("资金账户")


class FundEntry(LedgerEntry):
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries")

    class Meta(LedgerEntry.Meta):
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")


class ProjectEvent(AppendOnlyModel):
    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=40)
    subject = models.CharField(_("对象"), max_length=60)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-at", "-id"]


class Bar(TimeStampedModel):
    """An organisation barred from applying for public-benefit funding for a set period after a
    violation (false reports, misused funds, a project abandoned…), decided by a street or district.
    Lifting early keeps the record: who, when and why."""

    region = models.ForeignKey(
        Region, verbose_name=_("决定机关辖区"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("违规情况"), max_length=300)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("提前解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("禁止申报记录")
        verbose_name_plural = _("禁止申报记录")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="projects_bar_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.starts_on}–{self.ends_on}"


# --- an application's budget lines, matched funds and team ---------------------------------------

# At most this many rows of each kind per application (the form and the API refuse more).
MAX_BUDGET_LINES, MAX_FUND_LINES, MAX_TEAM = 30, 10, 30


class BudgetLine(TimeStampedModel):
    """One line of an application's budget (人员费、活动费、物料费…): unit price × quantity. When an
    application has lines, its budget_total is their sum (the service checks it)."""

    community = community_fk()
    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    item = models.CharField(_("预算科目"), max_length=60)
    unit_price = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["application_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "application", "seq"], name="budget_line_unique_seq"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gt=0, quantity__gt=0, amount__gt=0),
                name="budget_line_positive",
            ),
        ]


class MatchedFund(TimeStampedModel):
    """Matched funds (配套资金) of an application: where they come from and how much."""

    community = community_fk()
    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="fund_lines"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    source = models.CharField(_("资金来源"), max_length=60)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("配套资金")
        verbose_name_plural = _("配套资金")
        ordering = ["application_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "application", "seq"], name="matched_fund_unique_seq"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="matched_fund_positive"),
        ]


class TeamMember(TimeStampedModel):
    """A member of the project team named in the application."""

    community = community_fk()
    application = models.ForeignKey(
        Application, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="team"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("姓名"), max_length=30)
    role = models.CharField(_("项目分工"), max_length=40)
    certified = models.BooleanField(_("持证社工"), default=False)

    class Meta:
        verbose_name = _("项目团队成员")
        verbose_name_plural = _("项目团队成员")
        ordering = ["application_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["community", "application", "seq"], name="team_member_unique_seq")
        ]


class Contract(TimeStampedModel):
    """The contract of an approved project, recorded once by the approver (street or district): its
    number, signing date, the parties and the amount (the approved grant). It is not edited once
    recorded: the database keeps one per project and the service refuses a second."""

    community = community_fk()
    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="contract"
    )
    number = models.CharField(_("合同编号"), max_length=40)
    signed_on = models.DateField(_("签订日期"))
    party_region = models.ForeignKey(
        Region, verbose_name=_("甲方（街道或区）"), on_delete=models.PROTECT, related_name="+"
    )
    party_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("乙方（社会组织）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("合同金额（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("项目合同")
        verbose_name_plural = _("项目合同")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="contract_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contract_amount_positive"),
        ]


# --- the households a project serves and their satisfaction, sampled at each evaluation -----------


class Beneficiary(TimeStampedModel):
    """A household of the registry served by a project (entered by the organisation), in the
    community the project serves."""

    community = community_fk()
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="beneficiaries"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("受益户"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("受益户")
        verbose_name_plural = _("受益户")
        ordering = ["project_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "project", "household"], name="beneficiary_once_per_project"
            )
        ]


class SatisfactionSample(TimeStampedModel):
    """A beneficiary household drawn for an evaluation's satisfaction survey, and its one answer
    (1–5; 4 and 5 count as satisfied)."""

    community = community_fk()
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="samples"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name=_("受益户"), on_delete=models.PROTECT, related_name="samples"
    )
    score = models.PositiveSmallIntegerField(_("满意度（1–5）"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("满意度抽样")
        verbose_name_plural = _("满意度抽样")
        ordering = ["evaluation_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "evaluation", "beneficiary"],
                name="satisfaction_one_answer_per_household",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="satisfaction_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary.household.number}: {self.score if self.score else '—'}"
