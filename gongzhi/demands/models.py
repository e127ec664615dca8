"""Demands answered at once (接诉即办): categories, handling units, demands and their timeline.

Every large table carries `community` (the 12-digit code of the community the demand is
about): scoping filters on it and a sharded deployment would distribute by it.

States (DemandState) and the steps between them are in `workflow.py`; every write goes
through `services.py` and leaves a `DemandEvent`.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock, pii
from gongzhi.core.fields import community_fk
from gongzhi.core.models import Department, DepartmentKind, Region

# --------------------------------------------------------------------------- reference data


class HandlingLevel(models.TextChoices):
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区级")
    DEPARTMENT = "department", _("职能部门")


class TimeLimitClass(models.TextChoices):
    """How long a unit has to answer. The amounts are in `calendar.TIME_LIMITS`."""

    URGENT = "urgent", _("紧急（2小时）")
    ORDINARY = "ordinary", _("一般（5个工作日）")
    COMPLEX = "complex", _("复杂（15个工作日）")
    INQUIRY = "inquiry", _("咨询（3个工作日）")


class Category(models.Model):
    """A node of the hotline taxonomy (城乡建设 › 违章建筑…). Leaves carry the routing defaults."""

    code = models.SlugField(_("分类代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_level = models.CharField(
        _("默认承办层级"), max_length=12, choices=HandlingLevel.choices, default=HandlingLevel.COMMUNITY
    )
    department_kind = models.CharField(
        _("默认承办部门类别"),
        max_length=30,
        choices=DepartmentKind.choices,
        blank=True,
        help_text=_("默认承办层级为职能部门时，派往该类别的区级部门。"),
    )
    time_limit = models.CharField(
        _("办理时限"), max_length=10, choices=TimeLimitClass.choices, default=TimeLimitClass.ORDINARY
    )
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(default_level="department") | ~Q(department_kind=""),
                name="category_department_needs_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent is not None else self.name

    @property
    def option_label(self) -> str:
        """房屋漏水 · 一般（5个工作日）: the name and its time limit, for a select."""
        return f"{self.name} · {self.get_time_limit_display()}"


class HolidayCalendar(models.Model):
    """Exceptions to the Monday–Friday week: public holidays (is_workday=False) and make-up
    working days on a weekend (调休, is_workday=True). One row per date; per-year sets are
    loaded by migrations and editable in the admin."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


