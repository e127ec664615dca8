"""Writes of public-benefit funding: keyword-only, atomic, guard first, one event each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum

from gongzhi.core import clock
from gongzhi.core.ledger import Movement, ledger_transfer
from gongzhi.core.models import RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.core.roles import Role

from . import details, ties
from .errors import error
from .models import (
    MAX_GRANT_SHARE,
    Application,
    ApplicationStatus,
    CallItem,
    CallPhase,
    Evaluation,
    EvaluationKind,
    EvaluationStatus,
    FundAccount,
    FundEntry,
    FundingCall,
    Instalment,
    InstalmentGate,
    Project,
    ProjectEvent,
    ProjectPhase,
    ReviewAssignment,
    Score,
)
from .rules import APPLY, MANAGE, REVIEW
from .ties import Tie
from .workflow import APPLICATION, APPLICATION_EDIT, EVALUATION, PAYMENT, is_staff_of

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10000000000")  # ten billion yuan: within every money column
# Instalments of a grant: 40% on signing, 40% after the mid-term evaluation, 20% after the final.
INSTALMENTS = (
    (InstalmentGate.SIGNING, Decimal("0.4")),
    (InstalmentGate.MIDTERM, Decimal("0.4")),
    (InstalmentGate.FINAL, Decimal("0.2")),
)


def _event(kind: str, obj, by, **data) -> None:
    ProjectEvent.objects.create(kind=kind, subject=f"{obj._meta.model_name}:{obj.pk}", by=by, data=data)


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise error("amount_invalid") from None
    if amount <= 0 or amount >= MAX_AMOUNT:
        raise error("amount_invalid")
    return amount


def treasury() -> FundAccount:
    account, _created = FundAccount.objects.get_or_create(
        name="财政专项资金", call=None, project=None, defaults={"allow_negative": True}
    )
    return account


def _rubric(rubric: list[dict]) -> list[dict]:
    lines, keys = [], set()
    for r in rubric:
        key, label = str(r.get("key") or "").strip()[:30], str(r.get("label") or "").strip()[:60]
        if key and label and key not in keys:
            keys.add(key)
            lines.append({"key": key, "label": label})
    if not lines:
        raise error("rubric_required")
    if len(lines) > 12:
        raise error("rubric_too_long")
    return lines


def _call_fields(*, title: str, closes_at, rubric: list[dict]) -> tuple[str, list[dict]]:
    title = (title or "").strip()
    if not title:
        raise error("title_required")
    if len(title) > 100:
        raise error("title_too_long")
    if closes_at is None:
        raise error("closes_required")
    if closes_at <= clock.now():
        raise error("closes_in_past")
    return title, _rubric(rubric)


def _call_region(region) -> None:
    if region is None or region.level not in (3, 4):
        raise error("call_region")


@transaction.atomic
def call_create(
    *,
    by,
    region,
    title: str,
    budget,
    closes_at: dt.datetime,
    rubric: list[dict],
    categories: str = "",
    eligibility: str = "",
) -> FundingCall:
    """Publish a call for a street or district, its budget moved from the treasury on the ledger."""
    require(by, MANAGE, region)
    _call_region(region)
    title, lines = _call_fields(title=title, closes_at=closes_at, rubric=rubric)
    budget = _money(budget)
    call = FundingCall.objects.create(
        region=region,
        title=title,
        budget=budget,
        closes_at=closes_at,
        rubric=lines,
        categories=(categories or "").strip()[:200],
        eligibility=(eligibility or "").strip()[:1000],
        created_by=by,
    )
    account = FundAccount.objects.create(name=f"征集预算：{call.title}"[:120], call=call)
    ledger_transfer(
        entry_model=FundEntry,
        movements=[Movement(treasury(), -budget), Movement(account, budget)],
        reason="公益创投预算下达",
        by=by,
        kind="budget",
    )
    _event("call_created", call, by, budget=str(budget))
    return call


@transaction.atomic
def call_update(
    *,
    by,
    call: FundingCall,
    title: str,
    budget,
    closes_at: dt.datetime,
    rubric: list[dict],
    categories: str = "",
    eligibility: str = "",
) -> FundingCall:
    """Change a call while it is open. A new budget moves the difference on the ledger; the
    rubric is fixed once an application has been submitted (reviewers score on it)."""
    call = FundingCall.objects.select_for_update().get(pk=call.pk)
    require(by, MANAGE, call)
    if call.phase != CallPhase.OPEN:
        raise error("wrong_phase", phase=call.get_phase_display())
    title, lines = _call_fields(title=title, closes_at=closes_at, rubric=rubric)
    budget = _money(budget)
    submitted = call.applications.exclude(status=ApplicationStatus.DRAFT).exists()
    if lines != call.rubric and submitted:
        raise error("rubric_fixed")
    before = {"budget": str(call.budget), "closes_at": call.closes_at.isoformat(), "title": call.title}
    if budget != call.budget:
        difference = budget - call.budget
        ledger_transfer(
            entry_model=FundEntry,
            movements=[Movement(treasury(), -difference), Movement(call.account, difference)],
            reason="公益创投预算调整",
            by=by,
            kind="budget",
        )
    call.title, call.budget, call.closes_at, call.rubric = title, budget, closes_at, lines
    call.categories = (categories or "").strip()[:200]
    call.eligibility = (eligibility or "").strip()[:1000]
    call.updated_by = by
    call.save()
    _event("call_updated", call, by, before=before)
    return call


@transaction.atomic
def call_item_add(*, by, call: FundingCall, title: str = "", need=None) -> CallItem:
    """Add an item to an open call, typed or drawn from a community's needs list (the need's
    community and households come with it; one item per need)."""
    call = FundingCall.objects.select_for_update(of=("self",)).select_related("region").get(pk=call.pk)
    require(by, MANAGE, call)
    if call.phase != CallPhase.OPEN:
        raise error("wrong_phase", phase=call.get_phase_display())
    serves, households = None, 0
    if need is not None:
        if not need.community_id.startswith(call.region_id):
            raise error("need_outside_call")
        if need.status == "met":
            raise error("need_met")
        if CallItem.objects.filter(call=call, need=need).exists():
            raise error("need_in_call")
        serves, households = need.community, need.households
        title = title or need.title
    title = (title or "").strip()[:100]
    if not title:
        raise error("title_required")
    try:
        with transaction.atomic():
            item = CallItem.objects.create(
                call=call, title=title, need=need, serves=serves, households=households, created_by=by
            )
    except IntegrityError:
        raise error("item_exists") from None
    _event("call_item_added", call, by, item=item.pk, need=getattr(need, "pk", None))
    return item


@transaction.atomic
def call_phase_set(*, by, call: FundingCall, phase: str) -> FundingCall:
    require(by, MANAGE, call)
    order: list[str] = [CallPhase.OPEN, CallPhase.REVIEW, CallPhase.DECIDED]
    if phase not in order or order.index(phase) != order.index(call.phase) + 1:
        raise error("wrong_phase", phase=call.get_phase_display())
    call.phase = phase
    call.save(update_fields=["phase", "updated_at"])
    _event("call_phase", call, by, phase=phase)
    return call


def _whole(value, code: str) -> int:
    try:
        n = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise error(code) from None
    if not 0 <= n <= 10_000_000:
        raise error(code)
    return n


def _application_fields(
    *,
    call: FundingCall,
    community,
    item,
    title: str,
    budget_total,
    requested,
    matched_funds,
    households_target,
    people_target,
    summary: str,
    outputs: str,
    lines: list[dict] | None = None,
    funds: list[dict] | None = None,
) -> dict:
    """The checked fields of an application (raises the first problem, in the form's order). With
    budget lines the budget total is their sum, with matched-fund lines the matched funds theirs."""
    if community is None or community.level != 5 or not community.code.startswith(call.region_id):
        raise error("community_outside_call")
    if item is not None and item.call_id != call.pk:
        raise error("item_other_call")
    title = (title or "").strip()
    if not title:
        raise error("title_required")
    if len(title) > 100:
        raise error("title_too_long")
    budget_total, matched_funds = details.totals(
        budget_total=budget_total, matched_funds=matched_funds, lines=lines, funds=funds
    )
    budget_total, requested = _money(budget_total), _money(requested)
    ceiling = (budget_total * MAX_GRANT_SHARE).quantize(CENT)
    if requested > ceiling:
        raise error("grant_share", max=ceiling)
    try:
        matched = Decimal(str(matched_funds if matched_funds not in (None, "") else 0)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise error("matched_invalid") from None
    if matched < 0 or matched > budget_total:
        raise error("matched_invalid")
    return {
        "community": community,
        "item": item,
        "title": title,
        "summary": (summary or "").strip()[:2000],
        "budget_total": budget_total,
        "requested": requested,
        "matched_funds": matched,
        "households_target": _whole(households_target, "target_invalid"),
        "people_target": _whole(people_target, "target_invalid"),
        "outputs": (outputs or "").strip()[:500],
    }


@transaction.atomic
def application_create(
    *,
    by,
    call: FundingCall,
    organization,
    community,
    title: str,
    requested,
    budget_total=None,
    matched_funds=0,
    households_target: int = 0,
    people_target: int = 0,
    summary: str = "",
    outputs: str = "",
    item: CallItem | None = None,
    budget_lines: list[dict] | None = None,
    fund_lines: list[dict] | None = None,
    team: list[dict] | None = None,
) -> Application:
    """A draft application by an organisation's staff; the grant asked for is at most 60% of the
    budget. Budget lines, matched-fund lines and team rows are optional (see details.py)."""
    require(by, APPLY, community)
    if not is_staff_of(by, organization.pk):
        raise error("not_your_organization")
    if call.phase != CallPhase.OPEN or clock.now() >= call.closes_at:
        raise error("call_closed")
    lines, funds = details.budget_rows(budget_lines), details.fund_rows(fund_lines)
    members = details.team_rows(team)
    v = _application_fields(
        lines=lines,
        funds=funds,
        call=call,
        community=community,
        item=item,
        title=title,
        budget_total=budget_total,
        requested=requested,
        matched_funds=matched_funds,
        households_target=households_target,
        people_target=people_target,
        summary=summary,
        outputs=outputs,
    )
    app = Application.objects.create(call=call, organization=organization, created_by=by, **v)
    details.save(app, by=by, lines=lines, funds=funds, team=members)
    _event("application_created", app, by)
    return app


@transaction.atomic
def application_update(
    *,
    by,
    application: Application,
    community,
    title: str,
    requested,
    budget_total=None,
    matched_funds=0,
    households_target: int = 0,
    people_target: int = 0,
    summary: str = "",
    outputs: str = "",
    item: CallItem | None = None,
    budget_lines: list[dict] | None = None,
    fund_lines: list[dict] | None = None,
    team: list[dict] | None = None,
) -> Application:
    """The organisation edits its draft, or its application sent back for revision, while the call
    is open (the workflow's "edit" step). Rows given replace the application's rows of that kind;
    None leaves them (and their totals still bind the budget)."""
    app = Application.objects.select_for_update(of=("self",)).select_related("call").get(pk=application.pk)
    require(by, APPLY, app)
    require(by, APPLY, community)
    if not is_staff_of(by, app.organization_id):
        raise error("not_your_organization")
    APPLICATION_EDIT.require("edit", app, by)
    lines, funds = details.budget_rows(budget_lines), details.fund_rows(fund_lines)
    members = details.team_rows(team)
    v = _application_fields(
        lines=lines if lines is not None else [r.__dict__ for r in app.budget_lines.all()],
        funds=funds if funds is not None else [r.__dict__ for r in app.fund_lines.all()],
        call=app.call,
        community=community,
        item=item,
        title=title,
        budget_total=budget_total,
        requested=requested,
        matched_funds=matched_funds,
        households_target=households_target,
        people_target=people_target,
        summary=summary,
        outputs=outputs,
    )
    for k, value in v.items():
        setattr(app, k, value)
    app.updated_by = by
    app.save()
    details.save(app, by=by, lines=lines, funds=funds, team=members)
    _event("application_updated", app, by)
    return app


@transaction.atomic
def application_act(*, by, application: Application, action: str, note: str = "") -> Application:
    """Take a step on an application (submit, request_revision, start_review, approve, reject)."""
    app = Application.objects.select_for_update(of=("self",)).select_related("call").get(pk=application.pk)
    if action not in APPLICATION.steps:
        raise error("wrong_status", status=app.get_status_display())
    APPLICATION.require(action, app, by)
    target = APPLICATION.steps[action].target
    assert target is not None  # every application step moves the status
    app.status = target
    if action == "request_revision":
        app.revision_note = (note or "")[:300]
    app.save(update_fields=["status", "revision_note", "updated_at"])
    if action == "approve":
        _project_create(by=by, app=app)
    _event(f"application_{action}", app, by, note=note[:300])
    return app


def _project_create(*, by, app: Application) -> Project:
    call = FundingCall.objects.select_for_update().get(pk=app.call_id)
    committed = Project.objects.filter(application__call=call).aggregate(s=Sum("grant"))["s"] or Decimal(0)
    if committed + app.requested > call.budget:
        raise error("budget_exceeded", left=call.budget - committed)
    project = Project.objects.create(
        community_id=app.community_id, application=app, grant=app.requested, approved_by=by, created_by=by
    )
    FundAccount.objects.create(name=f"项目资金：{app.title}"[:120], project=project)
    paid = Decimal(0)
    for seq, (gate, share) in enumerate(INSTALMENTS, start=1):
        amount = (app.requested * share).quantize(CENT) if seq < len(INSTALMENTS) else app.requested - paid
        paid += amount
        Instalment.objects.create(
            community_id=app.community_id, project=project, seq=seq, gate=gate, amount=amount
        )
    today = clock.now().date()
    for kind, days in ((EvaluationKind.MIDTERM, 90), (EvaluationKind.FINAL, 180)):
        Evaluation.objects.create(
            community_id=app.community_id, project=project, kind=kind, due_on=today + dt.timedelta(days=days)
        )
    return project


@transaction.atomic
def reviewers_assign(*, by, application: Application, experts) -> list[ReviewAssignment]:
    require(by, MANAGE, application)
    out = []
    for expert in experts:
        if not RoleAssignment.objects.filter(user=expert, active=True, role=Role.EXPERT).exists():
            raise error("not_expert")
        a, _created = ReviewAssignment.objects.get_or_create(
            community_id=application.community_id,
            application=application,
            expert=expert,
            defaults={"created_by": by},
        )
        out.append(a)
    _event("reviewers_assigned", application, by, experts=[e.pk for e in experts])
    return out


def known_ties(*, expert, application: Application) -> list[Tie]:
    """Ties the platform knows between the expert and the application (ties.py)."""
    return ties.known_ties(expert=expert, application=application)


@transaction.atomic
def review_declare(*, by, assignment: ReviewAssignment, conflict: bool, note: str = "") -> ReviewAssignment:
    """The expert declares conflicts of interest before seeing the application."""
    a = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("application")
        .get(pk=assignment.pk)
    )
    if a.expert_id != by.pk:
        raise error("not_expert")
    require(by, REVIEW, a)
    if a.declared_at is not None:
        raise error("already_declared")
    found = known_ties(expert=by, application=a.application)
    # A known tie answers "no conflict" with a refusal (nothing written); the declaration of a
    # conflict records the ties the platform flagged with it, in its event.
    if found and not conflict:
        raise error("known_tie", tie="; ".join(t.reason for t in found))
    a.declared_at, a.conflict, a.conflict_note = clock.now(), bool(conflict), (note or "")[:200]
    a.save(update_fields=["declared_at", "conflict", "conflict_note", "updated_at"])
    _event("review_declared", a, by, conflict=a.conflict, ties=[[t.code, t.reason] for t in found])
    return a


def review_open(*, by, assignment: ReviewAssignment) -> Application:
    """The application, for its reviewer, once they declared no conflict."""
    assignment = ReviewAssignment.objects.select_related(
        "application__call", "application__organization"
    ).get(pk=assignment.pk)
    if assignment.expert_id != by.pk:
        raise error("not_expert")
    if assignment.declared_at is None:
        raise error("declare_first")
    if assignment.conflict:
        raise error("conflicted")
    return assignment.application


@transaction.atomic
def review_submit(*, by, assignment: ReviewAssignment, scores: dict, comment: str = "") -> ReviewAssignment:
    """Score every rubric line 0–5; the scores are final (append-only)."""
    a = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("application__call")
        .get(pk=assignment.pk)
    )
    review_open(by=by, assignment=a)
    require(by, REVIEW, a)
    if a.application.status != ApplicationStatus.IN_REVIEW:
        raise error("wrong_status", status=a.application.get_status_display())
    if a.submitted_at is not None:
        raise error("already_submitted")
    lines = [r["key"] for r in a.application.call.rubric]
    parsed = {}
    for key in lines:
        try:
            value = int(str(scores.get(key, "")).strip())
        except ValueError:
            raise error("score_invalid") from None
        if not 0 <= value <= 5:
            raise error("score_invalid")
        parsed[key] = value
    Score.objects.bulk_create(
        Score(community_id=a.community_id, assignment=a, line=k, score=v) for k, v in parsed.items()
    )
    a.submitted_at, a.comment = clock.now(), (comment or "")[:500]
    a.save(update_fields=["submitted_at", "comment", "updated_at"])
    _rescore(a.application)
    _event("review_submitted", a, by)
    return a


def _rescore(app: Application) -> None:
    """The application's score: the mean over submitted reviews of each reviewer's total."""
    totals = [
        sum(s.score for s in a.scores.all())
        for a in app.assignments.filter(submitted_at__isnull=False).prefetch_related("scores")
    ]
    app.score = (Decimal(sum(totals)) / len(totals)).quantize(CENT) if totals else None
    Application.objects.filter(pk=app.pk).update(score=app.score)


@transaction.atomic
def evaluation_act(*, by, evaluation: Evaluation, action: str, text: str = "") -> Evaluation:
    """submit_report (the organisation), pass / fail (an expert), publish (staff: the public notice)."""
    ev = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("project__application")
        .get(pk=evaluation.pk)
    )
    if action not in EVALUATION.steps:
        raise error("wrong_status", status=ev.get_status_display())
    now = clock.now()
    EVALUATION.require(action, ev, by, now)
    fields = ["status", "updated_at"]
    if action == "submit_report":
        if not (text or "").strip():
            raise error("report_required")
        ev.report, ev.submitted_at = text.strip()[:4000], now
        ev.late = ev.late or now.date() > ev.due_on
        fields += ["report", "submitted_at", "late"]
    elif action in ("pass", "fail"):
        ev.reviewer, ev.review_note = by, (text or "")[:500]
        fields += ["reviewer", "review_note"]
    elif action == "publish":
        ev.notice_at = now
        fields.append("notice_at")
    target = EVALUATION.steps[action].target
    if target:
        ev.status = target
    ev.save(update_fields=fields)
    project = ev.project
    phase = {
        ("submit_report", "midterm"): ProjectPhase.MIDTERM,
        ("submit_report", "final"): ProjectPhase.FINAL,
    }.get((action, ev.kind))
    if action == "publish" and ev.kind == EvaluationKind.FINAL and ev.status == EvaluationStatus.PASSED:
        phase = ProjectPhase.COMPLETED
    if action == "publish" and ev.kind == EvaluationKind.MIDTERM and ev.status == EvaluationStatus.PASSED:
        phase = ProjectPhase.RUNNING
    if phase and phase != project.phase:
        Project.objects.filter(pk=project.pk).update(phase=phase)
    _event(f"evaluation_{action}", ev, by, late=ev.late)
    return ev


@transaction.atomic
def instalment_pay(*, by, instalment: Instalment) -> Instalment:
    """Release an instalment: a ledger transfer from the call's budget to the project."""
    inst = (
        Instalment.objects.select_for_update()
        .select_related("project__application__call")
        .get(pk=instalment.pk)
    )
    PAYMENT.require("pay", inst, by)
    project = inst.project
    ledger_transfer(
        entry_model=FundEntry,
        movements=[
            Movement(project.application.call.account, -inst.amount),
            Movement(project.account, inst.amount),
        ],
        reason=f"{project.application.title} 第{inst.seq}期拨付",
        by=by,
        kind="payment",
    )
    inst.paid_at, inst.paid_by = clock.now(), by
    try:
        inst.save(update_fields=["paid_at", "paid_by", "updated_at"])
    except IntegrityError:  # pragma: no cover
        raise error("already_paid") from None
    _event("instalment_paid", inst, by, amount=str(inst.amount))
    return inst
