"""The page of a unit based in the area, for its contact (驻区单位联络员): its agreements and
pledged resources, its spaces' bookings to handle, and the needs of the communities it serves
that it may offer a resource to (thin: guard, selector or service, template)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core import clock
from gongzhi.core.permissions import require
from gongzhi.web.forms import act

from . import selectors, units
from .models import CoBuildingAgreement, Need, PledgedResource, ResourceKind, ResourceOffer
from .rules import MANAGE, PLEDGE, UNIT
from .workflow import WORKFLOW


def _unit_pk(request) -> int | None:
    value = request.GET.get("unit") or request.POST.get("unit") or ""
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def unit_home(request):
    require(request.user, UNIT)
    user = request.user
    unit = selectors.unit_get(user=user, pk=_unit_pk(request))
    resources = list(selectors.unit_resources(unit=unit))
    handle = list(selectors.unit_bookings_to_handle(user=user, unit=unit)[:200])
    now = clock.now()
    for b in handle:
        b.action_names = WORKFLOW.allowed(b, user, now)
        b.actions = [(a, WORKFLOW.steps[a].label) for a in b.action_names]
    offers = list(selectors.unit_offers(unit=unit)[:200])
    offered = {(o.need_id, o.resource_id) for o in offers}
    needs = list(selectors.unit_needs(unit=unit)[:300])
    for n in needs:
        n.offerable = [
            r for r in resources if r.community_id == n.community_id and (n.pk, r.pk) not in offered
        ]
    return render(
        request,
        "organizations/unit.html",
        {
            "unit": unit,
            "units": selectors.unit_list(user=user).order_by("pk"),
            "agreements": selectors.unit_agreements(unit=unit),
            "resources": resources,
            "spaces": selectors.unit_spaces(unit=unit),
            "handle": handle,
            "needs": needs,
            "offers": offers,
            "kinds": ResourceKind.choices,
            "today": clock.now().date(),
        },
    )


def _back(unit_pk):
    return redirect(f"/organizations/unit/?unit={unit_pk}")


@login_required
@require_POST
def unit_resource_new(request, pk: int):
    require(request.user, PLEDGE)
    agreement = selectors.object_or_404(CoBuildingAgreement, pk)
    require(request.user, PLEDGE, agreement, hide=True)
    p = request.POST
    act(
        request,
        lambda: units.resource_pledge(
            by=request.user,
            agreement=agreement,
            kind=p.get("kind", ""),
            description=p.get("description", ""),
            quantity=p.get("quantity", ""),
            unit=p.get("unit", ""),
        ),
        _("已登记承诺资源。"),
    )
    return _back(agreement.organization_id)


@login_required
@require_POST
def unit_resource_edit(request, pk: int):
    require(request.user, PLEDGE)
    resource = selectors.object_or_404(PledgedResource, pk, "agreement")
    require(request.user, PLEDGE, resource, hide=True)
    p = request.POST
    act(
        request,
        lambda: units.resource_update(
            by=request.user,
            resource=resource,
            description=p.get("description", ""),
            quantity=p.get("quantity", ""),
            unit=p.get("unit", ""),
            used=p.get("used", ""),
        ),
        _("已更新承诺资源。"),
    )
    return _back(resource.agreement.organization_id)


@login_required
@require_POST
def unit_offer(request, pk: int):
    require(request.user, UNIT)
    need = selectors.object_or_404(Need, pk)
    require(request.user, UNIT, need, hide=True)
    resource = selectors.object_or_404(PledgedResource, request.POST.get("resource", ""), "agreement")
    require(request.user, UNIT, resource, hide=True)
    act(
        request,
        lambda: units.resource_offer(
            by=request.user, need=need, resource=resource, note=request.POST.get("note", "")
        ),
        _("已认领，等待社区确认对接。"),
    )
    return _back(resource.agreement.organization_id)


@login_required
@require_POST
def offer_decline(request, pk: int):
    """Community staff decline a unit's offer (from the need's page)."""
    require(request.user, MANAGE)
    offer = selectors.object_or_404(ResourceOffer, pk)
    require(request.user, MANAGE, offer, hide=True)
    act(request, lambda: units.offer_decline(by=request.user, offer=offer), _("已标记为不采纳。"))
    return redirect("organizations:need_detail", pk=offer.need_id)
