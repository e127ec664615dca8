"""Organisations a role can be scoped to: social organisations, units based in the area,
property companies and owners' committees."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk
from gongzhi.core.models import Region, TimeStampedModel


class OrganizationKind(models.TextChoices):
    SOCIAL_ORGANIZATION = "social_org", _("社会组织")
    COMMUNITY_SOCIAL_ORGANIZATION = "community_social_org", _("社区社会组织")
    RESIDENT_UNIT = "resident_unit", _("驻区单位")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")


class Organization(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=30, choices=OrganizationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # The region it works in: a community for most, a street or district for larger ones.
    region = models.ForeignKey(Region, verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Registration(models.TextChoices):
    REGISTERED = "registered", _("登记")
    FILED = "filed", _("备案")


class ServiceField(models.TextChoices):
    ELDERLY = "elderly", _("养老服务")
    CHILDREN = "children", _("儿童青少年")
    DISABILITY = "disability", _("助残服务")
    ASSISTANCE = "assistance", _("社会救助")
    CULTURE = "culture", _("文体活动")
    HEALTH = "health", _("医疗健康")
    VOLUNTEERING = "volunteering", _("志愿服务")
    MEDIATION = "mediation", _("矛盾调解")
    ENVIRONMENT = "environment", _("环境治理")
    OTHER = "other", _("其他")


class Grade(models.TextChoices):
    A1 = "1A", _("1A")
    A2 = "2A", _("2A")
    A3 = "3A", _("3A")
    A4 = "4A", _("4A")
    A5 = "5A", _("5A")


class OrganizationProfile(TimeStampedModel):
    """What the registers record about an organisation beyond its name and kind."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="profile"
    )
    registration = models.CharField(_("登记或备案"), max_length=12, choices=Registration.choices, blank=True)
    service_field = models.CharField(_("服务领域"), max_length=20, choices=ServiceField.choices, blank=True)
    grade = models.CharField(_("评估等级"), max_length=2, choices=Grade.choices, blank=True)
    staff_count = models.PositiveIntegerField(_("专职人员"), default=0)
    social_worker_count = models.PositiveIntegerField(_("持证社工"), default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    communities_served = models.ManyToManyField(
        Region, verbose_name=_("服务社区"), related_name="+", blank=True, limit_choices_to={"level": 5}
    )

    class Meta:
        verbose_name = _("组织档案")
        verbose_name_plural = _("组织档案")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(social_worker_count__lte=models.F("staff_count")),
                name="org_profile_social_workers_within_staff",
            )
        ]


class ResourceKind(models.TextChoices):
    SPACE = "space", _("场地")
    EQUIPMENT = "equipment", _("设备")
    SKILL = "skill", _("技能")
    FUNDS = "funds", _("资金")
    VOLUNTEER_TIME = "volunteer_time", _("志愿时间")
    GOODS = "goods", _("物资")


class CoBuildingAgreement(TimeStampedModel):
    """A unit based in the area signs a co-building agreement (共驻共建协议) with a community."""

    community = community_fk()
    organization = models.ForeignKey(
        Organization, verbose_name=_("驻区单位"), on_delete=models.PROTECT, related_name="agreements"
    )
    signed_on = models.DateField(_("签订日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    content = models.CharField(_("共建内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("共驻共建协议")
        verbose_name_plural = _("共驻共建协议")
        ordering = ["-signed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "organization", "signed_on"], name="agreement_unique_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gt=models.F("signed_on")),
                name="agreement_expires_after_signing",
            ),
        ]


