"""Department sources, import batches, staged records, links, merges and field provenance.

The large tables (SourceRecord, LinkCandidate, FieldValue, Conflict, Merge) carry the code
of the community they belong to, which is what scoping filters on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.fields import community_fk
from gongzhi.core.models import Department, DepartmentKind, Region, TimeStampedModel
from gongzhi.registry.models import Person

from .codes import CodeTable


class Field(models.TextChoices):
    """What a department's column can hold: register fields and a few of the source's own."""

    EXTERNAL_ID = "external_id", _("部门记录编号")
    NAME = "name", _("姓名")
    ID_NUMBER = "id_number", _("公民身份号码")
    SEX = "sex", _("性别")
    BIRTH_DATE = "birth_date", _("出生日期")
    ETHNICITY = "ethnicity", _("民族")
    PHONE = "phone", _("联系电话")
    COMMUNITY = "community", _("所属社区")
    ADDRESS = "address", _("居住地址")
    HUKOU_ADDRESS = "hukou_address", _("户籍地址")
    WORKPLACE = "workplace", _("工作单位")
    EDUCATION = "education", _("学历")
    RELATIONSHIP = "relationship", _("与户主关系")
    TAG_KIND = "tag_kind", _("人群类别")
    TAG_GRADE = "tag_grade", _("残疾等级")
    DISABILITY_CATEGORY = "disability_category", _("残疾类别")
    TAG_VALID_FROM = "tag_valid_from", _("认定日期")
    TAG_VALID_TO = "tag_valid_to", _("失效日期")


# Fields whose value per source is kept (FieldValue) and chosen by a FieldRule.
PROVENANCE_FIELDS = (
    Field.NAME,
    Field.ID_NUMBER,
    Field.SEX,
    Field.BIRTH_DATE,
    Field.ETHNICITY,
    Field.PHONE,
    Field.ADDRESS,
    Field.HUKOU_ADDRESS,
    Field.WORKPLACE,
    Field.EDUCATION,
    Field.RELATIONSHIP,
)
# Of those, the ones the register's Person holds.
PERSON_FIELDS = (
    Field.NAME,
    Field.ID_NUMBER,
    Field.SEX,
    Field.BIRTH_DATE,
    Field.ETHNICITY,
    Field.PHONE,
    Field.ADDRESS,
    Field.HUKOU_ADDRESS,
    Field.WORKPLACE,
)
SENSITIVE_FIELDS = (Field.ID_NUMBER, Field.PHONE)


class SharedField(models.TextChoices):
    """What a sharing rule can open to a kind of department."""

    NAME = "name", _("姓名")
    SEX = "sex", _("性别")
    BIRTH_DATE = "birth_date", _("出生日期")
    ETHNICITY = "ethnicity", _("民族")
    ID_NUMBER = "id_number", _("公民身份号码")
    PHONE = "phone", _("联系电话")
    COMMUNITY = "community", _("所属社区")
    ADDRESS = "address", _("居住地址")
    HUKOU_ADDRESS = "hukou_address", _("户籍地址")
    WORKPLACE = "workplace", _("工作单位")
    EDUCATION = "education", _("学历")
    TAGS = "tags", _("人群标签")


class NationalCode(models.Model):
    """A national code table entry (loaded by a data migration from codes.py)."""

    table = models.CharField(_("代码表"), max_length=20, choices=CodeTable.choices)
    code = models.CharField(_("代码"), max_length=4)
    label = models.CharField(_("名称"), max_length=40)
    standard = models.CharField(_("标准"), max_length=30)

    class Meta:
        verbose_name = _("国家标准代码")
        verbose_name_plural = _("国家标准代码")
        ordering = ["table", "code"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="national_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    JSON = "json", _("接口推送（JSON）")


class Source(TimeStampedModel):
    """A department's extract layout: which column holds which register field, the
    department's own code tables, and how far its word is trusted against other sources."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="sources"
    )
    name = models.CharField(_("数据源名称"), max_length=80)
    file_format = models.CharField(_("文件格式"), max_length=10, choices=FileFormat.choices)
    columns = models.JSONField(
        _("列与字段对应"), default=list, blank=True
    )  # [[column, field], …] in sheet order
    code_maps = models.JSONField(_("代码对照"), default=dict, blank=True)
    trust_rank = models.PositiveSmallIntegerField(
        _("可信度排序"), default=5, help_text=_("1 为最可信；字段规则为“最可信来源”时，排序靠前者优先。")
    )
    default_community = models.ForeignKey(
        Region,
        verbose_name=_("默认社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("表中没有社区列时，所有记录归入该社区。"),
    )
    default_tag_kind = models.CharField(
        _("默认人群类别"), max_length=30, blank=True, help_text=_("如残联名单的每一行都是残疾人。")
    )
    active = models.BooleanField(_("启用"), default=True)
    # Linkage parameters learnt from this source's imports (``params``): the counts of
    # comparison levels on anchor pairs, and the m they give.
    link_params = models.JSONField(_("比对参数"), default=dict, blank=True, editable=False)
    # The built-in source "社区采集" of a district: what community staff enter or correct on
    # the registry pages (services.manual_observation_record). It takes no files.
    builtin = models.BooleanField(_("内置来源"), default=False, editable=False)

    class Meta:
        verbose_name = _("数据源")
        verbose_name_plural = _("数据源")
        ordering = ["department__name", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="source_unique_name")]

    def __str__(self) -> str:
        if self.builtin:
            return str(_("社区采集"))
        return f"{self.department.name} · {self.name}"

    @property
    def region_id(self) -> str:
        """The region the source covers (its department's): what scoping checks."""
        return self.department.region_id

    @property
    def column_names(self) -> list[str]:
        return [column for column, _target in self.columns]

    @property
    def column_fields(self) -> list[str]:
        return [target for _column, target in self.columns]

    @property
    def column_labels(self) -> list[tuple[str, str]]:
        return [
            (column, str(Field(target).label) if target in Field.values else target)
            for column, target in self.columns
        ]

    def column_for(self, field: str) -> str | None:
        for column, target in self.columns:
            if target == field:
                return column
        return None


