"""The funding workflows, one declaration per step (core.guard): applications, evaluations and
payments. Services require, pages and the API list the same steps."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow
from gongzhi.core.models import RoleAssignment
from gongzhi.core.roles import Role

from .errors import error
from .models import ApplicationStatus as A
from .models import CallPhase, EvaluationStatus, InstalmentGate, ProjectPhase
from .rules import APPLY, APPROVE, MANAGE, REVIEW


def is_staff_of(user, organization_id) -> bool:
    return RoleAssignment.objects.filter(
        user=user, active=True, role=Role.SOCIAL_ORG_STAFF, organization_id=organization_id
    ).exists()


def _own_organization(app, user, now):
    return None if is_staff_of(user, app.organization_id) else error("not_your_organization")


def _call_open(app, user, now):
    call = app.call
    return None if call.phase == CallPhase.OPEN and now < call.closes_at else error("call_closed")


def _call_in_review(app, user, now):
    return (
        None
        if app.call.phase == CallPhase.REVIEW
        else error("wrong_phase", phase=app.call.get_phase_display())
    )


def _reviews_done(app, user, now):
    assignments = [a for a in app.assignments.all() if a.conflict is not True]
    pending = sum(1 for a in assignments if a.submitted_at is None)
    if pending:
        return error("reviews_pending", n=pending)
    if not assignments:
        return error("no_reviews")
    return None


def _not_barred(app, user, now):
    from django.utils import timezone

    from .bars import active_bar

    bar = active_bar(app.organization_id, timezone.localdate(now))
    if bar is None:
        return None
    return error("organization_barred", until=bar.ends_on.isoformat(), reason=bar.reason)


def _not_a_reviewer(app, user, now):
    return error("approver_reviewed") if app.assignments.filter(expert=user).exists() else None


APPLICATION = Workflow(
    {
        "submit": Step(
            _("提交申报"),
            (A.DRAFT, A.REVISION),
            A.SUBMITTED,
            APPLY,
            (_own_organization, _call_open, _not_barred),
        ),
        "request_revision": Step(_("退回修改"), (A.SUBMITTED,), A.REVISION, MANAGE, (_call_open,)),
        "start_review": Step(_("进入专家评审"), (A.SUBMITTED,), A.IN_REVIEW, MANAGE, (_call_in_review,)),
        "approve": Step(
            _("批准立项"), (A.IN_REVIEW,), A.APPROVED, APPROVE, (_reviews_done, _not_a_reviewer, _not_barred)
        ),
        "reject": Step(_("不予立项"), (A.IN_REVIEW,), A.REJECTED, APPROVE, (_reviews_done, _not_a_reviewer)),
    },
    wrong_state=lambda app, step: error("wrong_status", status=app.get_status_display()),
    state_attr="status",
)


# Editing an application (its fields, budget lines, matched funds and team) is not a status change,
# so it is its own workflow: the pages' step buttons do not list it, the edit link and the API ask it.
APPLICATION_EDIT = Workflow(
    {"edit": Step(_("修改申报"), (A.DRAFT, A.REVISION), None, APPLY, (_own_organization, _call_open))},
    wrong_state=lambda app, step: error("wrong_status", status=app.get_status_display()),
    state_attr="status",
)


def _project_staff(ev, user, now):
    return (
        None if is_staff_of(user, ev.project.application.organization_id) else error("not_your_organization")
    )


def _not_project_reviewer(ev, user, now):
    if ev.project.application.assignments.filter(expert=user).exists():
        return error("approver_reviewed")
    return None


EVALUATION = Workflow(
    {
        "submit_report": Step(
            _("提交自评报告"),
            (EvaluationStatus.AWAITING, EvaluationStatus.FAILED),
            EvaluationStatus.SUBMITTED,
            APPLY,
            (_project_staff,),
        ),
        "pass": Step(
            _("评估通过"),
            (EvaluationStatus.SUBMITTED,),
            EvaluationStatus.PASSED,
            REVIEW,
            (_not_project_reviewer,),
        ),
        "fail": Step(_("评估不通过"), (EvaluationStatus.SUBMITTED,), EvaluationStatus.FAILED, REVIEW),
        "publish": Step(
            _("公示结果"),
            (EvaluationStatus.PASSED, EvaluationStatus.FAILED),
            None,
            MANAGE,
            (lambda ev, u, n: error("already_declared") if ev.notice_at else None,),
        ),
    },
    wrong_state=lambda ev, step: error("wrong_status", status=ev.get_status_display()),
    state_attr="status",
)


def _gate_passed(inst, user, now):
    """Signing instalments are free to pay; the others need their evaluation passed and publicly
    noticed, with the report on time, and the reviewer may not pay."""
    unpaid_before = inst.project.instalments.filter(seq__lt=inst.seq, paid_at__isnull=True).exists()
    if unpaid_before:
        return error("previous_unpaid")
    if inst.gate == InstalmentGate.SIGNING:
        return None
    ev = inst.project.evaluations.filter(kind=inst.gate).first()
    if ev is None or ev.status != EvaluationStatus.PASSED:
        return error("gate_not_passed", gate=inst.get_gate_display())
    if ev.late:
        return error("report_late")
    if ev.notice_at is None:
        return error("not_published")
    if ev.reviewer_id == user.pk:
        return error("approver_reviewed")
    return None


def _payer_not_reviewer(inst, user, now):
    return (
        error("approver_reviewed")
        if inst.project.application.assignments.filter(expert=user).exists()
        else None
    )


PAYMENT = Workflow(
    {"pay": Step(_("拨付"), ("unpaid",), "paid", APPROVE, (_gate_passed, _payer_not_reviewer))},
    wrong_state=lambda inst, step: error("already_paid"),
    state_attr="state",
)


def _approver_not_reviewer(project, user, now):
    if project.application.assignments.filter(expert=user).exists():
        return error("approver_reviewed")
    return None


# The contract of a project, recorded once by the approver (street or district staff in scope).
CONTRACT = Workflow(
    {"record": Step(_("登记合同"), ("none",), "recorded", APPROVE, (_approver_not_reviewer,))},
    wrong_state=lambda project, step: error("contract_exists"),
    state_attr="contract_state",
)


def may_see_details(app, user) -> bool:
    """An application's budget lines, matched funds and team: its organisation's staff and the
    street or district managing the call see them on the application page and in the API; experts
    see them on their review page once they declared no conflict (reviews stay blind)."""
    return is_staff_of(user, app.organization_id) or user.has_perm(MANAGE, app)


def _staff_of_project(project, user, now):
    return None if is_staff_of(user, project.application.organization_id) else error("not_your_organization")


# The organisation enters the households its project serves while the project runs.
BENEFICIARIES = Workflow(
    {
        "enter": Step(
            _("登记受益户"),
            (ProjectPhase.RUNNING, ProjectPhase.MIDTERM, ProjectPhase.FINAL),
            None,
            APPLY,
            (_staff_of_project,),
        )
    },
    wrong_state=lambda project, step: error("wrong_status", status=project.get_phase_display()),
    state_attr="phase",
)


def _not_sampled(ev, user, now):
    if ev.samples.exists():
        return error("sample_drawn")
    if not ev.project.beneficiaries.exists():
        return error("no_beneficiaries")
    return None


def _sampled(ev, user, now):
    return None if ev.samples.exists() else error("no_sample")


# The street or district (not the organisation) draws the sample of an evaluation and records the
# answers of the households' follow-up visits, before the evaluation is decided.
SURVEY = Workflow(
    {
        "draw": Step(
            _("抽取回访样本"),
            (EvaluationStatus.AWAITING, EvaluationStatus.SUBMITTED),
            None,
            MANAGE,
            (_not_sampled,),
        ),
        "answer": Step(
            _("记录回访结果"),
            (EvaluationStatus.AWAITING, EvaluationStatus.SUBMITTED),
            None,
            MANAGE,
            (_sampled,),
        ),
    },
    wrong_state=lambda ev, step: error("wrong_status", status=ev.get_status_display()),
    state_attr="status",
)
