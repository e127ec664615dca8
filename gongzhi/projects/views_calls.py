"""Pages of a call: publish and edit it, its items (drawn from the needs list), its phases, the
reviewers, and the organisations' applications (thin: form, service, template). A refusal
re-shows the form with the message beside its field (400) and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes
from gongzhi.organizations.bookings import booker_organization

from . import selectors, services
from .errors import error
from .forms import ApplicationForm, CallForm, CallItemForm, ReviewersForm, add_service_error
from .models import ApplicationStatus, CallPhase
from .rules import APPLY, MANAGE, VIEW
from .workflow import APPLICATION, APPLICATION_EDIT, is_staff_of, may_see_details

NEXT_PHASE: dict[str, str] = {CallPhase.OPEN: CallPhase.REVIEW, CallPhase.REVIEW: CallPhase.DECIDED}


def _shown(exc: ApplicationError) -> bool:
    return exc.status not in (403, 404)


def _call_regions(user):
    """Streets and districts under the user's scope for managing funding."""
    from django.db.models import Q

    q = Q()
    for p in scope_prefixes(user, MANAGE):
        q |= Q(code__startswith=p)
    return Region.objects.filter(q, level__in=(3, 4)).order_by("code")[:500] if q else Region.objects.none()


def _call_args(data: dict) -> dict:
    return {k: data[k] for k in ("title", "budget", "closes_at", "rubric", "categories", "eligibility")}


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request):
    require(request.user, MANAGE)
    form = CallForm(request.POST or None, regions=_call_regions(request.user))
    if request.method == "POST" and form.is_valid():
        region = Region.objects.get(code=form.cleaned_data["region"])
        try:
            call = services.call_create(by=request.user, region=region, **_call_args(form.cleaned_data))
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("征集已发布：%(t)s。") % {"t": call.title})
            return redirect("projects:call_detail", pk=call.pk)
    return render(
        request, "projects/call_form.html", {"form": form, "call": None}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request, pk: int):
    require(request.user, MANAGE)
    call = selectors.call_get(user=request.user, pk=pk, perm=MANAGE)
    require(request.user, MANAGE, call)
    form = CallForm(
        request.POST or None,
        regions=[call.region],
        previous_rubric=call.rubric,
        initial=CallForm.initial_of(call),
    )
    form.fields["region"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(by=request.user, call=call, **_call_args(form.cleaned_data))
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("projects:call_detail", pk=call.pk)
    return render(
        request, "projects/call_form.html", {"form": form, "call": call}, status=400 if form.errors else 200
    )


def _detail(request, call, *, item_form=None, reviewers_form=None, status: int = 200):
    user = request.user
    manage = user.has_perm(MANAGE, call)
    apps = list(selectors.applications(user=user).filter(call=call).order_by("-score", "pk")[:300])
    org = booker_organization(user) if user.has_perm(APPLY) else None
    for a in apps:
        a.actions = [(s, APPLICATION.steps[s].label) for s in APPLICATION.allowed(a, user)]  # type: ignore[attr-defined]
        a.editable = org is not None and "edit" in APPLICATION_EDIT.allowed(a, user)  # type: ignore[attr-defined]
        a.details_visible = may_see_details(a, user)  # type: ignore[attr-defined]
    context = {
        "call": call,
        "items": selectors.call_items(call=call),
        "applications": apps,
        "can_manage": manage,
        "can_apply": org is not None and call.phase == CallPhase.OPEN,
        "next_phase": NEXT_PHASE.get(call.phase) if manage else None,
        "budget_left": call.account.balance if hasattr(call, "account") else None,
    }
    if manage and call.phase == CallPhase.OPEN:
        context["item_form"] = item_form or CallItemForm(needs=selectors.needs_for_call(user=user, call=call))
    if manage and call.phase == CallPhase.REVIEW:
        context["reviewers_form"] = reviewers_form or ReviewersForm(experts=selectors.experts_for(call=call))
    return render(request, "projects/call_detail.html", context, status=status)


@login_required
@require_GET
def call_detail(request, pk: int):
    require(request.user, VIEW)
    return _detail(request, selectors.call_get(user=request.user, pk=pk))


@login_required
@require_POST
def call_phase(request, pk: int):
    require(request.user, MANAGE)
    call = selectors.call_get(user=request.user, pk=pk, perm=MANAGE)
    phase = NEXT_PHASE.get(call.phase)
    try:
        if phase is None or request.POST.get("phase") != phase:
            raise error("wrong_phase", phase=call.get_phase_display())
        services.call_phase_set(by=request.user, call=call, phase=phase)
        messages.success(request, _("征集已进入“%(p)s”阶段。") % {"p": CallPhase(phase).label})
    except ApplicationError as exc:
        if not _shown(exc):
            raise
        messages.error(request, str(exc.message))
    return redirect("projects:call_detail", pk=call.pk)


@login_required
@require_POST
def call_item_add(request, pk: int):
    require(request.user, MANAGE)
    call = selectors.call_get(user=request.user, pk=pk, perm=MANAGE)
    needs = list(selectors.needs_for_call(user=request.user, call=call))
    form = CallItemForm(request.POST, needs=needs)
    if form.is_valid():
        need = next((n for n in needs if n.pk == form.cleaned_data["need"]), None)
        try:
            item = services.call_item_add(
                by=request.user, call=call, title=form.cleaned_data["title"], need=need
            )
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("已添加征集项目：%(t)s。") % {"t": item.title})
            return redirect("projects:call_detail", pk=call.pk)
    return _detail(request, call, item_form=form, status=400)