class BatchState(models.TextChoices):
    PENDING = "pending", _("待处理")
    RUNNING = "running", _("处理中")
    INTERRUPTED = "interrupted", _("已中断，可继续")
    DONE = "done", _("已完成")


class ImportBatch(models.Model):
    """One extract taken in: its file, checksum and progress. The same file for the same
    source is the same batch, so taking it in again adds nothing."""

    class Kind(models.TextChoices):
        FILE = "file", _("文件上传")
        API = "api", _("接口推送")

    source = models.ForeignKey(
        Source, verbose_name=_("数据源"), on_delete=models.PROTECT, related_name="batches"
    )
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices, default=Kind.FILE)
    file = models.FileField(_("文件"), upload_to="integration/batches/")
    filename = models.CharField(_("文件名"), max_length=200)
    checksum = models.CharField(_("校验值"), max_length=64)
    observed_on = models.DateField(_("数据日期"), default=timezone.localdate)
    state = models.CharField(_("状态"), max_length=12, choices=BatchState.choices, default=BatchState.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    accepted = models.PositiveIntegerField(_("接收"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    matched = models.PositiveIntegerField(_("匹配到已有居民"), default=0)
    created = models.PositiveIntegerField(_("新建居民"), default=0)
    review = models.PositiveIntegerField(_("待人工核对"), default=0)
    error = models.TextField(_("错误"), blank=True)
    # Counts of comparison levels on the anchor pairs of the chunks linked so far (``params``),
    # committed with each chunk; added to the source's parameters when the batch is done.
    link_counts = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "checksum"], name="batch_unique_checksum")]

    def __str__(self) -> str:
        return f"{self.source.name} · {self.filename}"


class RecordStatus(models.TextChoices):
    ACCEPTED = "accepted", _("接收")
    REJECTED = "rejected", _("拒收")


