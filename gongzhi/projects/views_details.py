"""The application page (with its budget lines, matched funds and team) and the contract recorded
on the project page (thin: permission, selector or service, template)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.fieldmessages import PlainMessagesMixin
from gongzhi.core.permissions import require

from . import contracts, details, selectors
from .forms import add_service_error
from .rules import APPROVE, VIEW
from .workflow import APPLICATION_EDIT, CONTRACT, may_see_details


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
]
