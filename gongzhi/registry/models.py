"""The register: grids, estates, buildings, dwellings, households, people, group tags.

Every table carries the code of the community it belongs to (`community`), which is what
scoping filters on and what a sharded deployment would distribute by.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.fields import community_fk
from gongzhi.core.models import Department, TimeStampedModel

from .codes import (
    ETHNICITIES,
    DisabilityCategory,
    EstateKind,
    PersonStatus,
    Relationship,
    ResidenceType,
    Sex,
    TagKind,
)


class Grid(TimeStampedModel):
    community = community_fk()
    name = models.CharField(_("网格名称"), max_length=50)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("网格员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self) -> str:
        return self.name


class Estate(TimeStampedModel):
    community = community_fk()
    name = models.CharField(_("小区/院落名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=EstateKind.choices, default=EstateKind.ESTATE)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    has_property_management = models.BooleanField(_("有物业管理"), default=True)
    property_company = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("物业公司"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    has_owners_committee = models.BooleanField(_("成立业委会"), default=False)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("小区/院落")
        verbose_name_plural = _("小区/院落")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="estate_unique_name")]

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    community = community_fk()
    estate = models.ForeignKey(
        Estate, verbose_name=_("小区/院落"), on_delete=models.PROTECT, related_name="buildings"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buildings",
    )
    name = models.CharField(_("楼栋"), max_length=30)
    floors = models.PositiveSmallIntegerField(_("层数"), default=6)
    entrances = models.PositiveSmallIntegerField(_("单元数"), default=1)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="building_unique_name"),
            models.CheckConstraint(condition=Q(floors__gte=1, floors__lte=200), name="building_floors_range"),
        ]

    def __str__(self) -> str:
        return f"{self.estate.name}{self.name}" if self.estate_id else self.name


class Dwelling(TimeStampedModel):
    class Occupancy(models.TextChoices):
        OWNER = "owner", _("自住")
        RENTED = "rented", _("出租")
        VACANT = "vacant", _("空置")
        OTHER = "other", _("其他")

    community = community_fk()
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="dwellings"
    )
    entrance = models.PositiveSmallIntegerField(_("单元"), default=1)
    floor = models.SmallIntegerField(_("楼层"), default=1)
    number = models.CharField(_("房号"), max_length=20)
    area = models.DecimalField(_("面积（㎡）"), max_digits=7, decimal_places=2, null=True, blank=True)
    occupancy = models.CharField(
        _("使用情况"), max_length=10, choices=Occupancy.choices, default=Occupancy.OWNER
    )

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building_id", "entrance", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "number"], name="dwelling_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.entrance}单元{self.number}室"

    @property
    def address(self) -> str:
        return f"{self.building.estate.name}{self.building.name}{self.entrance}单元{self.number}室"


class Person(pii.EncryptedIdentityMixin, TimeStampedModel):
    """One row per human being. Identity number and phone are kept encrypted, with a keyed
    hash for finding and matching and the last four characters for searching."""

    community = community_fk()
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    former_names = models.CharField(_("曾用名"), max_length=100, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITIES, default="01")
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_tail = models.CharField(_("身份号码后四位"), max_length=4, blank=True, db_index=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_tail = models.CharField(_("电话后四位"), max_length=4, blank=True, db_index=True, editable=False)
    residence_type = models.CharField(
        _("人口类型"), max_length=12, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("居住房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    address = models.CharField(
        _("居住地址"), max_length=200, blank=True, help_text=_("由房屋自动生成；无房屋登记时可手工填写。")
    )
    hukou_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    workplace = models.CharField(_("工作单位"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="person_unique_id_number"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "name"], name="person_community_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    # Personal data is read through EncryptedIdentityMixin (decrypted, or masked by default).
    def set_id_number(self, value: str) -> None:
        self.id_number_encrypted = pii.encrypt(value)
        self.id_number_hash = pii.keyed_hash(value)
        self.id_tail = value[-4:] if value else ""

    def set_phone(self, value: str) -> None:
        self.phone_encrypted = pii.encrypt(value)
        self.phone_hash = pii.keyed_hash(value, purpose="phone")
        self.phone_tail = value[-4:] if value else ""

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    # What the masked surfaces (lists, detail pages, API, exports) show of the birth date:
    # the year, and the age reached this year. The full date only with the revealed number.
    @property
    def birth_year(self) -> int | None:
        return pii.birth_year(self.birth_date)

    @property
    def age_this_year(self) -> int | None:
        return pii.age_this_year(self.birth_date)


class Household(TimeStampedModel):
    class Kind(models.TextChoices):
        FAMILY = "family", _("家庭户")
        COLLECTIVE = "collective", _("集体户")

    community = community_fk()
    number = models.CharField(_("户编号"), max_length=30)
    kind = models.CharField(_("户类型"), max_length=12, choices=Kind.choices, default=Kind.FAMILY)
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
    )
    head = models.ForeignKey(
        Person, verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="household_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class HouseholdMember(models.Model):
    community = community_fk()
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.OneToOneField(
        Person, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="membership"
    )
    relationship = models.CharField(_("与户主关系"), max_length=2, choices=Relationship.choices)
    joined_on = models.DateField(_("入户日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "relationship"]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"


class PersonTag(models.Model):
    """A group tag (特殊人群) with the department that says so and how long it holds."""

    community = community_fk()
    person = models.ForeignKey(Person, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(_("人群类别"), max_length=30, choices=TagKind.choices)
    grade = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True, help_text=_("残疾等级 1–4 级"))
    disability_category = models.CharField(
        _("残疾类别"), max_length=20, choices=DisabilityCategory.choices, blank=True
    )
    source_department = models.ForeignKey(
        Department,
        verbose_name=_("来源部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_label = models.CharField(_("来源"), max_length=50, blank=True, default="")
    valid_from = models.DateField(_("生效日期"), default=timezone.localdate)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # The person's status, copied here (as `community` is) by the services that change
    # either, so that "how many people in scope carry this tag" is counted on the tags alone.
    person_status = models.CharField(
        max_length=12, choices=PersonStatus.choices, default=PersonStatus.ACTIVE, editable=False
    )
    # And the person's name, for "surname + tag" counted on the tags (index in migration 0005).
    person_name = models.CharField(max_length=50, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("人群标签")
        verbose_name_plural = _("人群标签")
        ordering = ["kind"]
        indexes = [
            models.Index(fields=["kind", "community"], name="tag_kind_community_idx"),
            # Group counts and group searches: equality on kind and the person's status, a
            # prefix range on the community (pattern opclass: the database collation is not
            # C), and the rest included for an index-only scan. PostgreSQL only; elsewhere
            # opclasses and INCLUDE are ignored.
            models.Index(
                fields=["kind", "person_status", "community"],
                opclasses=["", "", "varchar_pattern_ops"],
                include=["person_id", "valid_from", "valid_to"],
                name="tag_kind_status_community_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=4), name="tag_grade_range"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="tag_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)

    @property
    def source(self) -> str:
        return str(self.source_department) if self.source_department_id else self.source_label


from .ownership import DwellingOwner  # noqa: E402,F401  (dwelling ownership, its own module)