class HandlingUnit(models.Model):
    """Who handles demands: a community (its residents' committee), a street office, the
    district, or a district department. Derived from core Region / Department."""

    kind = models.CharField(_("类别"), max_length=12, choices=HandlingLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    # The region it serves: the community / street / district itself, or a department's region.
    region = models.ForeignKey(Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    department = models.OneToOneField(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_unit",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("退单争议与延期申请由上级单位决定。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region"],
                condition=Q(department__isnull=True),
                name="handling_unit_unique_region",
            ),
            models.CheckConstraint(
                condition=Q(kind="department", department__isnull=False)
                | (~Q(kind="department") & Q(department__isnull=True)),
                name="handling_unit_department_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id


# --------------------------------------------------------------------------- demands


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345热线")
    WEB = "web", _("网站")
    APP = "app", _("App/小程序")
    WALK_IN = "walk_in", _("来访")
    GRID_VISIT = "grid_visit", _("网格走访")
    OPEN311 = "open311", _("Open311接口")
    # Staff act before anyone asks: a task made from a hot issue (hotissues.py). Not a
    # resident's demand, so it stays out of the three rates (rates.py).
    PROACTIVE = "proactive", _("未诉先办")


class DemandState(models.TextChoices):
    SUBMITTED = "submitted", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    HANDLING = "handling", _("办理中")
    RETURN_PENDING = "return_pending", _("退单待审")
    REPLIED = "replied", _("待回访")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已办结")


OPEN_STATES = (DemandState.DISPATCHED, DemandState.HANDLING, DemandState.RETURN_PENDING)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ResolutionKind(models.TextChoices):
    """Yuhuatai's 622: how a demand was resolved."""

    DELIBERATION = "deliberation", _("社区协商解决")
    SOCIAL_ORG = "social_org", _("社会组织服务")
    REFERRAL = "referral", _("转办职能部门")


def new_tracking_code() -> str:
    """GZ + 10 characters from an alphabet without look-alikes: unguessable, easy to read out."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "GZ" + "".join(secrets.choice(alphabet) for _ in range(10))


class Demand(models.Model):
    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True, default=new_tracking_code)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("诉求内容"), max_length=4000)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    time_limit = models.CharField(_("办理时限"), max_length=10, choices=TimeLimitClass.choices, blank=True)
    # Suggestions from the classifier (classifier.py), shown to the dispatcher.
    suggested_category = models.ForeignKey(
        Category,
        verbose_name=_("建议分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggested_unit = models.ForeignKey(
        "HandlingUnit",
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggestion_score = models.FloatField(_("建议置信度"), null=True, blank=True)
    suggested_unit_score = models.FloatField(_("建议承办单位置信度"), null=True, blank=True)
    # Pre-filled into the dispatch form only when the confidence reaches the threshold that
    # was right at least 90% of the time on held-out history (classifier.py); else only shown.
    prefill_category = models.BooleanField(_("预填建议分类"), default=False)
    prefill_unit = models.BooleanField(_("预填建议承办单位"), default=False)

    # Where.
    community = community_fk()
    estate = models.ForeignKey(
        "registry.Estate",
        verbose_name=_("小区/院落"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    building = models.ForeignKey(
        "registry.Building",
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    # Who.
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands_submitted",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_name_encrypted = models.TextField(blank=True, editable=False)
    contact_phone_encrypted = models.TextField(blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    # Where it is in its life.
    state = models.CharField(
        _("状态"), max_length=16, choices=DemandState.choices, default=DemandState.SUBMITTED
    )
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    return_deadline = models.DateTimeField(_("退单时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    resolution_kind = models.CharField(
        _("解决方式"), max_length=12, choices=ResolutionKind.choices, blank=True
    )
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    remind_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # A demand that was gathered into a proactive task (未诉先办) points at it; a demand
    # belongs to one task at most, so a cluster cannot become a task twice.
    proactive_task = models.ForeignKey(
        "self",
        verbose_name=_("未诉先办任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_demands",
        limit_choices_to={"channel": "proactive"},
    )
    # The client's Idempotency-Key (API) or the page's one-time form token: a repeat of the
    # same key by the same account returns this demand instead of creating another.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    # Not stored: True on the demand demand_create returns for a repeated idempotency key.
    replayed = False

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "created_at"], name="demand_community_created_idx"),
            models.Index(fields=["unit", "state", "due_at"], name="demand_unit_state_due_idx"),
            models.Index(fields=["state", "due_at"], name="demand_state_due_idx"),
            models.Index(fields=["unit", "closed_at"], name="demand_unit_closed_idx"),
            models.Index(fields=["community", "closed_at"], name="demand_community_closed_idx"),
            # The three rates of a whole district for a period: one range scan, index only.
            models.Index(
                fields=["closed_at"],
                include=["unit", "community", "resolved", "satisfaction", "resolution_kind"],
                name="demand_closed_rates_idx",
            ),
            # The few proactive tasks, found without scanning (the rates leave them out).
            models.Index(fields=["community"], condition=Q(channel="proactive"), name="demand_proactive_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="submitted") | Q(unit__isnull=False),
                name="demand_unit_after_dispatch",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction="") | Q(called_back_at__isnull=False),
                name="demand_satisfaction_needs_callback",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="demand_closed_has_time",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False, created_by__isnull=False),
                name="demand_idempotency_key_per_user",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False, created_by__isnull=True),
                name="demand_idempotency_key_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    # Personal data: decrypted only through these, masked by default.
    @property
    def contact_name(self) -> str:
        return pii.decrypt(self.contact_name_encrypted)

    @property
    def contact_phone(self) -> str:
        return pii.decrypt(self.contact_phone_encrypted)

    @property
    def contact_name_masked(self) -> str:
        name = self.contact_name
        return (name[0] + "*" * (len(name) - 1)) if name else ""

    @property
    def contact_phone_masked(self) -> str:
        return pii.mask_phone(self.contact_phone)

    def set_contact(self, *, name: str = "", phone: str = "") -> None:
        self.contact_name_encrypted = pii.encrypt(name)
        self.contact_phone_encrypted = pii.encrypt(phone)
        self.contact_phone_hash = pii.keyed_hash(phone, purpose="phone")

    @property
    def is_proactive(self) -> bool:
        return self.channel == Channel.PROACTIVE

    def is_overdue(self, now=None) -> bool:
        now = now or clock.now()
        if self.due_at is None:
            return False
        if self.state in OPEN_STATES:
            return now > self.due_at
        return bool(self.replied_at and self.replied_at > self.due_at)


PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def demand_photo_path(instance, filename: str) -> str:
    """A random name (nothing to guess from the demand, the time or the resident's file name),
    under a month folder; the extension is kept for the content type."""
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in PHOTO_EXTENSIONS:
        ext = ".jpg"
    return f"demands/{clock.now():%Y/%m}/{secrets.token_urlsafe(24)}{ext}"


class DemandPhoto(models.Model):
    """A photo of a demand. Never public: served by demands.views_photos, which checks that
    the caller may see the demand (see docs/deploy.md for the web server's part)."""

    community = community_fk()
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("照片"), upload_to=demand_photo_path, max_length=200)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")
        ordering = ["id"]

    @property
    def basename(self) -> str:
        return os.path.basename(self.file.name or "")

    @property
    def url(self) -> str:
        """The address for signed-in people who may see the demand."""
        from django.urls import reverse

        return reverse("demands:photo", args=[self.pk, self.basename])

    def signed_url(self) -> str:
        """An address that works without signing in, for a limited time (Open311 media_url,
        given only to a caller who may read the demand in full)."""
        from django.core import signing
        from django.urls import reverse

        token = signing.dumps(self.pk, salt=PHOTO_LINK_SALT)
        return reverse("demands:photo_signed", args=[self.pk, token, self.basename])


PHOTO_LINK_SALT = "gongzhi.demands.photo"


class Assignment(models.Model):
    """One dispatch of a demand to a unit (派单记录). The response rate counts these: a unit
    that returns a demand still answers for having signed it in time or not."""

    class Outcome(models.TextChoices):
        ACTIVE = "active", _("承办中")
        RETURNED = "returned", _("已退回")
        DONE = "done", _("已答复")

    community = community_fk()
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("派单人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sign_deadline = models.DateTimeField(_("签收时限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.ACTIVE)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        ordering = ["dispatched_at", "id"]
        indexes = [
            models.Index(fields=["unit", "dispatched_at"], name="assignment_unit_time_idx"),
            models.Index(fields=["community", "dispatched_at"], name="assignment_community_time_idx"),
            models.Index(
                fields=["dispatched_at"],
                include=["unit", "community", "signed_at", "sign_deadline"],
                name="assignment_rates_idx",
            ),
        ]

    @property
    def signed_in_time(self) -> bool:
        return self.signed_at is not None and self.signed_at <= self.sign_deadline


class EventKind(models.TextChoices):
    CREATED = "created", _("受理")
    CLASSIFIED = "classified", _("分类")
    DISPATCHED = "dispatched", _("派单")
    SIGNED = "signed", _("签收")
    RETURNED = "returned", _("申请退单")
    RETURN_ACCEPTED = "return_accepted", _("同意退单")
    RETURN_REFUSED = "return_refused", _("驳回退单")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("驳回延期")
    REMINDED = "reminded", _("催办")
    SUPERVISED = "supervised", _("督办")
    REPLIED = "replied", _("答复")
    CALLED_BACK = "called_back", _("回访")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("办结")


class DemandEvent(models.Model):
    """The append-only timeline of a demand: who did what, when, from which state to which."""

    community = community_fk()
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("环节"), max_length=24, choices=EventKind.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=DemandState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=DemandState.choices, blank=True)
    unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    # Shown to the resident on the tracking page? Internal steps (e.g. supervision) are not.
    public = models.BooleanField(_("居民可见"), default=True)
    # A public step may still carry a staff note (dispatch instructions, a return reason): the
    # note reaches residents and trackers only when it was written for them (the reply).
    note_public = models.BooleanField(_("说明居民可见"), default=False)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["demand", "at"], name="demand_event_demand_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("demand events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("demand events are append-only")


class RequestState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("已驳回")


class ExtensionRequest(models.Model):
    community = community_fk()
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("延期理由"), max_length=1000)
    working_days = models.PositiveSmallIntegerField(_("延期工作日"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    new_due_at = models.DateTimeField(_("延期后时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand"], condition=Q(state="pending"), name="extension_one_pending_per_demand"
            ),
            models.CheckConstraint(
                condition=Q(working_days__gte=1, working_days__lte=30), name="extension_days_range"
            ),
        ]


class ReturnRequest(models.Model):
    """A unit's return (退单) of a demand, with its reason; decided one level up."""

    community = community_fk()
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="return_requests"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("退单单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("退单理由"), max_length=1000)
    suggested_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    from_state = models.CharField(_("退单前状态"), max_length=16, choices=DemandState.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("退单申请")
        verbose_name_plural = _("退单申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand"], condition=Q(state="pending"), name="return_one_pending_per_demand"
            ),
        ]


class Notification(models.Model):
    """An in-app message to a user about a demand (email/SMS go through notifications.py)."""

    community = community_fk()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="demand_notifications",
    )
    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("环节"), max_length=24, choices=EventKind.choices)
    message = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_idx")]


from .models_rates import RatesMonth, RatesMonthState  # noqa: E402, F401 - the rates' rollup tables
