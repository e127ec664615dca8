"""The four lists (四个清单): public services, residents' needs, units' resources (the pledged
resources of the co-building register) and co-building projects; needs matched to organisations
and resources by staff, and turned into co-building projects."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from gongzhi.core import clock
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped

from .errors import error
from .events import event_record
from .models import (
    CoBuildingProject,
    Need,
    NeedActivity,
    NeedMatch,
    NeedSource,
    NeedStatus,
    NeedSupport,
    OrganizationKind,
    PledgedResource,
    ProjectStatus,
    PublicService,
    ServiceField,
)
from .rules import BOOK, MANAGE, VIEW

# A demand category's code → the field of service organisations work in.
_FIELD_BY_CODE = (
    ("elder", ServiceField.ELDERLY),
    ("aged", ServiceField.ELDERLY),
    ("pension", ServiceField.ELDERLY),
    ("edu", ServiceField.CHILDREN),
    ("child", ServiceField.CHILDREN),
    ("disab", ServiceField.DISABILITY),
    ("civil", ServiceField.ASSISTANCE),
    ("social", ServiceField.ASSISTANCE),
    ("assist", ServiceField.ASSISTANCE),
    ("health", ServiceField.HEALTH),
    ("medic", ServiceField.HEALTH),
    ("dispute", ServiceField.MEDIATION),
    ("neighbo", ServiceField.MEDIATION),
    ("noise", ServiceField.MEDIATION),
    ("culture", ServiceField.CULTURE),
    ("sport", ServiceField.CULTURE),
    ("env", ServiceField.ENVIRONMENT),
    ("green", ServiceField.ENVIRONMENT),
    ("garbage", ServiceField.ENVIRONMENT),
)


def field_of_category(code: str) -> str:
    for key, field in _FIELD_BY_CODE:
        if key in code:
            return field
    return ServiceField.OTHER


@transaction.atomic
def needs_from_demands(*, by, community, days: int = 180, min_count: int = 3) -> list[Need]:
    """Draw needs from the community's demand categories with at least `min_count` demands in the
    last `days` days: one need per category (updated, never duplicated), with the number of
    demands and of distinct households behind them."""
    require(by, MANAGE, community)
    from gongzhi.demands.selectors import demands_visible

    since = clock.now() - dt.timedelta(days=days)
    demands = demands_visible(by).filter(community=community, created_at__gte=since, category__isnull=False)
    rows = (
        demands.order_by()
        .values("category", "category__code", "category__name")
        .annotate(n=Count("pk"))
        .filter(n__gte=min_count)
    )
    out = []
    for row in rows:
        of_category = demands.filter(category=row["category"])
        households = (
            of_category.filter(person__membership__isnull=False).aggregate(
                h=Count("person__membership__household", distinct=True)
            )["h"]
            + of_category.filter(Q(person__isnull=True) | Q(person__membership__isnull=True)).aggregate(
                a=Count("address", distinct=True)
            )["a"]
        )
        need, created = Need.objects.select_for_update().get_or_create(
            community=community,
            demand_category_id=row["category"],
            defaults={
                "title": row["category__name"],
                "service_field": field_of_category(row["category__code"]),
                "source": NeedSource.DEMANDS,
                "created_by": by,
            },
        )
        need.demand_count, need.households = row["n"], households
        need.save(update_fields=["demand_count", "households", "updated_at"])
        if created:
            event_record("need_drawn_from_demands", need, by=by, demands=row["n"])
        out.append(need)
    return out


def _household_key(user) -> str:
    from gongzhi.registry.selectors import person_of_user

    person = person_of_user(user=user)
    membership = getattr(person, "membership", None) if person else None
    return f"h:{membership.household_id}" if membership else f"u:{user.pk}"


@transaction.atomic
def need_submit(*, by, community, title: str, service_field: str, source: str = NeedSource.DIRECT) -> Need:
    """A resident (or staff after a visit or topic) submits a need. The same need in the same
    community is not duplicated: the household is added to the existing one."""
    require(by, BOOK if source == NeedSource.DIRECT else MANAGE, community)
    title = (title or "").strip()
    if not title:
        raise error("title_required")
    if service_field not in ServiceField.values:
        raise error("field_invalid")
    if source not in (NeedSource.DIRECT, NeedSource.VISIT, NeedSource.TOPIC):
        raise error("field_invalid")
    need, created = Need.objects.select_for_update().get_or_create(
        community=community,
        title=title[:100],
        demand_category=None,
        defaults={"service_field": service_field, "source": source, "created_by": by},
    )
    need_support(by=by, need=need)
    if created:
        event_record("need_submitted", need, by=by, source=source)
    return need


@transaction.atomic
def need_support(*, by, need: Need) -> Need:
    """Count the user's household behind a need (once per household)."""
    require(by, BOOK, need)
    try:
        with transaction.atomic():
            NeedSupport.objects.create(
                community_id=need.community_id, need=need, household_key=_household_key(by)
            )
    except IntegrityError:
        raise error("already_supported") from None
    need = Need.objects.select_for_update().get(pk=need.pk)
    need.households = need.supports.count() + (need.households if need.source == NeedSource.DEMANDS else 0)
    need.save(update_fields=["households", "updated_at"])
    return need


