"""Staging one row of an extract: validated and normalised, accepted or refused with its reasons."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import idnumber, pii
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.spreadsheets import cell_text
from gongzhi.core.text import bad_character, bad_character_message
from gongzhi.registry import services as registry_services
from gongzhi.registry.codes import DisabilityCategory, TagKind

from .. import codes, params
from ..models import (
    Field,
    ImportBatch,
    RecordStatus,
    Source,
    SourceRecord,
)

# --- staging one row ---------------------------------------------------------------------


_COMMUNITY_SUFFIXES = ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区")


def community_stem(name: str) -> str:
    """军门 for 军门社区, 军门社区居委会, 军门社区居民委员会 and 军门 itself."""
    name = re.sub(r"\s+", "", name or "")
    for suffix in _COMMUNITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Context:
    """What every row of a batch needs: the source, a cache of its communities and the
    linkage model — the source's own (``params.source_model``), then, once the batch's own
    anchor pairs are enough, the source's counts with the batch's added (``learn``)."""

    def __init__(self, source: Source, batch: ImportBatch | None = None):
        self.source = source
        self.region = source.department.region_id
        self.source_counts = params.source_counts(source)
        self.model = params.source_model(source)
        self.counts: dict[str, list[float]] = params.empty()  # the chunk being linked
        if batch is not None:
            self.learn(batch.link_counts)

    def learn(self, batch_counts: dict | None) -> None:
        """Link the rest of the batch with what its chunks so far have shown."""
        if params.anchors(batch_counts) >= params.MIN_ANCHORS:
            self.model = params.model_from_counts(
                params.add(self.source_counts, batch_counts), source=f"source:{self.source.pk}+batch"
            )
        self._communities: dict[str, Region | None] = {}
        self._stems: dict[str, list[Region]] | None = None

    def _by_stem(self) -> dict[str, list[Region]]:
        if self._stems is None:
            self._stems = {}
            qs = Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith=self.region)
            for region in qs:
                self._stems.setdefault(community_stem(region.name), []).append(region)
        return self._stems

    def community(self, value: str) -> Region | None:
        """The community a row names: its 12-digit code, or its name in any of the usual
        spellings (with or without 社区 / 居委会 / 社区居委会), when that spelling names one
        community of the source's region."""
        value = value.strip()
        if value not in self._communities:
            found = None
            if value.isdigit():
                found = Region.objects.filter(
                    level=RegionLevel.COMMUNITY, code__startswith=self.region, code=value
                ).first()
            else:
                same = self._by_stem().get(community_stem(value), [])
                exact = [r for r in same if r.name == value]
                found = exact[0] if len(exact) == 1 else same[0] if len(same) == 1 else None
            self._communities[value] = found
        return self._communities[value]


@dataclass
class Staged:
    values: dict[str, Any] = field(default_factory=dict)
    id_raw: str = ""  # as typed, folded (may be mistyped)
    id_valid: str = ""  # the valid 18-character form, when there is one
    phone: str = ""
    community: Region | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def fail(self, field_name: str, message: str) -> None:
        self.errors.append({"field": field_name, "level": "error", "message": message})

    def warn(self, field_name: str, message: str) -> None:
        self.errors.append({"field": field_name, "level": "warning", "message": message})

    @property
    def ok(self) -> bool:
        return not any(e["level"] == "error" for e in self.errors)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: str) -> dt.date | None:
    """A date as departments write it; None when it cannot be read (ValueError if empty)."""
    value = value.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(value)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


_GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1级": 1, "2级": 2, "3级": 3, "4级": 4}
_DISABILITY_LABELS = {str(label): value for value, label in DisabilityCategory.choices}


def clean_name(raw: str) -> str:
    """The name the register shows: simplified characters, spaces removed; a middle dot
    between the parts of a transliterated name is kept in one form."""
    from ..names import _t2s

    text = re.sub(r"\s+", "", raw or "")
    text = re.sub(r"[•‧・．.･\u00b7\u2022\u30fb]", "·", text)
    return _t2s().convert(text) if text and not text.isascii() else text


