"""Pages of the registers (thin: permission, selector or service, template)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.permissions import require

from . import estates, imports, selectors
from .forms import CompanyEstatesForm, add_service_error
from .rules import MANAGE, VIEW, may_set_estates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABS = ("social", "units", "companies", "committees")


@login_required
@require_GET
def register(request):
    require(request.user, VIEW)
    user = request.user
    tab = request.GET.get("tab", "social")
    if tab not in TABS:
        tab = "social"
    q = request.GET.get("q", "").strip()[:50]
    overdue = request.GET.get("overdue") == "1"
    context = {"tab": tab, "q": q, "overdue": overdue, "counts": selectors.register_counts(user=user)}
    if tab == "social":
        context["rows"] = selectors.organization_list(user=user, kind=selectors.SOCIAL_KINDS, q=q)[:300]
    elif tab == "units":
        context["rows"] = selectors.agreement_list(user=user).filter(organization__name__icontains=q)[:300]
    elif tab == "companies":
        companies = selectors.property_companies(user=user)
        context["rows"] = [c for c in companies if q in c.name]
        context["coverage"] = selectors.property_coverage(user=user)
    else:
        rows = selectors.committee_list(user=user, overdue=overdue)
        if q:
            rows = rows.filter(estate__name__icontains=q)
        context["rows"] = rows[:300]
        context["coverage"] = selectors.committee_coverage(user=user)
    context["can_manage"] = user.has_perm(MANAGE)
    context["today"] = clock.now().date()
    return render(request, "organizations/register.html", context)


@login_required
@require_GET
def organization_detail(request, pk: int):
    require(request.user, VIEW)
    org = selectors.organization_get(user=request.user, pk=pk)
    return _detail(request, org)


def _detail(request, org, form=None, status: int = 200):
    user = request.user
    can_set = may_set_estates(user, org)
    if can_set and form is None:
        form = CompanyEstatesForm(estates=selectors.company_estate_choices(user=user, organization=org))
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "org": org,
            "profile": getattr(org, "profile", None),
            "served": selectors.organization_served(organization=org),
            "estates": selectors.company_estates(user=user, organization=org)[:500],
            "agreements": selectors.agreement_list(user=user).filter(organization=org),
            "can_manage": user.has_perm(MANAGE, org),
            "can_sign": user.has_perm(MANAGE),
            "can_set_estates": can_set,
            "estates_form": form if can_set else None,
        },
        status=status,
    )


def _company_for_estates(request, pk: int):
    require(request.user, MANAGE)
    org = selectors.organization_get(user=request.user, pk=pk)
    if not may_set_estates(request.user, org):
        raise PermissionDenied()
    return org


@login_required
@require_POST
def company_estates_add(request, pk: int):
    """Add estates picked on the company's page (a refusal re-shows the page with the message)."""
    org = _company_for_estates(request, pk)
    choices = list(selectors.company_estate_choices(user=request.user, organization=org))
    form = CompanyEstatesForm(request.POST, estates=choices)
    if form.is_valid():
        picked = set(form.cleaned_data["estates"])
        try:
            change = estates.property_estates_add(
                by=request.user,
                company=org,
                estates=[e for e in choices if e.pk in picked],
                move=form.cleaned_data["move"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, change.message())
            return redirect("organizations:organization_detail", pk=org.pk)
    return _detail(request, org, form=form, status=400)


@login_required
@require_POST
def company_estate_remove(request, pk: int, estate_pk: int):
    org = _company_for_estates(request, pk)
    estate = (
        selectors.company_estates(user=request.user, organization=org, perm=MANAGE)
        .filter(pk=estate_pk)
        .first()
    )
    if estate is None:
        raise NotFound()
    change = estates.property_estate_remove(by=request.user, company=org, estate=estate)
    messages.success(request, change.message())
    return redirect("organizations:organization_detail", pk=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def register_import(request):
    require(request.user, MANAGE)
    report, problem, status = None, "", 200
    register = request.POST.get("register") or request.GET.get("register", "social")
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError("file_required", _("请选择要上传的表格文件。"))
            report = imports.register_import(by=request.user, register=register, data=upload.read())
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            problem, status = str(exc.message), 400
    return render(
        request,
        "organizations/import.html",
        {
            "report": report,
            "problem": problem,
            "register": register,
            "registers": [(k, REGISTER_LABELS[k], "、".join(v)) for k, v in imports.REGISTERS.items()],
        },
        status=status,
    )


REGISTER_LABELS = {
    "social": gettext_lazy("社会组织"),
    "units": gettext_lazy("驻区单位与共建协议"),
    "companies": gettext_lazy("物业公司"),
    "committees": gettext_lazy("业主委员会"),
}


@login_required
@require_GET
def import_template(request, register: str):
    require(request.user, MANAGE)
    if register not in imports.REGISTERS:
        raise NotFound()
    response = HttpResponse(imports.template_workbook(register), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{register}-template.xlsx"'
    return response
