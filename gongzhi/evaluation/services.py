"""Every write of dual evaluation: surveys and their questions, the household sample, answers by
one-time code or by a visiting worker, and communities' anonymous ratings of departments."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.manifests import run_hook
from gongzhi.core.models import Department, Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes
from gongzhi.registry import selectors as registry

from . import rules
from .errors import error
from .models import (
    Answer,
    DepartmentAnswer,
    DepartmentSubmission,
    Question,
    Response,
    SampleHousehold,
    Survey,
)
from .templates_data import TEMPLATES

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The platform's own work an opened survey puts on communities (declared in the manifest).
WORK_HOUSEHOLD_SURVEY = "evaluation.household_survey"
WORK_DEPARTMENT_RATING = "evaluation.department_rating"
AGE_GROUPS = ((0, 40, "<40"), (40, 60, "40-59"), (60, 200, "60+"), (None, None, "?"))


def code_hash(code: str) -> str:
    clean = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(clean.encode()).hexdigest()


def age_group(birth: dt.date | None, today: dt.date) -> str:
    if birth is None:
        return "?"
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    for low, high, label in AGE_GROUPS[:3]:
        if low <= age < high:
            return label
    return "?"


@transaction.atomic
def survey_create(*, region, title: str, target: str, year: int, by, template: bool = True) -> Survey:
    code = region.code if isinstance(region, Region) else str(region)
    district = Region.objects.filter(code=code, level=3).first()
    if district is None:
        raise error("not_district")
    require(by, rules.MANAGE, district)
    if target not in Survey.Target.values:
        raise error("wrong_target")
    title = (title or "").strip()[:200]
    if not title:
        raise error("text")
    survey = Survey.objects.create(region=district, title=title, target=target, year=year, created_by=by)
    if template:
        Question.objects.bulk_create(
            Question(survey=survey, number=i, aspect=aspect, text=text)
            for i, (aspect, text) in enumerate(TEMPLATES[target], 1)
        )
    return survey


@transaction.atomic
def question_add(
    *,
    survey: Survey,
    text: str,
    by,
    aspect: str = "",
    kind: str = Question.Kind.SCALE,
    skip_unless_number: int | None = None,
    skip_unless_value: int | None = None,
    application=None,
) -> Question:
    """Add a question; with `application`, a question about an admitted item of the district, which
    residents rate on the scale (a poor result withdraws the item when the survey closes)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    require(by, rules.MANAGE, survey)
    if survey.state != Survey.State.DRAFT:
        raise error("not_draft")
    text = (text or "").strip()[:300]
    if not text or kind not in Question.Kind.values:
        raise error("text")
    if application is not None and (
        survey.target != Survey.Target.COMMUNITY
        or kind != Question.Kind.SCALE
        or application.region_id != survey.region_id
        or application.state != "approved"
    ):
        raise error("item_question")
    if skip_unless_number is not None and not survey.questions.filter(number=skip_unless_number).exists():
        raise error("answer_missing", n=skip_unless_number)
    last = survey.questions.order_by("-number").values_list("number", flat=True).first() or 0
    return Question.objects.create(
        survey=survey,
        number=last + 1,
        text=text,
        aspect=(aspect or "")[:50],
        kind=kind,
        skip_unless_number=skip_unless_number,
        skip_unless_value=skip_unless_value,
        application=application,
    )


