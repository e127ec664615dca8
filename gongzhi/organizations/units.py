"""Writes of a unit based in the area (驻区单位): its pledged resources and its offers of them
to residents' needs. The unit's contact (驻区单位联络员) and community staff use the same
services; the guards are `organizations.pledge` and `organizations.unit` (rules.py).

An offer is the unit's side of the need-matching flow: staff confirm it through `need_match`
(lists.py, which records the NeedMatch and closes the offer) or decline it here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.permissions import require

from .errors import error
from .events import event_record
from .models import (
    CoBuildingAgreement,
    Need,
    NeedMatch,
    NeedStatus,
    OfferStatus,
    PledgedResource,
    ResourceKind,
    ResourceOffer,
)
from .rules import MANAGE, PLEDGE, UNIT


def _amount(value, *, positive: bool) -> Decimal:
    try:
        n = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise error("resource_invalid") from None
    if not n.is_finite() or (n <= 0 if positive else n < 0) or n >= Decimal("1e10"):
        raise error("resource_invalid")
    return n.quantize(Decimal("0.01"))


def _clean(kind: str, description: str, quantity, unit: str) -> dict:
    if kind not in ResourceKind.values:
        raise error("resource_kind_invalid")
    description = (description or "").strip()
    if not description:
        raise error("resource_description_required")
    unit = (unit or "").strip()
    if not unit:
        raise error("resource_unit_required")
    return {
        "kind": kind,
        "description": description[:200],
        "quantity": _amount(quantity, positive=True),
        "unit": unit[:10],
    }


def _current(agreement: CoBuildingAgreement) -> None:
    if agreement.expires_on is not None and agreement.expires_on < clock.now().date():
        raise error("agreement_expired")


@transaction.atomic
def resource_pledge(
    *, by, agreement: CoBuildingAgreement, kind: str, description: str, quantity, unit: str
) -> PledgedResource:
    """Record a resource the unit pledges under its agreement (场地、设备、技能、资金、志愿时间、物资)."""
    require(by, PLEDGE)
    require(by, PLEDGE, agreement, hide=True)
    agreement = CoBuildingAgreement.objects.select_for_update().get(pk=agreement.pk)
    _current(agreement)
    v = _clean(kind, description, quantity, unit)
    resource = PledgedResource.objects.create(
        community_id=agreement.community_id, agreement=agreement, created_by=by, **v
    )
    event_record("resource_pledged", resource, by=by, agreement=agreement.pk, quantity=str(v["quantity"]))
    return resource


@transaction.atomic
def resource_update(
    *, by, resource: PledgedResource, description: str, quantity, unit: str, used
) -> PledgedResource:
    """Update a pledged resource: what it is, how much is pledged and how much has been used."""
    require(by, PLEDGE)
    require(by, PLEDGE, resource, hide=True)
    resource = PledgedResource.objects.select_for_update().select_related("agreement").get(pk=resource.pk)
    v = _clean(resource.kind, description, quantity, unit)
    used_n = _amount(used if used not in (None, "") else 0, positive=False)
    if used_n > v["quantity"]:
        raise error("resource_used_exceeds", used=used_n)
    before = {
        k: str(getattr(resource, k))
        for k in ("description", "quantity", "unit", "used")
        if getattr(resource, k) != (used_n if k == "used" else v[k])
    }
    resource.description, resource.quantity, resource.unit = v["description"], v["quantity"], v["unit"]
    resource.used = used_n
    resource.updated_by = by
    resource.save()
    event_record("resource_updated", resource, by=by, before=before)
    return resource


@transaction.atomic
def resource_offer(*, by, need: Need, resource: PledgedResource, note: str = "") -> ResourceOffer:
    """The unit offers one of its pledged resources to a need of a community its agreement
    covers; community staff confirm or decline it."""
    require(by, UNIT)
    require(by, UNIT, resource, hide=True)
    require(by, UNIT, need, hide=True)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status == NeedStatus.MET:
        raise error("offer_need_closed")
    if resource.community_id != need.community_id:
        raise error("match_other_community")
    _current(resource.agreement)
    if NeedMatch.objects.filter(need=need, resource=resource).exists():
        raise error("offer_already_matched")
    try:
        with transaction.atomic():
            offer = ResourceOffer.objects.create(
                community_id=need.community_id,
                need=need,
                resource=resource,
                offered_by=by,
                note=(note or "").strip()[:200],
                created_by=by,
            )
    except IntegrityError:
        raise error("offer_exists") from None
    event_record("resource_offered", offer, by=by, need=need.pk, resource=resource.pk)
    return offer


@transaction.atomic
def offer_decline(*, by, offer: ResourceOffer) -> ResourceOffer:
    """Community staff decline a unit's offer (the need stays open for others)."""
    require(by, MANAGE)
    require(by, MANAGE, offer, hide=True)
    offer = ResourceOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != OfferStatus.OFFERED:
        raise error("offer_not_open", status=offer.get_status_display())
    offer.status, offer.decided_by, offer.updated_by = OfferStatus.DECLINED, by, by
    offer.save(update_fields=["status", "decided_by", "updated_by", "updated_at"])
    event_record("offer_declined", offer, by=by)
    return offer


def offers_close(*, by, need: Need, resource: PledgedResource) -> None:
    """Called by need_match inside its transaction: the unit's open offer of this resource to
    this need is confirmed by the match."""
    ResourceOffer.objects.filter(Q(need=need, resource=resource, status=OfferStatus.OFFERED)).update(
        status=OfferStatus.CONFIRMED, decided_by=by, updated_at=clock.now()
    )
