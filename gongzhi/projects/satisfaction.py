"""The households a project serves (its beneficiary list, entered by the organisation from the
registry) and their satisfaction, sampled for each mid-term and final evaluation by the street or
district: one answer per sampled household (the database's unique constraint), a score of 1–5,
4 and 5 counting as satisfied."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, Q

from gongzhi.core import clock

from .errors import error
from .models import Beneficiary, Evaluation, Project, ProjectEvent, SatisfactionSample
from .workflow import BENEFICIARIES, SURVEY

MAX_PER_ENTRY = 500
MAX_SAMPLE = 200
SATISFIED = 4


def _event(kind: str, subject: str, by, **data) -> None:
    ProjectEvent.objects.create(kind=kind, subject=subject, by=by, data=data)


@transaction.atomic
def beneficiaries_add(*, by, project: Project, numbers) -> int:
    """Add households by their numbers (户编号) in the project's community; those already listed
    are skipped. Returns how many were added. Unknown numbers refuse the whole entry."""
    project = Project.objects.select_for_update(of=("self",)).select_related("application").get(pk=project.pk)
    BENEFICIARIES.require("enter", project, by)
    if isinstance(numbers, str):
        numbers = numbers.replace("，", "\n").replace(",", "\n").splitlines()
    wanted = list(dict.fromkeys(str(n).strip()[:30] for n in numbers if str(n).strip()))
    if not wanted:
        raise error("beneficiaries_required")
    if len(wanted) > MAX_PER_ENTRY:
        raise error("beneficiaries_too_many", max=MAX_PER_ENTRY)
    from gongzhi.registry.models import Household

    found = dict(
        Household.objects.filter(community_id=project.community_id, number__in=wanted).values_list(
            "number", "pk"
        )
    )
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise error("household_unknown", numbers="、".join(unknown[:10]) + ("…" if len(unknown) > 10 else ""))
    listed = set(
        Beneficiary.objects.filter(community_id=project.community_id, project=project).values_list(
            "household_id", flat=True
        )
    )
    new = [
        Beneficiary(community_id=project.community_id, project=project, household_id=pk, created_by=by)
        for n, pk in found.items()
        if pk not in listed
    ]
    Beneficiary.objects.bulk_create(new, ignore_conflicts=True)
    _event("beneficiaries_added", f"project:{project.pk}", by, n=len(new))
    return len(new)


def _size(value, available: int) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise error("sample_size", max=MAX_SAMPLE) from None
    if not 1 <= n <= MAX_SAMPLE:
        raise error("sample_size", max=MAX_SAMPLE)
    return min(n, available)


@transaction.atomic
def sample_draw(*, by, evaluation: Evaluation, size) -> list[SatisfactionSample]:
    """Draw the evaluation's sample at random from the project's beneficiaries, once."""
    ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project").get(pk=evaluation.pk)
    SURVEY.require("draw", ev, by)
    pool = list(ev.project.beneficiaries.values_list("pk", flat=True))
    chosen = random.SystemRandom().sample(pool, _size(size, len(pool)))
    rows = SatisfactionSample.objects.bulk_create(
        SatisfactionSample(community_id=ev.community_id, evaluation=ev, beneficiary_id=pk, created_by=by)
        for pk in sorted(chosen)
    )
    _event("satisfaction_sampled", f"evaluation:{ev.pk}", by, n=len(rows))
    return rows


@transaction.atomic
def answer_record(*, by, sample: SatisfactionSample, score) -> SatisfactionSample:
    """Record a sampled household's answer (1–5), once."""
    s = SatisfactionSample.objects.select_related("evaluation__project").get(pk=sample.pk)
    SURVEY.require("answer", s.evaluation, by)
    try:
        value = int(str(score).strip())
    except ValueError:
        raise error("satisfaction_score") from None
    if isinstance(score, bool) or not 1 <= value <= 5:
        raise error("satisfaction_score")
    now = clock.now()
    # Only an unanswered row is written: a second answer (or a race) changes nothing.
    n = SatisfactionSample.objects.filter(pk=s.pk, score__isnull=True).update(
        score=value, answered_at=now, updated_by=by
    )
    if n != 1:
        raise error("already_answered")
    s.score, s.answered_at = value, now
    _event("satisfaction_answered", f"evaluation:{s.evaluation_id}", by, sample=s.pk, score=value)
    return s


@dataclass
class Results:
    sampled: int
    answered: int
    mean: float | None
    satisfied_share: float | None  # a fraction of one


def results(evaluation: Evaluation) -> Results:
    agg = SatisfactionSample.objects.filter(evaluation=evaluation).aggregate(
        sampled=Count("pk"),
        answered=Count("pk", filter=Q(score__isnull=False)),
        mean=Avg("score"),
        satisfied=Count("pk", filter=Q(score__gte=SATISFIED)),
    )
    answered = agg["answered"]
    return Results(
        sampled=agg["sampled"],
        answered=answered,
        mean=round(float(agg["mean"]), 2) if agg["mean"] is not None else None,
        satisfied_share=round(agg["satisfied"] / answered, 4) if answered else None,
    )
