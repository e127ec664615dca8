"""The facilities register (premises, rooms, service facilities) and standards as data."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk


class RoomUse(models.TextChoices):
    OFFICE = "office", _("办公")
    SERVICE = "service", _("综合服务")
    ELDERLY = "elderly", _("养老服务")
    YOUTH = "youth", _("儿童青少年")
    CHARITY = "charity", _("公益慈善")
    MEDIATION = "mediation", _("矛盾调解")
    SOCIAL_ORG = "social_org", _("社会组织使用")
    OTHER = "other", _("其他")


class Tenure(models.TextChoices):
    OWNED = "owned", _("自有产权")
    LEASED = "leased", _("租赁")
    DEVELOPER = "developer", _("开发商配建移交")


class FacilityKind(models.TextChoices):
    SERVICE_CENTRE = "service_centre", _("社区综合服务站")
    HEALTH_STATION = "health_station", _("卫生服务站")
    ELDERLY_CARE = "elderly_care", _("老年人日间照料中心")
    MEAL_POINT = "meal_point", _("助餐点")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    FITNESS = "fitness", _("健身场地")
    POLICE_ROOM = "police_room", _("警务室")
    READING_ROOM = "reading_room", _("阅览室")


class Premises(models.Model):
    """A room (or a whole set of rooms) the community uses, with its use and tenure."""

    community = community_fk()
    name = models.CharField(_("名称"), max_length=60)
    use = models.CharField(_("用途"), max_length=12, choices=RoomUse.choices)
    area = models.DecimalField(_("面积（㎡）"), max_digits=8, decimal_places=2)
    tenure = models.CharField(_("产权"), max_length=10, choices=Tenure.choices, default=Tenure.OWNED)
    handed_over = models.BooleanField(_("开发商已移交"), default=False)
    accessible = models.BooleanField(_("无障碍"), default=False)
    # The bookable space this room is (organisations' register): its use is read from the bookings.
    space = models.OneToOneField(
        "organizations.Space",
        verbose_name=_("对应的可预约场地"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="premises",
    )
    # Retired (no longer used, handed back, demolished): kept for the record, left out of
    # compliance, the circle and the figures. A live name may be reused once the old room retired.
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)
    retired_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("社区用房")
        verbose_name_plural = _("社区用房")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                condition=Q(retired_on__isnull=True),
                name="premises_unique_live_name",
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="premises_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.area}㎡）"


class Facility(models.Model):
    """A service facility serving the community, with its location (WGS-84) and operator."""

    community = community_fk()
    kind = models.CharField(_("类型"), max_length=16, choices=FacilityKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    latitude = models.FloatField(_("纬度"))
    longitude = models.FloatField(_("经度"))
    hours = models.CharField(_("开放时间"), max_length=40, blank=True)
    # The operator from the organisations register; the free-text name only for an operator
    # that is not in it (a hospital, a public-security bureau).
    operator_org = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("运营组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    operator = models.CharField(_("运营方（未在组织名录中）"), max_length=60, blank=True)
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)
    retired_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        ordering = ["community_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"],
                condition=Q(retired_on__isnull=True),
                name="facility_unique_live_name",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="facility_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def operator_name(self) -> str:
        """Who runs it, as shown: the registered organisation's name, else the free text."""
        return self.operator_org.name if self.operator_org_id and self.operator_org else self.operator


class RuleKind(models.TextChoices):
    AREA_PER_HOUSEHOLDS = "area_per_households", _("按户数配置面积")
    MINIMUM_AREA = "minimum_area", _("最低面积")
    ITEMS_REQUIRED = "items_required", _("必备设施")
    SHARE_OF_AREA = "share_of_area", _("面积占比")
    ESTATE_RESERVE = "estate_reserve", _("新建小区配建比例")
    FUNDING_PER_HOUSEHOLDS = "funding_per_households", _("按户数核定经费")
    FUNDING_BY_RESIDENTS = "funding_by_residents", _("按人口规模核定经费")
    FUNDING_PER_COMMUNITY = "funding_per_community", _("每社区定额经费")
    ALLOWANCE = "allowance", _("社区干部报酬")


class Standard(models.Model):
    """A standard as data: one version of a rule with its source, parameters and scope.
    A newer version of the same code replaces the older one for compliance."""

    code = models.SlugField(_("编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("依据"), max_length=200)
    scope = models.CharField(_("适用地区代码前缀"), max_length=12, blank=True)
    kind = models.CharField(_("规则类型"), max_length=30, choices=RuleKind.choices)
    parameters = models.JSONField(_("参数"), default=dict)
    unit_price = models.DecimalField(_("补齐单价（元）"), max_digits=10, decimal_places=2, default=0)
    # Compliance uses, for each code, the newest version in force whose scope covers the community.
    in_force_from = models.DateField(_("施行日期"), null=True, blank=True)  # empty: since always

    class Meta:
        verbose_name = _("标准")
        verbose_name_plural = _("标准")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="standard_unique_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Post(models.TextChoices):
    HEAD = "head", _("书记/主任")
    MEMBER = "member", _("专职委员")


class StaffPost(models.Model):
    """Who holds a paid post in the community (the allowances' beneficiaries), and since when."""

    community = community_fk()
    name = models.CharField(_("姓名"), max_length=30)
    post = models.CharField(_("职务"), max_length=10, choices=Post.choices)
    start = models.DateField(_("任职起始"))
    end = models.DateField(_("任职截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("社区干部")
        verbose_name_plural = _("社区干部")
        ordering = ["community_id", "post", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name", "post", "start"], name="staffpost_unique"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="staffpost_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_post_display()}）"


class Purpose(models.TextChoices):
    SERVICE = "service", _("服务项目")
    OFFICE = "office", _("办公经费")
    ALLOWANCE = "allowance", _("干部报酬")
    OTHER = "other", _("其他")


class Payment(AppendOnlyModel):
    """Money paid to a community (or to one of its post holders) under a funding standard: the
    已享 beside the 应享. Entries are never changed; a correction is a new entry (negative to
    take back), and a voucher is recorded once per community."""

    community = community_fk()
    standard_code = models.SlugField(_("标准编号"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True)
    staff = models.ForeignKey(
        StaffPost,
        verbose_name=_("领取人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    paid_on = models.DateField(_("拨付日期"))
    voucher = models.CharField(_("凭证号"), max_length=40)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        verbose_name = _("经费拨付")
        verbose_name_plural = _("经费拨付")
        ordering = ["community_id", "standard_code", "year", "month", "paid_on"]
        indexes = [models.Index(fields=["community", "year"], name="payment_community_year")]
        constraints = [
            models.UniqueConstraint(fields=["community", "voucher"], name="payment_unique_voucher"),
            models.CheckConstraint(condition=~Q(amount=0), name="payment_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12), name="payment_month_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}元（{self.voucher}）"
