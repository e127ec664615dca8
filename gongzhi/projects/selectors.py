"""Reads of public-benefit funding, scoped; figures with their records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scoped
from gongzhi.organizations.selectors import FigureValue

from .models import (
    Application,
    ApplicationStatus,
    CallItem,
    CallPhase,
    Evaluation,
    EvaluationStatus,
    FundEntry,
    FundingCall,
    Instalment,
    Project,
    ReviewAssignment,
)
from .rules import APPROVE, MANAGE, VIEW


def calls_visible(*, user, perm: str = VIEW) -> QuerySet[FundingCall]:
    """Calls published over, above or below the user's scope."""
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return FundingCall.objects.none()
    q = Q()
    for p in prefixes:
        if p == "":
            return FundingCall.objects.all()
        q |= Q(region__code__startswith=p) | Q(region__code__in=[p[:n] for n in (2, 4, 6, 9) if n < len(p)])
    return FundingCall.objects.filter(q)


def applications(*, user, perm: str = VIEW) -> QuerySet[Application]:
    return scoped(Application.objects.all(), user, perm).select_related("call", "organization", "community")


def application_get(*, user, pk: int, perm: str = VIEW) -> Application:
    app = applications(user=user, perm=perm).filter(pk=pk).first()
    if app is None:
        raise NotFound()
    return app


def my_reviews(*, user) -> QuerySet[ReviewAssignment]:
    return (
        ReviewAssignment.objects.filter(expert=user)
        .select_related("application__call", "application__organization", "expert")
        .order_by("submitted_at", "pk")
    )


def review_get(*, user, pk: int) -> ReviewAssignment:
    a = my_reviews(user=user).filter(pk=pk).first()
    if a is None:
        raise NotFound()
    return a


def other_scores(*, assignment: ReviewAssignment) -> list[dict]:
    """The other reviewers' scores: shown only once this reviewer has submitted (blind review)."""
    if assignment.submitted_at is None:
        return []
    return [
        {
            "n": i,
            "scores": {s.line: s.score for s in a.scores.all()},
            "total": sum(s.score for s in a.scores.all()),
        }
        for i, a in enumerate(
            assignment.application.assignments.exclude(pk=assignment.pk)
            .filter(submitted_at__isnull=False)
            .prefetch_related("scores"),
            start=1,
        )
    ]


def ranking(*, user, call: FundingCall) -> QuerySet[Application]:
    return (
        applications(user=user)
        .filter(call=call)
        .exclude(status=ApplicationStatus.DRAFT)
        .order_by("-score", "pk")
    )


def projects(*, user, perm: str = VIEW) -> QuerySet[Project]:
    return scoped(Project.objects.all(), user, perm).select_related(
        "application__organization", "application__call"
    )


def project_get(*, user, pk: int, perm: str = VIEW) -> Project:
    p = projects(user=user, perm=perm).filter(pk=pk).first()
    if p is None:
        raise NotFound()
    return p


def notices() -> QuerySet[Evaluation]:
    """Published evaluation results (the public notice)."""
    return (
        Evaluation.objects.filter(notice_at__isnull=False)
        .select_related("project__application__organization")
        .order_by("-notice_at")
    )


def todo_counts(*, user) -> dict[str, int]:
    counts = {}
    if user.has_perm("projects.review"):
        counts["reviews"] = (
            my_reviews(user=user).filter(submitted_at__isnull=True).exclude(conflict=True).count()
        )
        counts["evaluations"] = scoped(
            Evaluation.objects.filter(status=EvaluationStatus.SUBMITTED), user, "projects.review"
        ).count()
    if user.has_perm("projects.apply"):
        from gongzhi.core.models import RoleAssignment

        orgs = RoleAssignment.objects.filter(user=user, active=True, organization__isnull=False).values(
            "organization"
        )
        counts["open_calls"] = (
            calls_visible(user=user, perm="projects.apply")
            .filter(phase=CallPhase.OPEN, closes_at__gt=clock.now())
            .count()
        )
        counts["drafts"] = Application.objects.filter(
            organization__in=orgs, status__in=(ApplicationStatus.DRAFT, ApplicationStatus.REVISION)
        ).count()
        counts["reports"] = Evaluation.objects.filter(
            project__application__organization__in=orgs,
            status__in=(EvaluationStatus.AWAITING, EvaluationStatus.FAILED),
            due_on__lte=clock.now().date() + dt.timedelta(days=30),
        ).count()
    if user.has_perm(MANAGE):
        from .bars import overdue_reports

        counts["overdue_reports"] = overdue_reports(user=user, perm=MANAGE).count()
    if user.has_perm(APPROVE):
        counts["to_decide"] = (
            applications(user=user, perm=APPROVE).filter(status=ApplicationStatus.IN_REVIEW).count()
        )
        counts["to_pay"] = scoped(Instalment.objects.filter(paid_at__isnull=True), user, APPROVE).count()
    return counts


