"""Work admission (社区工作准入、费随事转): the district's lists, departments' applications, the admitted
catalogue (approved applications), the community's inbox of tasks, funds and hours that follow them.

Applications and decisions are append-only events; nothing here is deleted (PROTECT everywhere).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk
from gongzhi.core.ledger import LedgerAccount, LedgerEntry


class ListKind(models.TextChoices):
    DUTY = "duty", _("依法履职事项")
    ASSIST = "assist", _("协助政府工作事项")
    NEGATIVE = "negative", _("负面清单")
    CERTIFICATE = "certificate", _("出具证明事项")


class ListVersion(models.Model):
    """One version of a district's four lists. A draft is edited (items imported); once published it
    never changes, and the newest published version is the one in force."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    region = models.ForeignKey(
        "core.Region", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("版本号"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")
        ordering = ["region_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="admission_list_version_unique"),
            # At most one draft per district: a second editor works on the same draft.
            models.UniqueConstraint(
                fields=["region"], condition=Q(state="draft"), name="admission_one_draft_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} v{self.number}"


class ListItem(models.Model):
    version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("清单类别"), max_length=12, choices=ListKind.choices)
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("事项名称"), max_length=200)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # For a certificate kind only: the text printed, with placeholders the register fills.
    template = models.TextField(_("证明模板"), blank=True, default="")
    # For a duty or an assisting duty: the platform's own work it covers (keys the apps declare in
    # their manifests' `community_work`, comma-separated): such work reaches a community admitted.
    platform_work = models.CharField(_("对应平台工作"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["version_id", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="admission_list_item_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def work_labels(self) -> list:
        """The platform's work this duty covers, by its labels (unknown keys as they are)."""
        from gongzhi.core.manifests import community_work

        from .platform_work import work_keys

        labels = community_work()
        return [labels.get(k, k) for k in work_keys(self.platform_work)]


class ApplicationKind(models.TextChoices):
    TASK = "task", _("工作任务")
    PLAQUE = "plaque", _("挂牌")
    ASSESSMENT = "assessment", _("考核评比")
    TRAINING = "training", _("培训")
    SURVEY = "survey", _("调查")
    FORM = "form", _("统计报表")
    LEDGER = "ledger", _("台账")
    CAMPAIGN = "campaign", _("创建达标活动")


# Kinds whose application defines a statistical form's fields (一表通: filled from the records).
FORM_KINDS = ("form", "ledger", "survey")


class ReportEvery(models.TextChoices):
    ONCE = "once", _("报送一次")
    MONTH = "month", _("每月报送")
    QUARTER = "quarter", _("每季度报送")
    YEAR = "year", _("每年报送")


class Application(models.Model):
    """A department's written request to put something into communities (准入申请)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        UNDER_REVIEW = "under_review", _("审核中")
        CHANGES_REQUESTED = "changes_requested", _("退回修改")
        APPROVED = "approved", _("已准入")
        REFUSED = "refused", _("不予准入")
        WITHDRAWN = "withdrawn", _("已撤出")

    region = models.ForeignKey(
        "core.Region", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ApplicationKind.choices)
    title = models.CharField(_("事项名称"), max_length=200)
    description = models.TextField(_("工作内容"), blank=True)
    communities = models.JSONField(_("涉及社区"), default=list)  # region codes
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    hours_per_community = models.DecimalField(_("每社区工作量（小时）"), max_digits=8, decimal_places=1)
    funding_per_community = models.DecimalField(_("每社区经费（元）"), max_digits=12, decimal_places=2)
    materials = models.CharField(_("随事转移的物资"), max_length=300, blank=True)
    legal_basis = models.CharField(_("法律政策依据"), max_length=300)
    list_item = models.ForeignKey(
        ListItem,
        verbose_name=_("对应清单事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 一表通: the form's fields, [{"name", "figure" (a figure key, "" = typed by the community),
    # "unit"}]; a field whose figure exists is filled from the records, never typed.
    form_fields = models.JSONField(_("报表字段"), default=list, blank=True)
    report_every = models.CharField(
        _("报送频次"), max_length=8, choices=ReportEvery.choices, default=ReportEvery.ONCE
    )
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_due = models.DateTimeField(_("审核期限"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.CharField(_("决定理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("准入申请")
        verbose_name_plural = _("准入申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="admission_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_community__gte=0) & Q(funding_per_community__gte=0),
                name="admission_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def funding_total(self):
        return self.funding_per_community * len(self.communities or [])


class ApplicationEvent(AppendOnlyModel):
    """What happened to an application, when and by whom. The catalogue's history is read from here."""

    class Kind(models.TextChoices):
        CREATED = "created", _("起草")
        EDITED = "edited", _("修改")
        SUBMITTED = "submitted", _("提交审核")
        CHANGES_REQUESTED = "changes_requested", _("退回修改")
        APPROVED = "approved", _("批准准入")
        REFUSED = "refused", _("不予准入")
        WITHDRAWN = "withdrawn", _("撤出目录")
        WITHDRAWN_UNIT = "withdrawn_unit", _("从社区撤出")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("申请事件")
        verbose_name_plural = _("申请事件")
        ordering = ["at", "id"]


class InboxTask(models.Model):
    """A task as it reaches one community: admitted (linked to an approved application) or not."""

    class Source(models.TextChoices):
        DEPARTMENT = "department", _("部门")
        STREET = "street", _("街道")
        PLATFORM = "platform", _("平台")

    class State(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤出")

    community = community_fk()
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sender = models.CharField(_("交办单位"), max_length=100)
    title = models.CharField(_("任务"), max_length=200)
    application = models.ForeignKey(
        Application,
        verbose_name=_("准入事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    # The platform's own work (source "platform"): the listed duty that admits it, if the district's
    # list in force names the work; what work it is (app key and object, one task per object) and
    # where it is done.
    list_item = models.ForeignKey(
        ListItem,
        verbose_name=_("清单事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    work_key = models.CharField(_("平台工作"), max_length=60, blank=True, default="")
    work_ref = models.CharField(max_length=120, blank=True, default="")
    link = models.CharField(_("办理页面"), max_length=200, blank=True, default="")
    deadline = models.DateField(_("完成期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    hours_spent = models.DecimalField(_("已用工时"), max_digits=8, decimal_places=1, default=0)
    received_at = models.DateTimeField(_("收到时间"), default=clock.now)
    refused_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refusal_rule = models.CharField(_("拒绝依据"), max_length=300, blank=True)
    withdrawal_reason = models.CharField(_("撤出理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("社区收到的任务")
        verbose_name_plural = _("社区收到的任务")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_spent__gte=0), name="admission_task_hours_not_negative"),
            models.CheckConstraint(
                condition=~Q(state="refused") | Q(application__isnull=True, list_item__isnull=True),
                name="admission_only_unadmitted_refused",
            ),
            models.CheckConstraint(
                condition=Q(list_item__isnull=True) | Q(application__isnull=True),
                name="admission_task_one_admission",
            ),
            models.UniqueConstraint(
                fields=["community", "work_ref"],
                condition=~Q(work_ref=""),
                name="admission_task_one_per_work",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def admitted(self) -> bool:
        return self.application_id is not None or self.list_item_id is not None


# Admitted: through an approved application, or as the platform's work under a listed duty.
ADMITTED = Q(application__isnull=False) | Q(list_item__isnull=False)


class TaskEvent(AppendOnlyModel):
    class Kind(models.TextChoices):
        RECEIVED = "received", _("收到")
        ADMITTED = "admitted", _("依清单准入")
        REFUSED = "refused", _("拒绝（未准入）")
        HOURS = "hours", _("登记工时")
        REPORTED = "reported", _("报送报表")
        DONE = "done", _("完成")
        WITHDRAWN = "withdrawn", _("撤出")

    task = models.ForeignKey(InboxTask, on_delete=models.PROTECT, related_name="events")
    community = community_fk()
    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    hours = models.DecimalField(_("工时"), max_digits=8, decimal_places=1, default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]


class FundAccount(LedgerAccount):
    """Funds per department (the source; may go negative: it is money sent out) and per admitted task
    and community (what the community received for it)."""

    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = community_fk(null=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="fund_accounts"
    )

    class Meta(LedgerAccount.Meta):
        verbose_name = _("经费账户")
        verbose_name_plural = _("经费账户")
        constraints = [
            *LedgerAccount.Meta.constraints,
            models.UniqueConstraint(
                fields=["application", "community"], name="admission_one_fund_account_per_task_community"
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(application__isnull=True),
                name="admission_one_source_account_per_department",
            ),
        ]


class FundEntry(LedgerEntry):
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries")


class Certificate(AppendOnlyModel):
    """A certificate a community issued (出具证明): only listed kinds, its text filled from the register
    and kept as issued, found again by its verification code."""

    community = community_fk()
    kind = models.CharField(_("证明类别"), max_length=20)
    kind_title = models.CharField(_("证明名称"), max_length=200)
    list_version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    holder_masked = models.CharField(_("持证人"), max_length=50)
    body = models.TextField(_("证明内容"))
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("出具时间"), default=clock.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose_note = models.CharField(_("用途"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社区证明")
        verbose_name_plural = _("社区证明")
        ordering = ["-issued_at", "-id"]


class Withdrawal(AppendOnlyModel):
    """An admitted item taken out of the catalogue: everywhere (`unit_code` empty) or from one
    community (`unit_code` = its code), by the joint office or automatically after a poor evaluation
    (`by` empty, `source` names the survey). Once per item and unit: the database keeps it idempotent."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="withdrawals")
    unit_code = models.CharField(_("撤出范围"), max_length=12, blank=True)  # "" = the whole item
    reason = models.CharField(_("撤出理由"), max_length=500)
    source = models.CharField(_("依据"), max_length=80)  # "review" or "evaluation:<survey>:<question>"
    data = models.JSONField(default=dict, blank=True)  # the figures behind an automatic withdrawal
    at = models.DateTimeField(_("时间"), default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("撤出记录")
        verbose_name_plural = _("撤出记录")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "unit_code"], name="admission_withdrawn_once")
        ]

    @property
    def automatic(self) -> bool:
        return self.source.startswith("evaluation:")


class FormReport(AppendOnlyModel):
    """A community's return of an admitted statistical form for one period (一表通): the fields
    filled from the records (with the figure they came from) and the ones it typed, kept as sent.
    One per task and period: the community fills a form once."""

    community = community_fk()
    task = models.ForeignKey(InboxTask, on_delete=models.PROTECT, related_name="reports")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reports")
    period = models.CharField(_("报送期"), max_length=10)
    values = models.JSONField(_("填报内容"), default=list)  # [{"name","unit","value","source","figure"}]
    from_records = models.PositiveSmallIntegerField(_("自动生成字段数"), default=0)
    typed = models.PositiveSmallIntegerField(_("手工填写字段数"), default=0)
    submitted_at = models.DateTimeField(_("报送时间"), default=clock.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报表填报")
        verbose_name_plural = _("报表填报")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "task", "period"], name="admission_report_once_per_period"
            )
        ]