def stage_row(
    *, batch: ImportBatch, row_number: int, raw: dict[str, str], ctx: _Context, save: bool = True
) -> SourceRecord:
    """Validate and normalise one row and keep it, accepted or refused with its reasons
    (``save=False``: not saved yet — the chunk saves its records together)."""
    staged = stage_values(raw, ctx)
    values = staged.values
    record = SourceRecord(
        community=staged.community,
        batch=batch,
        source=ctx.source,
        row_number=row_number,
        external_id=str(values.get(Field.EXTERNAL_ID, ""))[:64],
        raw_encrypted=pii.encrypt(json.dumps(raw, ensure_ascii=False, sort_keys=True)),
        values=values,
        id_number_encrypted=pii.encrypt(staged.id_raw),
        id_number_hash=pii.keyed_hash(staged.id_valid),
        phone_encrypted=pii.encrypt(staged.phone),
        errors=staged.errors,
        status=RecordStatus.ACCEPTED if staged.ok else RecordStatus.REJECTED,
    )
    if staged.id_valid:
        values["id_valid"] = True
    record._id_plain, record._phone_plain = staged.id_raw, staged.phone  # no decrypting back
    if save:
        record.save()
    return record


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d{1,2}$")


def excel_mangled(cell: str, normalised: str) -> bool:
    """An identity number Excel stored as a float: shown in scientific notation
    (3.50102198705E+17), or written out with its last digits turned to zeros (at most 15
    significant digits survive) and so failing its check character."""
    text = cell.strip().replace(",", "")
    if _SCIENTIFIC.match(text):
        return True
    if re.fullmatch(r"\d{16,18}\.0+", text):
        return True
    if len(normalised) == 18 and normalised.isdigit() and normalised.endswith("000"):
        return not idnumber.is_valid(normalised)
    return False