class LinkDecision(models.TextChoices):
    NONE = "", _("未关联")
    EXACT = "exact", _("身份号码一致")
    PROBABLE = "probable", _("比对匹配")
    REVIEW = "review", _("待人工核对")
    CREATED = "created", _("新建居民")
    ACCEPTED = "accepted", _("人工确认为同一人")
    SEPARATE = "separate", _("人工确认非同一人（新建）")


class SourceRecord(pii.EncryptedIdentityMixin, models.Model):
    """One row of an extract, kept as it came (encrypted) with its normalised values, the
    reasons it was refused, and the person it was linked to and how."""

    # The identity number and phone as staged, kept on a record not saved yet so that linking
    # need not decrypt them back (services.stage_row); not columns.
    _id_plain: str | None = None
    _phone_plain: str | None = None

    community = community_fk(null=True)
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="records"
    )
    source = models.ForeignKey(Source, verbose_name=_("数据源"), on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField(_("行号"))
    external_id = models.CharField(_("部门记录编号"), max_length=64, blank=True)
    raw_encrypted = models.TextField(blank=True, editable=False)
    values = models.JSONField(_("规范化值"), default=dict)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_encrypted = models.TextField(blank=True, editable=False)
    errors = models.JSONField(_("校验错误"), default=list)
    status = models.CharField(_("状态"), max_length=10, choices=RecordStatus.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("关联居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(_("关联方式"), max_length=10, choices=LinkDecision.choices, blank=True)
    probability = models.FloatField(_("匹配概率"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("源记录")
        verbose_name_plural = _("源记录")
        ordering = ["batch_id", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="record_unique_row")]
        indexes = [
            models.Index(fields=["person"], name="record_person_idx"),
            models.Index(fields=["community", "decision"], name="record_community_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"

    @property
    def raw(self) -> dict:
        import json

        return json.loads(pii.decrypt(self.raw_encrypted) or "{}")


class CandidateState(models.TextChoices):
    OPEN = "open", _("待核对")
    ACCEPTED = "accepted", _("确认为同一人")
    REJECTED = "rejected", _("确认非同一人")
    CLOSED = "closed", _("已由其他核对结果关闭")


class LinkCandidate(models.Model):
    """A record and a registered person that may be the same human being: the review queue."""

    community = community_fk()
    record = models.ForeignKey(
        SourceRecord, verbose_name=_("源记录"), on_delete=models.CASCADE, related_name="candidates"
    )
    person = models.ForeignKey(Person, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("匹配概率"))
    agreements = models.JSONField(_("各项比对"), default=dict)
    state = models.CharField(
        _("状态"), max_length=10, choices=CandidateState.choices, default=CandidateState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("疑似同一人")
        verbose_name_plural = _("疑似同一人")
        ordering = ["-probability", "id"]
        constraints = [models.UniqueConstraint(fields=["record", "person"], name="candidate_unique_pair")]
        indexes = [models.Index(fields=["community", "state"], name="candidate_community_idx")]


class Merge(models.Model):
    """Two registered people found to be one: `absorbed` was folded into `kept`. Everything
    needed to undo it is kept: both rows as they were, and every row that was re-pointed."""

    community = community_fk()
    kept = models.ForeignKey(
        Person, verbose_name=_("保留居民"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kept_pk = models.PositiveBigIntegerField(_("保留居民编号"))
    absorbed_pk = models.PositiveBigIntegerField(_("并入居民编号"))
    absorbed_name = models.CharField(_("并入居民姓名"), max_length=50)
    kept_snapshot = models.JSONField(default=list)
    absorbed_snapshot = models.JSONField(default=list)
    moved = models.JSONField(default=list)  # [model label, pk, field, old community or null]
    removed = models.JSONField(default=list)  # serialised rows deleted to make way
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("合并时间"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合并")
        verbose_name_plural = _("合并")
        ordering = ["-at", "-id"]

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class FieldValue(models.Model):
    """What one source said about one field of one person, and when. A value entered on the
    registry pages (the built-in source 社区采集) has no source record but who entered it."""

    community = community_fk()
    person = models.ForeignKey(Person, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("字段"), max_length=20, choices=Field.choices)
    value = models.TextField(_("值"), blank=True)  # encrypted for identity number and phone
    value_hash = models.CharField(max_length=64, blank=True)  # compares values without reading them
    display = models.CharField(_("显示值"), max_length=200, blank=True)  # masked for personal data
    source = models.ForeignKey(Source, verbose_name=_("数据源"), on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        SourceRecord,
        verbose_name=_("源记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    observed_on = models.DateField(_("数据日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("字段来源")
        verbose_name_plural = _("字段来源")
        ordering = ["field", "-observed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["record", "field"], name="field_value_unique")]
        indexes = [models.Index(fields=["person", "field"], name="field_value_person_idx")]

    @property
    def plain(self) -> str:
        return pii.decrypt(self.value) if self.field in SENSITIVE_FIELDS else self.value


class FieldRule(models.Model):
    """How the register's shown value of a field is chosen among the sources' values."""

    class Rule(models.TextChoices):
        MOST_RECENT = "most_recent", _("最新数据优先")
        MOST_TRUSTED = "most_trusted", _("最可信来源优先")

    field = models.CharField(_("字段"), max_length=20, choices=Field.choices, unique=True)
    rule = models.CharField(_("规则"), max_length=20, choices=Rule.choices)

    class Meta:
        verbose_name = _("字段取值规则")
        verbose_name_plural = _("字段取值规则")
        ordering = ["field"]


class Conflict(models.Model):
    """Sources disagree on a field of a person: listed for review."""

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    community = community_fk()
    person = models.ForeignKey(Person, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("字段"), max_length=20, choices=Field.choices)
    values = models.JSONField(_("各来源的值"), default=list)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    chosen = models.ForeignKey(
        FieldValue,
        verbose_name=_("采用的值"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("数据冲突")
        verbose_name_plural = _("数据冲突")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "field"], condition=Q(state="open"), name="conflict_one_open_per_field"
            )
        ]
        indexes = [models.Index(fields=["community", "state"], name="conflict_community_idx")]


class SharingRule(models.Model):
    """A kind of department may read a field of the residents in its region."""

    department_kind = models.CharField(_("部门类别"), max_length=30, choices=DepartmentKind.choices)
    field = models.CharField(_("字段"), max_length=20, choices=SharedField.choices)

    class Meta:
        verbose_name = _("共享规则")
        verbose_name_plural = _("共享规则")
        ordering = ["department_kind", "field"]
        constraints = [
            models.UniqueConstraint(fields=["department_kind", "field"], name="sharing_rule_unique")
        ]


class PersonLinkKey(models.Model):
    """The blocking keys of one registered person, so that an import finds a row's
    candidates by indexed look-ups instead of scanning the register: the district, birth
    date and sound of the name; the community and sound of the name; the community and
    birth date. (The identity number and phone are looked up by their keyed hashes on the
    register itself.) Kept up to date as the register changes: the register's
    "person_changed" hook refreshes a person's keys in the transaction that creates or
    changes them; people put in by a bulk loader, behind the services, get theirs at the
    start of the next import (``batchlink.keys_sync``, those above ``PersonLinkKeyMark``)."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="link_key", verbose_name=_("居民")
    )
    birth_name = models.CharField(max_length=96, blank=True, db_index=True)
    community_name = models.CharField(max_length=96, blank=True, db_index=True)
    community_birth = models.CharField(max_length=24, blank=True, db_index=True)
    person_updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("居民匹配索引")
        verbose_name_plural = _("居民匹配索引")


class PersonLinkKeyMark(models.Model):
    """How far the blocking keys are known to be built: every person with an id up to
    ``person_pk`` has had keys computed by ``batchlink.keys_sync`` (or by the
    "person_changed" hook). An import starts by building the keys of the people above it —
    people a bulk loader put in — so its cost follows what was added since the last import,
    not the size of the register. One row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    person_pk = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("居民匹配索引进度")
        verbose_name_plural = _("居民匹配索引进度")