@transaction.atomic
def sample_draw(
    *, survey: Survey, per_community: int, by, seed: int | None = None, communities: list[str] | None = None
) -> dict[int, str]:
    """Draw households per community, stratified by estate × the head's age group (proportional
    allocation, at least one from every stratum while the size allows). Returns {sample id: one-time
    code}: the codes are shown once, to be sent as links; only their hashes are kept."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    require(by, rules.MANAGE, survey)
    if survey.target != Survey.Target.COMMUNITY:
        raise error("wrong_target")
    if survey.state != Survey.State.DRAFT:
        raise error("not_draft")
    if not 1 <= per_community <= 1000:
        raise error("sample_size")
    rng = random.Random(seed)
    today = clock.now().date()
    qs = registry.household_queryset(user=by).filter(community__code__startswith=survey.region_id)
    if communities:
        qs = qs.filter(community_id__in=communities)
    rows = qs.values_list("pk", "community_id", "dwelling__building__estate_id", "head__birth_date").order_by(
        "pk"
    )
    strata: dict[str, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    estates: dict[int, int | None] = {}
    groups: dict[int, str] = {}
    for pk, community, estate, birth in rows:
        g = age_group(birth, today)
        strata[community][(estate, g)].append(pk)
        estates[pk], groups[pk] = estate, g
    if not strata:
        raise error("no_households")
    chosen: list[tuple[str, int]] = []
    for community, cells in sorted(strata.items()):
        total = sum(len(v) for v in cells.values())
        n = min(per_community, total)
        # proportional allocation by largest remainder
        quotas = {k: n * len(v) / total for k, v in cells.items()}
        alloc = {k: int(q) for k, q in quotas.items()}
        rest = n - sum(alloc.values())
        for k in sorted(quotas, key=lambda k: (-(quotas[k] - alloc[k]), str(k)))[:rest]:
            alloc[k] += 1
        for k in sorted(cells, key=str):
            chosen += [(community, pk) for pk in rng.sample(cells[k], alloc[k])]
    codes: dict[int, str] = {}
    objs = []
    plain = []
    for community, pk in chosen:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        plain.append(code)
        objs.append(
            SampleHousehold(
                survey=survey,
                community_id=community,
                household_id=pk,
                estate_id=estates[pk],
                age_group=groups[pk],
                code_hash=code_hash(code),
            )
        )
    created = SampleHousehold.objects.bulk_create(objs)
    if any(o.pk is None for o in created):  # backends without RETURNING
        created = list(SampleHousehold.objects.filter(survey=survey).order_by("pk"))
    for obj, code in zip(created, plain, strict=True):
        codes[obj.pk] = code
    return codes


def _survey_work(survey: Survey) -> tuple[str, str, dict[str, str]]:
    """The work an opened survey puts on communities: its key, where it is done, and a title per
    community — visiting its sampled households (residents rate the community), or rating the
    departments (communities rate them)."""
    if survey.target == Survey.Target.COMMUNITY:
        counts = dict(
            SampleHousehold.objects.filter(survey=survey)
            .values("community_id")
            .annotate(n=Count("pk"))
            .values_list("community_id", "n")
        )
        titles = {c: f"双评议入户调查：{survey.title}（抽样 {n} 户）" for c, n in counts.items()}
        return WORK_HOUSEHOLD_SURVEY, reverse("evaluation:visit", args=[survey.pk]), titles
    codes = Region.objects.filter(code__startswith=survey.region_id, level=5).values_list("code", flat=True)
    titles = {c: f"双评议社区评部门：{survey.title}" for c in codes}
    return WORK_DEPARTMENT_RATING, reverse("evaluation:rate", args=[survey.pk]), titles


def _announce(survey: Survey, by, *, done: bool = False) -> None:
    """Opened, the survey's work reaches each community's inbox; closed (`done`), it leaves it."""
    key, link, titles = _survey_work(survey)
    ref = f"evaluation.survey:{survey.pk}"
    for community, title in sorted(titles.items()):
        if done:
            run_hook("community_work_done", ref=ref, community_code=community, by=by)
        else:
            run_hook(
                "community_work", key=key, ref=ref, community_code=community, title=title, by=by, link=link
            )


@transaction.atomic
def survey_set_state(*, survey: Survey, state: str, by) -> Survey:
    """Open a draft, or close an open survey. Closing makes the results final: what they decide
    about admitted items is applied at once (outcomes.survey_outcomes_apply)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    require(by, rules.MANAGE, survey)
    order: list[str] = [Survey.State.DRAFT, Survey.State.OPEN, Survey.State.CLOSED]
    if state not in order or order.index(state) != order.index(survey.state) + 1:
        raise error("not_open", state=survey.get_state_display())
    survey.state = state
    survey.save(update_fields=["state"])
    if state == Survey.State.OPEN:
        _announce(survey, by)
    if state == Survey.State.CLOSED:
        from .outcomes import survey_outcomes_apply

        _announce(survey, by, done=True)

        survey_outcomes_apply(survey=survey)
    return survey


