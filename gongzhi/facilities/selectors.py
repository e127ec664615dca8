"""Reads of the facilities register: scoped lists, community facts, compliance, figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_q
from gongzhi.registry.codes import PersonStatus
from gongzhi.registry.models import Dwelling, Household, Person

from . import rules
from .compliance import Facts, Result, evaluate
from .models import Facility, Premises, Standard


@dataclass
class FigureValue:
    """A figure's number with the records it counted (`below`: the region falls short)."""

    number: Any
    records: Any
    below: bool = False


def premises_list(*, user, prefix: str = "", retired: bool = False):
    """The rooms in scope: those in use, or with `retired` those retired."""
    return Premises.objects.filter(
        scope_q(user, rules.VIEW), community__code__startswith=prefix, retired_on__isnull=not retired
    )


def facility_list(*, user, prefix: str = "", retired: bool = False):
    """The service facilities in scope (in use, or with `retired` those retired), with their
    registered operator."""
    return Facility.objects.filter(
        scope_q(user, rules.VIEW), community__code__startswith=prefix, retired_on__isnull=not retired
    ).select_related("operator_org")


def operator_choices(*, community: str):
    """The organisations that may run a facility of the community: those of the register working
    in it, in its street or district (their region), or serving it (their profile)."""
    from gongzhi.organizations.models import Organization

    ancestors = [community[:n] for n in (2, 4, 6, 9, 12)]
    return (
        Organization.objects.filter(Q(region_id__in=ancestors) | Q(profile__communities_served=community))
        .distinct()
        .order_by("name")
    )


def communities_in_scope(*, user, prefix: str = ""):
    return Region.objects.filter(scope_q(user, rules.VIEW, "code"), level=5, code__startswith=prefix)


def standards_for(code: str, *, funding: bool = False) -> list[Standard]:
    """The newest version in force of each standard whose scope covers the region `code`: the
    facilities standards, or with `funding` the funding and allowance standards. A version with a
    narrower scope (a district's) applies there; elsewhere the newest version covering it does."""
    from django.utils import timezone

    from gongzhi.core import clock

    from .funding import FUNDING_KINDS

    today = timezone.localdate(clock.now())
    latest: dict[str, Standard] = {}
    in_force = Standard.objects.filter(Q(in_force_from__isnull=True) | Q(in_force_from__lte=today))
    for s in in_force.order_by("code", "-version"):
        if code.startswith(s.scope) and s.code not in latest:
            latest[s.code] = s
    return [s for s in latest.values() if (s.kind in FUNDING_KINDS) == funding]


def community_facts(prefix: str) -> dict[str, Facts]:
    """Facts of every community under `prefix`, in a handful of grouped queries."""
    codes = Region.objects.filter(level=5, code__startswith=prefix).values_list("code", flat=True)
    facts = {c: Facts() for c in codes}
    under = Q(community__code__startswith=prefix)
    live = under & Q(retired_on__isnull=True)
    for r in Household.objects.filter(under).values("community_id").annotate(n=Count("id")).order_by():
        if r["community_id"] in facts:
            facts[r["community_id"]].households = r["n"]
    people = Person.objects.filter(under, status=PersonStatus.ACTIVE)
    for r in people.values("community_id").annotate(n=Count("id")).order_by():
        if r["community_id"] in facts:
            facts[r["community_id"]].residents = r["n"]
    premises = Premises.objects.filter(live).values("community_id", "use").annotate(a=Sum("area"))
    for u in premises.order_by():
        facts[u["community_id"]].area_by_use[u["use"]] = Decimal(u["a"])
    handed = Premises.objects.filter(live, handed_over=True).values("community_id").annotate(a=Sum("area"))
    for h in handed.order_by():
        facts[h["community_id"]].handed_over_area = Decimal(h["a"])
    for c, k in Facility.objects.filter(live).values_list("community_id", "kind").distinct().order_by():
        facts[c].facility_kinds.add(k)
    estates = Dwelling.objects.filter(under, area__isnull=False).values("community_id", "building__estate_id")
    for e in estates.annotate(a=Sum("area")).order_by():
        if e["community_id"] in facts:
            facts[e["community_id"]].estate_floor_areas.append(Decimal(e["a"]))
    return facts


