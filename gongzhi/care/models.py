"""Home-based elderly care: care profiles with emergency contacts (consent recorded), one-key call
devices and their call log, meal points with enrolment and a daily meal log (subsidy by registry
tags), and government-purchased home care (orders to providers, service records confirmed by the
elder or family, monthly statements)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock, pii
from gongzhi.core.fields import community_fk


class CareLevel(models.IntegerChoices):
    SELF = 0, _("能自理")
    MILD = 1, _("轻度失能")
    MODERATE = 2, _("中度失能")
    SEVERE = 3, _("重度失能")


class CareProfile(models.Model):
    community = community_fk()
    person = models.OneToOneField(
        "registry.Person", verbose_name=_("老人"), on_delete=models.PROTECT, related_name="care_profile"
    )
    living_alone = models.BooleanField(_("独居"), default=False)
    care_level = models.PositiveSmallIntegerField(
        _("失能等级"), choices=CareLevel.choices, default=CareLevel.SELF
    )
    assessed_on = models.DateField(_("评估日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("照护档案")
        verbose_name_plural = _("照护档案")


class EmergencyContact(models.Model):
    community = community_fk()
    profile = models.ForeignKey(CareProfile, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20, blank=True)
    phone_encrypted = models.TextField(editable=False)
    phone_tail = models.CharField(max_length=4, editable=False)
    consent_at = models.DateTimeField(_("同意时间"))
    # Who gave consent (the contact in person, by phone, or the elder for them), as said at the time.
    consent_by = models.CharField(_("同意人"), max_length=50, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(pii.decrypt(self.phone_encrypted))


class CallDevice(models.Model):
    community = community_fk()
    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="devices")
    serial = models.CharField(_("设备编号"), max_length=30, unique=True)
    installed_on = models.DateField(_("安装日期"))
    # A device taken back (the elder moved, died, or the device failed) stays with its calls.
    active = models.BooleanField(_("在用"), default=True)
    deactivated_on = models.DateField(_("停用日期"), null=True, blank=True)


class CallOutcome(models.TextChoices):
    PENDING = "pending", _("待处理")
    DEMAND = "demand", _("转紧急诉求")
    VISIT = "visit", _("安排上门探访")
    FALSE_ALARM = "false_alarm", _("误触")


class Call(models.Model):
    community = community_fk()
    device = models.ForeignKey(CallDevice, on_delete=models.PROTECT, related_name="calls")
    at = models.DateTimeField(_("呼叫时间"))
    answered_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        _("处理方式"), max_length=12, choices=CallOutcome.choices, default=CallOutcome.PENDING
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    demand = models.OneToOneField(
        "demands.Demand", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_item = models.OneToOneField(
        "visits.LedgerItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The call platform's own id for the press: a gateway retrying after a timeout sends it again
    # and gets the same call back, never a second one (held by the unique constraint below).
    external_id = models.CharField(_("呼叫平台编号"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "external_id"],
                condition=~Q(external_id=""),
                name="care_call_once_per_platform_id",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(answered_at__isnull=False),
                name="care_call_answered_has_time",
            ),
        ]


WEEKDAYS = (
    ("1", _("周一")),
    ("2", _("周二")),
    ("3", _("周三")),
    ("4", _("周四")),
    ("5", _("周五")),
    ("6", _("周六")),
    ("7", _("周日")),
)


class MealPoint(models.Model):
    community = community_fk()
    name = models.CharField(_("助餐点"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Who runs it (an organisation of the register), when known.
    operator = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("运营机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Meals a day it can serve (null: not recorded yet, for points entered before the field).
    capacity = models.PositiveSmallIntegerField(_("每日供餐能力（份）"), null=True, blank=True)
    # The days of the week it serves meals: ISO weekday digits, 1 = Monday ("12345": Monday to Friday).
    opening_days = models.CharField(_("开放日"), max_length=7, default="12345")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="care_meal_point_unique_name"),
        ]

    @property
    def opening_labels(self) -> list:
        labels = dict(WEEKDAYS)
        return [labels[d] for d in self.opening_days if d in labels]


class MealEnrolment(models.Model):
    community = community_fk()
    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="meal_enrolments")
    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField(_("登记日期"))
    subsidy = models.DecimalField(_("每餐补贴（元）"), max_digits=6, decimal_places=2, default=Decimal("0"))
    subsidy_basis = models.CharField(_("补贴依据"), max_length=30, blank=True)
    # An ended enrolment keeps its meals; the elder may enrol again (a new row) later.
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile"], condition=Q(ended_on__isnull=True), name="care_one_open_enrolment"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("enrolled_on")),
                name="care_enrolment_ends_after_start",
            ),
        ]


class MealLog(models.Model):
    community = community_fk()
    enrolment = models.ForeignKey(MealEnrolment, on_delete=models.PROTECT, related_name="meals")
    day = models.DateField(_("日期"))
    subsidy = models.DecimalField(_("补贴（元）"), max_digits=6, decimal_places=2)
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "day"], name="care_one_meal_a_day")]


class ServiceOrder(models.Model):
    community = community_fk()
    profile = models.ForeignKey(CareProfile, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="care_orders"
    )
    hours_per_month = models.PositiveSmallIntegerField(_("每月服务小时"))
    # The entitlement when the order was placed (care.eligibility): its hours and the rules that held.
    entitled_hours = models.PositiveSmallIntegerField(_("核定每月小时"), default=0)
    basis = models.CharField(_("核定依据"), max_length=120, blank=True)
    # The price per hour of service the government pays the provider (the monthly statement's amount).
    hourly_rate = models.DecimalField(
        _("每小时单价（元）"), max_digits=6, decimal_places=2, default=Decimal("30")
    )
    starts_on = models.DateField(_("开始日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_month__lte=models.F("entitled_hours")),
                name="care_order_within_entitlement",
            ),
        ]

    @property
    def basis_labels(self) -> list:
        from .eligibility import RULE_LABELS

        return [RULE_LABELS.get(c, c) for c in self.basis.split(",") if c]


class ServiceRecord(models.Model):
    community = community_fk()
    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="records")
    at = models.DateTimeField(_("服务时间"))
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    content = models.CharField(_("服务内容"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by_name = models.CharField(_("确认人"), max_length=50, blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=10, minutes__lte=480), name="care_record_minutes"
            ),
        ]
