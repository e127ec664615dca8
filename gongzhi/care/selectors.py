"""Every read of elderly care, scoped; figures return their number and the records counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import NotFound
from gongzhi.core.pii import mask_name
from gongzhi.core.scoping import scoped
from gongzhi.visits.selectors import FigureResult

from . import rules
from .models import Call, CallOutcome, CareProfile, MealEnrolment, MealLog, ServiceOrder, ServiceRecord
from .services import ANSWER_MINUTES, provider_ids


def profiles(*, user):
    return scoped(
        CareProfile.objects.select_related("person", "meal_enrolment__point").order_by(
            "community_id", "person__name"
        ),
        user,
        rules.VIEW,
    )


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
    day = day or timezone.localdate()
    served = set(
        scoped(MealLog.objects.filter(day=day), user, rules.SERVE).values_list("enrolment_id", flat=True)
    )
    rows = []
    for e in scoped(
        MealEnrolment.objects.select_related("profile__person", "point"), user, rules.SERVE
    ).order_by("point__name", "pk"):
        rows.append({"e": e, "name": mask_name(e.profile.person.name), "served": e.pk in served})
    return rows


def orders(*, user):
    qs = ServiceOrder.objects.select_related("provider", "profile__person")
    mine = provider_ids(user)
    if mine and not user.has_perm(rules.MANAGE):
        return qs.filter(provider_id__in=mine)
    return scoped(qs, user, rules.VIEW)


def records(*, user):
    return ServiceRecord.objects.filter(order__in=orders(user=user)).select_related(
        "order__provider", "order__profile__person"
    )


def monthly_statement(*, user, month: dt.date) -> list[dict]:
    """Per provider: orders, confirmed minutes and unconfirmed records in the month."""
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    out: dict = defaultdict(lambda: {"confirmed": 0, "unconfirmed": 0, "records": 0})
    for r in records(user=user).filter(at__date__gte=start, at__date__lt=end):
        row = out[r.order.provider.name]
        row["records"] += 1
        if r.confirmed_at:
            row["confirmed"] += r.minutes
        else:
            row["unconfirmed"] += 1
    return [{"provider": k, "hours": round(v["confirmed"] / 60, 1), **v} for k, v in sorted(out.items())]


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
    start = (month or timezone.localdate()).replace(day=1)
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

    today = today or timezone.localdate()
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
