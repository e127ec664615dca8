"""Old courtyards without property management (老旧院落): the community's inspection schedule,
findings assigned by the responsibility split (district builds, community inspects, street
maintains) as tasks with deadlines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.manifests import run_hook
from gongzhi.core.permissions import require
from gongzhi.core.scoping import has_anywhere, scoped
from gongzhi.registry.models import Estate

from . import policy, rules
from .errors import error
from .models import (
    CourtyardInspection,
    Finding,
    InspectionItem,
    QuasiPropertyArrangement,
    QuasiService,
    Responsibility,
)

# Who fixes what, and in how many days.
SPLIT: dict[str, tuple[Responsibility, int]] = {
    InspectionItem.PIPES: (Responsibility.DISTRICT, 90),
    InspectionItem.STRUCTURE: (Responsibility.DISTRICT, 90),
    InspectionItem.FIRE: (Responsibility.STREET, 15),
    InspectionItem.LIGHTING: (Responsibility.STREET, 15),
    InspectionItem.WASTE: (Responsibility.COMMUNITY, 3),
}
EVERY_DAYS = 30
SCHEDULE_AHEAD_DAYS = 366
MAX_FEE = Decimal("1000")


# ---- the one guard: who may manage old courtyards (schedule inspections, record 准物业) --------
# Community workers and heads for their community, street staff for the street's communities
# (rules.COURTYARDS, scoped). Services require it on each estate; the page asks the same questions.


def may_manage(user) -> bool:
    """Whether the page shows the scheduling and 准物业 forms at all."""
    return has_anywhere(user, rules.COURTYARDS)


def manageable_estates(user) -> QuerySet[Estate]:
    """The courtyards (estates without property management) this user may manage."""
    return scoped(Estate.objects.filter(has_property_management=False), user, rules.COURTYARDS).order_by(
        "community_id", "name"
    )


def _require_manage(user, estate: Estate) -> None:
    require(user, rules.COURTYARDS, estate, hide=True)
    if estate.has_property_management:
        raise error("has_property_management")


def _items(items) -> str:
    codes = list(dict.fromkeys(i for i in (items or []) if i))
    if not codes:
        raise error("no_items")
    if any(c not in InspectionItem.values for c in codes):
        raise error("bad_item")
    return ",".join(c for c in InspectionItem.values if c in codes)


@transaction.atomic
def inspections_schedule(
    *, estate: Estate, by, start: dt.date | None = None, count: int = 3, items=None
) -> list[CourtyardInspection]:
    """A run of monthly inspections of one courtyard from `start` (every item unless `items`)."""
    _require_manage(by, estate)
    codes = _items(items) if items is not None else ""
    start = start or timezone.localdate(clock.now())
    out = []
    for i in range(max(1, min(count, 12))):
        due = start + dt.timedelta(days=EVERY_DAYS * i)
        obj, _c = CourtyardInspection.objects.get_or_create(
            community_id=estate.community_id,
            estate=estate,
            due=due,
            defaults={"items": codes, "scheduled_by": by},
        )
        _announce(obj, by)
        out.append(obj)
    return out


def _announce(inspection: CourtyardInspection, by) -> None:
    """The inspection reaches the community's inbox as the platform's work (the community inspects)."""
    run_hook(
        "community_work",
        key=policy.WORK_COURTYARD_INSPECTION,
        ref=policy.inspection_work_ref(inspection.pk),
        community_code=inspection.community_id,
        title=f"老旧院落巡查：{inspection.estate.name}",
        by=by,
        deadline=inspection.due,
        link=reverse("visits:inspection_record", args=[inspection.pk]),
    )


@transaction.atomic
def inspections_plan(*, estate_ids, items, due: dt.date | None, by) -> list[CourtyardInspection]:
    """The page's form: one inspection of each chosen courtyard on `due`, of the chosen items.
    All or nothing: one refused courtyard (out of scope, with property management, already
    scheduled that day) refuses the whole form."""
    ids = list(dict.fromkeys(int(i) for i in estate_ids or []))
    if not ids:
        raise error("no_courtyards")
    codes = _items(items)
    if due is None:
        raise error("due_required")
    today = timezone.localdate(clock.now())
    if due < today:
        raise error("due_past")
    if due > today + dt.timedelta(days=SCHEDULE_AHEAD_DAYS):
        raise error("due_too_far")
    estates = list(Estate.objects.select_for_update().filter(pk__in=ids).order_by("community_id", "name"))
    if len(estates) != len(ids):
        raise NotFound()
    for e in estates:
        _require_manage(by, e)
    taken = CourtyardInspection.objects.filter(estate__in=estates, due=due).select_related("estate").first()
    if taken is not None:
        raise error("already_scheduled", estate=taken.estate.name, due=due.isoformat())
    out = [
        CourtyardInspection.objects.create(
            community_id=e.community_id, estate=e, due=due, items=codes, scheduled_by=by
        )
        for e in estates
    ]
    for inspection in out:
        _announce(inspection, by)
    return out


# ---- 准物业 (quasi-property-management) arrangements --------------------------------------------


def _area_codes(community_code: str) -> list[str]:
    """The community and the regions above it: an organisation working in one of them may serve."""
    return [community_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(community_code)]


def provider_choices(estates) -> QuerySet:
    from gongzhi.organizations.models import Organization

    codes = {c for e in estates for c in _area_codes(e.community_id)}
    return Organization.objects.filter(region_id__in=codes).order_by("name")


def _fee(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        fee = Decimal(str(value).strip())
    except InvalidOperation:
        raise error("bad_fee") from None
    if not fee.is_finite() or fee < 0 or fee > MAX_FEE or fee != fee.quantize(Decimal("0.01")):
        raise error("bad_fee")
    return fee.quantize(Decimal("0.01"))


def _period(a: QuasiPropertyArrangement) -> str:
    if a.ends_on is None:
        return _("%(start)s起") % {"start": a.starts_on.isoformat()}
    return _("%(start)s至%(end)s") % {"start": a.starts_on.isoformat(), "end": a.ends_on.isoformat()}


@transaction.atomic
def arrangement_record(
    *,
    estate: Estate,
    by,
    services,
    starts_on: dt.date | None,
    ends_on: dt.date | None = None,
    organization=None,
    provider_name: str = "",
    fee=None,
) -> QuasiPropertyArrangement:
    """Record who provides a courtyard's basic services (准物业). Overlapping arrangements of one
    estate are refused; the estate's row is locked so that two at once cannot both pass."""
    _require_manage(by, estate)
    estate = Estate.objects.select_for_update().get(pk=estate.pk)
    provider_name = (provider_name or "").strip()
    if (organization is None) == (not provider_name):
        raise error("provider_required")
    if len(provider_name) > 60:
        raise error("provider_too_long")
    if organization is not None and organization.region_id not in _area_codes(estate.community_id):
        raise error("org_out_of_area")
    codes = list(dict.fromkeys(s for s in (services or []) if s))
    if not codes or any(c not in QuasiService.values for c in codes):
        raise error("no_services")
    amount = _fee(fee)
    if starts_on is None:
        raise error("start_required")
    if ends_on is not None and ends_on < starts_on:
        raise error("ends_before_start")
    clash = QuasiPropertyArrangement.objects.filter(estate=estate).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        clash = clash.filter(starts_on__lte=ends_on)
    other = clash.select_related("organization").first()
    if other is not None:
        raise error(
            "overlapping_arrangement", estate=estate.name, provider=other.provider, period=_period(other)
        )
    return QuasiPropertyArrangement.objects.create(
        community_id=estate.community_id,
        estate=estate,
        organization=organization,
        provider_name=provider_name if organization is None else "",
        services=",".join(c for c in QuasiService.values if c in codes),
        fee=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )


