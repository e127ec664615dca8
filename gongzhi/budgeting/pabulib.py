"""Read and write Pabulib `.pb` files (the public library of participatory-budgeting elections).

A file has three sections, each a header line then `;`-separated rows with a column header:
META (key;value), PROJECTS (project_id;cost;…, often votes and selected), VOTES (voter_id;vote;…,
with `points` for cumulative/scoring ballots). `vote` is a comma-separated list of project ids: for
ordinal ballots in order of preference. A malformed file raises PabulibError naming the line.
Pure Python: nothing here touches the database."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

VOTE_TYPES = ("approval", "cumulative", "choose-1", "ordinal", "scoring")


class PabulibError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(_("第 %(line)d 行：%(message)s") % {"line": line, "message": message})
        self.line = line


@dataclass
class Election:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]  # id → row (cost, name, votes, selected, …)
    costs: dict[str, Decimal]
    votes: list[dict[str, int]]  # one per voter: project id → points (approval: 1)
    voter_rows: list[dict[str, str]] = field(default_factory=list)
    meta_lines: dict[str, int] = field(default_factory=dict)  # META key → its line in the file

    @property
    def budget(self) -> Decimal:
        return Decimal(self.meta.get("budget", "0").replace(",", "."))

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    def selected_in_file(self) -> list[str] | None:
        if not self.projects or "selected" not in next(iter(self.projects.values())):
            return None
        return [p for p, row in self.projects.items() if row.get("selected", "0").strip() not in ("0", "")]


def _number(value: str, line: int, what: str) -> Decimal:
    try:
        d = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise PabulibError(line, _("%(what)s“%(value)s”不是数字") % {"what": what, "value": value}) from None
    if not d.is_finite() or d < 0:
        raise PabulibError(line, _("%(what)s“%(value)s”不是非负数") % {"what": what, "value": value})
    return d


def _points_for(vote_type: str, meta: dict, ids: list[str], points: list[str], line: int) -> dict[str, int]:
    if vote_type in ("cumulative", "scoring"):
        if len(points) != len(ids):
            raise PabulibError(line, _("points 的个数与所投项目个数不一致"))
        out = {}
        for p, pt in zip(ids, points, strict=True):
            v = _number(pt, line, "points")
            out[p] = int(v)
        return out
    if vote_type == "ordinal":
        # Borda-like points per the file's META: max_length (or the ballot length) for the first
        # choice, one less for each next one.
        top = int(meta.get("max_length") or len(ids))
        return {p: max(top - k, 1) for k, p in enumerate(ids)}
    if vote_type == "choose-1" and len(ids) > 1:
        raise PabulibError(line, _("choose-1 选票只能选一个项目"))
    return {p: 1 for p in ids}


def parse(text: str) -> Election:
    lines = text.lstrip("\ufeff").splitlines()
    section = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: dict[str, dict[str, str]] = {}
    votes: list[dict[str, int]] = []
    voter_rows: list[dict[str, str]] = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        word = raw.strip().upper()
        if word in ("META", "PROJECTS", "VOTES"):
            section, header = word, None
            continue
        if section is None:
            raise PabulibError(n, _("文件须以 META、PROJECTS 或 VOTES 段开始"))
        row = next(csv.reader([raw], delimiter=";"))
        if header is None:
            header = [h.strip() for h in row]
            need = {"META": ("key",), "PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}[
                section
            ]
            missing = [c for c in need if c not in header]
            if missing:
                raise PabulibError(
                    n, _("%(section)s 段缺少列：%(cols)s") % {"section": section, "cols": ", ".join(missing)}
                )
            continue
        if len(row) != len(header):
            raise PabulibError(
                n, _("应有 %(want)d 列，实有 %(got)d 列") % {"want": len(header), "got": len(row)}
            )
        rec = dict(zip(header, row, strict=True))
        if section == "META":
            meta[rec["key"].strip()] = rec.get("value", "").strip()
            meta_lines[rec["key"].strip()] = n
        elif section == "PROJECTS":
            pid = rec["project_id"].strip()
            if pid in projects:
                raise PabulibError(n, _("项目编号 %(id)s 重复") % {"id": pid})
            _number(rec["cost"], n, "cost")
            rec["_line"] = str(n)
            projects[pid] = rec
        else:
            ids = [p.strip() for p in rec["vote"].split(",") if p.strip()]
            unknown = [p for p in ids if p not in projects]
            if unknown:
                raise PabulibError(n, _("选票中的项目 %(id)s 不在 PROJECTS 段中") % {"id": unknown[0]})
            if len(set(ids)) != len(ids):
                raise PabulibError(n, _("选票重复投了同一项目"))
            points = [p for p in rec.get("points", "").split(",") if p.strip()]
            vote_type = meta.get("vote_type", "approval")
            if vote_type not in VOTE_TYPES:
                raise PabulibError(n, _("不支持的 vote_type：%(t)s") % {"t": vote_type})
            votes.append(_points_for(vote_type, meta, ids, points, n))
            voter_rows.append(rec)
    if not projects:
        raise PabulibError(len(lines) or 1, _("文件中没有 PROJECTS 段或项目"))
    if "budget" in meta:
        _number(meta["budget"], meta_lines["budget"], "budget")
    costs = {p: _number(r["cost"], int(r["_line"]), "cost") for p, r in projects.items()}
    return Election(
        meta=meta, projects=projects, costs=costs, votes=votes, voter_rows=voter_rows, meta_lines=meta_lines
    )


def read(path: str | Path) -> Election:
    return loads(Path(path).read_bytes())


def loads(data: bytes) -> Election:
    """Parse the bytes of a file (UTF-8, or GB 18030 as Chinese spreadsheets save it)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return parse(data.decode(enc))
        except UnicodeDecodeError:
            continue
    raise PabulibError(1, _("无法识别文件编码"))


def dumps(meta: dict, projects: list[dict], votes: list[tuple[str, list[str], list[int] | None]]) -> str:
    """Write a .pb file. projects: dicts with project_id, cost, name, votes, selected (any order of
    extra keys); votes: (anonymous voter id, project ids, points or None). Voters are anonymised by
    the caller (sequential ids, no names)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    w.writerow(["key", "value"])
    for k, v in meta.items():
        w.writerow([k, v])
    out.write("PROJECTS\n")
    cols = ["project_id", "cost", "votes", "selected", "name"]
    w.writerow(cols)
    for p in projects:
        w.writerow([p.get(c, "") for c in cols])
    out.write("VOTES\n")
    with_points = any(pts for _, _, pts in votes)
    w.writerow(["voter_id", "vote", "points"] if with_points else ["voter_id", "vote"])
    for voter, ids, pts in votes:
        row = [voter, ",".join(ids)]
        if with_points:
            row.append(",".join(str(x) for x in (pts or [])))
        w.writerow(row)
    return out.getvalue()
