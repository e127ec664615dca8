"""Volunteers (志愿者), teams, activities with shifts, sign-ups, check-ins and service hours;
points (积分) and the time bank (时间银行) on the core ledger base.

What the database itself guarantees:
- one volunteer per registry person;
- a shift never holds more confirmed sign-ups than places (`taken <= places`, moved by a
  conditional UPDATE), and one volunteer signs up once per shift (partial unique index);
- one volunteer is never booked on two overlapping shifts (PostgreSQL exclusion constraint,
  migration 0002; elsewhere the volunteer's row lock serialises the check);
- one check-in per sign-up; hours are append-only records (corrections are new records);
- a redemption item's stock never goes below zero; ledgers sum to zero (core.ledger).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk
from gongzhi.core.ledger import LedgerAccount, LedgerEntry


class Team(models.Model):
    community = community_fk()
    name = models.CharField(_("队伍名称"), max_length=60)
    sponsor = models.CharField(_("所属单位或组织"), max_length=100, blank=True)
    leader = models.ForeignKey(
        "Volunteer",
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    created_at = models.DateTimeField(_("成立时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="volunteers_team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    class Channel(models.TextChoices):
        SELF = "self", _("本人手机注册")
        STAFF = "staff", _("工作人员登记")

    class Check(models.TextChoices):
        NONE = "none", _("未审查")
        PASSED = "passed", _("已通过")

    community = community_fk()
    person = models.OneToOneField(
        "registry.Person", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="volunteer"
    )
    name = models.CharField(_("姓名"), max_length=50)
    team = models.ForeignKey(
        Team,
        verbose_name=_("志愿服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=100, blank=True)
    background_check = models.CharField(
        _("背景审查"), max_length=10, choices=Check.choices, default=Check.NONE
    )
    channel = models.CharField(_("登记方式"), max_length=10, choices=Channel.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("注册时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["community_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    community = community_fk()
    team = models.ForeignKey(
        Team,
        verbose_name=_("志愿服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), max_length=2000, blank=True)
    place = models.CharField(_("地点"), max_length=100)
    skills = models.CharField(_("所需技能"), max_length=100, blank=True)
    needs_background_check = models.BooleanField(_("需背景审查"), default=False)
    serves = models.CharField(_("服务对象或关联事项"), max_length=100, blank=True)
    coefficient = models.DecimalField(
        _("积分系数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("每确认1小时服务计 10 × 系数 积分"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), default=clock.now)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(coefficient__gt=0) & Q(coefficient__lte=5), name="volunteers_activity_coefficient"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    community = community_fk()
    activity = models.ForeignKey(
        Activity, verbose_name=_("志愿活动"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    places = models.PositiveIntegerField(_("需要人数"))
    taken = models.PositiveIntegerField(_("已报名"), default=0, editable=False)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("places")), name="volunteers_shift_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="volunteers_shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="volunteers_shift_places_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.starts_at:%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已报名")
        WAITING = "waiting", _("候补")
        CANCELLED = "cancelled", _("已取消")

    community = community_fk()
    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    # Copied from the shift so that the database can refuse overlapping bookings of one volunteer.
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    created_at = models.DateTimeField(_("报名时间"), default=clock.now)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="cancelled"),
                name="volunteers_signup_once_per_shift",
            )
        ]


class CheckIn(models.Model):
    """Self check-in and check-out by the activity's rotating code: one per sign-up."""

    community = community_fk()
    signup = models.OneToOneField(SignUp, on_delete=models.CASCADE, related_name="checkin")
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)


class HourRecord(AppendOnlyModel):
    """Service hours, written once. Self check-in (信用时长), staff entry (补录) and corrections
    (更正, signed, with a reason) are kept apart by `source`."""

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("扫码签到")
        STAFF = "staff", _("工作人员补录")
        CORRECTION = "correction", _("更正")

    community = community_fk()
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="hours"
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("志愿活动"), on_delete=models.PROTECT, related_name="hours"
    )
    signup = models.ForeignKey(SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="hours")
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=2)
    served_on = models.DateField(_("服务日期"))
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        verbose_name = _("服务时长记录")
        verbose_name_plural = _("服务时长记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "served_on"], name="volunteers_hours_month_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(hours=0), name="volunteers_hours_not_zero"),
            models.CheckConstraint(
                condition=Q(source="correction") | Q(hours__gt=0),
                name="volunteers_hours_positive_unless_correction",
            ),
            models.UniqueConstraint(
                fields=["signup"], condition=Q(source="checkin"), name="volunteers_hours_one_checkin_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.name} · {self.activity.title} · {self.served_on} · {self.hours}h"


# Points (积分) -----------------------------------------------------------------------------------


class PointAccount(LedgerAccount):
    """A volunteer's points, or (volunteer empty, allowed below zero) the community's issuing account."""

    community = community_fk()
    volunteer = models.OneToOneField(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="point_account"
    )

    class Meta(LedgerAccount.Meta):
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            *LedgerAccount.Meta.constraints,
            models.UniqueConstraint(
                fields=["community"], condition=Q(volunteer__isnull=True), name="volunteers_one_point_issuer"
            ),
        ]