def stage_values(raw: dict[str, str], ctx: _Context) -> Staged:  # noqa: C901 - one check per field
    source = ctx.source
    s = Staged()
    get = {target: (raw.get(column) or "").strip() for column, target in source.columns}
    for column, target in source.columns:  # control characters: refused (and never stored)
        char = bad_character(get.get(target, ""))
        if char:
            s.fail(target, str(bad_character_message(char, column)))
            get[target] = cell_text(get[target])
    maps = source.code_maps

    external = get.get(Field.EXTERNAL_ID, "")
    if len(external) > 64:  # refused, never cut: a cut number could name another record
        s.fail(Field.EXTERNAL_ID, _("编号超过64个字符。"))
    elif external:
        s.values[Field.EXTERNAL_ID] = external
    name = clean_name(get.get(Field.NAME, ""))
    if not name:
        s.fail(Field.NAME, _("姓名为空。"))
    elif len(name) > 50:
        s.fail(Field.NAME, _("姓名超过50个字。"))
    else:
        s.values[Field.NAME] = name

    # Community: a column (code or name), else the source's default.
    community_text = get.get(Field.COMMUNITY, "")
    if community_text:
        s.community = ctx.community(community_text)
        if s.community is not None and community_text not in (s.community.code, s.community.name):
            s.values["community_written"] = community_text
            s.warn(
                Field.COMMUNITY,
                _("社区“%(c)s”按“%(name)s”（%(code)s）识别。")
                % {"c": community_text, "name": s.community.name, "code": s.community.code},
            )
        if s.community is None:
            s.fail(
                Field.COMMUNITY,
                _("社区“%(c)s”不存在或不在本部门辖区内（请填写12位区划代码或社区名称）。")
                % {"c": community_text},
            )
    elif source.default_community_id:
        s.community = source.default_community
    else:
        s.fail(Field.COMMUNITY, _("没有填写所属社区。"))
    if s.community is not None:
        s.values[Field.COMMUNITY] = s.community.code

    # Identity number: a valid one (or a 15-digit one upgraded) is used for exact linking;
    # a mistyped one is kept for comparison only; one Excel cut to 15 significant digits
    # is unknown (not evidence against anyone).
    id_cell = get.get(Field.ID_NUMBER, "")
    id_text = idnumber.normalise(id_cell)
    parsed = None
    if id_text and excel_mangled(id_cell, id_text):
        s.values["id_mangled"] = True
        s.warn(
            Field.ID_NUMBER,
            _("身份号码“%(v)s”已被Excel截断为15位有效数字，按未知处理，不用于比对。") % {"v": id_cell[:24]},
        )
    elif id_text:
        s.id_raw = id_text
        try:
            parsed = idnumber.parse(id_text)
            s.id_valid = parsed.value
            if parsed.upgraded_from_15:
                s.warn(Field.ID_NUMBER, _("15位身份号码已升为18位。"))
        except idnumber.IdNumberError as exc:
            s.warn(
                Field.ID_NUMBER,
                _("身份号码无效（%(reason)s），仅用于比对，不写入居民信息。") % {"reason": exc.message},
            )

    # Sex and birth date: a valid number outranks what the row says; a disagreement is kept
    # (stated_*) and shown as a conflict on the person's provenance panel.
    sex_text = get.get(Field.SEX, "")
    sex = ""
    if sex_text:
        national = codes.to_national(codes.CodeTable.SEX, sex_text, maps.get(codes.CodeTable.SEX))
        if national is None:
            s.fail(Field.SEX, _("性别代码“%(v)s”无法识别，请在数据源的代码对照中补充。") % {"v": sex_text})
        else:
            sex = codes.to_registry(codes.CodeTable.SEX, national)
    if parsed is not None:
        if sex and sex != parsed.sex:
            s.values["stated_sex"] = sex
            s.warn(Field.SEX, _("性别与身份号码不符（号码第17位表示性别），以号码为准，已列为数据冲突。"))
        sex = parsed.sex
    if sex:
        s.values[Field.SEX] = sex

    birth_text = get.get(Field.BIRTH_DATE, "")
    birth = None
    if birth_text:
        birth = parse_date(birth_text)
        if birth is None:
            s.fail(Field.BIRTH_DATE, _("出生日期“%(v)s”无法识别，请写成 1980-05-17。") % {"v": birth_text})
        elif birth > timezone.localdate():
            s.fail(Field.BIRTH_DATE, _("出生日期晚于今天。"))
            birth = None
    if parsed is not None:
        if birth and birth != parsed.birth_date:
            s.values["stated_birth_date"] = birth.isoformat()
            s.warn(
                Field.BIRTH_DATE,
                _("出生日期与身份号码不符（号码第7–14位为出生日期），以号码为准，已列为数据冲突。"),
            )
        birth = parsed.birth_date
    if birth:
        s.values[Field.BIRTH_DATE] = birth.isoformat()
    if not s.id_valid and not sex and not any(e["field"] == Field.SEX for e in s.errors):
        if birth is None:
            s.fail(
                Field.SEX,
                _("没有有效身份号码、性别和出生日期，仅凭姓名无法识别是哪位居民。"),
            )
        else:
            s.warn(Field.SEX, _("没有有效身份号码和性别：只能匹配已登记的居民，不能新建。"))

    for target, table in (
        (Field.ETHNICITY, codes.CodeTable.ETHNICITY),
        (Field.EDUCATION, codes.CodeTable.EDUCATION),
        (Field.RELATIONSHIP, codes.CodeTable.RELATIONSHIP),
    ):
        text = get.get(target, "")
        if not text:
            continue
        national = codes.to_national(table, text, maps.get(table))
        if national is None:
            s.fail(
                target,
                _("%(field)s代码“%(v)s”无法识别，请在数据源的代码对照中补充。")
                % {"field": Field(target).label, "v": text},
            )
        else:
            s.values[target] = national

    phone_text = get.get(Field.PHONE, "")
    if phone_text:
        try:
            s.phone = idnumber.normalise_phone(phone_text)
        except ApplicationError:
            s.warn(Field.PHONE, _("电话号码“%(v)s”格式不正确，未采用。") % {"v": pii.mask_phone(phone_text)})

    for target, limit in ((Field.ADDRESS, 200), (Field.HUKOU_ADDRESS, 200), (Field.WORKPLACE, 100)):
        text = get.get(target, "")
        if text:
            if len(text) > limit:
                s.fail(target, _("%(field)s超过%(n)d个字。") % {"field": Field(target).label, "n": limit})
            else:
                s.values[target] = text

    # Group tag: a column, or every row of the source (a disabled persons' federation list).
    tag_text = get.get(Field.TAG_KIND, "")
    tag = ""
    if tag_text:
        tag = codes.to_national(codes.CodeTable.TAG, tag_text, maps.get(codes.CodeTable.TAG)) or ""
        if not tag:
            s.fail(
                Field.TAG_KIND, _("人群类别“%(v)s”无法识别，请在数据源的代码对照中补充。") % {"v": tag_text}
            )
    elif source.default_tag_kind:
        tag = source.default_tag_kind
    if tag:
        s.values[Field.TAG_KIND] = tag
        grade_text = get.get(Field.TAG_GRADE, "")
        if grade_text:
            grade = _GRADES.get(grade_text) or (int(grade_text) if grade_text.isdigit() else 0)
            if not 1 <= grade <= 4:
                s.fail(Field.TAG_GRADE, _("残疾等级“%(v)s”应为1–4级。") % {"v": grade_text})
            else:
                s.values[Field.TAG_GRADE] = grade
        category_text = get.get(Field.DISABILITY_CATEGORY, "")
        if category_text:
            category = _DISABILITY_LABELS.get(category_text) or (
                category_text if category_text in DisabilityCategory.values else ""
            )
            if not category:
                s.fail(Field.DISABILITY_CATEGORY, _("残疾类别“%(v)s”无法识别。") % {"v": category_text})
            else:
                s.values[Field.DISABILITY_CATEGORY] = category
        for target in (Field.TAG_VALID_FROM, Field.TAG_VALID_TO):
            text = get.get(target, "")
            if text:
                day = parse_date(text)
                if day is None:
                    s.fail(
                        target, _("%(field)s“%(v)s”无法识别。") % {"field": Field(target).label, "v": text}
                    )
                else:
                    s.values[target] = day.isoformat()
        start, end = s.values.get(Field.TAG_VALID_FROM), s.values.get(Field.TAG_VALID_TO)
        if start and end and end < start:
            s.fail(Field.TAG_VALID_TO, _("失效日期早于认定日期。"))
        _check_tag_facts(s, tag, birth)
    return s


