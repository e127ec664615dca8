"""The demo's social organisation in 军门社区, and the social-organisation staff account over it."""

from __future__ import annotations

from gongzhi.core.demo import COMMUNITY, demo_account_assign
from gongzhi.core.models import Region
from gongzhi.core.roles import Role

from .models import Organization, OrganizationKind

SOCIAL_ORG_NAME = "军门社区邻里互助服务社"


def demo_organization_staff(users: dict) -> None:
    user = users.get("socialorg")
    if user is None:
        return
    organization, _created = Organization.objects.get_or_create(
        name=SOCIAL_ORG_NAME,
        region=Region.objects.get(code=COMMUNITY),
        defaults={"kind": OrganizationKind.SOCIAL_ORGANIZATION, "contact_name": "林主任"},
    )
    demo_account_assign(user, Role.SOCIAL_ORG_STAFF, organization=organization)


# --- the registers of the district (DemoStep 85) -------------------------------------------

_DISTRICT_ORGS = [
    ("鼓楼区乐龄养老服务中心", "elderly", "5A"),
    ("鼓楼区阳光助残服务社", "disability", "4A"),
    ("鼓楼区青少年成长服务中心", "children", "4A"),
    ("鼓楼区社会工作服务中心", "assistance", "5A"),
    ("鼓楼区人民调解协会", "mediation", "3A"),
    ("鼓楼区志愿者联合会", "volunteering", "4A"),
    ("鼓楼区社区健康促进会", "health", "3A"),
    ("鼓楼区文化艺术促进会", "culture", "3A"),
    ("鼓楼区绿色家园环保服务社", "environment", "2A"),
    ("福州市榕心社会工作服务中心", "assistance", "4A"),
]
_COMMUNITY_ORG_PATTERNS = [
    ("{c}老年协会", "elderly"),
    ("{c}文体队", "culture"),
    ("{c}志愿服务队", "volunteering"),
    ("{c}邻里调解室", "mediation"),
    ("{c}四点半课堂", "children"),
    ("{c}巾帼互助会", "assistance"),
]
_UNITS = [
    ("{c}片区中心小学", [("space", "操场、风雨操场周末开放", 16, "小时/周")]),
    ("鼓楼区{s}卫生服务中心", [("skill", "义诊、健康讲座", 24, "次/年")]),
    (
        "兴业银行{c}支行",
        [("funds", "共建活动经费", 20000, "元/年"), ("volunteer_time", "金融知识志愿服务", 60, "小时/年")],
    ),
    ("{c}派出所", [("skill", "反诈宣传", 12, "次/年")]),
    (
        "福建省{c}机关事务服务中心",
        [("space", "会议室、职工活动中心", 8, "小时/周"), ("equipment", "投影、音响", 2, "套")],
    ),
]


def demo_registers_build(ctx) -> None:
    """鼓楼区's social organisations, units with co-building agreements and owners' committees."""
    import datetime as dt
    import random
    import time

    from gongzhi.core import clock
    from gongzhi.core.models import User
    from gongzhi.registry import selectors as registry

    from .models import OrganizationProfile, OwnersCommittee
    from .rules import MANAGE
    from .services import agreement_sign, committee_record, organization_register

    started = time.perf_counter()
    district = Region.objects.get(code=ctx.district)
    if OrganizationProfile.objects.filter(organization__region__code__startswith=ctx.district).exists():
        ctx.out("  已有组织名册，跳过")
        return
    by = User.objects.get(username="district")
    rng = random.Random(ctx.seed + 85)
    today = clock.now().date()
    estates = list(
        registry.estate_list(user=by, perm=MANAGE).filter(community__code__startswith=ctx.district)
    )
    community_codes = sorted({e.community_id for e in estates})
    communities = {r.code: r for r in Region.objects.filter(code__in=community_codes)}
    streets = {r.code: r for r in Region.objects.filter(code__in={c[:9] for c in community_codes})}
    n_orgs = n_agreements = 0

    for name, field, grade in _DISTRICT_ORGS:
        served = rng.sample(community_codes, min(len(community_codes), rng.randint(3, 8)))
        staff = rng.randint(6, 30)
        organization_register(
            by=by,
            name=name,
            kind=OrganizationKind.SOCIAL_ORGANIZATION,
            region=district,
            registration="registered",
            service_field=field,
            grade=grade,
            staff_count=staff,
            social_worker_count=rng.randint(2, staff),
            communities_served=served,
            contact_name=rng.choice("陈林黄郑王张") + rng.choice(("主任", "理事长", "秘书长")),
        )
        n_orgs += 1
    for code in community_codes:
        community = communities[code]
        short = community.name.removesuffix("社区")
        for pattern, field in rng.sample(_COMMUNITY_ORG_PATTERNS, rng.randint(2, 4)):
            organization_register(
                by=by,
                name=pattern.format(c=short),
                kind=OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION,
                region=community,
                registration="filed",
                service_field=field,
                staff_count=rng.randint(0, 3),
                communities_served=[code],
            )
            n_orgs += 1
        for pattern, resources in rng.sample(_UNITS, rng.randint(2, 4)):
            street = streets[code[:9]].name.removesuffix("街道").removesuffix("镇")
            name = pattern.format(c=short, s=street)
            unit = Organization.objects.filter(name=name, kind=OrganizationKind.RESIDENT_UNIT).first()
            if unit is None:
                unit = organization_register(
                    by=by,
                    name=name,
                    kind=OrganizationKind.RESIDENT_UNIT,
                    region=community,
                    contact_name=rng.choice("陈林黄郑王张") + "主任",
                )
            signed = today - dt.timedelta(days=rng.randint(30, 900))
            agreement_sign(
                by=by,
                organization=unit,
                community=community,
                signed_on=signed,
                expires_on=signed + dt.timedelta(days=3 * 365),
                content="共驻共建、资源共享",
                resources=[
                    {"kind": k, "description": d, "quantity": q, "unit": u} for k, d, q, u in resources
                ],
            )
            n_agreements += 1
    # Owners' committees: the estates the registry marks as having one; terms of five years,
    # some past due for re-election.
    n_committees = overdue = 0
    for estate in estates:
        if not estate.has_owners_committee:
            continue
        start = today - dt.timedelta(days=rng.randint(100, 6 * 365))
        end = (
            start.replace(year=start.year + 5)
            if not (start.month == 2 and start.day == 29)
            else start + dt.timedelta(days=5 * 365)
        )
        committee_record(
            by=by,
            estate=estate,
            term_start=start,
            term_end=end,
            filed_on=start + dt.timedelta(days=rng.randint(10, 60)) if rng.random() < 0.85 else None,
            member_count=rng.choice((5, 5, 7, 7, 9)),
            director_name=rng.choice("陈林黄郑王张刘") + "先生",
        )
        n_committees += 1
        overdue += end < today
    # The demo account's own organisation gets its profile.
    own = Organization.objects.filter(name=SOCIAL_ORG_NAME).first()
    if own is not None and not OrganizationProfile.objects.filter(organization=own).exists():
        profile = OrganizationProfile.objects.create(
            organization=own,
            registration="filed",
            service_field="volunteering",
            staff_count=4,
            social_worker_count=2,
            address="军门社区党群服务中心二楼",
        )
        profile.communities_served.set([COMMUNITY])
    assert OwnersCommittee.objects.count() >= n_committees
    ctx.out(
        f"  {n_orgs} 个社会组织，{n_agreements} 份共驻共建协议，{n_committees} 个业委会（{overdue} 个逾期未换届）"
        f"（{time.perf_counter() - started:.1f} 秒）"
    )
