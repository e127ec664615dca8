"""Importing residents from a spreadsheet (xlsx, or csv in UTF-8 or GBK).

Every row is checked on its own and either lands (created), matches a person already
registered by identity-number hash (updated or unchanged), or is rejected with its row
number and the reason. A row lands in its own savepoint, so a bad row changes nothing and
the good ones are kept; importing the same file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import idnumber, pii, tabular
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import in_scope
from gongzhi.core.text import bad_character, bad_character_message

from . import services
from .codes import ETHNICITIES, Relationship, ResidenceType, Sex, TagKind
from .models import Household, HouseholdMember, Person, PersonTag
from .rules import IMPORT_PERSON

COLUMNS = [
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "民族",
    "联系电话",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户编号",
    "与户主关系",
    "人口类型",
    "人群标签",
]
COMMUNITY_COLUMN = "社区代码"
REQUIRED = ("姓名", "公民身份号码")
MAX_ROWS = 20000
MAX_BYTES = 10 * 1024 * 1024

COLUMN_HELP = {
    "姓名": gettext_lazy("必填。"),
    "公民身份号码": gettext_lazy(
        "必填，18位（旧式15位会自动升位）；用于识别同一个人，重复导入不会重复登记。"
    ),
    "性别": gettext_lazy("男 或 女；可不填，由身份号码推出；填了须与号码一致。"),
    "出生日期": gettext_lazy("如 1980-05-17；可不填；填了须与号码一致。"),
    "民族": gettext_lazy("如 汉族、回族；不填为汉族。"),
    "联系电话": gettext_lazy("手机11位或固定电话如 0591-87654321；可不填。"),
    "小区": gettext_lazy(
        "小区/院落名称，与楼栋、房号一起填写。小区和楼栋须已登记（否则该行不导入），"
        "除非导入时勾选“允许新建小区和楼栋”；已登记楼栋中的新房号会自动建立。"
    ),
    "楼栋": gettext_lazy("如 3号楼。"),
    "单元": gettext_lazy("数字，如 1；不填为1单元。"),
    "房号": gettext_lazy("如 302（前面的数字为楼层）。"),
    "户编号": gettext_lazy("同一户的成员填同一个编号；户不存在会自动建立。"),
    "与户主关系": gettext_lazy("按 GB/T 4761 填写，如 户主、配偶、子、女、父母、孙子女或外孙子女、非亲属。"),
    "人口类型": gettext_lazy("户籍、人户分离、流动人口 或 境外人员；不填为户籍人口。"),
    "人群标签": gettext_lazy("可填多个，用顿号分隔，如 独居老人、低保对象。"),
    COMMUNITY_COLUMN: gettext_lazy("12位社区代码；街道、区级用户导入时必填，社区用户可在页面上选择社区。"),
}


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read: nothing is imported."""

    def __init__(self, code: str, message):
        super().__init__(code, message, field="file")


@dataclass
class RowResult:
    row: int  # the row number in the spreadsheet (the header is row 1)
    status: str  # created / updated / unchanged / rejected
    name: str = ""
    reason: str = ""
    person_id: int | None = None


@dataclass
class ImportReport:
    filename: str
    rows: list[RowResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def created(self) -> int:
        return self._count("created")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def rejected(self) -> int:
        return self._count("rejected")

    @property
    def rejected_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "rejected"]

    @property
    def total(self) -> int:
        return len(self.rows)


class RowError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class IdHeldElsewhere(RowError):
    """The row's number is registered to a person outside the importer's scope: the row is
    refused without saying where, and the attempt logged once the row's savepoint is gone."""

    def __init__(self, holder: Person, community: Region):
        from .errors import error

        super().__init__(error("id_not_registrable_here").message)
        self.holder, self.community = holder, community


# --- reading the file ------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date):
        return value
    return str(value).strip()