def _clean_answers(survey: Survey, answers: dict) -> list[tuple[Question, int | None, str]]:
    given = {int(k): v for k, v in (answers or {}).items() if str(k).isdigit()}
    out: list[tuple[Question, int | None, str]] = []
    values: dict[int, int | None] = {}
    for q in survey.questions.all():
        if q.skip_unless_number is not None and values.get(q.skip_unless_number) != q.skip_unless_value:
            continue  # skipped by the logic
        raw = given.get(q.number)
        if q.kind == Question.Kind.TEXT:
            out.append((q, None, str(raw or "").strip()[:500]))
            continue
        if raw is None:
            raise error("answer_missing", n=q.number)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise error("answer_missing", n=q.number) from None
        high = survey.scale_max if q.kind == Question.Kind.SCALE else 1
        low = 1 if q.kind == Question.Kind.SCALE else 0
        if not low <= value <= high:
            raise error("answer_range", n=q.number, max=high)
        values[q.number] = value
        out.append((q, value, ""))
    return out


def _record(
    sample: SampleHousehold, survey: Survey, answers: dict, *, channel: str, visitor=None, at=None
) -> Response:
    if survey.state != Survey.State.OPEN:
        raise error("not_open", state=survey.get_state_display())
    clean = _clean_answers(survey, answers)
    if Response.objects.filter(sample=sample).exists():
        raise error("code_invalid" if channel == Response.Channel.CODE else "already_answered")
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                community_id=sample.community_id,
                sample=sample,
                channel=channel,
                visitor=visitor,
                at=at or clock.now(),
            )
    except IntegrityError:  # the OneToOne: a parallel answer got there first
        raise error("code_invalid" if channel == Response.Channel.CODE else "already_answered") from None
    Answer.objects.bulk_create(
        Answer(
            response=response, survey=survey, community_id=sample.community_id, question=q, value=v, text=t
        )
        for q, v, t in clean
    )
    return response


@transaction.atomic
def response_by_code(*, code: str, answers: dict) -> Response:
    """A resident answers through the link with their household's one-time code. A code used before
    (by anyone, or after a worker's visit) is refused."""
    sample = (
        SampleHousehold.objects.select_for_update()
        .select_related("survey")
        .filter(code_hash=code_hash(code))
        .first()
    )
    if sample is None:
        raise error("code_invalid")
    return _record(sample, sample.survey, answers, channel=Response.Channel.CODE)


def sample_for_code(*, code: str) -> SampleHousehold:
    sample = SampleHousehold.objects.select_related("survey").filter(code_hash=code_hash(code)).first()
    if sample is None or hasattr(sample, "response") and Response.objects.filter(sample=sample).exists():
        raise error("code_invalid")
    return sample


@transaction.atomic
def response_by_visit(*, sample: SampleHousehold, answers: dict, by, at=None) -> Response:
    sample = (
        SampleHousehold.objects.select_for_update(of=("self",)).select_related("survey").get(pk=sample.pk)
    )
    require(by, rules.VISIT, sample, hide=True)
    return _record(sample, sample.survey, answers, channel=Response.Channel.VISIT, visitor=by, at=at)


def _community_of(user, perm: str) -> str:
    codes = [p for p in scope_prefixes(user, perm) if len(p) == 12]
    if len(codes) != 1:
        raise PermissionDenied()
    return codes[0]


@transaction.atomic
def department_rate(*, survey: Survey, department: Department, answers: dict, by) -> None:
    """A community rates a department. What it answered is stored apart from who answered."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    community = _community_of(by, rules.RATE_DEPARTMENTS)
    if survey.target != Survey.Target.DEPARTMENT:
        raise error("wrong_target")
    if survey.state != Survey.State.OPEN:
        raise error("not_open", state=survey.get_state_display())
    if not community.startswith(survey.region_id) or department.region_id != survey.region_id:
        raise PermissionDenied()
    clean = _clean_answers(survey, answers)
    try:
        with transaction.atomic():
            DepartmentSubmission.objects.create(survey=survey, community_id=community, department=department)
    except IntegrityError:
        raise error("already_rated") from None
    rows = [
        DepartmentAnswer(survey=survey, department=department, question=q, value=v)
        for q, v, _t in clean
        if v is not None
    ]
    random.shuffle(rows)
    DepartmentAnswer.objects.bulk_create(rows)
