"""User and role management pages for system administrators (services in core/users.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import users as services
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.models import Department, Region, RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.core.roles import MANAGE_USERS, Role


class AssignForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=[("", "—"), *Role.choices])
    scope = forms.CharField(label=gettext_lazy("管辖范围"), max_length=40)


class UserCreateForm(AssignForm):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput, max_length=128)

    field_order = ["username", "display_name", "password", "role", "scope"]


def _scope(value: str) -> dict:
    """'r:350102004001' → a region, 'd:12' → a department; anything else: no scope."""
    kind, _sep, key = (value or "").partition(":")
    if kind == "r":
        return {"region": Region.objects.filter(code=key).first()}
    if kind == "d" and key.isdigit():
        return {"department": Department.objects.filter(pk=int(key)).first()}
    return {}


def _form_context(request) -> dict:
    return {"roles": Role.choices, **services.scope_choices(by=request.user)}


@login_required
@require_GET
def user_list(request):
    require(request.user, MANAGE_USERS)
    qs = services.users_visible(by=request.user)
    q = (request.GET.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(qs.prefetch_related("assignments__region", "assignments__department"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "web/users/list.html", {"page": page, "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    require(request.user, MANAGE_USERS)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                by=request.user,
                username=data["username"],
                display_name=data["display_name"],
                password=data["password"],
                role=data["role"],
                **_scope(data["scope"]),
            )
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user})
            return HttpResponseRedirect(reverse("web:user_detail", args=[user.pk]))
    return render(request, "web/users/create.html", {"form": form, **_form_context(request)})


def _detail(request, user, form=None, status=200):
    return render(
        request,
        "web/users/detail.html",
        {
            "subject": user,
            "assignments": services.user_assignments(user=user),
            "history": services.user_history(user=user),
            "form": form or AssignForm(),
            **_form_context(request),
        },
        status=status,
    )


@login_required
@require_GET
def user_detail(request, pk: int):
    require(request.user, MANAGE_USERS)
    return _detail(request, services.user_get(by=request.user, pk=pk))


@login_required
@require_POST
def user_assign(request, pk: int):
    require(request.user, MANAGE_USERS)
    user = services.user_get(by=request.user, pk=pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.role_assign(
                by=request.user,
                user=user,
                role=form.cleaned_data["role"],
                **_scope(form.cleaned_data["scope"]),
            )
        except ApplicationError as exc:
            if exc.status != 400:
                raise
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已分配角色。"))
            return HttpResponseRedirect(reverse("web:user_detail", args=[pk]))
    return _detail(request, user, form=form, status=400)


@login_required
@require_POST
def user_revoke(request, pk: int, assignment_id: int):
    require(request.user, MANAGE_USERS)
    user = services.user_get(by=request.user, pk=pk)
    assignment = RoleAssignment.objects.filter(pk=assignment_id, user=user).first()
    if assignment is None:
        raise NotFound()
    services.role_revoke(by=request.user, assignment=assignment)
    messages.success(request, _("已收回角色。"))
    return HttpResponseRedirect(reverse("web:user_detail", args=[pk]))


@login_required
@require_POST
def user_active(request, pk: int):
    require(request.user, MANAGE_USERS)
    user = services.user_get(by=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    services.user_set_active(by=request.user, user=user, active=active, reason=request.POST.get("reason", ""))
    messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return HttpResponseRedirect(reverse("web:user_detail", args=[pk]))
