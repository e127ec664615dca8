"""National code tables for what departments send, and how they map onto the register.

Each table is (code, label) pairs as published; `to_registry` turns a national code into the
value the register stores (the register keeps sex as M/F and a coarser relationship list).
The tables are also loaded into the database (NationalCode, by a data migration) so that
reports and other systems can join on them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.codes import ETHNICITY_NAMES

# GB/T 2261.1-2003 人的性别代码
SEX = [
    ("0", "未知的性别"),
    ("1", "男性"),
    ("2", "女性"),
    ("9", "未说明的性别"),
]

# GB/T 3304-1991: the registry's table (56 nationalities, then 97 and 98)
ETHNICITY = list(ETHNICITY_NAMES.items())

# GB/T 4761-2008 家庭关系代码
RELATIONSHIP = [
    ("01", "本人"),
    ("02", "户主"),
    ("10", "配偶"),
    ("11", "夫"),
    ("12", "妻"),
    ("20", "子"),
    ("21", "独生子"),
    ("22", "长子"),
    ("23", "次子"),
    ("24", "三子"),
    ("25", "四子"),
    ("26", "五子"),
    ("27", "养子或继子"),
    ("28", "女婿"),
    ("29", "其他儿子"),
    ("30", "女"),
    ("31", "独生女"),
    ("32", "长女"),
    ("33", "次女"),
    ("34", "三女"),
    ("35", "四女"),
    ("36", "五女"),
    ("37", "养女或继女"),
    ("38", "儿媳"),
    ("39", "其他女儿"),
    ("40", "孙子、孙女或外孙子、外孙女"),
    ("41", "孙子"),
    ("42", "孙女"),
    ("43", "外孙子"),
    ("44", "外孙女"),
    ("45", "孙媳妇或外孙媳妇"),
    ("46", "孙女婿或外孙女婿"),
    ("47", "曾孙子或外曾孙子"),
    ("48", "曾孙女或外曾孙女"),
    ("49", "其他孙子、孙女或外孙子、外孙女"),
    ("50", "父母"),
    ("51", "父亲"),
    ("52", "母亲"),
    ("53", "公公"),
    ("54", "婆婆"),
    ("55", "岳父"),
    ("56", "岳母"),
    ("57", "继父或养父"),
    ("58", "继母或养母"),
    ("59", "其他父母关系"),
    ("60", "祖父母或外祖父母"),
    ("61", "祖父"),
    ("62", "祖母"),
    ("63", "外祖父"),
    ("64", "外祖母"),
    ("65", "配偶的祖父母或外祖父母"),
    ("66", "曾祖父"),
    ("67", "曾祖母"),
    ("68", "配偶的曾祖父母或外曾祖父母"),
    ("69", "其他祖父母或外祖父母关系"),
    ("70", "兄弟姐妹"),
    ("71", "兄"),
    ("72", "嫂"),
    ("73", "弟"),
    ("74", "弟媳"),
    ("75", "姐姐"),
    ("76", "姐夫"),
    ("77", "妹妹"),
    ("78", "妹夫"),
    ("79", "其他兄弟姐妹"),
    ("80", "其他"),
    ("81", "伯父"),
    ("82", "伯母"),
    ("83", "叔父"),
    ("84", "婶母"),
    ("85", "舅父"),
    ("86", "舅母"),
    ("87", "姨父"),
    ("88", "姨母"),
    ("89", "姑父"),
    ("90", "姑母"),
    ("91", "堂兄弟、堂姐妹"),
    ("92", "表兄弟、表姐妹"),
    ("93", "侄子"),
    ("94", "侄女"),
    ("95", "外甥"),
    ("96", "外甥女"),
    ("97", "其他亲属"),
    ("99", "非亲属"),
]

# GB/T 4658-2006 学历代码
EDUCATION = [
    ("10", "研究生教育"),
    ("11", "博士研究生毕业"),
    ("12", "博士研究生结业"),
    ("13", "博士研究生肄业"),
    ("14", "硕士研究生毕业"),
    ("15", "硕士研究生结业"),
    ("16", "硕士研究生肄业"),
    ("17", "研究生班毕业"),
    ("18", "研究生班结业"),
    ("19", "研究生班肄业"),
    ("20", "大学本科教育"),
    ("21", "大学本科毕业"),
    ("22", "大学本科结业"),
    ("23", "大学本科肄业"),
    ("28", "大学普通班毕业"),
    ("30", "大学专科教育"),
    ("31", "大学专科毕业"),
    ("32", "大学专科结业"),
    ("33", "大学专科肄业"),
    ("40", "中等职业教育"),
    ("41", "中等专科毕业"),
    ("42", "中等专科结业"),
    ("43", "中等专科肄业"),
    ("44", "职业高中毕业"),
    ("45", "职业高中结业"),
    ("46", "职业高中肄业"),
    ("47", "技工学校毕业"),
    ("48", "技工学校结业"),
    ("49", "技工学校肄业"),
    ("60", "普通高级中学教育"),
    ("61", "普通高中毕业"),
    ("62", "普通高中结业"),
    ("63", "普通高中肄业"),
    ("70", "初级中学教育"),
    ("71", "初中毕业"),
    ("73", "初中肄业"),
    ("80", "小学教育"),
    ("81", "小学毕业"),
    ("83", "小学肄业"),
    ("90", "其他"),
]


class CodeTable(models.TextChoices):
    SEX = "sex", _("性别（GB/T 2261.1）")
    ETHNICITY = "ethnicity", _("民族（GB/T 3304）")
    RELATIONSHIP = "relationship", _("家庭关系（GB/T 4761）")
    EDUCATION = "education", _("学历（GB/T 4658）")
    TAG = "tag", _("人群类别")


# Keyed by table name: CodeTable members are str, so a plain table name looks them up.
STANDARDS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    CodeTable.SEX: ("GB/T 2261.1-2003", SEX),
    CodeTable.ETHNICITY: ("GB/T 3304-1991", ETHNICITY),
    CodeTable.RELATIONSHIP: ("GB/T 4761-2008", RELATIONSHIP),
    CodeTable.EDUCATION: ("GB/T 4658-2006", EDUCATION),
}

# The register field each national table codes.
TABLE_OF_FIELD = {
    "sex": CodeTable.SEX,
    "ethnicity": CodeTable.ETHNICITY,
    "relationship": CodeTable.RELATIONSHIP,
    "education": CodeTable.EDUCATION,
    "tag_kind": CodeTable.TAG,
}


def table_entries(table: str) -> list[tuple[str, str]]:
    if table == CodeTable.TAG:
        from gongzhi.registry.codes import TagKind

        return [(str(v), str(label)) for v, label in TagKind.choices]
    return STANDARDS[table][1]


def labels(table: str) -> dict[str, str]:
    return dict(table_entries(table))


def _by_label(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, label in table_entries(table):
        out[label] = code
        if table == CodeTable.SEX:
            out[label[:1]] = code  # 男 / 女
        if table == CodeTable.ETHNICITY and label.endswith("族") and len(label) > 2:
            out[label[:-1]] = code  # 蒙古 for 蒙古族
    return out


def to_national(table: str, raw: str, source_map: dict[str, str] | None = None) -> str | None:
    """The national code for a department's value: through the source's own mapping first,
    then as a national code or label written out. None when it cannot be read."""
    value = (raw or "").strip()
    if not value:
        return ""
    if source_map and value in source_map:
        return source_map[value]
    known = labels(table)
    if value in known:
        return value
    if table in (CodeTable.ETHNICITY, CodeTable.RELATIONSHIP, CodeTable.EDUCATION) and value.isdigit():
        padded = value.zfill(2)
        if padded in known:
            return padded
    return _by_label(table).get(value)


def from_national(table: str, code: str, source_map: dict[str, str] | None = None) -> str:
    """The department's own code for a national code (the reverse of its mapping), for
    exporting back in the department's layout; the national code when it has no own code."""
    if source_map:
        for own, national in source_map.items():
            if national == code:
                return own
    return code


# National code -> what the register stores.
_SEX_TO_REGISTRY = {"1": "M", "2": "F"}
_SEX_FROM_REGISTRY = {"M": "1", "F": "2"}


def _relationship_to_registry(code: str) -> str:
    from gongzhi.registry.codes import Relationship

    if code in Relationship.values:
        return code
    if code == "01":
        return Relationship.HEAD
    head = code[0]
    coarse = {
        "2": Relationship.SON,
        "3": Relationship.DAUGHTER,
        "4": Relationship.GRANDCHILD,
        "5": Relationship.PARENT,
        "6": Relationship.GRANDPARENT,
        "7": Relationship.SIBLING,
    }
    if head in coarse:
        return coarse[head]
    if code == "99":
        return Relationship.NON_RELATIVE
    return Relationship.OTHER_RELATIVE


def to_registry(table: str, code: str) -> str:
    if not code:
        return ""
    if table == CodeTable.SEX:
        return _SEX_TO_REGISTRY.get(code, "")
    if table == CodeTable.RELATIONSHIP:
        return _relationship_to_registry(code)
    return code


def from_registry(table: str, value: str) -> str:
    if table == CodeTable.SEX:
        return _SEX_FROM_REGISTRY.get(value, "")
    return value
