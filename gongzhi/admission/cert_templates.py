"""Certificate templates (证明模板) are list data, not code: each certificate kind on the district's
list carries the text the community prints, with placeholders the register fills. A district adds a
kind of certificate by publishing a list item with its template; nothing here knows the kinds."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.registry import selectors as registry

MAX_LENGTH = 1000
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# The placeholders and what fills them. Identity numbers are only ever the masked form.
PLACEHOLDERS = {
    "姓名": gettext_lazy("居民姓名"),
    "公民身份号码": gettext_lazy("公民身份号码（脱敏：只显示前 4 位和后 4 位）"),
    "社区": gettext_lazy("出具证明的社区名称"),
    "住址": gettext_lazy("登记的居住地址"),
    "户编号": gettext_lazy("所在户的户编号"),
    "同户成员": gettext_lazy("同户成员的姓名和与户主关系"),
    "日期": gettext_lazy("出具日期"),
}


def template_problem(text: str) -> str:
    """What is wrong with a template, in plain words ("" when it can be used)."""
    if not text.strip():
        return _("出具证明事项须有证明模板。")
    if len(text) > MAX_LENGTH:
        return _("证明模板最多 %(n)s 个字符。") % {"n": MAX_LENGTH}
    unknown = [p for p in PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
    if unknown:
        return _("证明模板里的“{%(p)s}”不认识，可用的有：%(all)s。") % {
            "p": unknown[0],
            "all": "、".join("{" + p + "}" for p in PLACEHOLDERS),
        }
    if "{" in PLACEHOLDER.sub("", text) or "}" in PLACEHOLDER.sub("", text):
        return _("证明模板里有不成对的花括号。")
    if "{姓名}" not in text or "{公民身份号码}" not in text:
        return _("证明模板须写明被证明人：包含 {姓名} 和 {公民身份号码}。")
    return ""


def _members(person) -> str:
    membership = getattr(person, "membership", None)
    if membership is None:
        return _("无同户成员（独立居住）")
    members = registry.household_members(household=membership.household)
    return "；".join(f"{m.person.name}（{m.get_relationship_display()}）" for m in members)


def render(template: str, *, person, community_name: str, today) -> tuple[str, list[str]]:
    """The certificate's text and the register fields it read (for the access log)."""
    used = set(PLACEHOLDER.findall(template))
    values: dict[str, str] = {}
    fields = ["name", "id_number_masked"]
    if "姓名" in used:
        values["姓名"] = person.name
    if "公民身份号码" in used:
        values["公民身份号码"] = person.id_number_masked
    if "社区" in used:
        values["社区"] = community_name
    if "住址" in used:
        values["住址"] = person.dwelling.address if person.dwelling_id else community_name
        fields.append("address")
    if "户编号" in used:
        membership = getattr(person, "membership", None)
        values["户编号"] = membership.household.number if membership is not None else "—"
        fields.append("household")
    if "同户成员" in used:
        values["同户成员"] = _members(person)
        if "household" not in fields:
            fields.append("household")
    if "日期" in used:
        values["日期"] = today.isoformat()
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template), fields