def in_force(arrangements, today: dt.date):
    """The arrangement in force on `today` among an estate's arrangements, or None."""
    for a in arrangements:
        if a.starts_on <= today and (a.ends_on is None or a.ends_on >= today):
            return a
    return None


@transaction.atomic
def inspection_record(
    *, inspection: CourtyardInspection, by, note: str = "", item: str = "", description: str = "", photo=None
) -> CourtyardInspection:
    """Record an inspection, with at most one finding per submission (add more with finding_add)."""
    inspection = CourtyardInspection.objects.select_for_update().get(pk=inspection.pk)
    require(by, rules.RECORD, inspection, hide=True)
    if inspection.done_at is None:
        inspection.done_at = clock.now()
        inspection.inspector = by
        inspection.note = (note or "")[:500]
        inspection.save(update_fields=["done_at", "inspector", "note"])
        run_hook(
            "community_work_done",
            ref=policy.inspection_work_ref(inspection.pk),
            community_code=inspection.community_id,
            by=by,
        )
    if item or description:
        finding_add(inspection=inspection, by=by, item=item, description=description, photo=photo)
    return inspection


@transaction.atomic
def finding_add(*, inspection: CourtyardInspection, by, item: str, description: str, photo=None) -> Finding:
    require(by, rules.RECORD, inspection, hide=True)
    if item not in InspectionItem.values:
        raise error("bad_item")
    description = (description or "").strip()
    if not description or len(description) > 300:
        raise error("description_required")
    if photo is not None:
        from .services import _photo_check

        _photo_check(photo)
    responsible, days = SPLIT[item]
    return Finding.objects.create(
        community_id=inspection.community_id,
        inspection=inspection,
        item=item,
        description=description,
        photo=photo or "",
        responsible=responsible,
        deadline=timezone.localdate(clock.now()) + dt.timedelta(days=days),
    )


@transaction.atomic
def finding_resolve(*, finding: Finding, by) -> Finding:
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if not (by.has_perm(rules.RECORD, finding) or by.has_perm(rules.ASSIGN, finding)):
        raise NotFound()
    if finding.resolved_at is not None:
        raise error("already_resolved")
    finding.resolved_at = clock.now()
    finding.resolved_by = by
    finding.save(update_fields=["resolved_at", "resolved_by"])
    return finding


def courtyard_rows(*, user, today: dt.date | None = None) -> list[dict]:
    """Courtyards without property management in scope, each with its next inspection's due state
    (policy.due_state, the same rule as visits) and its open findings."""
    today = today or timezone.localdate()
    estates = list(
        scoped(Estate.objects.filter(has_property_management=False), user, rules.VIEW).order_by(
            "community_id", "name"
        )[:300]
    )
    arrangements: dict[int, list] = {}
    for a in QuasiPropertyArrangement.objects.filter(estate__in=estates).select_related("organization"):
        arrangements.setdefault(a.estate_id, []).append(a)
    rows = []
    for e in estates:
        nxt = CourtyardInspection.objects.filter(estate=e, done_at__isnull=True).order_by("due").first()
        state = policy.due_state(nxt.due, visited=False, today=today) if nxt else ""
        findings = list(Finding.objects.filter(inspection__estate=e, resolved_at__isnull=True))
        mine = arrangements.get(e.pk, [])
        rows.append(
            {
                "estate": e,
                "next": nxt,
                "state": state,
                "state_label": policy.DUE_LABELS.get(state, ""),
                "findings": findings,
                "arrangements": mine,
                "arrangement": in_force(mine, today),
            }
        )
    return rows
