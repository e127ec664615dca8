"""Shapes of the registry API. Identity numbers and phones leave only masked, except from
`reveal`; every list is a page (`count`, `limit`, `offset`, `items`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from gongzhi.core.purposes import SYSTEM_PURPOSES, Purpose
from gongzhi.core.schemas import ErrorOut  # noqa: F401  (re-exported for the registry router)

from . import selectors


class RegionOut(Schema):
    code: str
    name: str
    level: int


class CommunityOut(Schema):
    code: str
    name: str
    short_name: str
    street_code: str | None = Field(None, alias="parent_id")
    resident_count: int = Field(..., description="在册居民人数")


class TagOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    grade: int | None
    disability_category: str
    source: str = Field(..., description="来源部门或采集渠道")
    source_department: str | None = Field(None, description="来源部门代码")
    valid_from: dt.date
    valid_to: dt.date | None
    is_current: bool

    @staticmethod
    def resolve_source_department(obj) -> str | None:
        return obj.source_department.code if obj.source_department_id else None


class PersonListItem(Schema):
    id: int
    name: str
    sex: str
    birth_year: int | None = Field(
        None, description="出生年份（身份号码脱敏时只给年份；完整出生日期随 reveal 给出）"
    )
    age: int | None = Field(None, alias="age_this_year", description="今年满的岁数（今年 − 出生年份）")
    community: str = Field(..., alias="community_id")
    community_name: str = Field(..., alias="community.short_name")
    address: str
    id_number_masked: str
    phone_masked: str
    residence_type: str
    status: str
    tags: list[str] = Field(..., description="当前有效的人群标签")

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.kind for tag in obj.current_tags]


class DwellingRef(Schema):
    id: int
    address: str
    building_id: int
    estate_id: int = Field(..., alias="building.estate_id")


class HouseholdRef(Schema):
    id: int = Field(..., alias="household.id")
    number: str = Field(..., alias="household.number")
    relationship: str
    relationship_label: str = Field(..., alias="get_relationship_display")


class PersonOut(Schema):
    id: int
    version: int
    name: str
    former_names: str
    sex: str
    birth_year: int | None = Field(
        None, description="出生年份（身份号码脱敏时只给年份；完整出生日期随 reveal 给出）"
    )
    age: int | None = Field(None, alias="age_this_year", description="今年满的岁数（今年 − 出生年份）")
    ethnicity: str
    community: str = Field(..., alias="community_id")
    community_name: str = Field(..., alias="community.short_name")
    id_number_masked: str
    phone_masked: str
    residence_type: str
    status: str
    address: str
    hukou_address: str
    workplace: str
    notes: str
    dwelling: DwellingRef | None
    household: HouseholdRef | None = None
    tags: list[TagOut] = Field(..., description="人群标签（含已失效的），附来源与有效期")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_household(obj):
        return getattr(obj, "membership", None)

    @staticmethod
    def resolve_tags(obj):
        return list(selectors.person_tags(person=obj))


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonListItem]


class RevealIn(Schema):
    purpose: str = Field(
        "",
        description="必填：查看用途，取自法定用途清单（handle_demand 办理诉求、callback 诉求回访、"
        "home_visit 入户走访、aid_check 救助核查、department_assist 部门协查、"
        "register_correction 核对更正登记信息、export_filing 报表报送），记入访问日志",
        json_schema_extra={"enum": ["", *(v for v in Purpose.values if v not in SYSTEM_PURPOSES)]},
    )
    note: str = Field("", description="选填：补充说明（不超过200字），一并记入访问日志")


class RevealOut(Schema):
    id: int
    id_number: str
    phone: str
    birth_date: dt.date | None = Field(None, description="出生日期（随完整身份号码给出）")


class _PersonFields(Schema):
    name: str | None = Field(None, description="姓名")
    sex: str | None = Field(None, description="M 男 / F 女；有身份号码时由号码推出")
    birth_date: str | None = Field(None, description="YYYY-MM-DD；有身份号码时由号码推出")
    id_number: str | None = Field(None, description="公民身份号码（18位，15位自动升位）")
    phone: str | None = None
    ethnicity: str | None = Field(None, description="GB/T 3304 民族代码，如 01")
    residence_type: str | None = None
    status: str | None = None
    former_names: str | None = None
    hukou_address: str | None = None
    workplace: str | None = None
    notes: str | None = None
    address: str | None = Field(None, description="无房屋登记时的居住地址")
    dwelling_id: int | None = Field(None, description="居住房屋；填写后地址由房屋生成")
    note: str = Field("", description="变更说明（记入修改历史）")


class PersonCreateIn(_PersonFields):
    community: str = Field(..., description="所属社区的12位区划代码")


class PersonPatchIn(_PersonFields):
    version: int = Field(..., description="读取时的 version；记录已被他人修改时返回 409")
    community: str | None = Field(None, description="迁往的社区（12位区划代码）")


class ChangeOut(Schema):
    id: int
    at: dt.datetime
    by: str | None = None
    action: str
    changes: dict[str, Any]
    note: str

    @staticmethod
    def resolve_by(obj) -> str | None:
        return str(obj.by) if obj.by_id else None

    @staticmethod
    def resolve_changes(obj) -> dict[str, Any]:
        return selectors.masked_changes(obj.changes)


class ChangePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChangeOut]


class MemberOut(Schema):
    person_id: int
    name: str = Field(..., alias="person.name")
    sex: str = Field(..., alias="person.sex")
    birth_year: int | None = Field(None, alias="person.birth_year", description="出生年份")
    relationship: str
    relationship_label: str = Field(..., alias="get_relationship_display")
    id_number_masked: str = Field(..., alias="person.id_number_masked")
    phone_masked: str = Field(..., alias="person.phone_masked")
    joined_on: dt.date


class HouseholdOut(Schema):
    id: int
    number: str
    kind: str
    community: str = Field(..., alias="community_id")
    community_name: str = Field(..., alias="community.short_name")
    dwelling: DwellingRef | None
    head_id: int | None
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return list(selectors.household_members(household=obj))


class EstateOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    community: str = Field(..., alias="community_id")
    community_name: str = Field(..., alias="community.short_name")
    has_property_management: bool
    has_owners_committee: bool
    building_count: int


class EstatePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EstateOut]


class BuildingOut(Schema):
    id: int
    name: str
    floors: int
    entrances: int
    grid: str | None = None

    @staticmethod
    def resolve_grid(obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    dwelling_count: int


class DwellingOut(Schema):
    id: int
    entrance: int
    floor: int
    number: str
    area: float | None
    occupancy: str
    resident_count: int


class CommunityPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CommunityOut]