@login_required
@require_POST
def call_reviewers(request, pk: int):
    require(request.user, MANAGE)
    call = selectors.call_get(user=request.user, pk=pk, perm=MANAGE)
    experts = list(selectors.experts_for(call=call))
    form = ReviewersForm(request.POST, experts=experts)
    if form.is_valid():
        chosen = [u for u in experts if u.pk in form.cleaned_data["experts"]]
        apps = selectors.applications(user=request.user, perm=MANAGE).filter(
            call=call, status=ApplicationStatus.IN_REVIEW
        )
        try:
            n = 0
            for app in apps:
                services.reviewers_assign(by=request.user, application=app, experts=chosen)
                n += 1
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("已为 %(n)s 份评审中的申报指派专家。") % {"n": n})
            return redirect("projects:call_detail", pk=call.pk)
    return _detail(request, call, reviewers_form=form, status=400)


# --- applications --------------------------------------------------------------------------


def _application_args(form, call, communities) -> dict:
    data = form.cleaned_data
    community = next((c for c in communities if c.code == data["community"]), None)
    item = call.items.filter(pk=data.get("item") or 0).first()
    keys = (
        "title",
        "summary",
        "budget_total",
        "requested",
        "matched_funds",
        "households_target",
        "people_target",
        "outputs",
    )
    return {k: data[k] for k in keys} | {
        "community": community,
        "item": item,
        "budget_lines": data["budget_text"],
        "fund_lines": data["funds_text"],
        "team": data["team_text"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request, pk: int):
    require(request.user, APPLY)
    call = selectors.call_get(user=request.user, pk=pk)
    org = booker_organization(request.user)
    if org is None:
        raise NotFound()
    communities = list(selectors.communities_for_application(user=request.user, call=call))
    items = list(selectors.call_items(call=call))
    form = ApplicationForm(request.POST or None, items=items, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(
                by=request.user, call=call, organization=org, **_application_args(form, call, communities)
            )
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc, amount_field="budget_total")
        else:
            messages.success(request, _("申报已保存为草稿，检查无误后请提交。"))
            return redirect(reverse("projects:call_detail", args=[call.pk]) + f"#application-{app.pk}")
    return render(
        request,
        "projects/application_form.html",
        {"form": form, "call": call, "org": org, "application": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk: int):
    require(request.user, APPLY)
    app = selectors.application_get(user=request.user, pk=pk, perm=APPLY)
    if not is_staff_of(request.user, app.organization_id):
        raise NotFound()
    call = app.call
    refused = APPLICATION_EDIT.refusal("edit", app, request.user)
    if request.method == "GET" and refused is not None and _shown(refused):
        # Submitted, in review or decided, or the call closed: the page says why, read-only.
        messages.error(request, str(refused.message))
        return redirect("projects:application_detail", pk=app.pk)
    communities = list(selectors.communities_for_application(user=request.user, call=call))
    items = list(selectors.call_items(call=call))
    form = ApplicationForm(
        request.POST or None, items=items, communities=communities, initial=ApplicationForm.initial_of(app)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                by=request.user, application=app, **_application_args(form, call, communities)
            )
        except ApplicationError as exc:
            if not _shown(exc):
                raise
            add_service_error(form, exc, amount_field="budget_total")
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("projects:call_detail", args=[call.pk]) + f"#application-{app.pk}")
    return render(
        request,
        "projects/application_form.html",
        {"form": form, "call": call, "org": app.organization, "application": app},
        status=400 if form.errors else 200,
    )
