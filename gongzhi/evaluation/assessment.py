"""The annual assessment sheet (年度考核表): for each community and each department of a district, the
year's dual-evaluation result beside the platform's other figures, as the issue asks ("fed into an
annual assessment sheet per community and department with the other figures: three rates, admission
refusals, funding reconciliation").

Nothing is computed twice: residents' results come from `selectors.survey_results`, departments'
from `selectors.department_results` (aggregates only, five communities at least), the three rates
from the demands figures through the ledgers (`ledgers.figures.compute`), workload and funds from
the admission app's `community_workload` and `reconciliation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_prefixes

from . import rules
from .models import Survey
from .selectors import department_results, survey_results

RATES = ("demands.response", "demands.resolution", "demands.satisfaction")


@dataclass
class CommunityLine:
    code: str
    name: str
    residents: Any = None  # selectors.UnitResult of the year's residents' survey
    rates: list = field(default_factory=list)  # ledgers Value of RATES, in order
    workload: Any = None  # admission.selectors.CommunityWorkload


@dataclass
class DepartmentLine:
    department_id: int
    name: str
    rating: Any = None  # selectors.DepartmentResult of the year's department survey
    work: Any = None  # admission.selectors.DepartmentRow (the year's reconciliation)


@dataclass
class Sheet:
    year: int
    district: Region | None
    residents_survey: Survey | None
    department_survey: Survey | None
    communities: list[CommunityLine]
    departments: list[DepartmentLine]
    rate_labels: list = field(default_factory=list)


def _district_of(user) -> Region | None:
    for perm in (rules.MANAGE, rules.VIEW_RESULTS, rules.VIEW_DEPARTMENT_RESULTS):
        for p in scope_prefixes(user, perm):
            if len(p) >= 6:
                return Region.objects.filter(code=p[:6]).first()
    return None


def _closed(district: Region, year: int, target: str) -> Survey | None:
    return (
        Survey.objects.filter(region=district, year=year, target=target, state=Survey.State.CLOSED)
        .order_by("-id")
        .first()
    )


def assessment_years(*, user) -> list[int]:
    district = _district_of(user)
    if district is None:
        return []
    return list(
        Survey.objects.filter(region=district, state=Survey.State.CLOSED)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def assessment_sheet(*, user, year: int) -> Sheet:
    """The sheet as the user may see it: communities in their results scope, and departments for the
    district's office (all) or a department's staff (their own)."""
    from gongzhi.admission import rules as admission_rules
    from gongzhi.admission.selectors import community_workload, reconciliation
    from gongzhi.core.manifests import figures
    from gongzhi.ledgers.figures import compute

    district = _district_of(user)
    if district is None:
        return Sheet(year, None, None, None, [], [])
    residents = _closed(district, year, Survey.Target.COMMUNITY)
    rating = _closed(district, year, Survey.Target.DEPARTMENT)
    manages = user.has_perm(rules.MANAGE, district)
    prefixes = [district.code] if manages else [p for p in scope_prefixes(user, rules.VIEW_RESULTS) if p]

    communities: list[CommunityLine] = []
    if prefixes:
        results = {r.code: r for r in survey_results(survey=residents, user=user)} if residents else {}
        work = community_workload(prefixes=prefixes, year=year)
        regions = Region.objects.filter(level=5, code__startswith=district.code).order_by("code")
        for region in regions:
            if not any(region.code.startswith(p) for p in prefixes):
                continue
            rates = [compute(k, user=user, region=region, period=str(year)) for k in RATES]
            communities.append(
                CommunityLine(
                    region.code, region.name, results.get(region.code), rates, work.get(region.code)
                )
            )
        communities.sort(
            key=lambda c: (
                c.residents is None or not c.residents.rank,
                getattr(c.residents, "rank", 0),
                c.code,
            )
        )

    departments: list[DepartmentLine] = []
    own = admission_rules.user_department_ids(user)
    if manages or own:
        ratings = {r.department_id: r for r in department_results(survey=rating, user=user)} if rating else {}
        _count, rows = reconciliation(user=user, year=year)
        works = {r.department_id: r for r in rows}
        from gongzhi.core.models import Department

        depts = Department.objects.filter(region=district).order_by("code")
        if not manages:
            depts = depts.filter(pk__in=own)
        for d in depts:
            departments.append(DepartmentLine(d.pk, d.name, ratings.get(d.pk), works.get(d.pk)))
        departments.sort(
            key=lambda d: (not (d.rating and d.rating.rank), getattr(d.rating, "rank", 0), d.name)
        )
    known = figures()
    labels = [known[k].label if k in known else k for k in RATES]
    return Sheet(year, district, residents, rating, communities, departments, labels)


def assessment_workbook(sheet: Sheet) -> bytes:
    """The sheet as Excel: one tab for the communities, one for the departments."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    from gongzhi.core.spreadsheets import append_row

    def pct(x):
        return "" if x is None else f"{100 * x:.1f}%"

    def num(x, digits=2):
        return "" if x is None else f"{x:.{digits}f}"

    book = openpyxl.Workbook()
    tab = book.active
    tab.title = "社区"
    append_row(
        tab,
        [
            "排名",
            "社区",
            "样本户",
            "回答率",
            "居民评分",
            "置信区间",
            "满意率",
            *[str(label) for label in sheet.rate_labels],
            "已准入任务",
            "未准入任务",
            "拒绝未准入",
            "登记工时",
            "收到经费（元）",
            "撤出事项",
        ],
    )
    for c in sheet.communities:
        r, w = c.residents, c.workload
        append_row(
            tab,
            [
                (r.rank or "") if r else "",
                c.name,
                r.sampled if r else "",
                pct(r.response_rate) if r else "",
                num(r.mean) if r else "",
                f"{num(r.mean_low)}–{num(r.mean_high)}" if r and r.mean_low is not None else "",
                pct(r.satisfied) if r else "",
                *[v.display for v in c.rates],
                w.tasks_admitted if w else 0,
                w.tasks_unadmitted if w else 0,
                w.refused if w else 0,
                str(w.hours_spent) if w else "0",
                str(w.funds_received) if w else "0",
                w.withdrawn if w else 0,
            ],
        )
    tab = book.create_sheet("部门")
    append_row(
        tab,
        [
            "排名",
            "部门",
            "评议社区数",
            "社区评分",
            "置信区间",
            "已准入任务",
            "未准入任务",
            "被社区拒绝",
            "计划工时",
            "实际工时",
            "随事经费（元）",
        ],
    )
    for d in sheet.departments:
        g, w = d.rating, d.work
        shown = bool(g and g.shown)
        append_row(
            tab,
            [
                (g.rank or "") if shown else "",
                d.name,
                g.communities if g else 0,
                num(g.mean) if shown else "",
                f"{num(g.mean_low)}–{num(g.mean_high)}" if shown and g.mean_low is not None else "",
                w.tasks_admitted if w else 0,
                w.tasks_unadmitted if w else 0,
                w.refused if w else 0,
                str(w.hours_planned) if w else "0",
                str(w.hours_spent) if w else "0",
                str(w.funds_sent) if w else "0",
            ],
        )
    for t in book.worksheets:
        for cell in t[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