class PointEntry(LedgerEntry):
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} · {self.reason} · {self.amount}"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        # A statement (newest first) is one index range scan, not a sort of the account's entries.
        indexes = [models.Index(fields=["account", "-at", "-id"], name="volunteers_point_statement_idx")]


class RewardItem(models.Model):
    community = community_fk()
    name = models.CharField(_("物品或服务"), max_length=60)
    donor = models.CharField(_("捐赠单位"), max_length=60, blank=True)
    cost = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"))

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["cost", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="volunteers_reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=1), name="volunteers_reward_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(AppendOnlyModel):
    community = community_fk()
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, related_name="redemptions")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("积分"))
    code = models.CharField(_("兑换码"), max_length=12, unique=True)
    at = models.DateTimeField(_("兑换时间"), default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-at", "-id"]


class PointRule(models.Model):
    """A configured way of earning points besides service hours: attending a deliberation meeting
    (参加议事协商会议), a residents' assembly, a training… a fixed number of points per occasion."""

    community = community_fk()
    name = models.CharField(_("积分项目"), max_length=60)
    points = models.PositiveIntegerField(_("每次积分"))
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("积分项目")
        verbose_name_plural = _("积分项目")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="volunteers_pointrule_unique_name"),
            models.CheckConstraint(
                condition=Q(points__gte=1) & Q(points__lte=1000), name="volunteers_pointrule_points"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointAward(AppendOnlyModel):
    """Points of a rule given to one volunteer for one occasion — once: the database refuses a
    second award of the same rule, occasion and volunteer (entering a sign-in sheet twice is safe)."""

    community = community_fk()
    rule = models.ForeignKey(
        PointRule, verbose_name=_("积分项目"), on_delete=models.PROTECT, related_name="awards"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="point_awards")
    occasion = models.CharField(_("场次"), max_length=100)
    on = models.DateField(_("日期"))
    points = models.PositiveIntegerField(_("积分"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("积分奖励")
        verbose_name_plural = _("积分奖励")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "occasion", "volunteer"], name="volunteers_pointaward_once"
            )
        ]


# Time bank (时间银行) ----------------------------------------------------------------------------


class TimeAccount(LedgerAccount):
    """A member's stored hours (never below zero: hours are stored by serving before they are
    used), or (person empty) the community pool that serves elderly people without family.
    Hours are valid in every community of the district."""

    community = community_fk()
    person = models.OneToOneField(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="time_account"
    )

    class Meta(LedgerAccount.Meta):
        verbose_name = _("时间银行账户")
        verbose_name_plural = _("时间银行账户")
        constraints = [
            *LedgerAccount.Meta.constraints,
            models.UniqueConstraint(
                fields=["community"], condition=Q(person__isnull=True), name="volunteers_one_time_pool"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name if self.person is not None else '社区时间池'} · {self.balance}h"


class TimeEntry(LedgerEntry):
    account = models.ForeignKey(TimeAccount, on_delete=models.PROTECT, related_name="entries")

    class Meta(LedgerEntry.Meta):
        verbose_name = _("时间银行流水")
        verbose_name_plural = _("时间银行流水")
        indexes = [models.Index(fields=["account", "-at", "-id"], name="volunteers_time_statement_idx")]


class TimePost(models.Model):
    class Kind(models.TextChoices):
        OFFER = "offer", _("我能提供")
        REQUEST = "request", _("我需要")

    community = community_fk()
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("内容"), max_length=100)
    open = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("发布时间"), default=clock.now)

    class Meta:
        verbose_name = _("时间银行供需")
        verbose_name_plural = _("时间银行供需")
        ordering = ["-created_at", "-id"]