def match_suggestions(*, need: Need, limit: int = 5) -> dict:
    """Organisations of the need's field serving its community, the community's pledged
    resources, and the units' open offers of theirs: suggestions only, confirmed by staff."""
    from .models import Organization
    from .selectors import organization_list  # noqa: F401 (same visibility rules)

    orgs = (
        Organization.objects.filter(
            kind__in=(OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION),
            profile__service_field=need.service_field,
        )
        .filter(Q(region_id=need.community_id) | Q(profile__communities_served=need.community_id))
        .exclude(pk__in=need.matches.values("organization"))
        .distinct()
        .order_by("profile__grade", "name")[:limit]
    )
    resources = (
        PledgedResource.objects.filter(community_id=need.community_id)
        .exclude(pk__in=need.matches.values("resource"))
        .select_related("agreement__organization")
        .order_by("-quantity")[:limit]
    )
    from .models import OfferStatus

    offers = need.offers.filter(status=OfferStatus.OFFERED).select_related(
        "resource__agreement__organization", "offered_by"
    )
    return {"organizations": list(orgs), "resources": list(resources), "offers": list(offers)}


@transaction.atomic
def need_match(*, by, need: Need, organization=None, resource: PledgedResource | None = None) -> NeedMatch:
    """Staff confirm a match of a need with an organisation or a unit's pledged resource."""
    require(by, MANAGE, need)
    if organization is None and resource is None:
        raise error("match_partner_required")
    if resource is not None and resource.community_id != need.community_id:
        raise error("match_other_community")
    if organization is not None:
        served = organization.region_id == need.community_id or (
            hasattr(organization, "profile")
            and organization.profile.communities_served.filter(code=need.community_id).exists()
        )
        if not served and not need.community_id.startswith(organization.region_id):
            raise error("match_other_community")
    try:
        with transaction.atomic():
            match = NeedMatch.objects.create(
                community_id=need.community_id,
                need=need,
                organization=organization,
                resource=resource,
                confirmed_by=by,
            )
    except IntegrityError:
        raise error("already_matched") from None
    Need.objects.filter(pk=need.pk, status=NeedStatus.OPEN).update(status=NeedStatus.MATCHED)
    if resource is not None:
        from .units import offers_close

        offers_close(by=by, need=need, resource=resource)
    event_record(
        "need_matched",
        need,
        by=by,
        organization=getattr(organization, "pk", None),
        resource=getattr(resource, "pk", None),
    )
    return match


@transaction.atomic
def project_from_need(*, by, need: Need, title: str = "", lead=None) -> CoBuildingProject:
    """Turn a need into a co-building project (list 4)."""
    require(by, MANAGE, need)
    project = CoBuildingProject.objects.create(
        community_id=need.community_id,
        title=(title or need.title)[:100],
        need=need,
        lead=lead,
        households_target=need.households,
        created_by=by,
    )
    event_record("project_from_need", project, by=by, need=need.pk)
    return project


@transaction.atomic
def activity_from_need(
    *,
    by,
    need: Need,
    title: str,
    place: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    places: int,
):
    """Turn a need into a volunteer activity of its community (volunteers.activity_create, which
    answers for the volunteers' rules); the need is then matched."""
    require(by, MANAGE, need)
    from gongzhi.volunteers.services import activity_create

    need = Need.objects.select_for_update(of=("self",)).select_related("community").get(pk=need.pk)
    if need.status == NeedStatus.MET:
        raise error("need_closed")
    activity = activity_create(
        by=by,
        community=need.community,
        title=(title or need.title)[:100],
        place=place,
        serves=need.title[:100],
        description=need.title,
        shifts=[(starts_at, ends_at, places)],
    )
    NeedActivity.objects.create(community_id=need.community_id, need=need, activity=activity)
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.MATCHED
        need.save(update_fields=["status", "updated_at"])
    event_record("need_to_activity", need, by=by, activity=activity.pk)
    return activity


@transaction.atomic
def public_service_add(
    *, by, community, name: str, service_field: str, hours: str, place: str, provider=None
):
    require(by, MANAGE, community)
    if not (name or "").strip():
        raise error("name_required")
    if service_field not in ServiceField.values:
        raise error("field_invalid")
    try:
        with transaction.atomic():
            service = PublicService.objects.create(
                community=community,
                name=name.strip()[:80],
                service_field=service_field,
                hours=(hours or "")[:80],
                place=(place or "")[:120],
                provider=provider,
                created_by=by,
            )
    except IntegrityError:
        raise error("duplicate") from None
    event_record("public_service_added", service, by=by)
    return service


# --- reads -----------------------------------------------------------------------------------


def four_lists(*, user, perm: str = VIEW) -> dict:
    return {
        "services": scoped(PublicService.objects.all(), user, perm).select_related("provider", "community"),
        "needs": scoped(Need.objects.all(), user, perm)
        .select_related("community")
        .annotate(match_count=Count("matches")),
        "resources": scoped(PledgedResource.objects.all(), user, perm).select_related(
            "agreement__organization", "community"
        ),
        "projects": scoped(CoBuildingProject.objects.all(), user, perm).select_related(
            "lead", "need", "community"
        ),
    }


def needs_met(*, user, perm: str = VIEW):
    """Share of needs matched or met (the figure), with the needs."""
    from .selectors import FigureValue

    needs = scoped(Need.objects.all(), user, perm)
    total = needs.count()
    done = needs.exclude(status=NeedStatus.OPEN)
    n = done.count()
    return FigureValue(round(100 * n / total, 2) if total else None, done, n, total)


def projects_running(*, user, perm: str = VIEW) -> int:
    return scoped(CoBuildingProject.objects.filter(status=ProjectStatus.RUNNING), user, perm).count()