@dataclass
class ComplianceRow:
    standard: Standard
    result: Result


@dataclass
class CommunityCompliance:
    region: Region
    facts: Facts
    rows: list[ComplianceRow]

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.result.met)

    @property
    def all_met(self) -> bool:
        return self.met == len(self.rows)

    @property
    def cost(self) -> Decimal:
        return sum((r.result.cost for r in self.rows), Decimal(0))


def compliance(*, user, prefix: str = "") -> list[CommunityCompliance]:
    """Every community in the user's scope under `prefix`, measured by its standards."""
    regions = list(communities_in_scope(user=user, prefix=prefix))
    if not regions:
        return []
    common = prefix if len(prefix) >= 6 else min((r.code for r in regions), key=len)[:6]
    facts = community_facts(common if all(r.code.startswith(common) for r in regions) else "")
    cache: dict[str, list[Standard]] = {}
    out = []
    for region in regions:
        key = region.code[:9]
        if key not in cache:
            cache[key] = standards_for(region.code)
        f = facts.get(region.code, Facts())
        rows = [ComplianceRow(s, evaluate(s.kind, s.parameters, s.unit_price, f)) for s in cache[key]]
        out.append(CommunityCompliance(region, f, rows))
    return out


def figure_standards_met(*, user, region, period=None) -> FigureValue:
    """Share of the region's communities that meet every standard that applies to them; the
    records are the communities that fall short, with their gaps."""
    rows = compliance(user=user, prefix=region.code)
    short = [c for c in rows if not c.all_met]
    number = None if not rows else (len(rows) - len(short)) / len(rows)
    records = [
        f"{c.region.name}："
        + "；".join(
            f"{r.standard.title} 缺 {r.result.gap}{r.result.unit}" for r in c.rows if not r.result.met
        )
        for c in short
    ]
    return FigureValue(number, records, below=bool(short))


def figure_premises_area(*, user, region, period=None) -> FigureValue:
    """Total floor area of community premises (㎡) in the region; the records are the premises."""
    qs = premises_list(user=user, prefix=region.code)
    total = qs.aggregate(a=Sum("area"))["a"] or Decimal(0)
    return FigureValue(float(total), qs.order_by("community_id", "name"))


def public_layer(*, community: str) -> dict:
    """What any map may draw of a community without signing in: its located estates and its
    service facilities (name, kind and WGS-84 point)."""
    from gongzhi.registry.models import Estate

    estates = Estate.objects.filter(community_id=community, latitude__isnull=False).order_by("name")
    return {
        "estates": [{"name": e.name, "lat": e.latitude, "lng": e.longitude} for e in estates],
        "facilities": [
            {"name": f.name, "kind": f.kind, "lat": f.latitude, "lng": f.longitude}
            for f in Facility.objects.filter(community_id=community, retired_on__isnull=True).order_by(
                "kind", "name"
            )
        ],
    }


def circle_estates(*, user, prefix: str = "") -> list[dict]:
    """The located estates in scope (the map's estate layer)."""
    from gongzhi.registry.models import Estate

    rows = Estate.objects.filter(
        scope_q(user, rules.VIEW), community__code__startswith=prefix, latitude__isnull=False
    ).values("name", "latitude", "longitude")
    return [{"name": r["name"], "lat": r["latitude"], "lng": r["longitude"]} for r in rows.order_by("name")]


