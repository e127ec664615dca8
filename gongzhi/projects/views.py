"""Pages of public-benefit funding (thin: permission, selector or service, template)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.permissions import require
from gongzhi.web.forms import act

from . import details, selectors, services
from .models import Evaluation, Instalment
from .rules import APPLY, APPROVE, MANAGE, REVIEW, VIEW
from .workflow import APPLICATION, EVALUATION, PAYMENT


@login_required
@require_GET
def index(request):
    require(request.user, VIEW)
    user = request.user
    calls = list(selectors.calls_visible(user=user)[:20])
    context = {"calls": calls, "counts": selectors.todo_counts(user=user)}
    if user.has_perm(REVIEW):
        context["reviews"] = selectors.my_reviews(user=user)[:100]
    apps = list(selectors.applications(user=user).order_by("call_id", "-score", "pk")[:200])
    for a in apps:
        a.actions = [(s, APPLICATION.steps[s].label) for s in APPLICATION.allowed(a, user)]
    context["applications"] = apps
    context["projects"] = selectors.projects(user=user)[:100]
    context["can_manage"] = user.has_perm(MANAGE)
    context["can_apply"] = user.has_perm(APPLY)
    return render(request, "projects/index.html", context)


@login_required
@require_POST
def application_act(request, pk: int, action: str):
    require(request.user, VIEW)
    app = selectors.application_get(user=request.user, pk=pk)
    act(
        request,
        lambda: services.application_act(
            by=request.user, application=app, action=action, note=request.POST.get("note", "")
        ),
        _("已完成：%(step)s。")
        % {"step": APPLICATION.steps[action].label if action in APPLICATION.steps else action},
    )
    return redirect("projects:index")


@login_required
@require_GET
def review(request, pk: int):
    require(request.user, REVIEW)
    a = selectors.review_get(user=request.user, pk=pk)
    context = {"a": a, "ties": services.known_ties(expert=request.user, application=a.application)}
    if a.declared_at and not a.conflict:
        context["app"] = services.review_open(by=request.user, assignment=a)
        context["rows"] = details.current(context["app"])
        context["rubric"] = a.application.call.rubric
        context["mine"] = {s.line: s.score for s in a.scores.all()}
        context["others"] = selectors.other_scores(assignment=a)
    return render(request, "projects/review.html", context)


@login_required
@require_POST
def review_declare(request, pk: int):
    require(request.user, REVIEW)
    a = selectors.review_get(user=request.user, pk=pk)
    act(
        request,
        lambda: services.review_declare(
            by=request.user,
            assignment=a,
            conflict=request.POST.get("conflict") == "yes",
            note=request.POST.get("note", ""),
        ),
        _("已声明。"),
    )
    return redirect("projects:review", pk=a.pk)


@login_required
@require_POST
def review_score(request, pk: int):
    require(request.user, REVIEW)
    a = selectors.review_get(user=request.user, pk=pk)
    scores = {r["key"]: request.POST.get(f"score_{r['key']}", "") for r in a.application.call.rubric}
    act(
        request,
        lambda: services.review_submit(
            by=request.user, assignment=a, scores=scores, comment=request.POST.get("comment", "")
        ),
        _("评分已提交。"),
    )
    return redirect("projects:review", pk=a.pk)


@login_required
@require_GET
def project_detail(request, pk: int):
    return project_page(request, pk)


def project_page(request, pk: int, *, contract_form=None, status: int = 200):
    """The project page (the contract view re-shows it with its form's errors)."""
    from .views_details import contract_context, survey_context

    require(request.user, VIEW)
    p = selectors.project_get(user=request.user, pk=pk)
    evaluations = list(p.evaluations.order_by("due_on"))
    for ev in evaluations:
        ev.actions = [(s, EVALUATION.steps[s].label) for s in EVALUATION.allowed(ev, request.user)]  # type: ignore[attr-defined]  # for the template
    instalments = list(p.instalments.all())
    for inst in instalments:
        inst.can_pay = "pay" in PAYMENT.allowed(inst, request.user)  # type: ignore[attr-defined]  # for the template
        inst.refusal = PAYMENT.refusal("pay", inst, request.user) if inst.paid_at is None else None  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "projects/project_detail.html",
        {
            "p": p,
            "evaluations": evaluations,
            "instalments": instalments,
            "balance": getattr(p, "account", None),
            **contract_context(p, request.user, contract_form),
            **survey_context(p, evaluations, request.user),
        },
        status=status,
    )


@login_required
@require_POST
def evaluation_act(request, pk: int, action: str):
    require(request.user, VIEW)
    ev = Evaluation.objects.filter(pk=pk).first()
    p = selectors.project_get(user=request.user, pk=ev.project_id if ev else 0)
    assert ev is not None  # project_get raised NotFound otherwise
    act(
        request,
        lambda: services.evaluation_act(
            by=request.user, evaluation=ev, action=action, text=request.POST.get("text", "")
        ),
        _("已完成：%(step)s。")
        % {"step": EVALUATION.steps[action].label if action in EVALUATION.steps else action},
    )
    return redirect("projects:project_detail", pk=p.pk)


@login_required
@require_POST
def instalment_pay(request, pk: int):
    require(request.user, APPROVE)
    inst = Instalment.objects.filter(pk=pk).first()
    p = selectors.project_get(user=request.user, pk=inst.project_id if inst else 0, perm=APPROVE)
    assert inst is not None  # project_get raised NotFound otherwise
    act(request, lambda: services.instalment_pay(by=request.user, instalment=inst), _("已拨付。"))
    return redirect("projects:project_detail", pk=p.pk)


@require_GET
def notices(request):
    return render(request, "projects/notices.html", {"notices": selectors.notices()[:100]})