class TimeService(models.Model):
    """A service between two members, recorded by the provider and confirmed by the one served
    (or a member of their household); the pool pays for elderly people without family, confirmed
    by staff."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")

    community = community_fk()
    provider = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    served = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    from_pool = models.BooleanField(_("由社区时间池支付"), default=False)
    post = models.ForeignKey(
        TimePost, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    description = models.CharField(_("服务内容"), max_length=200)
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=2)
    served_on = models.DateField(_("服务日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("时间银行服务")
        verbose_name_plural = _("时间银行服务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=8), name="volunteers_timeservice_hours"
            ),
            models.CheckConstraint(
                condition=~Q(provider=F("served")), name="volunteers_timeservice_two_people"
            ),
        ]


# Micro-wishes (微心愿) and in-service party members (在职党员报到) --------------------------------------


class MicroWish(models.Model):
    """A small wish of a resident in need, published without personal details (the beneficiary is
    kept for staff and for the household's confirmation only)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("待社区审核")
        POSTED = "posted", _("待认领")
        CLAIMED = "claimed", _("已认领")
        FULFILLED = "fulfilled", _("已送达")
        CONFIRMED = "confirmed", _("已确认")
        WITHDRAWN = "withdrawn", _("已撤回")
        DECLINED = "declined", _("未采纳")

    community = community_fk()
    title = models.CharField(_("心愿"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    beneficiary = models.ForeignKey(
        "registry.Person", verbose_name=_("心愿人"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("困难类别"), max_length=30, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.POSTED)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(_("发布时间"), default=clock.now)
    # A wish a resident asked for themselves: when they asked, and why the community declined it.
    requested_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    decline_reason = models.CharField(_("未采纳原因"), max_length=200, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimant = models.CharField(_("认领人或单位"), max_length=60, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("须在此前送达"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="volunteers_wish_due_idx")]

    def __str__(self) -> str:
        return self.title


class WishEvent(AppendOnlyModel):
    community = community_fk()
    wish = models.ForeignKey(MicroWish, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10)
    to_state = models.CharField(max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class PartyMember(models.Model):
    """An in-service party member registered with the community where they live (在职党员报到)."""

    class Post(models.TextChoices):
        STAIRWELL = "stairwell", _("楼道长")
        PATROL = "patrol", _("治安巡逻")
        MEDIATION = "mediation", _("矛盾调解")
        WISHES = "wishes", _("微心愿认领")
        CIVILITY = "civility", _("文明劝导")

    community = community_fk()
    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, related_name="party_registration"
    )
    name = models.CharField(_("姓名"), max_length=50)
    employer = models.CharField(_("工作单位"), max_length=100)
    posts = models.CharField(_("认领岗位"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("报到时间"), default=clock.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("在职党员报到")
        verbose_name_plural = _("在职党员报到")
        ordering = ["community_id", "employer", "name"]

    def __str__(self) -> str:
        return f"{self.name} · {self.employer}"

    @property
    def post_labels(self) -> list[str]:
        labels = dict(self.Post.choices)
        return [str(labels[p]) for p in self.posts.split(",") if p in labels]


# Service-record certificates (志愿服务记录证明) --------------------------------------------------------


class Certificate(models.Model):
    """A service-record certificate (志愿服务记录证明, 民政部令第67号: whoever records the hours
    certifies them): the hours recorded in the issuer's communities over a period, frozen as issued,
    found again by its verification code on the public page. Revoked, never deleted or edited."""

    community = community_fk()
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    holder = models.CharField(_("志愿者姓名"), max_length=50)
    holder_masked = models.CharField(_("持证人"), max_length=50)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=30, blank=True)
    period_start = models.DateField(_("服务起始日期"))
    period_end = models.DateField(_("服务截止日期"))
    hours = models.DecimalField(_("累计服务时长（小时）"), max_digits=8, decimal_places=2)
    hours_checkin = models.DecimalField(_("扫码签到时长"), max_digits=8, decimal_places=2)
    hours_staff = models.DecimalField(_("补录及更正时长"), max_digits=8, decimal_places=2)
    records = models.PositiveIntegerField(_("服务记录条数"))
    activities = models.PositiveIntegerField(_("参加活动数"))
    issuer = models.CharField(_("出具单位"), max_length=200)
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("出具时间"), default=clock.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="volunteers_certificate_period"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="volunteers_certificate_hours_positive"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="volunteers_certificate_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_masked} · {self.hours}h · {self.code}"

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class ShiftReminder(models.Model):
    """A reminder before a shift, one per sign-up (the database refuses a second): in the app on
    the volunteer's page, and through the platform's message backends (SMS, e-mail)."""

    community = community_fk()
    signup = models.OneToOneField(SignUp, on_delete=models.CASCADE, related_name="reminder")
    text = models.CharField(_("提醒内容"), max_length=300)
    to = models.CharField(_("发送至"), max_length=40, blank=True)  # masked phone, or empty (in-app only)
    created_at = models.DateTimeField(_("提醒时间"), default=clock.now)
    delivered_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.CharField(_("发送失败原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("班次提醒")
        verbose_name_plural = _("班次提醒")
        ordering = ["-created_at", "-id"]
