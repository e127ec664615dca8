"""Reads of the registers: every list scoped through core.scoping, every figure with its records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import scope_prefixes, scoped
from gongzhi.registry import selectors as registry

from .models import (
    CoBuildingAgreement,
    Organization,
    OrganizationKind,
    OwnersCommittee,
    PledgedResource,
)
from .rules import VIEW

SOCIAL_KINDS = (OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION)
_LEVEL_LENGTHS = (2, 4, 6, 9)


@dataclass
class FigureValue:
    """A figure: the number, and the records it counted (for the drill-down and the export)."""

    value: float | int | None
    records: Any
    numerator: int | None = None
    denominator: int | None = None


def _org_visible_q(user, perm: str) -> Q:
    """An organisation is visible where it is based, where it serves, and below where it is based
    (a district-wide organisation is seen by the district's communities)."""
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        if p == "":
            return Q()
        ancestors = [p[:n] for n in _LEVEL_LENGTHS if n < len(p)]
        q |= (
            Q(region__code__startswith=p)
            | Q(region__code__in=ancestors)
            | Q(profile__communities_served__code__startswith=p)
        )
    return q


def organization_list(
    *, user, kind: str | tuple = "", q: str = "", community: str = "", perm: str = VIEW
) -> QuerySet[Organization]:
    ids = Organization.objects.filter(_org_visible_q(user, perm)).values("pk")
    qs = Organization.objects.filter(pk__in=ids)
    if isinstance(kind, tuple):
        qs = qs.filter(kind__in=kind)
    elif kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    if community:
        qs = qs.filter(
            Q(region__code__startswith=community) | Q(profile__communities_served__code=community)
        ).distinct()
    return qs.select_related("region", "profile").order_by("kind", "name")


def organization_get(*, user, pk: int, perm: str = VIEW) -> Organization:
    org = organization_list(user=user, perm=perm).filter(pk=pk).first()
    if org is None:
        raise NotFound()
    return org


def organization_served(*, organization: Organization) -> QuerySet:
    profile = getattr(organization, "profile", None)
    if profile is None:
        return organization.region.__class__.objects.none()
    return profile.communities_served.order_by("code")


def company_estates(*, user, organization: Organization, perm: str = VIEW):
    """The registry's estates this property company manages, within the user's scope."""
    return registry.estate_list(user=user, perm=perm).filter(property_company=organization)


def property_companies(*, user, perm: str = VIEW) -> list[Organization]:
    """Property companies in scope, each with `estate_count`: the registry's estates it manages."""
    from collections import Counter

    managed = Counter(
        registry.estate_list(user=user, perm=perm)
        .filter(property_company__isnull=False)
        .values_list("property_company_id", flat=True)
    )
    companies = list(organization_list(user=user, kind=OrganizationKind.PROPERTY_COMPANY, perm=perm))
    for c in companies:
        c.estate_count = managed.get(c.pk, 0)
    return companies


def agreement_list(*, user, perm: str = VIEW) -> QuerySet[CoBuildingAgreement]:
    return (
        scoped(CoBuildingAgreement.objects.all(), user, perm)
        .select_related("organization", "community")
        .annotate(resource_count=Count("resources"))
    )


def resource_list(*, user, perm: str = VIEW) -> QuerySet[PledgedResource]:
    return scoped(PledgedResource.objects.all(), user, perm).select_related(
        "agreement__organization", "community"
    )


def _current_terms() -> QuerySet[OwnersCommittee]:
    later = OwnersCommittee.objects.filter(estate=OuterRef("estate"), term_start__gt=OuterRef("term_start"))
    return OwnersCommittee.objects.filter(~Exists(later))


def committee_list(*, user, overdue: bool = False, perm: str = VIEW) -> QuerySet[OwnersCommittee]:
    """The current term of each estate's owners' committee; `overdue`: re-election past due."""
    qs = scoped(_current_terms(), user, perm).select_related("estate", "community")
    if overdue:
        qs = qs.filter(term_end__lt=clock.now().date())
    return qs.order_by("term_end", "pk")


def register_counts(*, user, perm: str = VIEW) -> dict[str, int]:
    orgs = organization_list(user=user, perm=perm)
    by_kind = dict(orgs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "social": by_kind.get(OrganizationKind.SOCIAL_ORGANIZATION, 0)
        + by_kind.get(OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION, 0),
        "units": by_kind.get(OrganizationKind.RESIDENT_UNIT, 0),
        "companies": by_kind.get(OrganizationKind.PROPERTY_COMPANY, 0),
        "committees": committee_list(user=user, perm=perm).count(),
        "overdue": committee_list(user=user, overdue=True, perm=perm).count(),
        "agreements": agreement_list(user=user, perm=perm).count(),
    }


# --- figures ---------------------------------------------------------------------------


def _share(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def orgs_per_10k(*, user, perm: str = VIEW) -> FigureValue:
    """Social organisations per 10,000 active residents in the user's scope."""
    orgs = organization_list(user=user, kind=SOCIAL_KINDS, perm=perm)
    from gongzhi.registry.codes import PersonStatus

    residents = registry.person_queryset(user=user, perm=perm).filter(status=PersonStatus.ACTIVE).count()
    n = orgs.count()
    value = round(10000 * n / residents, 2) if residents else None
    return FigureValue(value, orgs, n, residents)


def property_coverage(*, user, perm: str = VIEW) -> FigureValue:
    """Share of the registry's estates (in scope) managed by a property company."""
    estates = registry.estate_list(user=user, perm=perm)
    total = estates.count()
    managed = estates.filter(property_company__isnull=False)
    n = managed.count()
    return FigureValue(_share(n, total), managed, n, total)


def committee_coverage(*, user, perm: str = VIEW) -> FigureValue:
    """Share of the estates (in scope) with an owners' committee registered."""
    estates = registry.estate_list(user=user, perm=perm)
    total = estates.count()
    covered = estates.filter(pk__in=OwnersCommittee.objects.values("estate"))
    n = covered.count()
    return FigureValue(_share(n, total), covered, n, total)


def resources_pledged_vs_used(*, user, perm: str = VIEW) -> FigureValue:
    """Pledged resources used, as a share of the pledged quantity (same units summed per kind)."""
    qs = resource_list(user=user, perm=perm)
    totals = qs.aggregate(q=Sum("quantity"), u=Sum("used"))
    q, u = totals["q"] or 0, totals["u"] or 0
    return FigureValue(round(100 * float(u) / float(q), 2) if q else None, qs)
