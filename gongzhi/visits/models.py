"""Grid work: who covers which household (包片联户), monthly visit plans, the visit diary
(走访日记) with the household's confirmation, and the public-sentiment ledger (民情台账).

The database holds the guarantees: a household has at most one covering worker, a visit's
client-generated id is unique (a replayed offline upload finds the first visit), a
household's one-time confirmation code confirms at most one visit (one-to-one), and a visit's
times are in order: visited ≤ captured on the phone ≤ recorded (uploaded).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk


class Coverage(models.Model):
    """One household covered by one worker (包片联户)."""

    community = community_fk()
    household = models.OneToOneField(
        "registry.Household", verbose_name=_("户"), on_delete=models.CASCADE, related_name="coverage"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("包户人员"), on_delete=models.PROTECT, related_name="covered"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("分配时间"), default=clock.now)

    class Meta:
        verbose_name = _("包户关系")
        verbose_name_plural = _("包户关系")
        indexes = [models.Index(fields=["community", "worker"], name="visits_cov_worker")]


class VisitPlan(models.Model):
    """A worker's visits for one month (the first day of the month)."""

    community = community_fk()
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_plans")
    month = models.DateField(_("月份"))
    minimum = models.PositiveSmallIntegerField(_("每月至少走访户数"), default=30)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "worker", "month"], name="visits_plan_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="visits_plan_month_first_day"),
        ]


class PlanItem(models.Model):
    class Reason(models.TextChoices):
        OPEN_ITEMS = "open_items", _("有未办结事项或近期诉求")
        VULNERABLE = "vulnerable", _("重点人群定期走访")
        LONGEST = "longest", _("最久未走访")

    community = community_fk()
    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="items")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("顺序"))
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    due = models.DateField(_("应访日期"))
    last_visit = models.DateField(_("上次走访"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "household"], name="visits_planitem_once"),
        ]


class ConfirmationCode(models.Model):
    """A one-time code shown to the household (on its phone or a slip) to confirm a visit."""

    community = community_fk()
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=6)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["household", "code"], name="visits_code_lookup")]


class Visit(AppendOnlyModel):
    """One household visit (走访日记). Append-only: a diary is not edited afterwards."""

    community = community_fk()
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="visits"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_at = models.DateTimeField(_("走访时间"))
    recorded_at = models.DateTimeField(_("登记时间"), default=clock.now)
    met = models.CharField(_("见到"), max_length=50)
    situation = models.TextField(_("走访情况"), max_length=2000)
    raised = models.TextField(_("反映的问题"), max_length=2000, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("距楼栋（米）"), null=True, blank=True)
    far_away = models.BooleanField(_("远离楼栋"), default=False)
    confirmation = models.OneToOneField(
        ConfirmationCode, null=True, blank=True, on_delete=models.PROTECT, related_name="visit"
    )
    client_uuid = models.UUIDField(_("离线记录编号"), null=True, blank=True, unique=True)
    offline = models.BooleanField(_("离线登记"), default=False)
    # An offline capture: when the phone recorded it (the one-day window runs from here), and
    # whether it was uploaded more than a day after the visit (accepted, shown to the head).
    captured_at = models.DateTimeField(_("手机登记时间"), null=True, blank=True)
    late_upload = models.BooleanField(_("离线逾期补传"), default=False)

    # Set by services.visit_record (True when a repeated upload returns the first visit); not a field.
    replayed: bool

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["household", "visited_at"], name="visits_visit_hh"),
            models.Index(fields=["community", "worker", "visited_at"], name="visits_visit_worker"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_at__gte=models.F("visited_at")), name="visits_not_future"
            ),
            models.CheckConstraint(
                condition=Q(captured_at__isnull=True)
                | Q(captured_at__gte=models.F("visited_at"), captured_at__lte=models.F("recorded_at")),
                name="visits_captured_between",
            ),
            models.CheckConstraint(
                condition=Q(late_upload=False) | Q(offline=True, captured_at__isnull=False),
                name="visits_late_upload_offline",
            ),
        ]


class VisitPhoto(models.Model):
    community = community_fk()
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="visits/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True)
    reused = models.BooleanField(_("照片重复使用"), default=False)


class Category(models.TextChoices):
    LIVELIHOOD = "livelihood", _("民生保障")
    ENVIRONMENT = "environment", _("环境卫生")
    SAFETY = "safety", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    PROPERTY = "property", _("物业管理")
    ELDERLY = "elderly", _("养老助残")
    SUGGESTION = "suggestion", _("意见建议")
    OTHER = "other", _("其他")


class ItemState(models.TextChoices):
    OPEN = "open", _("办理中")
    ANSWERED = "answered", _("已答复")
    DEMAND = "demand", _("已转诉求")
    TOPIC = "topic", _("已转议题")