def _check_tag_facts(s: Staged, tag: str, birth: dt.date | None) -> None:
    """The facts a tag rests on, as far as the row shows them (the register checks the rest
    when the tag is applied: registry.services.tag_facts_check)."""
    label = str(TagKind(tag).label) if tag in TagKind.values else tag
    min_age = registry_services.TAG_MIN_AGE.get(TagKind(tag)) if tag in TagKind.values else None
    if min_age and birth is not None:
        on = (
            dt.date.fromisoformat(s.values[Field.TAG_VALID_FROM])
            if s.values.get(Field.TAG_VALID_FROM)
            else None
        )
        age = registry_services.age_on(birth, on or timezone.localdate())
        if age < min_age:
            s.fail(
                Field.TAG_KIND,
                _("“%(tag)s”要求年满%(min)d周岁，该行人员为%(age)d岁。")
                % {"tag": label, "min": min_age, "age": age},
            )
    if tag == TagKind.DISABLED and not s.values.get(Field.TAG_GRADE):
        s.fail(Field.TAG_GRADE, _("“残疾人”须填写残疾等级（1–4级）。"))
    elif tag != TagKind.DISABLED and (
        s.values.get(Field.TAG_GRADE) or s.values.get(Field.DISABILITY_CATEGORY)
    ):
        s.fail(Field.TAG_GRADE, _("只有“残疾人”才填写残疾等级和类别。"))