class PledgedResource(TimeStampedModel):
    """A resource a unit pledges under its agreement (场地、设备、技能、资金、志愿时间…)."""

    community = community_fk()
    agreement = models.ForeignKey(
        CoBuildingAgreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="resources"
    )
    kind = models.CharField(_("资源类型"), max_length=20, choices=ResourceKind.choices)
    description = models.CharField(_("说明"), max_length=200)
    quantity = models.DecimalField(_("承诺数量"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=10)
    used = models.DecimalField(_("已使用"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("承诺资源")
        verbose_name_plural = _("承诺资源")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="resource_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(used__gte=0) & models.Q(used__lte=models.F("quantity")),
                name="resource_used_within_pledge",
            ),
        ]


class OwnersCommittee(TimeStampedModel):
    """One term of an estate's owners' committee (业主委员会); the latest term is the current one."""

    community = community_fk()
    estate = models.ForeignKey(
        "registry.Estate", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+"
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满（换届日期）"))
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    member_count = models.PositiveSmallIntegerField(_("委员人数"), default=5)
    director_name = models.CharField(_("主任"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("业主委员会")
        verbose_name_plural = _("业主委员会")
        ordering = ["term_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "estate", "term_start"], name="committee_unique_term"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__gt=models.F("term_start")), name="committee_term_order"
            ),
            models.CheckConstraint(
                condition=models.Q(member_count__gte=3) & models.Q(member_count__lte=11),
                name="committee_member_count",
            ),
        ]


class CommitteeRole(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY = "deputy", _("副主任")
    MEMBER = "member", _("委员")


class CommitteeMember(TimeStampedModel):
    """A member of one term of an owners' committee: an owner of a dwelling in its estate, from
    the registry (业委会委员须为本小区业主)."""

    community = community_fk()
    committee = models.ForeignKey(
        OwnersCommittee, verbose_name=_("业主委员会"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("业主"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        _("职务"), max_length=10, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER
    )

    class Meta:
        verbose_name = _("业委会委员")
        verbose_name_plural = _("业委会委员")
        ordering = ["committee_id", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "committee", "person"], name="committee_member_once"
            ),
            models.UniqueConstraint(
                fields=["community", "committee"],
                condition=models.Q(role="director"),
                name="committee_one_director",
            ),
        ]


class OrganizationEvent(AppendOnlyModel):
    """Every change to the registers, lists and bookings (append-only)."""

    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=40)
    community = community_fk(null=True)
    subject = models.CharField(_("对象"), max_length=60)  # "organization:12"
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


# --- shared spaces and bookings ------------------------------------------------------------


class SpaceKind(models.TextChoices):
    ROOM = "room", _("活动室")
    HALL = "hall", _("多功能厅")
    MEETING = "meeting", _("会议室")
    SPORTS = "sports", _("运动场馆")
    KITCHEN = "kitchen", _("共享厨房")
    OTHER = "other", _("其他")


class Space(TimeStampedModel):
    """A room or facility of the community or of a unit that can be booked."""

    community = community_fk()
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("提供单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spaces",
    )  # None: the community's own premises
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=SpaceKind.choices)
    place = models.CharField(_("位置"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"))
    area = models.DecimalField(_("面积（平方米）"), max_digits=8, decimal_places=1, null=True, blank=True)
    opens = models.TimeField(_("开放时间"))
    closes = models.TimeField(_("关闭时间"))
    open_weekdays = models.CharField(_("开放日（1=周一）"), max_length=7, default="1234567")
    residents_may_book = models.BooleanField(_("居民可预约"), default=True)
    organizations_may_book = models.BooleanField(_("组织可预约"), default=True)
    approval_required = models.BooleanField(_("需要审批"), default=False)
    price_per_hour = models.DecimalField(_("每小时价格（元）"), max_digits=8, decimal_places=2, default=0)
    quota_hours_per_week = models.PositiveSmallIntegerField(_("每人每周限额（小时，0为不限）"), default=0)
    window_days = models.PositiveSmallIntegerField(_("可提前预约天数"), default=14)
    slot_minutes = models.PositiveSmallIntegerField(_("时段长度（分钟）"), default=60)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("共享空间")
        verbose_name_plural = _("共享空间")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="space_unique_name"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="space_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=15) & models.Q(slot_minutes__lte=480),
                name="space_slot_length",
            ),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="space_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(price_per_hour__gte=0), name="space_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("未到场")


# The statuses that hold the space: no two bookings of one space in them may overlap (the
# database refuses it: organizations/migrations/0004's exclusion constraint on PostgreSQL).
HOLDING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


class BookerKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    ORGANIZATION = "organization", _("组织")
    STAFF = "staff", _("社区")
    BLOCK = "block", _("停用时段")


class BookingSeries(TimeStampedModel):
    """A weekly series booked and cancelled as one."""

    community = community_fk()
    space = models.ForeignKey(Space, verbose_name=_("空间"), on_delete=models.PROTECT, related_name="series")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+"
    )
    weeks = models.PositiveSmallIntegerField(_("周数"))
    purpose = models.CharField(_("用途"), max_length=120)
    cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("周期预约")
        verbose_name_plural = _("周期预约")


class Booking(TimeStampedModel):
    community = community_fk()
    space = models.ForeignKey(
        Space, verbose_name=_("空间"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("状态"), max_length=12, choices=BookingStatus.choices)
    booker_kind = models.CharField(_("预约方"), max_length=12, choices=BookerKind.choices)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("周期预约"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    purpose = models.CharField(_("用途"), max_length=120)
    attendees = models.PositiveIntegerField(_("人数"), default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    # What the booking costs: the space's hourly price × hours for residents and organisations
    # (staff bookings and blocked periods are free), fixed when booked.
    fee = models.DecimalField(_("费用（元）"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["space", "starts_at"], name="booking_space_start_idx"),
            # Availability: what holds a space from a moment on (organizations.selectors).
            models.Index(
                fields=["space", "ends_at"],
                name="booking_holding_end_idx",
                condition=models.Q(status__in=["confirmed", "checked_in", "no_show"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_time_order"
            ),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="booking_fee_not_negative"),
        ]


# --- the four lists ------------------------------------------------------------------------


class PublicService(TimeStampedModel):
    """List 1: what the community offers (公共服务清单), with hours and place."""

    community = community_fk()
    name = models.CharField(_("服务名称"), max_length=80)
    service_field = models.CharField(_("服务领域"), max_length=20, choices=ServiceField.choices)
    hours = models.CharField(_("服务时间"), max_length=80)
    place = models.CharField(_("服务地点"), max_length=120)
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("提供方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("公共服务")
        verbose_name_plural = _("公共服务清单")
        ordering = ["community_id", "service_field", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="public_service_unique_name")
        ]


class NeedSource(models.TextChoices):
    DEMANDS = "demands", _("诉求归集")
    VISIT = "visit", _("走访")
    TOPIC = "topic", _("议题")
    DIRECT = "direct", _("居民提出")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待对接")
    MATCHED = "matched", _("已对接")
    MET = "met", _("已满足")


class Need(TimeStampedModel):
    """List 2: residents' needs (需求清单), de-duplicated, with the households behind each."""

    community = community_fk()
    title = models.CharField(_("需求"), max_length=100)
    service_field = models.CharField(_("服务领域"), max_length=20, choices=ServiceField.choices)
    source = models.CharField(_("来源"), max_length=10, choices=NeedSource.choices)
    # For needs drawn from demands: the category with repeated demands (one need per category).
    demand_category = models.ForeignKey(
        "demands.Category",
        verbose_name=_("诉求分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    demand_count = models.PositiveIntegerField(_("诉求件数"), default=0)
    households = models.PositiveIntegerField(_("涉及户数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)

    class Meta:
        verbose_name = _("居民需求")
        verbose_name_plural = _("需求清单")
        ordering = ["-households", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "demand_category"],
                condition=models.Q(demand_category__isnull=False),
                name="need_one_per_demand_category",
            ),
            models.UniqueConstraint(
                fields=["community", "title"],
                condition=models.Q(demand_category__isnull=True),
                name="need_unique_title",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NeedSupport(models.Model):
    """A household behind a directly submitted need (one row per household: the count de-duplicates)."""

    community = community_fk()
    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="supports")
    household_key = models.CharField(_("户"), max_length=40)  # "h:<household id>" or "u:<user id>"
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("需求附议")
        verbose_name_plural = _("需求附议")
        constraints = [
            models.UniqueConstraint(fields=["community", "need", "household_key"], name="need_support_once")
        ]


class NeedMatch(TimeStampedModel):
    """A need matched, by staff, to an organisation or a unit's pledged resource."""

    community = community_fk()
    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="matches")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resource = models.ForeignKey(
        PledgedResource,
        verbose_name=_("资源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("需求对接")
        verbose_name_plural = _("需求对接")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(resource__isnull=False),
                name="match_has_a_partner",
            ),
            models.UniqueConstraint(fields=["community", "need", "organization"], name="match_org_once"),
            models.UniqueConstraint(fields=["community", "need", "resource"], name="match_resource_once"),
        ]


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("未采纳")


class ResourceOffer(TimeStampedModel):
    """A unit contact offers one of the unit's pledged resources to a need; community staff
    confirm it (a NeedMatch, through the same matching service) or decline it."""

    community = community_fk()
    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="offers")
    resource = models.ForeignKey(
        PledgedResource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="offers"
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("资源认领")
        verbose_name_plural = _("资源认领")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "need", "resource"], name="offer_resource_once")
        ]


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    RUNNING = "running", _("实施中")
    DONE = "done", _("已完成")


class CoBuildingProject(TimeStampedModel):
    """List 4: co-building projects (共建项目清单), often grown from a need."""

    community = community_fk()
    title = models.CharField(_("项目名称"), max_length=100)
    need = models.ForeignKey(
        Need,
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    lead = models.ForeignKey(
        Organization,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    households_target = models.PositiveIntegerField(_("计划服务户数"), default=0)

    class Meta:
        verbose_name = _("共建项目")
        verbose_name_plural = _("共建项目清单")
        ordering = ["-created_at"]


class NeedActivity(models.Model):
    """A need turned into a volunteer activity (volunteers.Activity)."""

    community = community_fk()
    need = models.ForeignKey(
        Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="activities"
    )
    activity = models.ForeignKey(
        "volunteers.Activity", verbose_name=_("志愿活动"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("需求转志愿活动")
        verbose_name_plural = _("需求转志愿活动")
        constraints = [
            models.UniqueConstraint(fields=["community", "need", "activity"], name="need_activity_once")
        ]