class LedgerItem(models.Model):
    """A thing raised by a resident (民情台账): an owner and a deadline until it is answered,
    or turned into a demand or a deliberation topic."""

    community = community_fk()
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_items"
    )
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    title = models.CharField(_("事项"), max_length=100)
    detail = models.TextField(_("详细情况"), max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="ledger_items",
    )
    deadline = models.DateField(_("办理期限"))
    state = models.CharField(_("状态"), max_length=10, choices=ItemState.choices, default=ItemState.OPEN)
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    on_the_spot = models.BooleanField(_("当场答复"), default=False)
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_item"
    )
    topic_ref = models.CharField(_("议题编号"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("民情台账事项")
        verbose_name_plural = _("民情台账事项")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["community", "state", "deadline"], name="visits_item_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="demand") | Q(demand__isnull=False), name="visits_item_demand_linked"
            ),
        ]


class ItemEvent(AppendOnlyModel):
    class Action(models.TextChoices):
        OPENED = "opened", _("登记")
        ANSWERED = "answered", _("答复")
        TO_DEMAND = "to_demand", _("转为诉求")
        TO_TOPIC = "to_topic", _("转为议题")

    community = community_fk()
    item = models.ForeignKey(LedgerItem, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)
    note = models.CharField(max_length=200, blank=True)


# ---- old courtyards without property management (老旧院落) ---------------------------------


class InspectionItem(models.TextChoices):
    PIPES = "pipes", _("管网")
    FIRE = "fire", _("消防安全")
    WASTE = "waste", _("垃圾清运")
    LIGHTING = "lighting", _("照明")
    STRUCTURE = "structure", _("房屋安全")


class Responsibility(models.TextChoices):
    DISTRICT = "district", _("区级建设改造")
    COMMUNITY = "community", _("社区巡查处置")
    STREET = "street", _("街道维护管理")


class CourtyardInspection(models.Model):
    community = community_fk()
    estate = models.ForeignKey(
        "registry.Estate", verbose_name=_("院落"), on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField(_("应巡查日期"))
    done_at = models.DateTimeField(_("巡查时间"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("巡查情况"), max_length=500, blank=True)
    # What to inspect (InspectionItem values, comma-separated); empty: every item.
    items = models.CharField(_("巡查项目"), max_length=80, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due"]
        constraints = [models.UniqueConstraint(fields=["estate", "due"], name="visits_inspection_once_a_day")]

    @property
    def item_labels(self) -> list:
        labels = dict(InspectionItem.choices)
        codes = [c for c in self.items.split(",") if c] or list(labels)
        return [labels.get(c, c) for c in codes]


class Finding(models.Model):
    community = community_fk()
    inspection = models.ForeignKey(CourtyardInspection, on_delete=models.PROTECT, related_name="findings")
    item = models.CharField(_("巡查项目"), max_length=10, choices=InspectionItem.choices)
    description = models.CharField(_("问题描述"), max_length=300)
    photo = models.FileField(_("照片"), upload_to="courtyards/%Y/%m/", blank=True)
    responsible = models.CharField(_("责任方"), max_length=10, choices=Responsibility.choices)
    deadline = models.DateField(_("整改期限"))
    resolved_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "id"]


class QuasiService(models.TextChoices):
    CLEANING = "cleaning", _("保洁")
    SECURITY = "security", _("门卫安保")
    GREENING = "greening", _("绿化")
    REPAIRS = "repairs", _("维修")


class QuasiPropertyArrangement(models.Model):
    """准物业: who provides the basic services of a courtyard without a property company — an
    organisation of the register or a named provider (the residents' self-management group, say) —
    which services, the fee per household and month if any, from when to when. One estate has at
    most one arrangement at a time (courtyards.arrangement_record refuses overlaps, under a lock
    on the estate)."""

    community = community_fk()
    estate = models.ForeignKey(
        "registry.Estate", verbose_name=_("院落"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("服务组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_name = models.CharField(_("服务提供方"), max_length=60, blank=True)
    services = models.CharField(_("服务内容"), max_length=60)
    fee = models.DecimalField(_("每户每月收费（元）"), max_digits=7, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("准物业安排")
        verbose_name_plural = _("准物业安排")
        ordering = ["estate_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="visits_quasi_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False, provider_name="")
                | Q(organization__isnull=True) & ~Q(provider_name=""),
                name="visits_quasi_one_provider",
            ),
            models.CheckConstraint(
                condition=Q(fee__isnull=True) | Q(fee__gte=0), name="visits_quasi_fee_not_negative"
            ),
        ]

    @property
    def provider(self) -> str:
        return self.organization.name if self.organization is not None else self.provider_name

    @property
    def service_labels(self) -> list:
        labels = dict(QuasiService.choices)
        return [labels.get(c, c) for c in self.services.split(",") if c]