def circle_buildings(*, user, prefix: str = "") -> list[dict]:
    """Buildings in scope with a located estate and their number of households."""
    from gongzhi.registry.models import Building

    counts = dict(
        Household.objects.filter(
            scope_q(user, rules.VIEW), community__code__startswith=prefix, dwelling__isnull=False
        )
        .values("dwelling__building_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("dwelling__building_id", "n")
    )
    rows = (
        Building.objects.filter(
            scope_q(user, rules.VIEW), community__code__startswith=prefix, estate__latitude__isnull=False
        )
        .values("id", "name", "community_id", "estate__name", "estate__latitude", "estate__longitude")
        .order_by("id")
    )
    return [
        {
            "id": r["id"],
            "name": f"{r['estate__name']}{r['name']}",
            "community": r["community_id"],
            "lat": r["estate__latitude"],
            "lng": r["estate__longitude"],
            "households": counts.get(r["id"], 0),
        }
        for r in rows
    ]


def circle(*, user, prefix: str, kind: str, extra: Sequence[tuple[float, float]] = (), radius: int = 500):
    """The service circle of one kind of facility for the region; `extra` places facilities
    that do not exist yet (the "what if"). Facilities just outside the region count too."""
    from .circle import coverage

    buildings = circle_buildings(user=user, prefix=prefix)
    live = Facility.objects.filter(kind=kind, retired_on__isnull=True)
    pts = list(live.values_list("latitude", "longitude")) + list(extra)
    return coverage(buildings, pts, kind, radius=radius)


def figure_circle_500(*, user, region, period=None) -> FigureValue:
    """Share of households within 500 m of a community service centre (the 10-minute circle);
    the records are the buildings farther than that."""
    from .models import FacilityKind

    res = circle(user=user, prefix=region.code, kind=FacilityKind.SERVICE_CENTRE)
    share = res.total.share(500)
    records = [f"{b['name']}（{b['households']}户，{b['distance'] or '—'}米）" for b in res.uncovered]
    return FigureValue(share, records, below=bool(share is not None and share < 1))


@dataclass
class RoomUse:
    """A room of the community with its bookable space: hours open and hours booked (held)."""

    premises: Premises
    open_hours: float
    booked_hours: float
    by_kind: dict

    @property
    def share(self) -> float | None:
        return self.booked_hours / self.open_hours if self.open_hours else None

    @property
    def percent(self) -> str:
        return "—" if self.share is None else f"{100 * self.share:.1f}%"


def room_use(*, user, prefix: str = "", days: int = 30) -> list[RoomUse]:
    """The use of the community rooms that are bookable spaces, over the past `days` days, read
    from the organisations' bookings through their selector (`space_usage`: hours booked by
    residents, organisations and staff, blocked periods left out, against the hours open)."""
    from gongzhi.organizations.rules import VIEW as ORG_VIEW
    from gongzhi.organizations.selectors import space_usage

    rooms = {
        p.space_id: p
        for p in premises_list(user=user, prefix=prefix)
        .filter(space__isnull=False)
        .select_related("community", "space")
    }
    if not rooms:
        return []
    usage = space_usage(user=user, days=days, perm=ORG_VIEW)
    out = [
        RoomUse(rooms[r["space"].pk], r["open_hours"], r["booked_hours"], r["by_kind"])
        for r in usage.records
        if r["space"].pk in rooms
    ]
    return sorted(out, key=lambda u: (u.premises.community_id, u.premises.name))


def figure_room_use(*, user, region, period=None) -> FigureValue:
    """社区用房实际使用率（近30天）：已与可预约场地对应的社区用房，近30天被预约占用的小时数 ÷ 开放小时数
    （按共享场地的预约记录计算，停用时段不计）；记录为每处用房的开放与使用小时。未与场地对应的用房不计入。"""
    rows = room_use(user=user, prefix=region.code)
    opened = sum(r.open_hours for r in rows)
    booked = sum(r.booked_hours for r in rows)
    records = [
        f"{r.premises.community.name} · {r.premises.name}（{r.premises.space.name if r.premises.space else ''}）："
        f"开放 {r.open_hours:.0f} 小时，使用 {r.booked_hours:.1f} 小时"
        for r in rows
    ]
    return FigureValue(booked / opened if opened else None, records)
