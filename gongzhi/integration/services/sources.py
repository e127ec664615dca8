"""Sources (a department's extracts: layout, code maps, trust) and who may import into them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import Department, DepartmentKind, Region, RegionLevel, RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.core.roles import ROLE_PERMISSIONS
from gongzhi.core.scoping import in_scope
from gongzhi.registry.codes import TagKind

from .. import codes
from ..errors import error
from ..models import (
    Field,
    Source,
)
from ..rules import IMPORT, MANAGE_SOURCES
from ..selectors import user_departments

# 社区采集 ranks first by default: community staff check at the door, and a correction is
# deliberate. A district can rank a department above it on the source page.
BUILTIN_TRUST_RANK = 1
BUILTIN_SOURCE_NAME = "社区采集"


# --- sources ---------------------------------------------------------------------------


def _clean_source(
    *,
    department: Department,
    name: str,
    file_format: str,
    columns: dict[str, str] | list,
    code_maps: dict[str, dict[str, str]],
    trust_rank: int,
    default_community: Region | None,
    default_tag_kind: str,
) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise error("source_name_required")
    clean_columns: list[list[str]] = []
    seen: set[str] = set()
    pairs = columns.items() if isinstance(columns, dict) else columns or []
    for column, target in pairs:
        column = str(column).strip()
        if not column or not target:
            continue
        if target not in Field.values:
            raise error("unknown_field", column=column, field=target)
        if target in seen:
            raise error("duplicate_field", field=Field(target).label)
        seen.add(target)
        clean_columns.append([column, target])
    if Field.NAME not in seen:
        raise error("name_column_required")
    if Field.COMMUNITY not in seen and default_community is None:
        raise error("community_required")
    if default_community is not None and (
        default_community.level != RegionLevel.COMMUNITY
        or not default_community.code.startswith(department.region_id)
    ):
        raise error("community_outside", department=department.name)
    clean_maps: dict[str, dict[str, str]] = {}
    for table, mapping in (code_maps or {}).items():
        if table not in codes.CodeTable.values:
            raise error("unknown_table", table=table)
        known = codes.labels(table)
        clean: dict[str, str] = {}
        for own, national in (mapping or {}).items():
            own, national = str(own).strip(), str(national).strip()
            if not own:
                continue
            if national not in known:
                raise error("unknown_code", table=codes.CodeTable(table).label, code=national)
            clean[own] = national
        if clean:
            clean_maps[table] = clean
    try:
        trust_rank = int(trust_rank)
    except (TypeError, ValueError):
        raise error("trust_rank") from None
    if not 1 <= trust_rank <= 99:
        raise error("trust_rank")
    if default_tag_kind and default_tag_kind not in TagKind.values:
        raise error("unknown_tag", kind=default_tag_kind)
    return {
        "name": name,
        "file_format": file_format,
        "columns": clean_columns,
        "code_maps": clean_maps,
        "trust_rank": trust_rank,
        "default_community": default_community,
        "default_tag_kind": default_tag_kind or "",
    }


@transaction.atomic
def source_create(
    *,
    by,
    department: Department,
    name: str,
    file_format: str,
    columns: dict[str, str] | list,
    code_maps: dict[str, dict[str, str]] | None = None,
    trust_rank: int = 5,
    default_community: Region | None = None,
    default_tag_kind: str = "",
) -> Source:
    require(by, MANAGE_SOURCES, department.region_id)
    cleaned = _clean_source(
        department=department,
        name=name,
        file_format=file_format,
        columns=columns,
        code_maps=code_maps or {},
        trust_rank=trust_rank,
        default_community=default_community,
        default_tag_kind=default_tag_kind,
    )
    if Source.objects.filter(department=department, name=cleaned["name"]).exists():
        raise error("source_name_taken")
    return Source.objects.create(department=department, created_by=by, updated_by=by, **cleaned)


@transaction.atomic
def source_update(*, by, source: Source, **changes) -> Source:
    require(by, MANAGE_SOURCES, source, hide=True)
    if source.builtin:
        return _builtin_source_update(by=by, source=source, trust_rank=changes.get("trust_rank"))
    current = {
        "name": source.name,
        "file_format": source.file_format,
        "columns": source.columns,
        "code_maps": source.code_maps,
        "trust_rank": source.trust_rank,
        "default_community": source.default_community,
        "default_tag_kind": source.default_tag_kind,
    }
    active = changes.pop("active", source.active)
    current.update(changes)
    cleaned = _clean_source(department=source.department, **current)
    if (
        Source.objects.filter(department=source.department, name=cleaned["name"])
        .exclude(pk=source.pk)
        .exists()
    ):
        raise error("source_name_taken")
    for key, value in cleaned.items():
        setattr(source, key, value)
    source.active = bool(active)
    source.updated_by = by
    source.save()
    return source


def _builtin_source_update(*, by, source: Source, trust_rank) -> Source:
    """社区采集 has no layout to edit: only how far it is trusted."""
    if trust_rank is not None:
        try:
            trust_rank = int(trust_rank)
        except (TypeError, ValueError):
            raise error("trust_rank") from None
        if not 1 <= trust_rank <= 99:
            raise error("trust_rank")
        source.trust_rank = trust_rank
    source.updated_by = by
    source.save(update_fields=["trust_rank", "updated_by", "updated_at"])
    return source


def builtin_source(community_code: str) -> Source:
    """The district's 社区采集 source (with its department), created on first need.

    One per district rather than one for the whole system: trust ranks are weighed among a
    district's sources, sources are scoped by their department's region, and so each
    district's data officer sees it on the sources page and can rank it against the
    departments of that district."""
    district_code = community_code[:6]
    found = Source.objects.select_related("department").filter(
        builtin=True, department__region_id=district_code
    )
    source = found.first()
    if source is not None:
        return source
    district = Region.objects.filter(code=district_code).first() or Region.objects.get(code=community_code)
    try:
        with transaction.atomic():
            department, _new = Department.objects.get_or_create(
                code=f"community-{district.code}",
                defaults={
                    "name": f"{district.name}各社区",
                    "kind": DepartmentKind.OTHER,
                    "region": district,
                },
            )
            return Source.objects.create(
                department=department,
                name=BUILTIN_SOURCE_NAME,
                file_format="json",
                columns=[],
                trust_rank=BUILTIN_TRUST_RANK,
                builtin=True,
            )
    except IntegrityError:  # created by a concurrent edit meanwhile
        return found.get()


def parse_code_map(text: str) -> dict[str, str]:
    """“部门代码=国家标准代码” per line (the mapping editor's text box)."""
    out: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise error("bad_code_line", n=n)
        own, national = (part.strip() for part in line.split("=", 1))
        if not own or not national:
            raise error("bad_code_line", n=n)
        out[own] = national
    return out


# --- who may import into a source -------------------------------------------------------


def _require_import(by, source: Source) -> None:
    """District staff import into any source of their region; a department's own staff
    only into their department's sources."""
    if by is not None and by.is_superuser:
        return
    region_roles = RoleAssignment.objects.filter(user=by, active=True, region__isnull=False).values_list(
        "role", "region_id"
    )
    for role, code in region_roles:
        if IMPORT in ROLE_PERMISSIONS.get(role, ()) and source.region_id.startswith(code):
            return
    if any(d.pk == source.department_id for d in user_departments(by, IMPORT)):
        return
    if in_scope(by, IMPORT, source.region_id):
        raise error("wrong_department")
    raise PermissionDenied()
