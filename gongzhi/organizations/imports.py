"""Excel (or CSV) imports of each register, with a report row by row.

Each row goes through the same service as the form, in its own savepoint: a refused row changes
nothing and is reported with its message; the other rows are imported."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from django.utils import translation

from gongzhi.core import tabular
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from .errors import error
from .estates import estates_by_names, property_estates_add
from .models import Grade, Organization, OrganizationKind, Registration, ResourceKind, ServiceField
from .rules import MANAGE
from .services import agreement_sign, committee_record, organization_register

MAX_ROWS = 5000

REGISTERS: dict[str, tuple[str, ...]] = {
    "social": (
        "名称",
        "类别",
        "所在区域代码",
        "统一社会信用代码",
        "登记或备案",
        "服务领域",
        "评估等级",
        "专职人员",
        "持证社工",
        "联系人",
        "地址",
        "服务社区代码",
    ),
    "units": (
        "名称",
        "所在区域代码",
        "统一社会信用代码",
        "联系人",
        "共建社区代码",
        "签订日期",
        "到期日期",
        "共建内容",
        "资源类型",
        "资源说明",
        "数量",
        "单位",
    ),
    # 管理小区: estate names separated by 、 or ；, found in the company's region ("社区名/小区名"
    # where a name is used twice); 移交: 是 to move an estate another company manages.
    "companies": ("名称", "所在区域代码", "统一社会信用代码", "联系人", "管理小区", "移交"),
    "committees": ("小区名称", "社区代码", "任期开始", "任期届满", "备案日期", "委员人数", "主任"),
}
REQUIRED = {
    "social": ("名称", "所在区域代码"),
    "units": ("名称", "所在区域代码"),
    "companies": ("名称", "所在区域代码"),
    "committees": ("小区名称", "社区代码", "任期开始", "任期届满"),
}


@dataclass
class RowResult:
    row: int
    ok: bool
    message: str = ""


@dataclass
class ImportReport:
    register: str
    rows: list[RowResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(r.ok for r in self.rows)

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


def _labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        table = {str(label): value for value, label in choices.choices}
    table.update({v: v for v in choices.values})
    return table


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value
    return str(value).strip()


@overload
def _date(value, label: str, required: Literal[True]) -> dt.date: ...
@overload
def _date(value, label: str, required: bool = False) -> dt.date | None: ...
def _date(value, label: str, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        if required:
            raise error("date_required", label=label)
        return None
    try:
        return dt.date.fromisoformat(str(value).replace("/", "-"))
    except ValueError:
        raise error("date_invalid", value=value) from None


def _region(code) -> Region:
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None:
        raise error("region_not_found", code=code)
    return region


def _choice(value: str, choices, label: str) -> str:
    if not value:
        return ""
    found = _labels(choices).get(value)
    if found is None:
        raise error("choice_invalid", value=value, label=label)
    return found


def register_import(*, by, register: str, data: bytes) -> ImportReport:
    """Import one register from a spreadsheet; returns the report row by row."""
    require(by, MANAGE)
    if register not in REGISTERS:
        raise error("register_invalid")
    try:
        rows = [[_cell(v) for v in row] for row in tabular.iter_rows(data)] if data else []
    except tabular.TabularError as exc:
        raise error("import_empty") from exc
    columns = REGISTERS[register]
    header_at, index = None, {}
    for i, row in enumerate(rows[:5]):
        names = [str(c).strip().lstrip("*") for c in row]
        if sum(n in columns for n in names) >= 2:
            header_at, index = i, {n: j for j, n in enumerate(names) if n in columns}
            break
    if header_at is None or any(c not in index for c in REQUIRED[register]):
        raise error("import_no_header", cols="、".join(REQUIRED[register]))
    body = [(header_at + 2 + k, r) for k, r in enumerate(rows[header_at + 1 :]) if not tabular.is_blank(r)]
    if not body:
        raise error("import_empty")
    if len(body) > MAX_ROWS:
        raise error("import_too_large", n=MAX_ROWS)
    report = ImportReport(register)
    handler = _HANDLERS[register]
    for number, row in body:
        values = {name: (row[j] if j < len(row) else "") for name, j in index.items()}
        try:
            handler(by, values)
        except ApplicationError as exc:
            report.rows.append(RowResult(number, False, str(exc.message)))
        else:
            report.rows.append(RowResult(number, True))
    return report


def _social(by, v) -> None:
    kind = {"社区社会组织": OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION}.get(
        v.get("类别", ""), OrganizationKind.SOCIAL_ORGANIZATION
    )
    organization_register(
        by=by,
        name=v.get("名称", ""),
        kind=kind,
        region=_region(v.get("所在区域代码", "")),
        credit_code=v.get("统一社会信用代码", ""),
        registration=_choice(v.get("登记或备案", ""), Registration, "登记方式"),
        service_field=_choice(v.get("服务领域", ""), ServiceField, "服务领域"),
        grade=_choice(str(v.get("评估等级", "")).upper(), Grade, "评估等级"),
        staff_count=v.get("专职人员", 0) or 0,
        social_worker_count=v.get("持证社工", 0) or 0,
        contact_name=v.get("联系人", ""),
        address=v.get("地址", ""),
        communities_served=[c for c in re.split(r"[、,，;；\s]+", str(v.get("服务社区代码", ""))) if c],
    )


def _unit(by, v) -> None:
    region = _region(v.get("所在区域代码", ""))
    name = str(v.get("名称", "")).strip()
    org = Organization.objects.filter(name=name, kind=OrganizationKind.RESIDENT_UNIT, region=region).first()
    from django.db import transaction

    with transaction.atomic():
        if org is None:
            org = organization_register(
                by=by,
                name=name,
                kind=OrganizationKind.RESIDENT_UNIT,
                region=region,
                credit_code=v.get("统一社会信用代码", ""),
                contact_name=v.get("联系人", ""),
            )
        if v.get("共建社区代码"):
            resources = []
            if v.get("资源类型"):
                resources.append(
                    {
                        "kind": _choice(v["资源类型"], ResourceKind, "资源类型"),
                        "description": v.get("资源说明", ""),
                        "quantity": v.get("数量", ""),
                        "unit": v.get("单位", ""),
                    }
                )
            agreement_sign(
                by=by,
                organization=org,
                community=_region(v["共建社区代码"]),
                signed_on=_date(v.get("签订日期"), "签订日期", required=True),
                expires_on=_date(v.get("到期日期"), "到期日期"),
                content=v.get("共建内容", ""),
                resources=resources,
            )


def _company(by, v) -> None:
    """A property company, with the estates it manages: an unknown or ambiguous estate name
    refuses the whole row (the company is not registered either). A company already in the
    register (same name and region) gets the estates of the row added."""
    from django.db import transaction

    region = _region(v.get("所在区域代码", ""))
    name = str(v.get("名称", "")).strip()
    found, problems = estates_by_names(by=by, company_region=region, text=str(v.get("管理小区", "")))
    if problems:
        raise error("estate_names_invalid", problems=" ".join(problems))
    move = str(v.get("移交", "")).strip() in ("是", "Y", "y", "yes", "1", "true", "TRUE")
    existing = Organization.objects.filter(
        name=name, kind=OrganizationKind.PROPERTY_COMPANY, region=region
    ).first()
    with transaction.atomic():
        if existing is None or not found:
            company = organization_register(
                by=by,
                name=name,
                kind=OrganizationKind.PROPERTY_COMPANY,
                region=region,
                credit_code=v.get("统一社会信用代码", ""),
                contact_name=v.get("联系人", ""),
            )
        else:
            company = existing
        if found:
            if not move:  # the import's own wording of the service's refusal: the 移交 column
                for e in found:
                    if e.property_company_id not in (None, company.pk):
                        raise error("estate_managed_by_other_import", name=e.name, company=e.property_company)
            property_estates_add(by=by, company=company, estates=found, move=move)


def _committee(by, v) -> None:
    from gongzhi.registry import selectors as registry

    community = _region(v.get("社区代码", ""))
    name = str(v.get("小区名称", "")).strip()
    estate = registry.estate_list(user=by, perm=MANAGE).filter(community=community, name=name).first()
    if estate is None:
        raise error("estate_not_found", name=name)
    committee_record(
        by=by,
        estate=estate,
        term_start=_date(v.get("任期开始"), "任期开始", required=True),
        term_end=_date(v.get("任期届满"), "任期届满", required=True),
        filed_on=_date(v.get("备案日期"), "备案日期"),
        member_count=v.get("委员人数") or 5,
        director_name=v.get("主任", ""),
    )


_HANDLERS = {"social": _social, "units": _unit, "companies": _company, "committees": _committee}


def template_workbook(register: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([("*" if c in REQUIRED[register] else "") + c for c in REGISTERS[register]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
