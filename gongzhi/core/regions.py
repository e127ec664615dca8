"""Importing the statistical division tree from the CSV layout of shared/data/regions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import CODE_LENGTH_LEVEL, Region


@dataclass
class RowProblem:
    file: str
    line: int
    code: str
    reason: str


@dataclass
class RegionImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    text = Path(path).read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return [(i + 2, row) for i, row in enumerate(reader)]  # line 1 is the header


def _parent_code(code: str, known: set[str]) -> str | None:
    """The nearest existing ancestor (some cities have no district level)."""
    for n in (9, 6, 4, 2):
        if n < len(code) and code[:n] in known:
            return code[:n]
    return None


@transaction.atomic
def regions_import(*, paths: list[Path]) -> RegionImportReport:
    """Upsert regions from CSV files (any order of files; parents first by code length).
    Idempotent: a second run reports everything unchanged. Bad rows are reported, not dropped silently."""
    report = RegionImportReport()
    incoming: dict[str, tuple[str, int, str]] = {}
    for path in paths:
        name = Path(path).name
        try:
            rows = _read_rows(path)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            report.rejected.append(RowProblem(name, 0, "", _("无法读取文件：%(e)s") % {"e": exc}))
            continue
        for line, row in rows:
            code = (row.get("code") or "").strip()
            title = (row.get("name") or "").strip()
            if not code.isdigit() or len(code) not in CODE_LENGTH_LEVEL:
                report.rejected.append(RowProblem(name, line, code, _("区划代码应为2、4、6、9或12位数字")))
                continue
            if not title:
                report.rejected.append(RowProblem(name, line, code, _("名称为空")))
                continue
            if len(title) > 100:
                report.rejected.append(RowProblem(name, line, code, _("名称超过100个字")))
                continue
            if code in incoming and incoming[code][0] != title:
                report.rejected.append(RowProblem(name, line, code, _("同一代码在文件中出现两次且名称不同")))
                continue
            incoming[code] = (title, line, name)

    existing = {r.code: r for r in Region.objects.all()}
    known = set(existing) | set(incoming)
    to_create: list[Region] = []
    to_update: list[Region] = []
    for code in sorted(incoming, key=lambda c: (len(c), c)):
        title, line, fname = incoming[code]
        parent = _parent_code(code, known) if len(code) > 2 else None
        if len(code) > 2 and parent is None:
            report.rejected.append(RowProblem(fname, line, code, _("找不到上级区划（请同时导入上级文件）")))
            known.discard(code)
            continue
        level = CODE_LENGTH_LEVEL[len(code)]
        current = existing.get(code)
        if current is None:
            to_create.append(Region(code=code, name=title, level=level, parent_id=parent))
        elif (current.name, current.parent_id) != (title, parent):
            current.name, current.parent_id = title, parent
            to_update.append(current)
        else:
            report.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_update, ["name", "parent"], batch_size=2000)
    report.created, report.updated = len(to_create), len(to_update)
    if incoming:
        from .manifests import run_hook

        # Apps that keep something per region (demands: a handling unit for every community,
        # street and district) create it now, not when a page first needs it.
        run_hook("regions_imported", codes=sorted(incoming))
    return report
