"""Pages that add to and change the registers and the spaces (thin: form, service, template).
A refusal re-shows the form with the message beside its field (400) and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import has_anywhere, scoped
from gongzhi.web.forms import submit

from . import bookings, lists, selectors, services
from .forms import (
    SPACE_FORM_FIELDS,
    AgreementForm,
    CommitteeForm,
    CommitteeMemberForm,
    NeedActivityForm,
    OrganizationForm,
    ResourceFormSet,
    SpaceForm,
    add_service_error,
)
from .models import CommitteeMember, Need, Organization, OrganizationKind, OwnersCommittee
from .rules import MANAGE, MANAGE_SPACES, VIEW


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    return region


def _org_args(data: dict) -> dict:
    return {k: data[k] for k in data if k != "region"} | {"region": _region(data["region"])}


# --- organisations -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organization_new(request):
    require(request.user, MANAGE)
    kind = request.GET.get("kind", OrganizationKind.SOCIAL_ORGANIZATION)
    form = OrganizationForm(request.POST or None, user=request.user, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        ok, org = submit(
            form,
            lambda: services.organization_register(by=request.user, **_org_args(form.cleaned_data)),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("已登记：%(name)s。") % {"name": org.name})
            return redirect("organizations:organization_detail", pk=org.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "org": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk: int):
    require(request.user, MANAGE)
    org = selectors.organization_get(user=request.user, pk=pk)
    require(request.user, MANAGE, org)
    form = OrganizationForm(request.POST or None, user=request.user, initial=OrganizationForm.initial_of(org))
    if request.method == "POST" and form.is_valid():
        ok, _saved = submit(
            form,
            lambda: services.organization_update(
                by=request.user, organization=org, **_org_args(form.cleaned_data)
            ),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("organizations:organization_detail", pk=org.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "org": org},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request, pk: int):
    require(request.user, MANAGE)
    org = selectors.organization_get(user=request.user, pk=pk)
    form = AgreementForm(request.POST or None, user=request.user)
    resources = ResourceFormSet(request.POST or None, prefix="res")
    if request.method == "POST" and form.is_valid() and resources.is_valid():
        rows = [
            {k: r[k] for k in ("kind", "description", "quantity", "unit")}
            for r in resources.cleaned_data
            if r.get("filled")
        ]
        ok, _saved = submit(
            form,
            lambda: services.agreement_sign(
                by=request.user,
                organization=org,
                community=_region(form.cleaned_data["community"]),
                signed_on=form.cleaned_data["signed_on"],
                expires_on=form.cleaned_data["expires_on"],
                content=form.cleaned_data["content"],
                resources=rows,
            ),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("共驻共建协议已登记。"))
            return redirect("organizations:organization_detail", pk=org.pk)
    invalid = bool(form.errors or any(resources.errors) or resources.non_form_errors())
    return render(
        request,
        "organizations/agreement_form.html",
        {"form": form, "resources": resources, "org": org},
        status=400 if invalid else 200,
    )


# --- owners' committees ------------------------------------------------------------------------


def _estates(user):
    from gongzhi.registry import selectors as registry

    return (
        registry.estate_list(user=user, perm=MANAGE)
        .select_related("community")
        .order_by("community_id", "name")[:2000]
    )


def _committee(user, pk: int, perm: str = VIEW) -> OwnersCommittee:
    c = scoped(OwnersCommittee.objects.all(), user, perm).select_related("estate", "community").filter(pk=pk)
    found = c.first()
    if found is None:
        raise NotFound()
    return found


def _committee_values(data: dict) -> dict:
    return {k: data[k] for k in ("term_start", "term_end", "filed_on", "member_count", "director_name")}


@login_required
@require_http_methods(["GET", "POST"])
def committee_new(request):
    require(request.user, MANAGE)
    estates = list(_estates(request.user))
    form = CommitteeForm(request.POST or None, estates=estates)
    if request.method == "POST" and form.is_valid():
        estate = next(e for e in estates if e.pk == form.cleaned_data["estate"])
        ok, c = submit(
            form,
            lambda: services.committee_record(
                by=request.user, estate=estate, **_committee_values(form.cleaned_data)
            ),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("业委会已登记，请登记委员。"))
            return redirect("organizations:committee_detail", pk=c.pk)
    return render(
        request,
        "organizations/committee_form.html",
        {"form": form, "committee": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_edit(request, pk: int):
    require(request.user, MANAGE)
    c = _committee(request.user, pk, MANAGE)
    initial = {"estate": c.estate_id} | {
        k: getattr(c, k) for k in ("term_start", "term_end", "filed_on", "member_count", "director_name")
    }
    form = CommitteeForm(request.POST or None, estates=[c.estate], initial=initial)
    form.fields["estate"].disabled = True
    if request.method == "POST" and form.is_valid():
        ok, _saved = submit(
            form,
            lambda: services.committee_update(
                by=request.user, committee=c, **_committee_values(form.cleaned_data)
            ),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("organizations:committee_detail", pk=c.pk)
    return render(
        request,
        "organizations/committee_form.html",
        {"form": form, "committee": c},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_detail(request, pk: int):
    require(request.user, VIEW)
    c = _committee(request.user, pk)
    can_manage = request.user.has_perm(MANAGE, c)
    form = None
    status = 200
    if can_manage:
        owners = selectors.estate_owners(user=request.user, estate_id=c.estate_id)
        form = CommitteeMemberForm(request.POST or None, owners=owners)
        if request.method == "POST" and form.is_valid():
            person = next(p for p, _label in owners if p.pk == form.cleaned_data["person"])
            ok, _saved = submit(
                form,
                lambda: services.committee_member_add(
                    by=request.user, committee=c, person=person, role=form.cleaned_data["role"]
                ),
                show=add_service_error,
            )
            if ok:
                messages.success(request, _("委员已登记。"))
                return redirect("organizations:committee_detail", pk=c.pk)
        status = 400 if form.errors else 200
    elif request.method == "POST":
        require(request.user, MANAGE, c)
    return render(
        request,
        "organizations/committee_detail.html",
        {
            "c": c,
            "members": selectors.committee_members(committee=c),
            "form": form,
            "can_manage": can_manage,
            "today": clock.now().date(),
        },
        status=status,
    )


@login_required
@require_POST
def committee_member_remove(request, pk: int):
    require(request.user, MANAGE)
    member = CommitteeMember.objects.filter(pk=pk).select_related("committee").first()
    c = _committee(request.user, member.committee_id if member else 0, MANAGE)
    assert member is not None  # _committee raised NotFound otherwise
    services.committee_member_remove(by=request.user, member=member)
    messages.success(request, _("已移除委员。"))
    return redirect("organizations:committee_detail", pk=c.pk)


# --- spaces ------------------------------------------------------------------------------------


def _space_owners(user):
    return selectors.organization_list(
        user=user,
        kind=(
            OrganizationKind.RESIDENT_UNIT,
            OrganizationKind.SOCIAL_ORGANIZATION,
            OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION,
        ),
        perm=MANAGE_SPACES,
    )[:500]


def _space_values(data: dict, owners) -> tuple[dict, Organization | None]:
    owner = next((o for o in owners if o.pk == data.get("owner")), None)
    return {k: data[k] for k in SPACE_FORM_FIELDS}, owner


@login_required
@require_http_methods(["GET", "POST"])
def space_new(request):
    # Opening a space is for staff holding MANAGE_SPACES over a region; a unit contact holds it
    # over their unit's spaces only (rules.py).
    if not has_anywhere(request.user, MANAGE_SPACES):
        raise PermissionDenied()
    owners = list(_space_owners(request.user))
    form = SpaceForm(request.POST or None, user=request.user, owners=owners)
    if request.method == "POST" and form.is_valid():
        values, owner = _space_values(form.cleaned_data, owners)
        ok, space = submit(
            form,
            lambda: bookings.space_create(
                by=request.user,
                community=_region(form.cleaned_data["community"]),
                owner=owner,
                **values,
            ),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("场地已开放预约：%(name)s。") % {"name": space.name})
            return redirect("organizations:space_detail", pk=space.pk)
    return render(
        request,
        "organizations/space_form.html",
        {"form": form, "space": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_edit(request, pk: int):
    require(request.user, MANAGE_SPACES)
    space = selectors.space_get(user=request.user, pk=pk, perm=MANAGE_SPACES)
    # A space's rules are the community's to set (a unit contact handles its bookings only).
    require(request.user, MANAGE_SPACES, space.community, hide=True)
    owners = list(_space_owners(request.user))
    if space.owner is not None and space.owner not in owners:
        owners.append(space.owner)
    form = SpaceForm(
        request.POST or None,
        user=request.user,
        owners=owners,
        editing=True,
        initial=SpaceForm.initial_of(space),
    )
    if request.method == "POST" and form.is_valid():
        values, owner = _space_values(form.cleaned_data, owners)
        ok, _saved = submit(
            form,
            lambda: bookings.space_update(by=request.user, space=space, owner=owner, **values),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("organizations:space_detail", pk=space.pk)
    return render(
        request,
        "organizations/space_form.html",
        {"form": form, "space": space},
        status=400 if form.errors else 200,
    )


# --- a need turned into a volunteer activity ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def need_activity(request, pk: int):
    require(request.user, MANAGE)
    need = scoped(Need.objects.all(), request.user, MANAGE).select_related("community").filter(pk=pk).first()
    if need is None:
        raise NotFound()
    form = NeedActivityForm(request.POST or None, initial={"title": need.title})
    if request.method == "POST" and form.is_valid():
        ok, activity = submit(
            form,
            lambda: lists.activity_from_need(by=request.user, need=need, **form.cleaned_data),
            show=add_service_error,
        )
        if ok:
            messages.success(request, _("已发布志愿活动：%(title)s。") % {"title": activity.title})
            return redirect("organizations:need_detail", pk=need.pk)
    return render(
        request,
        "organizations/need_activity.html",
        {"form": form, "need": need},
        status=400 if form.errors else 200,
    )
