"""Every read of elderly care, scoped; figures return their number and the records counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.pii import mask_name
from gongzhi.core.scoping import scoped
from gongzhi.visits.selectors import FigureResult

from . import rules
from .models import (
    Call,
    CallDevice,
    CallOutcome,
    CareProfile,
    EmergencyContact,
    MealEnrolment,
    MealLog,
    MealPoint,
    ServiceOrder,
    ServiceRecord,
)
from .services import ANSWER_MINUTES, provider_ids

CENT = Decimal("0.01")


def _open_enrolment_point():
    return Subquery(
        MealEnrolment.objects.filter(profile=OuterRef("pk"), ended_on__isnull=True).values("point__name")[:1]
    )


def profiles(*, user, perm: str = rules.VIEW):
    return scoped(
        CareProfile.objects.select_related("person")
        .annotate(meal_point=_open_enrolment_point())
        .order_by("community_id", "person__name", "pk"),
        user,
        perm,
    )


def profile_get(*, user, pk: int) -> CareProfile:
    """A profile the user may read (care.view over its community); anything else is not found."""
    p = CareProfile.objects.select_related("person").filter(pk=pk).first()
    if p is None or not user.has_perm(rules.VIEW, p):
        raise NotFound()
    return p


def profile_card(*, user, profile: CareProfile) -> dict:
    """Everything the profile page shows, each list bounded; names and phones masked."""
    from gongzhi.core.models import Region

    from .eligibility import RULE_LABELS
    from .services import profile_entitlement

    today = timezone.localdate(clock.now())
    person = profile.person
    hours, basis = profile_entitlement(profile, today)
    enrolments = list(
        profile.meal_enrolments.select_related("point").order_by(F("ended_on").desc(nulls_first=True), "-pk")[
            :5
        ]
    )
    orders_ = list(profile.orders.select_related("provider").order_by("-starts_on", "-pk")[:10])
    return {
        "name": mask_name(person.name),
        "age": _age(person.birth_date, today),
        "community": Region.objects.filter(code=profile.community_id).values_list("name", flat=True).first(),
        "entitled_hours": hours,
        "basis": [RULE_LABELS.get(c, c) for c in basis],
        "contacts": list(profile.contacts.select_related("consent_recorded_by").order_by("pk")),
        "devices": list(profile.devices.order_by("-active", "serial")),
        "calls": list(Call.objects.filter(device__profile=profile).select_related("device", "demand")[:10]),
        "enrolment": next((e for e in enrolments if e.ended_on is None), None),
        "past_enrolments": [e for e in enrolments if e.ended_on is not None],
        "meals_month": MealLog.objects.filter(
            enrolment__profile=profile, day__gte=today.replace(day=1)
        ).count(),
        "orders": orders_,
        "records": list(
            ServiceRecord.objects.filter(order__profile=profile).select_related("order__provider")[:20]
        ),
    }


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def profile_rows(*, user) -> list[dict]:
    return [{"p": p, "name": mask_name(p.person.name)} for p in profiles(user=user)[:500]]


def calls(*, user, pending: bool = False):
    qs = scoped(
        Call.objects.select_related("device__profile__person", "answered_by", "demand"), user, rules.VIEW
    )
    return qs.filter(outcome=CallOutcome.PENDING) if pending else qs


def call_get(*, user, pk: int) -> Call:
    c = Call.objects.filter(pk=pk).first()
    if c is None or not user.has_perm(rules.CALLS, c):
        raise NotFound()
    return c


def meals_today(*, user, day: dt.date | None = None) -> list[dict]:
    day = day or timezone.localdate(clock.now())
    served = set(
        scoped(MealLog.objects.filter(day=day), user, rules.SERVE).values_list("enrolment_id", flat=True)
    )
    rows = []
    for e in scoped(
        MealEnrolment.objects.filter(ended_on__isnull=True).select_related("profile__person", "point"),
        user,
        rules.SERVE,
    ).order_by("point__name", "pk"):
        rows.append({"e": e, "name": mask_name(e.profile.person.name), "served": e.pk in served})
    return rows


def contact_get(*, user, pk: int) -> EmergencyContact:
    c = EmergencyContact.objects.filter(pk=pk).first()
    if c is None or not user.has_perm(rules.MANAGE, c):
        raise NotFound()
    return c


def device_get(*, user, pk: int) -> CallDevice:
    d = CallDevice.objects.filter(pk=pk).first()
    if d is None or not user.has_perm(rules.MANAGE, d):
        raise NotFound()
    return d


def meal_points(*, user, perm: str = rules.VIEW):
    return scoped(MealPoint.objects.order_by("community_id", "name", "pk"), user, perm)


def meal_point_get(*, user, pk: int, perm: str = rules.VIEW) -> MealPoint:
    p = meal_points(user=user, perm=perm).select_related("operator").filter(pk=pk).first()
    if p is None:
        raise NotFound()
    return p


def managed_communities(*, user) -> list:
    """The communities in which the user manages care (care.manage): where meal points are set up."""
    from gongzhi.core.models import Region
    from gongzhi.core.scoping import scope_q

    return list(Region.objects.filter(scope_q(user, rules.MANAGE, "code"), level=5).order_by("code")[:200])


def operator_choices(*, communities) -> list:
    """Organisations that may run a meal point of these communities: registered in their districts."""
    from gongzhi.organizations.models import Organization

    q = Q()
    for district in {c.code[:6] for c in communities}:
        q |= Q(region__code__startswith=district)
    if not q:
        return []
    return list(Organization.objects.filter(q).order_by("name")[:200])


def enrolments(*, user, ended: bool = False):
    """Open enrolments (or the ended ones, newest first), in scope of care.view."""
    qs = scoped(
        MealEnrolment.objects.select_related("profile__person", "point").filter(ended_on__isnull=not ended),
        user,
        rules.VIEW,
    )
    return (
        qs.order_by("-ended_on", "-pk")
        if ended
        else qs.order_by("point__name", "profile__person__name", "pk")
    )


def enrolment_rows(*, user, ended: bool = False, limit: int = 500) -> list[dict]:
    from gongzhi.registry.models import TagKind

    labels = dict(TagKind.choices)
    return [
        {
            "e": e,
            "name": mask_name(e.profile.person.name),
            "basis": labels.get(e.subsidy_basis, e.subsidy_basis),
        }
        for e in enrolments(user=user, ended=ended)[:limit]
    ]


def enrolment_get(*, user, pk: int) -> MealEnrolment:
    e = MealEnrolment.objects.filter(pk=pk).first()
    if e is None or not user.has_perm(rules.MANAGE, e):
        raise NotFound()
    return e


def unenrolled_profiles(*, user, limit: int = 500) -> list[dict]:
    """The profiles the user manages that have no open meal enrolment (the enrol form's choices)."""
    qs = profiles(user=user, perm=rules.MANAGE).filter(meal_point__isnull=True)
    return [{"pk": p.pk, "name": mask_name(p.person.name)} for p in qs[:limit]]


def orders(*, user):
    qs = ServiceOrder.objects.select_related("provider", "profile__person")
    mine = provider_ids(user)
    if mine and not user.has_perm(rules.MANAGE):
        return qs.filter(provider_id__in=mine)
    return scoped(qs, user, rules.VIEW)


def order_get(*, user, pk: int) -> ServiceOrder:
    """An order the user sees (its provider's staff, or care.view over its community)."""
    o = orders(user=user).filter(pk=pk).first()
    if o is None:
        raise NotFound()
    return o


def may_record(*, user, order: ServiceOrder) -> bool:
    """The provider's staff record services on their orders; community staff may on any in scope."""
    return order.provider_id in provider_ids(user) or user.has_perm(rules.MANAGE, order)


def records(*, user):
    return ServiceRecord.objects.filter(order__in=orders(user=user)).select_related(
        "order__provider", "order__profile__person"
    )


def monthly_statement(*, user, month: dt.date, order: ServiceOrder | None = None) -> list[dict]:
    """The month's statement per provider, one line per order running in the month: records,
    confirmed and not, confirmed hours, billable hours (confirmed, at most the order's hours a
    month) and the amount (billable hours × the order's rate). A provider's figures are the sums
    of its lines; only confirmed records are paid."""
    start, end = clock.month_bounds(month)
    qs = orders(user=user).filter(starts_on__lt=end.date()).order_by("provider__name", "provider_id", "pk")
    if order is not None:
        qs = qs.filter(pk=order.pk)
    per_order = {
        r["order_id"]: r
        for r in ServiceRecord.objects.filter(order__in=qs, at__gte=start, at__lt=end)
        .values("order_id")
        .annotate(
            n=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            minutes=Sum("minutes", filter=Q(confirmed_at__isnull=False)),
        )
    }
    out: dict[int, dict] = {}
    for o in qs:
        r: dict = dict(per_order.get(o.pk) or {})
        minutes = r.get("minutes") or 0
        hours = Decimal(minutes) / 60
        billable = min(hours, Decimal(o.hours_per_month))
        line = {
            "order": o,
            "elder": mask_name(o.profile.person.name),
            "records": r.get("n", 0),
            "confirmed": r.get("confirmed", 0),
            "unconfirmed": r.get("n", 0) - r.get("confirmed", 0),
            "hours": hours.quantize(CENT),
            "billable_hours": billable.quantize(CENT),
            "amount": (billable * o.hourly_rate).quantize(CENT),
        }
        row = out.setdefault(
            o.provider_id,
            {"provider": o.provider.name, "provider_id": o.provider_id, "lines": []},
        )
        row["lines"].append(line)
    rows = []
    for row in out.values():
        lines = row["lines"]
        row["orders"] = len(lines)
        for key in ("records", "confirmed", "unconfirmed"):
            row[key] = sum(x[key] for x in lines)
        for key in ("hours", "billable_hours", "amount"):
            row[key] = sum((x[key] for x in lines), Decimal("0.00"))
        rows.append(row)
    return rows


def calls_answered_in_time(*, user, **params):
    records = []
    for c in calls(user=user):
        in_time = c.answered_at is not None and (c.answered_at - c.at) <= dt.timedelta(minutes=ANSWER_MINUTES)
        records.append((c.community_id, c.at, c.answered_at, c.get_outcome_display(), in_time))
    value = round(100 * sum(1 for r in records if r[4]) / len(records), 1) if records else None
    return FigureResult(
        value, records, "%", (_("社区"), _("呼叫时间"), _("响应时间"), _("处理方式"), _("及时"))
    )


def meals_served(*, user, month: dt.date | None = None, **params):
    start = (month or timezone.localdate(clock.now())).replace(day=1)
    qs = scoped(MealLog.objects.filter(day__gte=start), user, rules.VIEW)
    rows = qs.values("community_id", "enrolment__point__name").annotate(n=Count("pk"), subsidy=Sum("subsidy"))
    records = [(r["community_id"], r["enrolment__point__name"], r["n"], r["subsidy"]) for r in rows]
    return FigureResult(
        sum(r[2] for r in records), records, _("餐"), (_("社区"), _("助餐点"), _("餐数"), _("补贴（元）"))
    )


# ---- purchased home care: who is entitled (care.eligibility) ---------------------------------

ELIGIBILITY_COLUMNS = (_("社区"), _("老人"), _("年龄"), _("核定依据"), _("核定每月小时"), _("已下单"))


def eligibility_records(*, user, today: dt.date | None = None) -> list[tuple]:
    """Every elder in scope the rules entitle to purchased home care: (community, masked name,
    age, basis, hours a month, has an order, person id, profile id) — the last two are the keys
    the page acts on; the figures show the first six."""
    from gongzhi.registry.models import Person

    from .eligibility import RULE_LABELS, entitlement, facts

    today = today or timezone.localdate(clock.now())
    people = scoped(Person.objects.all(), user, rules.VIEW)
    ordered = set(
        scoped(ServiceOrder.objects.all(), user, rules.VIEW).values_list("profile__person_id", flat=True)
    )
    records = []
    for f in facts(people, today):
        hours, basis = entitlement(f)
        if hours:
            labels = " · ".join(str(RULE_LABELS[c]) for c in basis)
            records.append(
                (
                    f.community_id,
                    mask_name(f.name),
                    f.age,
                    labels,
                    hours,
                    f.person_id in ordered,
                    f.person_id,
                    f.profile_id,
                )
            )
    from gongzhi.core.models import Region

    names = dict(Region.objects.filter(code__in={r[0] for r in records}).values_list("code", "name"))
    records = [(names.get(r[0], r[0]), *r[1:]) for r in records]
    records.sort(key=lambda r: (r[5], -r[4], r[0], r[6]))
    return records


def purchased_care_eligible(*, user, today: dt.date | None = None, **params):
    """How many elders the rules entitle to government-purchased home care, with who and why."""
    records = eligibility_records(user=user, today=today)
    return FigureResult(len(records), records, _("人"), ELIGIBILITY_COLUMNS)


def purchased_care_covered(*, user, today: dt.date | None = None, **params):
    """The share of the entitled elders who have a service order."""
    records = eligibility_records(user=user, today=today)
    value = round(100 * sum(1 for r in records if r[5]) / len(records), 1) if records else None
    return FigureResult(value, records, "%", ELIGIBILITY_COLUMNS)
