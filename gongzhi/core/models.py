"""The spine: regions, departments, users and their role assignments, the access log."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    DISTRICT = 3, _("区/县")
    STREET = 4, _("街道/乡镇")
    COMMUNITY = 5, _("社区/村")


CODE_LENGTH_LEVEL = {
    2: RegionLevel.PROVINCE,
    4: RegionLevel.CITY,
    6: RegionLevel.DISTRICT,
    9: RegionLevel.STREET,
    12: RegionLevel.COMMUNITY,
}
LEVEL_CODE_LENGTH = {v: k for k, v in CODE_LENGTH_LEVEL.items()}


class Region(models.Model):
    """A statistical division: the code (2/4/6/9/12 digits) is the key and its prefix the ancestry."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=1, code__regex=r"^[0-9]{2}$")
                | Q(level=2, code__regex=r"^[0-9]{4}$")
                | Q(level=3, code__regex=r"^[0-9]{6}$")
                | Q(level=4, code__regex=r"^[0-9]{9}$")
                | Q(level=5, code__regex=r"^[0-9]{12}$"),
                name="region_code_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_community(self) -> bool:
        return self.level == RegionLevel.COMMUNITY

    def ancestor_codes(self) -> list[str]:
        return [self.code[:n] for n in (2, 4, 6, 9, 12) if n < len(self.code)]

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)

    @property
    def full_name(self) -> str:
        names = dict(Region.objects.filter(code__in=self.ancestor_codes()).values_list("code", "name"))
        return "".join(names[c] for c in self.ancestor_codes() if c in names) + self.name

    @property
    def short_name(self) -> str:
        """军门社区 rather than 军门社区居委会."""
        for suffix in ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "村民委员会", "村委会"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix):
                stem = self.name[: -len(suffix)]
                return stem + ("村" if "村" in suffix else "社区" if not stem.endswith("社区") else "")
        return self.name


class DepartmentKind(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HRSS = "hrss", _("人力资源和社会保障")
    DISABLED_FEDERATION = "disabled_federation", _("残联")
    HEALTH = "health", _("卫生健康（计生）")
    PUBLIC_SECURITY = "public_security", _("公安")
    VETERANS = "veterans", _("退役军人事务")
    HOUSING = "housing", _("住房和城乡建设")
    URBAN_MANAGEMENT = "urban_management", _("城市管理")
    OTHER = "other", _("其他")


class Department(models.Model):
    """A government department (民政局, 人社局, 残联…) at a level; its region bounds what it sees."""

    code = models.SlugField(_("部门代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=30, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Demo accounts log in with the shared demo password only while GONGZHI_DEMO is on.
    is_demo_account = models.BooleanField(_("演示账号"), default=False)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("对应居民"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """(user, role, scope): the scope is a region at any level, a department or an organisation."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, department__isnull=True, organization__isnull=True)
                    | Q(region__isnull=True, department__isnull=False, organization__isnull=True)
                    | Q(region__isnull=True, department__isnull=True, organization__isnull=False)
                ),
                name="role_assignment_exactly_one_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "department", "organization"], name="role_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        return str(self.region or self.department or self.organization)

    def clean(self) -> None:
        if sum(x is not None for x in (self.region_id, self.department_id, self.organization_id)) != 1:
            raise ValidationError(_("角色的管辖范围必须且只能是一个区划、部门或组织。"))


class AccessAction(models.TextChoices):
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    API_READ = "api_read", _("接口读取")
    DEPARTMENT_READ = "department_read", _("部门读取")


class AccessLogEntry(models.Model):
    """Append-only, hash-chained record of every full view or export of personal data."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("用户名"), max_length=150)
    action = models.CharField(_("操作"), max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=50)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    community_code = models.CharField(_("所属社区"), max_length=12, blank=True, db_index=True)
    fields = models.JSONField(_("字段"), default=list)
    count = models.PositiveIntegerField(_("记录数"), default=1)
    # A code from gongzhi.core.purposes.Purpose (entries written before the list: free text).
    purpose = models.CharField(_("用途"), max_length=200)
    purpose_note = models.CharField(_("用途说明"), max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # How `hash` is computed: 1 = plain SHA-256 (entries written before the audit key),
    # 2 = HMAC-SHA-256 keyed with the audit key, which is not in the database.
    scheme = models.PositiveSmallIntegerField(default=2, editable=False)

    class Meta:
        verbose_name = _("个人信息访问日志")
        verbose_name_plural = _("个人信息访问日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "action", "at"], name="access_user_action_at_idx")]

    def canonical(self) -> str:
        data = {
            "at": self.at.isoformat(),
            "user": self.user_id,
            "username": self.username,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "community_code": self.community_code,
            "fields": self.fields,
            "count": self.count,
            "purpose": self.purpose,
            "prev": self.prev_hash,
        }
        if self.scheme >= 2:
            data.update({"v": self.scheme, "note": self.purpose_note})
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def compute_hash(self, key: bytes | None = None) -> str:
        if self.scheme == 1:
            return hashlib.sha256(self.canonical().encode()).hexdigest()
        from .keys import audit_key

        return hmac.new(key or audit_key(), self.canonical().encode(), hashlib.sha256).hexdigest()

    @property
    def purpose_label(self) -> str:
        from .purposes import Purpose

        label = str(Purpose(self.purpose).label) if self.purpose in Purpose.values else self.purpose
        return f"{label}：{self.purpose_note}" if self.purpose_note else label

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("access log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("access log entries are append-only")


class AccessLogHead(models.Model):
    """One row holding the newest hash; locked while appending so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    entries = models.PositiveBigIntegerField(default=0)


class ChangeRecord(models.Model):
    """What changed on a record, by whom and when: the edit history of registry records."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(_("对象类型"), max_length=50)
    object_id = models.CharField(_("对象"), max_length=64)
    community_code = models.CharField(_("所属社区"), max_length=12, blank=True)
    action = models.CharField(_("操作"), max_length=20)
    changes = models.JSONField(_("变更"), default=dict)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="change_object_idx")]


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored, the value is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已作废"), default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One wrong password (see core/logins.py). Rows are kept: a success or an administrator's
    unlock clears them (who and when), which is the record of lockouts and unlocks."""

    username = models.CharField(_("用户名"), max_length=150)
    address = models.CharField(_("网络地址"), max_length=45)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        User, verbose_name=_("解锁人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_reason = models.CharField(_("解除原因"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user_idx"),
            models.Index(fields=["address", "at"], name="login_failure_address_idx"),
        ]
