"""The facilities part of `gongzhi demo`: standards from the cited cities, premises and service
facilities for every community of the district (some below standard)."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Count, Sum

from gongzhi.core.models import Region

from .models import Facility, FacilityKind, Premises, RoomUse, RuleKind, Standard, Tenure

SERVICE_USES = [RoomUse.ELDERLY, RoomUse.YOUTH, RoomUse.CHARITY, RoomUse.MEDIATION]
FIVE_ONES = [
    FacilityKind.SERVICE_CENTRE,
    FacilityKind.HEALTH_STATION,
    FacilityKind.POLICE_ROOM,
    FacilityKind.READING_ROOM,
    FacilityKind.FITNESS,
]
STANDARDS = [
    (
        "service-rooms",
        "社区服务用房每百户不少于40㎡",
        "宁波市社区服务用房配置标准（其他地方多为30㎡）",
        "",
        RuleKind.AREA_PER_HOUSEHOLDS,
        {"per_100_households": 40},
        6000,
    ),
    (
        "office-minimum",
        "社区办公用房不少于100㎡",
        "福建省社区办公用房最低标准（龙岩：45个社区中33个达标）",
        "35",
        RuleKind.MINIMUM_AREA,
        {"minimum": 100, "uses": [RoomUse.OFFICE]},
        6000,
    ),
    (
        "five-ones",
        "新建社区“五个一”",
        "服务中心、卫生站、警务室、阅览室、健身场地各一（用地≥1亩、建筑≥1200㎡）",
        "",
        RuleKind.ITEMS_REQUIRED,
        {"kinds": FIVE_ONES},
        300000,
    ),
    (
        "estate-reserve",
        "新建小区配建社区用房",
        "建筑面积5万㎡以下按3%、以上按2%配建并移交社区",
        "",
        RuleKind.ESTATE_RESERVE,
        {"threshold": 50000, "below": 0.03, "above": 0.02},
        6000,
    ),
    (
        "service-share",
        "服务用房80%用于为老、青少年、公益、调解",
        "社区用房使用导则",
        "",
        RuleKind.SHARE_OF_AREA,
        {"uses": SERVICE_USES, "share": 0.8, "of_uses": [*SERVICE_USES, RoomUse.SERVICE]},
        0,
    ),
    (
        "org-share",
        "半数以上社区用房供社会组织使用",
        "南京市雨花台区",
        "320114",
        RuleKind.SHARE_OF_AREA,
        {"uses": [RoomUse.SOCIAL_ORG], "share": 0.5},
        0,
    ),
    # Funding and allowances (应享): the cited cities' rules, each in its own scope; 鼓楼区's
    # demo operator has adopted Ningbo's per-household funding for its communities.
    (
        "community-funding",
        "社区工作经费：每千户每年28万元，逐年递增5%",
        "宁波市社区工作经费标准（鼓楼区演示数据参照执行，2024年起算）",
        "350102",
        RuleKind.FUNDING_PER_HOUSEHOLDS,
        {"per_1000_households": 280000, "base_year": 2024, "yearly_increase": 0.05},
        0,
    ),
    (
        "office-funding",
        "社区办公经费：常住人口5000人以上每年1万元，其余8000元",
        "龙岩市",
        "3508",
        RuleKind.FUNDING_BY_RESIDENTS,
        {"threshold": 5000, "above": 10000, "below": 8000},
        0,
    ),
    (
        "yuhuatai-funding",
        "每社区每年30万元，半数以上用于服务项目",
        "南京市雨花台区",
        "320114",
        RuleKind.FUNDING_PER_COMMUNITY,
        {"amount": 300000, "service_share": 0.5},
        0,
    ),
    (
        "head-allowance",
        "社区书记、主任报酬不低于当地最低工资的150%",
        "福建省（福州市月最低工资标准2030元）",
        "35",
        RuleKind.ALLOWANCE,
        {"post": "head", "ratio": 1.5, "minimum_wage": 2030},
        0,
    ),
    (
        "member-allowance",
        "专职委员报酬不低于当地最低工资的130%",
        "福建省（福州市月最低工资标准2030元）",
        "35",
        RuleKind.ALLOWANCE,
        {"post": "member", "ratio": 1.3, "minimum_wage": 2030},
        0,
    ),
]
OPERATORS = [
    "社区居委会",
    "鼓楼区卫健局",
    "福州市康乐养老服务中心",
    "鼓楼区公安分局",
    "区图书馆",
    "街道办事处",
]
# Operators outside the organisations register, by kind (the free-text name is kept for them).
OUTSIDE_OPERATORS: dict[str, str] = {
    FacilityKind.SERVICE_CENTRE: "社区居委会",
    FacilityKind.HEALTH_STATION: "鼓楼区卫健局",
    FacilityKind.POLICE_ROOM: "鼓楼区公安分局",
    FacilityKind.KINDERGARTEN: "鼓楼区教育局",
    FacilityKind.READING_ROOM: "区图书馆",
    FacilityKind.FITNESS: "街道办事处",
}
# Kinds that social organisations run, and the service field of the organisations that may.
REGISTER_FIELDS: dict[str, str] = {
    FacilityKind.ELDERLY_CARE: "elderly",
    FacilityKind.MEAL_POINT: "elderly",
    FacilityKind.READING_ROOM: "culture",
    FacilityKind.FITNESS: "culture",
}


def _operator(community: str, kind: str, rng: random.Random, cache: dict):
    """A demo facility's operator: an organisation of the register serving the community in the
    right field where there is one (elderly care, meal points, some reading rooms and fitness
    grounds), else the name of the public body that runs it."""
    from .selectors import operator_choices

    field = REGISTER_FIELDS.get(kind)
    if field and (kind not in OUTSIDE_OPERATORS or rng.random() < 0.5):
        key = (community, field)
        if key not in cache:
            cache[key] = list(operator_choices(community=community).filter(profile__service_field=field))
        if cache[key]:
            return rng.choice(cache[key]), ""
    return None, OUTSIDE_OPERATORS.get(kind) or rng.choice(OPERATORS)


def standards_seed() -> int:
    new = [
        Standard(
            code=c, version=1, title=t, source=s, scope=sc, kind=k, parameters=p, unit_price=Decimal(price)
        )
        for c, t, s, sc, k, p, price in STANDARDS
        if not Standard.objects.filter(code=c).exists()
    ]
    Standard.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def demo_facilities_build(ctx) -> None:
    from gongzhi.registry.models import Dwelling, Estate, Household

    n_std = standards_seed()
    if Premises.objects.filter(community__code__startswith=ctx.district).exists():
        ctx.out("  已有设施数据，跳过")
        return
    rng = random.Random(ctx.seed + 15)
    households = dict(
        Household.objects.filter(community__code__startswith=ctx.district)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    estates: dict[str, list] = {}
    for e in Estate.objects.filter(community__code__startswith=ctx.district, latitude__isnull=False).values(
        "community_id", "latitude", "longitude"
    ):
        estates.setdefault(e["community_id"], []).append((e["latitude"], e["longitude"]))
    centre = Estate.objects.filter(community__code__startswith=ctx.district).aggregate(
        a=Avg("latitude"), b=Avg("longitude")
    )
    premises, facilities = [], []
    operators: dict = {}
    communities = list(Region.objects.filter(level=5, code__startswith=ctx.district).order_by("code"))
    floor = dict(
        Dwelling.objects.filter(community__code__startswith=ctx.district, area__isnull=False)
        .values("community_id")
        .annotate(a=Sum("area"))
        .values_list("community_id", "a")
    )
    for i, c in enumerate(communities):
        h = households.get(c.code, 0) or rng.randint(800, 2500)
        good = rng.random() < 0.5  # about half meet every standard; the others fall short somewhere
        if i % 8 != 5:  # about one in eight has no premises of its own (Longyan: 6 of 45)
            office = rng.choice([110, 120, 150, 180]) if good else rng.choice([60, 80, 90, 110, 150])
            premises.append(
                Premises(
                    community=c,
                    name="居委会办公室",
                    use=RoomUse.OFFICE,
                    area=office,
                    tenure=rng.choice(Tenure.values),
                    accessible=rng.random() < 0.6,
                )
            )
            service = h * 0.4 * (rng.uniform(1.05, 1.4) if good else rng.uniform(0.55, 1.3))
            for use, share in zip(SERVICE_USES, (0.4, 0.2, 0.15, 0.1), strict=True):
                premises.append(
                    Premises(
                        community=c,
                        name=f"{RoomUse(use).label}用房",
                        use=use,
                        area=max(round(service * share, 1), 5.0),  # a room, however few households
                        accessible=rng.random() < 0.7,
                    )
                )
            premises.append(
                Premises(
                    community=c,
                    name="综合服务用房",
                    use=RoomUse.SERVICE,
                    area=max(round(service * 0.15, 1), 5.0),
                    accessible=True,
                )
            )
            reserve = (
                float(floor.get(c.code) or 0)
                * 0.03
                * (rng.uniform(1.0, 1.2) if good else rng.uniform(0, 1.1))
            )
            if reserve >= 1:
                premises.append(
                    Premises(
                        community=c,
                        name="开发商移交用房",
                        use=RoomUse.SOCIAL_ORG,
                        area=round(reserve, 1),
                        tenure=Tenure.DEVELOPER,
                        handed_over=True,
                        accessible=True,
                    )
                )
        pts = estates.get(c.code) or [(centre["a"] or 26.08, centre["b"] or 119.3)]
        for kind, p in [
            (FacilityKind.SERVICE_CENTRE, 0.9),
            (FacilityKind.HEALTH_STATION, 0.75),
            (FacilityKind.POLICE_ROOM, 0.8),
            (FacilityKind.READING_ROOM, 0.65),
            (FacilityKind.FITNESS, 0.85),
            (FacilityKind.ELDERLY_CARE, 0.6),
            (FacilityKind.MEAL_POINT, 0.55),
            (FacilityKind.KINDERGARTEN, 0.5),
        ]:
            if (good and kind in FIVE_ONES) or rng.random() < p:
                lat, lng = rng.choice(pts)
                org, name = _operator(c.code, kind, rng, operators)
                facilities.append(
                    Facility(
                        community=c,
                        kind=kind,
                        name=f"{c.short_name}{FacilityKind(kind).label}",
                        latitude=round(lat + rng.uniform(-0.002, 0.002), 6),
                        longitude=round(lng + rng.uniform(-0.002, 0.002), 6),
                        hours=rng.choice(["8:30–17:30", "8:00–20:00", "全天"]),
                        operator_org=org,
                        operator=name,
                    )
                )
    Premises.objects.bulk_create(premises, batch_size=500)
    Facility.objects.bulk_create(facilities, batch_size=500)
    linked = _link_spaces(ctx.district)
    ctx.out(
        f"  {n_std} 项标准，{len(communities)} 个社区：{len(premises)} 处社区用房（{linked} 处对应可预约场地），"
        f"{len(facilities)} 个服务设施（{sum(1 for f in facilities if f.operator_org)} 个由名录中的组织运营）"
    )


# Which room a community's own bookable space is (so that its use is read from the bookings).
SPACE_ROOMS = {
    "hall": [RoomUse.SERVICE],
    "room": [RoomUse.ELDERLY, RoomUse.YOUTH],
    "meeting": [RoomUse.MEDIATION],
    "kitchen": [RoomUse.CHARITY],
}


def _link_spaces(district: str) -> int:
    from gongzhi.organizations.models import Space

    n = 0
    for space in Space.objects.filter(community__code__startswith=district, owner__isnull=True).order_by(
        "pk"
    ):
        for use in SPACE_ROOMS.get(space.kind, []):
            room = Premises.objects.filter(
                community_id=space.community_id, use=use, space__isnull=True
            ).first()
            if room is not None:
                Premises.objects.filter(pk=room.pk).update(space=space)
                n += 1
                break
    return n
