"""The application page (with its budget lines, matched funds and team) and the contract recorded
on the project page (thin: permission, selector or service, template)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.fieldmessages import PlainMessagesMixin
from gongzhi.core.permissions import require

from . import contracts, details, satisfaction, selectors
from .forms import add_service_error
from .models import Evaluation, SatisfactionSample
from .rules import APPLY, APPROVE, MANAGE, VIEW
from .workflow import APPLICATION_EDIT, BENEFICIARIES, CONTRACT, SURVEY, may_see_details


class ContractForm(PlainMessagesMixin, forms.Form):
    number = forms.CharField(label=gettext_lazy("合同编号"), max_length=40)
    signed_on = forms.DateField(
        label=gettext_lazy("签订日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


@login_required
@require_GET
def application_detail(request, pk: int):
    require(request.user, VIEW)
    app = selectors.application_get(user=request.user, pk=pk)
    if not may_see_details(app, request.user):
        raise NotFound()
    return render(
        request,
        "projects/application_detail.html",
        {
            "app": app,
            "rows": details.current(app),
            "editable": "edit" in APPLICATION_EDIT.allowed(app, request.user),
        },
    )


def contract_context(project, user, form=None) -> dict:
    """The project page's contract section: the recorded contract, or the form for its approver."""
    contract = contracts.contract_of(project)
    can_record = contract is None and "record" in CONTRACT.allowed(project, user)
    return {
        "contract": contract,
        "contract_form": (form or ContractForm()) if can_record else None,
    }


def survey_context(project, evaluations, user) -> dict:
    """The project page's beneficiary list and, on each evaluation, its satisfaction survey."""
    for ev in evaluations:
        ev.survey = satisfaction.results(ev)
        allowed = SURVEY.allowed(ev, user)
        ev.can_draw = "draw" in allowed
        ev.open_samples = (
            list(ev.samples.filter(score__isnull=True).select_related("beneficiary__household")[:50])
            if "answer" in allowed
            else []
        )
    listed = project.beneficiaries.select_related("household")
    return {
        "details_visible": may_see_details(project.application, user),
        "beneficiary_count": listed.count(),
        "beneficiaries": list(listed[:50]),
        "can_enter_beneficiaries": "enter" in BENEFICIARIES.allowed(project, user),
    }


def _redirect_with(request, fn, ok: str, pk: int):
    try:
        fn()
        messages.success(request, ok)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect(reverse("projects:project_detail", args=[pk]) + "#satisfaction")


@login_required
@require_POST
def beneficiaries_add(request, pk: int):
    require(request.user, APPLY)
    project = selectors.project_get(user=request.user, pk=pk, perm=APPLY)
    return _redirect_with(
        request,
        lambda: satisfaction.beneficiaries_add(
            by=request.user, project=project, numbers=request.POST.get("numbers", "")[:20000]
        ),
        _("受益户已登记。"),
        project.pk,
    )


@login_required
@require_POST
def sample_draw(request, pk: int):
    require(request.user, MANAGE)
    ev = Evaluation.objects.filter(pk=pk).first()
    project = selectors.project_get(user=request.user, pk=ev.project_id if ev else 0, perm=MANAGE)
    assert ev is not None  # project_get raised NotFound otherwise
    return _redirect_with(
        request,
        lambda: satisfaction.sample_draw(by=request.user, evaluation=ev, size=request.POST.get("size", "")),
        _("已抽取回访样本。"),
        project.pk,
    )


@login_required
@require_POST
def answer_record(request, pk: int):
    require(request.user, MANAGE)
    sample = SatisfactionSample.objects.filter(pk=pk).select_related("evaluation").first()
    project = selectors.project_get(
        user=request.user, pk=sample.evaluation.project_id if sample else 0, perm=MANAGE
    )
    assert sample is not None  # project_get raised NotFound otherwise
    return _redirect_with(
        request,
        lambda: satisfaction.answer_record(
            by=request.user, sample=sample, score=request.POST.get("score", "")
        ),
        _("回访结果已记录。"),
        project.pk,
    )


@login_required
@require_POST
def contract_record(request, pk: int):
    require(request.user, APPROVE)
    project = selectors.project_get(user=request.user, pk=pk, perm=APPROVE)
    form = ContractForm(request.POST)
    if form.is_valid():
        try:
            contracts.contract_record(by=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            if exc.code == "contract_exists":
                messages.error(request, str(exc.message))
                return redirect("projects:project_detail", pk=project.pk)
            add_service_error(form, exc)
        else:
            messages.success(request, _("合同已登记。"))
            return redirect("projects:project_detail", pk=project.pk)
    from .views import project_page

    return project_page(request, project.pk, contract_form=form, status=400)


urlpatterns = [
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("projects/<int:pk>/contract/", contract_record, name="contract_record"),
    path("projects/<int:pk>/beneficiaries/", beneficiaries_add, name="beneficiaries_add"),
    path("evaluations/<int:pk>/sample/", sample_draw, name="sample_draw"),
    path("samples/<int:pk>/answer/", answer_record, name="answer_record"),
]
