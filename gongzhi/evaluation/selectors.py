"""Reads of dual evaluation: surveys in scope, results with response rates and confidence intervals
per community, street and district (one GROUP BY over the answers), departments' aggregates only when
at least five communities answered."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Left

from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_prefixes, scope_q

from . import rules
from .models import (
    Answer,
    DepartmentAnswer,
    DepartmentSubmission,
    Question,
    Response,
    SampleHousehold,
    Survey,
)

MIN_COMMUNITIES = 5  # a department sees its results only when at least this many communities answered
Z = 1.96
LEVEL_LENGTH = {"community": 12, "street": 9, "district": 6}


def survey_queryset(*, user) -> QuerySet[Survey]:
    """Surveys of the districts the user works in (any evaluation permission)."""
    prefixes: set[str] = set()
    for perm in (
        rules.MANAGE,
        rules.VISIT,
        rules.RATE_DEPARTMENTS,
        rules.VIEW_RESULTS,
        rules.VIEW_DEPARTMENT_RESULTS,
    ):
        prefixes |= set(scope_prefixes(user, perm))
    if not prefixes:
        return Survey.objects.none()
    if "" in prefixes:
        return Survey.objects.all()
    return Survey.objects.filter(region_id__in={p[:6] for p in prefixes if len(p) >= 6}).select_related(
        "region"
    )


def survey_get(*, user, pk: int) -> Survey:
    s = survey_queryset(user=user).filter(pk=pk).first()
    if s is None:
        raise NotFound()
    return s


def mean_ci(n: int, s: float, ss: float) -> tuple[float | None, float | None, float | None]:
    if not n:
        return None, None, None
    mean = s / n
    if n < 2:
        return mean, None, None
    var = max((ss - s * s / n) / (n - 1), 0.0)
    half = Z * math.sqrt(var / n)
    return mean, mean - half, mean + half


def wilson(k: int, n: int) -> tuple[float | None, float | None, float | None]:
    if not n:
        return None, None, None
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class UnitResult:
    code: str
    name: str = ""
    sampled: int = 0
    responded: int = 0
    answers: int = 0
    mean: float | None = None
    mean_low: float | None = None
    mean_high: float | None = None
    satisfied: float | None = None
    satisfied_low: float | None = None
    satisfied_high: float | None = None
    rank: int = 0
    questions: dict = field(default_factory=dict)  # number -> (n, mean, low, high)

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.sampled if self.sampled else None


def survey_results(*, survey: Survey, user, level: str = "community") -> list[UnitResult]:
    """Results of a residents' survey for the units of `level` in the user's scope, ranked by mean."""
    length = LEVEL_LENGTH.get(level, 12)
    if scope_prefixes(user, rules.VIEW_RESULTS):
        scope = scope_q(user, rules.VIEW_RESULTS)
    elif user.has_perm(rules.MANAGE, survey):
        scope = scope_q(user, rules.MANAGE)
    else:
        return []
    unit = Left("community_id", length)
    high = max(4, survey.scale_max - 1)  # "satisfied": the top two points of the scale
    # The scale questions by id, read first: filtering on the question's kind through a join made
    # PostgreSQL loop over the answers once per question (bench/evaluation_results.py).
    # Questions about admitted items rate the item, not the community: not in its score.
    numbers = dict(
        survey.questions.filter(kind=Question.Kind.SCALE, application__isnull=True).values_list(
            "pk", "number"
        )
    )
    answers = (
        Answer.objects.filter(scope, survey=survey, value__isnull=False, question_id__in=list(numbers))
        .annotate(unit=unit)
        .values("unit", "question_id")
        .annotate(
            n=Count("id"),
            s=Sum("value"),
            ss=Sum(F("value") * F("value")),
            k=Count("id", filter=Q(value__gte=high)),
        )
    )
    out: dict[str, UnitResult] = {}
    totals: dict[str, list[float]] = {}
    for row in answers:
        r = out.setdefault(row["unit"], UnitResult(code=row["unit"]))
        n, s, ss, k = row["n"], float(row["s"] or 0), float(row["ss"] or 0), row["k"]
        r.questions[numbers[row["question_id"]]] = (n, *mean_ci(n, s, ss))
        t = totals.setdefault(row["unit"], [0, 0.0, 0.0, 0])
        t[0] += n
        t[1] += s
        t[2] += ss
        t[3] += k
    for code, (n, s, ss, k) in totals.items():
        r = out[code]
        r.answers = int(n)
        r.mean, r.mean_low, r.mean_high = mean_ci(int(n), s, ss)
        r.satisfied, r.satisfied_low, r.satisfied_high = wilson(int(k), int(n))
    for model, attr in ((SampleHousehold, "sampled"), (Response, "responded")):
        for counted in (
            model.objects.filter(scope, survey=survey)
            .annotate(unit=unit)
            .values("unit")
            .annotate(c=Count("pk"))
        ):
            r = out.setdefault(counted["unit"], UnitResult(code=counted["unit"]))
            setattr(r, attr, counted["c"])
    names = dict(Region.objects.filter(code__in=list(out)).values_list("code", "name"))
    ranked = sorted(out.values(), key=lambda r: (r.mean is None, -(r.mean or 0), r.code))
    for i, r in enumerate(ranked, 1):
        r.name = names.get(r.code, r.code)
        r.rank = i if r.mean is not None else 0
    return ranked


@dataclass
class DepartmentResult:
    department_id: int
    name: str
    communities: int
    shown: bool
    mean: float | None = None
    mean_low: float | None = None
    mean_high: float | None = None
    aspects: list = field(default_factory=list)  # (aspect, mean)
    rank: int = 0


def department_results(*, survey: Survey, user) -> list[DepartmentResult]:
    """Aggregates per department: a department user gets only their own departments; anyone gets
    numbers only where at least MIN_COMMUNITIES communities answered, and only once the survey
    is closed (while it is open, watching the average move after each submission would give away
    the rating of the community that just answered). Never an individual answer: the answer rows
    carry no community to return."""
    from gongzhi.admission.rules import user_department_ids
    from gongzhi.core.models import Department

    if survey.target != Survey.Target.DEPARTMENT:
        return []
    depts = Department.objects.filter(region_id=survey.region_id)
    if user.has_perm(rules.MANAGE, survey) or user.has_perm(rules.VIEW_RESULTS, survey):
        pass
    elif user.has_perm(rules.VIEW_DEPARTMENT_RESULTS, survey):
        depts = depts.filter(pk__in=user_department_ids(user))
    else:
        return []
    counts = dict(
        DepartmentSubmission.objects.filter(survey=survey, department__in=depts)
        .values("department_id")
        .annotate(c=Count("pk"))
        .values_list("department_id", "c")
    )
    closed = survey.state == Survey.State.CLOSED
    shown_ids = [d for d, c in counts.items() if closed and c >= MIN_COMMUNITIES]
    per_q = (
        DepartmentAnswer.objects.filter(survey=survey, department_id__in=shown_ids, value__isnull=False)
        .values("department_id", "question__number", "question__aspect")
        .annotate(n=Count("id"), s=Sum("value"), ss=Sum(F("value") * F("value")))
        .order_by("department_id", "question__number")
    )
    agg: dict[int, list] = {}
    for row in per_q:
        a = agg.setdefault(row["department_id"], [0, 0.0, 0.0, []])
        a[0] += row["n"]
        a[1] += float(row["s"] or 0)
        a[2] += float(row["ss"] or 0)
        a[3].append((row["question__aspect"], float(row["s"] or 0) / row["n"]))
    out = []
    for d in depts.order_by("code"):
        c = counts.get(d.pk, 0)
        r = DepartmentResult(department_id=d.pk, name=d.name, communities=c, shown=d.pk in shown_ids)
        if r.shown and d.pk in agg:
            n, s, ss, aspects = agg[d.pk]
            r.mean, r.mean_low, r.mean_high = mean_ci(n, s, ss)
            r.aspects = aspects
        out.append(r)
    ranked = sorted(out, key=lambda r: (r.mean is None, -(r.mean or 0), r.name))
    for i, r in enumerate([r for r in ranked if r.mean is not None], 1):
        r.rank = i
    return ranked


def samples_to_visit(*, survey: Survey, user) -> QuerySet[SampleHousehold]:
    return (
        SampleHousehold.objects.filter(scope_q(user, rules.VISIT), survey=survey, response__isnull=True)
        .select_related("household", "community")
        .order_by("community_id", "estate_id", "pk")
    )


def admitted_items(*, survey: Survey):
    """Admitted items of the survey's district, which a residents' survey may ask about."""
    from gongzhi.admission.models import Application

    return (
        Application.objects.filter(region_id=survey.region_id, state=Application.State.APPROVED)
        .select_related("department")
        .order_by("title")
    )


def departments_to_rate(*, survey: Survey, user) -> list:
    from gongzhi.core.models import Department

    codes = [p for p in scope_prefixes(user, rules.RATE_DEPARTMENTS) if len(p) == 12]
    done = set(
        DepartmentSubmission.objects.filter(survey=survey, community_id__in=codes).values_list(
            "department_id", flat=True
        )
    )
    return [(d, d.pk in done) for d in Department.objects.filter(region_id=survey.region_id).order_by("code")]


# Figures ---------------------------------------------------------------------------------------


def satisfaction(*, user, **_):
    """Figure: residents' satisfaction share in the newest closed residents' survey, per community."""
    survey = (
        survey_queryset(user=user).filter(target=Survey.Target.COMMUNITY, state=Survey.State.CLOSED).first()
    )
    if survey is None:
        return None, []
    rows = survey_results(survey=survey, user=user, level="community")
    k = sum(round((r.satisfied or 0) * r.answers) for r in rows)
    n = sum(r.answers for r in rows)
    return (round(k / n, 3) if n else None), rows


SLIPS_ON_PAGE = 500


def code_slips(*, codes: dict[int, str]) -> list[tuple[str, str, str]]:
    """The one-time codes as slips to hand out: (community, household number, code), ordered by
    community and household. The codes exist only here, once: only their hashes are stored."""
    rows = (
        SampleHousehold.objects.filter(pk__in=list(codes))
        .values_list("pk", "community__name", "household__number")
        .order_by("community_id", "household__number")
    )
    return [(community, number, codes[pk]) for pk, community, number in rows]


def code_slips_workbook(*, survey: Survey, slips: list[tuple[str, str, str]]) -> bytes:
    from django.utils.translation import gettext as _

    from gongzhi.core.spreadsheets import xlsx_bytes

    return xlsx_bytes(
        title=str(_("验证码")),
        header=[_("社区"), _("户编号"), _("一次性验证码（%(survey)s）") % {"survey": survey.title}],
        rows=slips,
        widths=(24, 18, 30),
    )
