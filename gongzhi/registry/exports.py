"""Exporting residents to Excel: always masked, always with a stated purpose, always logged."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongzhi.core.audit import access_log_record, clean_purpose
from gongzhi.core.models import AccessAction
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes
from gongzhi.core.spreadsheets import append_row

from .rules import EXPORT_PERSON
from .selectors import person_list_page, person_search

EXPORT_FIELDS = ["name", "sex", "birth_year", "id_number_masked", "phone_masked", "address", "tags"]
MAX_EXPORT = 100_000


@dataclass
class ExportFile:
    content: bytes
    filename: str
    count: int


def _log_community(user, community: str) -> str:
    """The region an export belongs to in the access log: the filtered community, or the
    user's one scope prefix (a street exporting all its communities logs the street)."""
    if community:
        return community[:12]
    prefixes = scope_prefixes(user, EXPORT_PERSON)
    if len(prefixes) == 1:
        return prefixes[0]
    common = os.path.commonprefix(prefixes) if prefixes else ""
    return common[: max(n for n in (0, 2, 4, 6, 9, 12) if n <= len(common))]


@transaction.atomic
def person_export(*, by, purpose: str, note: str = "", filters: dict | None = None) -> ExportFile:
    """The residents the user may export that match the search filters, masked, as xlsx.
    The export is written to the access log with its count and purpose."""
    require(by, EXPORT_PERSON)
    purpose, note = clean_purpose(purpose, note)
    filters = {k: v for k, v in (filters or {}).items() if v}
    people = list(person_list_page(person_search(user=by, perm=EXPORT_PERSON, **filters))[: MAX_EXPORT + 1])
    if len(people) > MAX_EXPORT:
        from gongzhi.core.errors import ApplicationError

        raise ApplicationError(
            "export_too_large", _("符合条件的居民超过%(n)d人，请缩小查询范围后再导出。") % {"n": MAX_EXPORT}
        )
    content = _workbook(people)
    access_log_record(
        user=by,
        action=AccessAction.EXPORT,
        object_type="registry.person",
        object_id="",
        community_code=_log_community(by, filters.get("community", "")),
        fields=["name", "id_number_masked", "phone_masked", "address"],
        count=len(people),
        purpose=purpose,
        note=note,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = _("居民名单")  # the file is saved under a Chinese name (RFC 5987, core/downloads.py)
    return ExportFile(content=content, filename=f"{name}-{stamp}.xlsx", count=len(people))


def _workbook(people) -> bytes:
    return _workbook_rows(_person_row(p) for p in people)


def _person_row(p) -> list:
    """One exported row: masked identity number and phone, never the full ones."""
    return [
        p.name,
        p.get_sex_display(),
        p.birth_year or "",  # the year only: with the date the masked number is derivable
        p.id_number_masked,
        p.phone_masked,
        p.community.short_name,
        p.address,
        p.get_residence_type_display(),
        "、".join(t.get_kind_display() for t in p.current_tags),
    ]


def _workbook_rows(rows) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    with translation.override("zh-hans"):
        headers = [
            _("姓名"),
            _("性别"),
            _("出生年份"),
            _("公民身份号码（已脱敏）"),
            _("联系电话（已脱敏）"),
            _("社区"),
            _("居住地址"),
            _("人口类型"),
            _("人群标签"),
        ]
        book = openpyxl.Workbook(write_only=False)
        sheet = book.active
        sheet.title = _("居民")
        append_row(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)  # text as text: no live formulas, stored control characters replaced
    for letter, width in zip("ABCDEFGHI", (10, 6, 12, 22, 16, 14, 36, 20, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
