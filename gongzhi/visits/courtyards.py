"""Old courtyards without property management (老旧院落): the community's inspection schedule,
findings assigned by the responsibility split (district builds, community inspects, street
maintains) as tasks with deadlines."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped
from gongzhi.registry.models import Estate

from . import policy, rules
from .errors import error
from .models import CourtyardInspection, Finding, InspectionItem, Responsibility

# Who fixes what, and in how many days.
SPLIT: dict[str, tuple[Responsibility, int]] = {
    InspectionItem.PIPES: (Responsibility.DISTRICT, 90),
    InspectionItem.STRUCTURE: (Responsibility.DISTRICT, 90),
    InspectionItem.FIRE: (Responsibility.STREET, 15),
    InspectionItem.LIGHTING: (Responsibility.STREET, 15),
    InspectionItem.WASTE: (Responsibility.COMMUNITY, 3),
}
EVERY_DAYS = 30


@transaction.atomic
def inspections_schedule(
    *, estate: Estate, by, start: dt.date | None = None, count: int = 3
) -> list[CourtyardInspection]:
    require(by, rules.RECORD, estate, hide=True)
    if estate.has_property_management:
        raise error("has_property_management")
    start = start or timezone.localdate(clock.now())
    out = []
    for i in range(max(1, min(count, 12))):
        due = start + dt.timedelta(days=EVERY_DAYS * i)
        obj, _c = CourtyardInspection.objects.get_or_create(
            community_id=estate.community_id, estate=estate, due=due
        )
        out.append(obj)
    return out


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
    estates = scoped(Estate.objects.filter(has_property_management=False), user, rules.VIEW).order_by(
        "community_id", "name"
    )
    rows = []
    for e in estates[:300]:
        nxt = CourtyardInspection.objects.filter(estate=e, done_at__isnull=True).order_by("due").first()
        state = policy.due_state(nxt.due, visited=False, today=today) if nxt else ""
        findings = list(Finding.objects.filter(inspection__estate=e, resolved_at__isnull=True))
        rows.append(
            {
                "estate": e,
                "next": nxt,
                "state": state,
                "state_label": policy.DUE_LABELS.get(state, ""),
                "findings": findings,
            }
        )
    return rows