def read_rows(data: bytes) -> list[list[Any]]:
    """All rows of the first sheet (xlsx) or of the csv (UTF-8, UTF-8 with BOM, or GBK)."""
    if not data:
        raise ImportFileError("import_empty", gettext_lazy("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise ImportFileError("import_too_large", gettext_lazy("文件超过10MB，请分批导入。"))
    try:
        return [[_cell(v) for v in row] for row in tabular.iter_rows(data)]
    except tabular.TabularError as exc:
        raise ImportFileError(exc.code, exc.message) from exc


def _header_index(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """Find the header row (within the first five) and the position of each known column."""
    known = set(COLUMNS) | {COMMUNITY_COLUMN}
    for i, row in enumerate(rows[:5]):
        names = [str(c).strip().lstrip("*") for c in row]
        if sum(n in known for n in names) >= 2:
            return i, {n: j for j, n in enumerate(names) if n in known}
    raise ImportFileError(
        "import_no_header",
        gettext_lazy("找不到表头。第一行应为列名：%(cols)s。请下载模板填写。")
        % {"cols": "、".join(COLUMNS[:6])},
    )


# --- interpreting values ----------------------------------------------------------------


def _chinese_labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def _lookup_tables() -> dict[str, dict[str, str]]:
    ethnicity = _chinese_labels(ETHNICITIES)
    ethnicity.update({k[:-1]: v for k, v in list(ethnicity.items()) if k.endswith("族") and len(k) > 2})
    ethnicity.update({v: v for v in ethnicity.values()})
    relationship = _chinese_labels(Relationship.choices)
    relationship.update({v: v for v in Relationship.values})
    relationship.update({"本人": "02", "儿子": "20", "女儿": "30", "丈夫": "11", "妻子": "12"})
    residence = _chinese_labels(ResidenceType.choices)
    residence.update(
        {
            "户籍": "registered",
            "户籍人口": "registered",
            "常住": "registered",
            "人户分离": "away",
            "流动": "migrant",
            "流动人口": "migrant",
            "境外": "overseas",
            "境外人员": "overseas",
        }
    )
    residence.update({v: v for v in ResidenceType.values})
    tags = _chinese_labels(TagKind.choices)
    tags.update({"高龄老人": "elderly_80", "低保": "minimum_allowance", "特困": "extreme_hardship"})
    tags.update({v: v for v in TagKind.values})
    sex = _chinese_labels(Sex.choices)
    sex.update({"M": "M", "F": "F", "男性": "M", "女性": "F", "1": "M", "2": "F"})
    return {
        "ethnicity": ethnicity,
        "relationship": relationship,
        "residence": residence,
        "tags": tags,
        "sex": sex,
    }


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _parse_date(value: Any) -> dt.date | None:
    if value in ("", None):
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if " " in text:  # 1980-05-17 00:00:00
        text = text.split(" ", 1)[0]
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise RowError(_("出生日期“%(v)s”无法识别，请写成 1980-05-17。") % {"v": text})


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[、,，;；/\s]+", value or "") if t.strip()]


# --- the import -------------------------------------------------------------------------


def person_import(
    *,
    by,
    data: bytes,
    filename: str = "",
    community: Region | None = None,
    allow_new_places: bool = False,
) -> ImportReport:
    """Import residents from a spreadsheet. `community` is where rows without a 社区代码
    column go; rows with one go to that community, which must lie in the user's scope.
    A row naming an estate or building that is not registered is rejected with the reason,
    unless `allow_new_places` (then created within plausible bounds)."""
    require(by, IMPORT_PERSON)
    if community is not None:
        require(by, IMPORT_PERSON, community)
    rows = read_rows(data)
    header_at, cols = _header_index(rows)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise ImportFileError(
            "import_missing_columns",
            gettext_lazy("表格缺少必需的列：%(cols)s。请下载模板核对列名。") % {"cols": "、".join(missing)},
        )
    if community is None and COMMUNITY_COLUMN not in cols:
        raise ImportFileError(
            "import_no_community",
            gettext_lazy("请在页面上选择社区，或在表格中加入“社区代码”列。"),
        )
    body = rows[header_at + 1 :]
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            "import_too_many_rows", gettext_lazy("一次最多导入%(n)d行，请分批导入。") % {"n": MAX_ROWS}
        )
    report = ImportReport(filename=filename)
    tables = _lookup_tables()
    seen: dict[str, int] = {}
    communities: dict[str, Region | None] = {}
    for offset, raw in enumerate(body):
        row_number = header_at + 2 + offset
        values = {name: (raw[j] if j < len(raw) else "") for name, j in cols.items()}
        if all(v in ("", None) for v in values.values()):
            continue  # blank lines are not rows
        name = str(values.get("姓名") or "").strip()
        try:
            with transaction.atomic():
                result = _import_row(
                    by=by,
                    values=values,
                    default_community=community,
                    communities=communities,
                    seen=seen,
                    row_number=row_number,
                    tables=tables,
                    allow_new_places=allow_new_places,
                )
        except RowError as exc:
            if isinstance(exc, IdHeldElsewhere):
                services.id_conflict_record(
                    by=by, holder=exc.holder, community=exc.community, via=_("表格导入")
                )
            report.rows.append(RowResult(row_number, "rejected", name, exc.message))
        except ApplicationError as exc:
            report.rows.append(RowResult(row_number, "rejected", name, str(exc.message)))
        else:
            status, person = result
            report.rows.append(RowResult(row_number, status, name, "", person.pk))
    return report


def _row_community(by, values, default_community, communities) -> Region:
    code = str(values.get(COMMUNITY_COLUMN) or "").strip()
    if not code:
        if default_community is None:
            raise RowError(_("缺少社区代码。"))
        return default_community
    if code not in communities:
        communities[code] = Region.objects.filter(code=code).first()
    region = communities[code]
    if region is None:
        raise RowError(_("未知的社区代码“%(c)s”。") % {"c": code})
    if region.level != RegionLevel.COMMUNITY:
        raise RowError(_("“%(c)s”不是社区（村）一级的代码。") % {"c": code})
    if not in_scope(by, IMPORT_PERSON, region.code):
        raise RowError(_("社区“%(name)s”不在您的管辖范围内。") % {"name": region.name})
    return region


def _import_row(*, by, values, default_community, communities, seen, row_number, tables, allow_new_places):
    for column, value in values.items():  # control characters: refused here as in every form
        char = bad_character(value) if isinstance(value, str) else None
        if char:
            raise RowError(bad_character_message(char, column))
    name = str(values.get("姓名") or "").strip()
    if not name:
        raise RowError(_("缺少姓名。"))
    raw_id = str(values.get("公民身份号码") or "").strip()
    parsed = idnumber.parse(raw_id)  # IdNumberError carries the validator's reason
    id_hash = pii.keyed_hash(parsed.value)
    if id_hash in seen:
        raise RowError(_("身份号码与第%(n)d行重复。") % {"n": seen[id_hash]})
    seen[id_hash] = row_number
    community = _row_community(by, values, default_community, communities)

    data: dict[str, Any] = {"name": name, "id_number": parsed.value}
    sex_text = str(values.get("性别") or "").strip()
    if sex_text:
        if sex_text not in tables["sex"]:
            raise RowError(_("性别“%(v)s”无法识别，请填 男 或 女。") % {"v": sex_text})
        data["sex"] = tables["sex"][sex_text]
    birth = _parse_date(values.get("出生日期"))
    if birth:
        data["birth_date"] = birth
    ethnicity = str(values.get("民族") or "").strip()
    if ethnicity:
        if ethnicity not in tables["ethnicity"]:
            raise RowError(_("民族“%(v)s”无法识别。") % {"v": ethnicity})
        data["ethnicity"] = tables["ethnicity"][ethnicity]
    phone = str(values.get("联系电话") or "").strip()
    if phone:
        data["phone"] = phone
    residence = str(values.get("人口类型") or "").strip()
    if residence:
        if residence not in tables["residence"]:
            raise RowError(_("人口类型“%(v)s”无法识别。") % {"v": residence})
        data["residence_type"] = tables["residence"][residence]
    tag_kinds = []
    for label in _split_tags(str(values.get("人群标签") or "")):
        if label not in tables["tags"]:
            raise RowError(_("人群标签“%(v)s”无法识别。") % {"v": label})
        tag_kinds.append(tables["tags"][label])
    relationship = ""
    household_number = str(values.get("户编号") or "").strip()
    relationship_text = str(values.get("与户主关系") or "").strip()
    if relationship_text:
        if relationship_text not in tables["relationship"]:
            raise RowError(
                _("与户主关系“%(v)s”无法识别（按 GB/T 4761 填写，如 户主、配偶、子）。")
                % {"v": relationship_text}
            )
        relationship = tables["relationship"][relationship_text]
    if household_number and not relationship:
        raise RowError(_("填写了户编号时，请同时填写与户主关系。"))
    if relationship and not household_number:
        raise RowError(_("填写了与户主关系时，请同时填写户编号。"))

    dwelling = _row_dwelling(by, community, values, allow_new_places)
    if dwelling is not None:
        data["dwelling"] = dwelling

    existing = Person.objects.select_related("community").filter(id_number_hash=id_hash).first()
    if existing is None:
        person = services.person_create(
            by=by,
            community=community,
            data=data,
            note=_("表格导入"),
            perm=IMPORT_PERSON,
            origin=services.ORIGIN_IMPORT,
        )
        status = "created"
    else:
        if not in_scope(by, IMPORT_PERSON, existing.community_id):
            raise IdHeldElsewhere(existing, community)
        before = existing.version
        if existing.community_id != community.code:
            data["community"] = community
        person = services.person_update(
            by=by,
            person=existing,
            data=data,
            note=_("表格导入"),
            perm=IMPORT_PERSON,
            origin=services.ORIGIN_IMPORT,
        )
        status = "updated" if person.version != before else "unchanged"

    changed = False
    if household_number:  # before the tags: 独居老人 is checked against the household
        changed = _row_household(by, person, community, household_number, relationship, dwelling)
    changed = _row_tags(by, person, tag_kinds) or changed
    if changed and status == "unchanged":
        status = "updated"
    return status, person


def _row_dwelling(by, community, values, allow_new_places=False):
    estate = str(values.get("小区") or "").strip()
    building = str(values.get("楼栋") or "").strip()
    number = str(values.get("房号") or "").strip()
    if number.endswith("室"):
        number = number[:-1]
    if not (estate or building or number):
        return None
    if not (estate and building and number):
        raise RowError(_("小区、楼栋、房号须同时填写（或都不填）。"))
    entrance_text = str(values.get("单元") or "").strip().removesuffix("单元")
    if entrance_text and not entrance_text.isdigit():
        raise RowError(_("单元“%(v)s”应为数字。") % {"v": entrance_text})
    entrance = int(entrance_text or 1)
    if not 1 <= entrance <= 99:
        raise RowError(_("单元“%(v)s”应为1–99。") % {"v": entrance_text})
    if len(estate) > 80 or len(building) > 30 or len(number) > 20:
        raise RowError(_("小区、楼栋或房号过长。"))
    return services.dwelling_locate(
        by=by,
        community=community,
        estate_name=estate,
        building_name=building,
        entrance=entrance,
        number=number,
        perm=IMPORT_PERSON,
        allow_new_places=allow_new_places,
    )


def _row_tags(by, person, kinds) -> bool:
    today = timezone.localdate()
    changed = False
    for kind in dict.fromkeys(kinds):
        holds = (
            PersonTag.objects.filter(person=person, kind=kind, valid_from__lte=today)
            .exclude(valid_to__lt=today)
            .exists()
        )
        if not holds:
            services.person_tag_add(
                by=by, person=person, kind=kind, source_label="表格导入", perm=IMPORT_PERSON
            )
            changed = True
    return changed


def _row_household(by, person, community, number, relationship, dwelling) -> bool:
    if len(number) > 30:
        raise RowError(_("户编号过长（最多30个字符）。"))
    household = Household.objects.filter(community=community, number=number).first()
    if household is None:
        household = services.household_create(
            by=by, community=community, number=number, dwelling=dwelling, perm=IMPORT_PERSON
        )
    membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
    if membership is not None:
        if membership.household_id != household.pk:
            raise RowError(
                _("该居民已在户“%(h)s”中，请先在系统中将其移出原户。") % {"h": membership.household.number}
            )
        if membership.relationship != relationship:
            raise RowError(_("该居民在本户中的关系与表格不一致，请在系统中核对后修改。"))
        return False
    services.household_member_add(
        by=by, household=household, person=person, relationship=relationship, perm=IMPORT_PERSON
    )
    return True


def template_workbook(*, with_community_column: bool = False) -> bytes:
    """The spreadsheet to fill in: the expected columns and a sheet explaining each one."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    columns = ([COMMUNITY_COLUMN] if with_community_column else []) + COLUMNS
    sheet.append(columns)
    for i, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF" if col in REQUIRED else "000000")
        cell.fill = PatternFill("solid", fgColor="C8161D" if col in REQUIRED else "E3E6EB")
        sheet.column_dimensions[cell.column_letter].width = 22 if col == "公民身份号码" else 14
        cell.number_format = "@"
    for letter in [sheet.cell(row=1, column=i).column_letter for i in range(1, len(columns) + 1)]:
        for row in range(2, 202):
            sheet[f"{letter}{row}"].number_format = "@"  # text, so numbers keep leading zeros
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for col in columns:
        with translation.override("zh-hans"):
            notes.append([col, str(COLUMN_HELP[col])])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