# --- figures ------------------------------------------------------------------------------


def funding_committed_vs_paid(*, user, perm: str = VIEW) -> FigureValue:
    """Paid as a share of committed (grants of approved projects) in scope; the records are the projects."""
    ps = projects(user=user, perm=perm)
    committed = ps.aggregate(s=Sum("grant"))["s"] or Decimal(0)
    paid = FundEntry.objects.filter(account__project__in=ps, kind="payment").aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)
    return FigureValue(
        round(100 * float(paid) / float(committed), 2) if committed else None, ps, int(paid), int(committed)
    )


def projects_on_time(*, user, perm: str = VIEW) -> FigureValue:
    """Share of submitted evaluation reports that came in on time."""
    evs = scoped(Evaluation.objects.filter(submitted_at__isnull=False), user, perm)
    total = evs.count()
    on_time = evs.filter(late=False)
    n = on_time.count()
    return FigureValue(round(100 * n / total, 2) if total else None, on_time, n, total)


def households_served(*, user, perm: str = VIEW) -> FigureValue:
    ps = projects(user=user, perm=perm)
    n = ps.aggregate(s=Sum("application__households_target"))["s"] or 0
    return FigureValue(n, ps)


def households_satisfaction(*, user, perm: str = VIEW) -> FigureValue:
    """Share of the sampled beneficiary households answering 4 or 5 (of 5) in the mid-term and
    final evaluations' satisfaction follow-ups; the records are the answered households."""
    from .models import SatisfactionSample

    answered = scoped(SatisfactionSample.objects.filter(score__isnull=False), user, perm).select_related(
        "beneficiary__household"
    )
    total = answered.count()
    n = answered.filter(score__gte=4).count()
    return FigureValue(round(100 * n / total, 2) if total else None, answered, n, total)


# --- calls: detail, items, reviewers, applicants ---------------------------------------------


def call_get(*, user, pk: int, perm: str = VIEW) -> FundingCall:
    call = calls_visible(user=user, perm=perm).select_related("region").filter(pk=pk).first()
    if call is None:
        raise NotFound()
    return call


def call_items(*, call: FundingCall) -> QuerySet[CallItem]:
    return call.items.select_related("serves", "need").order_by("pk")


def needs_for_call(*, user, call: FundingCall, limit: int = 300):
    """Needs of the communities under the call's region, not met and not yet items of it, that
    the user may see (for the item picker)."""
    from gongzhi.organizations.models import Need, NeedStatus

    return (
        scoped(Need.objects.all(), user, "organizations.view")
        .filter(community__code__startswith=call.region_id)
        .exclude(status=NeedStatus.MET)
        .exclude(pk__in=CallItem.objects.filter(call=call, need__isnull=False).values("need_id"))
        .select_related("community")
        .order_by("-households", "pk")[:limit]
    )


def experts_for(*, call: FundingCall):
    """Experts of the pool whose assignment covers the call's region or lies within it."""
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.core.roles import Role

    code = call.region_id
    ancestors = [code[:n] for n in (2, 4, 6, 9) if n < len(code)]
    ids = RoleAssignment.objects.filter(
        Q(region__code__startswith=code) | Q(region__code__in=ancestors), role=Role.EXPERT, active=True
    ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk")


def communities_for_application(*, user, call: FundingCall):
    """The communities under the call's region the applicant may apply for."""
    from gongzhi.core.models import Region

    from .rules import APPLY

    return (
        scoped(Region.objects.filter(level=5), user, APPLY, field="code")
        .filter(code__startswith=call.region_id)
        .order_by("code")[:500]
    )
