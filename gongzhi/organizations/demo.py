"""The demo's social organisation in 军门社区, and the social-organisation staff account over it."""

from __future__ import annotations

from django.db import transaction

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


def demo_unit_contact(users: dict) -> None:
    """The unit contact's account over the unit based in 军门社区 that owns the sports hall (made
    by the spaces step, which calls this again once the hall exists)."""
    from .models import Space

    user = users.get("unitcontact")
    if user is None:
        return
    hall = (
        Space.objects.filter(community_id=COMMUNITY, owner__kind=OrganizationKind.RESIDENT_UNIT)
        .select_related("owner")
        .order_by("pk")
        .first()
    )
    if hall is not None:
        demo_account_assign(user, Role.UNIT_CONTACT, organization=hall.owner)


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


@transaction.atomic  # one commit for the whole step: SQLite syncs once
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
    n_members = _demo_committee_members(by, today)
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
        profile.communities_served.set([COMMUNITY])  # type: ignore[list-item]  # stubs assume int pks; Region's is its code
    assert OwnersCommittee.objects.count() >= n_committees
    ctx.out(
        f"  {n_orgs} 个社会组织，{n_agreements} 份共驻共建协议，{n_committees} 个业委会（{overdue} 个逾期未换届），"
        f"{n_members} 名委员由业主登记"
        f"（{time.perf_counter() - started:.1f} 秒）"
    )


def _demo_committee_members(by, today) -> int:
    """The estates of 军门社区 whose ownership the registry records (the deliberation demo's owners'
    vote): a current committee whose members are owners there, the first one its director."""
    import datetime as dt

    from gongzhi.registry.models import DwellingOwner, Estate, Person

    from .models import OwnersCommittee
    from .services import committee_member_add, committee_record

    n = 0
    estates = Estate.objects.filter(
        community_id=COMMUNITY, pk__in=DwellingOwner.objects.values("dwelling__building__estate")
    )
    for estate in estates:
        committee = OwnersCommittee.objects.filter(estate=estate).order_by("-term_start").first()
        if committee is None or committee.term_end < today:
            committee = committee_record(
                by=by,
                estate=estate,
                term_start=today - dt.timedelta(days=400),
                term_end=today - dt.timedelta(days=400) + dt.timedelta(days=5 * 365),
                filed_on=today - dt.timedelta(days=380),
                member_count=5,
            )
        owners = Person.objects.filter(
            pk__in=DwellingOwner.objects.filter(dwelling__building__estate=estate).values("person")
        ).order_by("pk")[: committee.member_count]
        for i, person in enumerate(owners):
            committee_member_add(
                by=by, committee=committee, person=person, role="director" if i == 0 else "member"
            )
            n += 1
    return n


# --- shared spaces and bookings (DemoStep 86) ----------------------------------------------

_SPACES = [
    # name, kind, place, capacity, area, opens, closes, weekdays, approval, quota, slot
    ("党群服务中心多功能厅", "hall", "党群服务中心一楼", 80, 160, 8, 21, "1234567", True, 0, 60),
    ("第一活动室", "room", "党群服务中心二楼", 30, 60, 8, 21, "1234567", False, 6, 60),
    ("舞蹈排练室", "room", "党群服务中心三楼", 25, 70, 8, 21, "1234567", False, 4, 60),
    ("议事会议室", "meeting", "党群服务中心二楼", 15, 35, 8, 18, "12345", False, 0, 30),
    ("共享厨房", "kitchen", "党群服务中心一楼", 12, 30, 9, 19, "1234567", True, 4, 60),
]


@transaction.atomic  # one commit for the whole step: SQLite syncs once
def demo_spaces_build(ctx) -> None:
    """军门社区's bookable rooms and a unit's sports hall, with a month of bookings."""
    import datetime as dt
    import random
    import time

    from django.utils import timezone

    from gongzhi.core import clock
    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.models import User

    from . import bookings
    from .models import Space

    started = time.perf_counter()
    community = Region.objects.get(code=COMMUNITY)
    if Space.objects.filter(community=community).exists():
        ctx.out("  已有场地，跳过")
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=("community", "resident", "socialorg", "head"))
    }
    worker = users["community"]
    rng = random.Random(ctx.seed + 86)
    spaces = []
    for name, kind, place, cap, area, opens, closes, days, approval, quota, slot in _SPACES:
        spaces.append(
            bookings.space_create(
                by=worker,
                community=community,
                name=name,
                kind=kind,
                place=place,
                capacity=cap,
                area=area,
                opens=dt.time(opens),
                closes=dt.time(closes),
                open_weekdays=days,
                approval_required=approval,
                quota_hours_per_week=quota,
                slot_minutes=slot,
                window_days=14,
            )
        )
    unit = (
        Organization.objects.filter(region=community, kind=OrganizationKind.RESIDENT_UNIT)
        .order_by("pk")
        .first()
    )
    hall = bookings.space_create(
        by=worker,
        community=community,
        owner=unit,
        name=f"{unit.name if unit else '驻区单位'}风雨操场",
        kind="sports",
        place="周末向居民开放",
        capacity=100,
        area=600,
        opens=dt.time(8),
        closes=dt.time(18),
        open_weekdays="67",
        approval_required=True,  # the unit approves its hall's bookings: its contact's work
        quota_hours_per_week=2,
        slot_minutes=60,
        window_days=7,
        price_per_hour=20,
    )
    spaces.append(hall)
    demo_unit_contact({u.username: u for u in User.objects.filter(username="unitcontact")})
    tz = timezone.get_current_timezone()
    now = clock.now()
    today = timezone.localdate(now)
    n = 0

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    # Weekly series (booked four weeks ago for eight weeks): the social organisation's reading
    # club and the community's dance team.
    first = today - dt.timedelta(days=today.weekday() + 21)  # a Monday three weeks back
    with clock.at(at(first, 7) - dt.timedelta(days=1)):
        series = [
            bookings.series_book(
                by=users["socialorg"],
                space=spaces[1],
                starts_at=at(first + dt.timedelta(days=2), 14),
                ends_at=at(first + dt.timedelta(days=2), 16),
                weeks=8,
                purpose="邻里互助读书会",
                attendees=20,
            ),
            bookings.series_book(
                by=worker,
                space=spaces[2],
                starts_at=at(first + dt.timedelta(days=1), 19),
                ends_at=at(first + dt.timedelta(days=1), 21),
                weeks=8,
                purpose="社区舞蹈队排练",
                attendees=18,
            ),
            bookings.series_book(
                by=worker,
                space=spaces[0],
                starts_at=at(first + dt.timedelta(days=4), 9),
                ends_at=at(first + dt.timedelta(days=4), 11),
                weeks=8,
                purpose="长者健康讲座",
                attendees=60,
            ),
        ]
    n += sum(s.weeks for s in series)
    # One-off bookings over the past three weeks and the next twelve days.
    purposes = [
        "书法练习",
        "亲子手工",
        "党员学习",
        "居民议事",
        "生日会",
        "太极拳",
        "象棋比赛",
        "老年大学合唱",
    ]
    for offset in range(-21, 12):
        day = today + dt.timedelta(days=offset)
        for _ in range(rng.randint(1, 3)):
            space = rng.choice(spaces[:4] + ([hall] if day.isoweekday() >= 6 else []))
            if str(day.isoweekday()) not in space.open_weekdays:
                continue
            hour = rng.randint(space.opens.hour, space.closes.hour - 2)
            by = users[rng.choice(("resident", "resident", "socialorg", "community", "head"))]
            try:
                with clock.at(min(now, at(day, 7) - dt.timedelta(days=1))):
                    b = bookings.booking_create(
                        by=by,
                        space=space,
                        starts_at=at(day, hour),
                        ends_at=at(day, hour + 1),
                        purpose=rng.choice(purposes),
                        attendees=rng.randint(3, min(20, space.capacity)),
                    )
            except ApplicationError:
                continue  # taken, over quota: a real calendar has those too
            n += 1
            if b.status == "pending" and offset < 0:
                with clock.at(at(day, 7) - dt.timedelta(hours=20)):
                    bookings.booking_act(by=worker, booking=b, action="approve")
                b.refresh_from_db()
    # The past: checked in, or not shown.
    from .models import Booking

    for b in Booking.objects.filter(community=community, status="confirmed", ends_at__lt=now).exclude(
        booker_kind="block"
    ):
        action = "check_in" if rng.random() < 0.88 else "no_show"
        moment = b.starts_at + (
            dt.timedelta(minutes=-5) if action == "check_in" else dt.timedelta(minutes=30)
        )
        with clock.at(moment):
            bookings.booking_act(by=worker, booking=b, action=action)
    # Waiting for approval, and a blocked period next week.
    for by, hour in ((users["resident"], 15), (users["socialorg"], 10)):
        try:
            bookings.booking_create(
                by=by,
                space=spaces[0],
                starts_at=at(today + dt.timedelta(days=3), hour),
                ends_at=at(today + dt.timedelta(days=3), hour + 2),
                purpose="社区文艺汇演排练",
                attendees=40,
            )
            n += 1
        except ApplicationError:
            pass
    # The unit's hall on the coming weekend: bookings its contact (unitcontact) approves or refuses.
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    for by, day, hour, purpose in (
        (users["resident"], saturday, 15, "业余篮球友谊赛"),
        (users["socialorg"], saturday + dt.timedelta(days=1), 9, "亲子运动会"),
    ):
        try:
            bookings.booking_create(
                by=by,
                space=hall,
                starts_at=at(day, hour),
                ends_at=at(day, hour + 2),
                purpose=purpose,
                attendees=30,
            )
            n += 1
        except ApplicationError:
            pass
    maintenance = today + dt.timedelta(days=8)
    bookings.block_create(
        by=worker,
        space=spaces[3],
        starts_at=at(maintenance, 8),
        ends_at=at(maintenance, 18),
        reason="空调检修",
    )
    ctx.out(f"  {len(spaces)} 处可预约场地，{n} 次预约（{time.perf_counter() - started:.1f} 秒）")


# --- the four lists of 军门社区 (DemoStep 87) -----------------------------------------------

_PUBLIC_SERVICES = [
    ("长者助餐", "elderly", "周一至周五 11:00–12:30", "党群服务中心一楼长者食堂"),
    ("四点半课堂", "children", "工作日 16:30–18:30", "党群服务中心二楼"),
    ("法律咨询", "mediation", "每周三 14:30–17:00", "党群服务中心调解室"),
    ("家庭医生签约与义诊", "health", "每月第一个周六上午", "社区卫生服务站"),
    ("残疾人康复辅具借用", "disability", "工作日 9:00–17:00", "社区服务大厅"),
    ("低保与救助政策咨询", "assistance", "工作日 9:00–17:00", "社区服务大厅"),
    ("垃圾分类督导", "environment", "每日 7:00–9:00、18:00–20:00", "各小区投放点"),
    ("邻里文化节", "culture", "每季度一次", "党群服务中心多功能厅"),
]
_DIRECT_NEEDS = [
    ("老旧小区加装电梯协调", "mediation"),
    ("独居老人夜间紧急呼叫", "elderly"),
    ("暑期儿童托管", "children"),
    ("楼道杂物清理", "environment"),
]


@transaction.atomic  # one commit for the whole step: SQLite syncs once
def demo_lists_build(ctx) -> None:
    """军门社区's four lists: services, needs drawn from its demands and submitted directly,
    matches to organisations and resources, and a co-building project."""
    import time

    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.models import User

    from . import lists
    from .models import Need, PublicService

    started = time.perf_counter()
    community = Region.objects.get(code=COMMUNITY)
    if PublicService.objects.filter(community=community).exists():
        ctx.out("  已有四个清单，跳过")
        return
    users = {u.username: u for u in User.objects.filter(username__in=("community", "resident", "socialorg"))}
    worker = users["community"]
    own = Organization.objects.filter(name=SOCIAL_ORG_NAME).first()
    for name, field, hours, place in _PUBLIC_SERVICES:
        lists.public_service_add(
            by=worker,
            community=community,
            name=name,
            service_field=field,
            hours=hours,
            place=place,
            provider=own if field == "volunteering" else None,
        )
    drawn = lists.needs_from_demands(by=worker, community=community, min_count=3)
    for title, field in _DIRECT_NEEDS:
        for username in ("resident", "community"):
            try:
                lists.need_submit(
                    by=users[username],
                    community=community,
                    title=title,
                    service_field=field,
                    source="direct" if username == "resident" else "visit",
                )
            except ApplicationError:
                pass
    matched = 0
    for need in Need.objects.filter(community=community).order_by("-households")[:6]:
        suggestions = lists.match_suggestions(need=need, limit=1)
        partner = suggestions["organizations"][:1]
        resource = suggestions["resources"][:1]
        if partner or resource:
            lists.need_match(
                by=worker,
                need=need,
                organization=partner[0] if partner else None,
                resource=None if partner else resource[0],
            )
            matched += 1
    offered = _demo_unit_offer(community)
    first = Need.objects.filter(community=community, status="matched").order_by("-households").first()
    if first is not None:
        lead = first.matches.exclude(organization=None).first()
        lists.project_from_need(by=worker, need=first, lead=lead.organization if lead else None)
    ctx.out(
        f"  {len(_PUBLIC_SERVICES)} 项公共服务，{len(drawn)} 条需求由诉求归集，{len(_DIRECT_NEEDS)} 条居民提出，"
        f"{matched} 条已对接，{offered} 条由驻区单位认领待确认（{time.perf_counter() - started:.1f} 秒）"
    )


def _demo_unit_offer(community) -> int:
    """The unit contact offers one of the unit's resources to an open need (waiting for staff)."""
    from gongzhi.core.models import User

    from .models import Need, PledgedResource
    from .rules import contact_unit_ids
    from .units import resource_offer

    contact = User.objects.filter(username="unitcontact").first()
    units = contact_unit_ids(contact) if contact is not None else frozenset()
    resource = (
        PledgedResource.objects.filter(community=community, agreement__organization_id__in=units)
        .select_related("agreement")
        .order_by("pk")
        .first()
    )
    need = Need.objects.filter(community=community, status="open").order_by("-households").first()
    if contact is None or resource is None or need is None:
        return 0
    resource_offer(by=contact, need=need, resource=resource, note="可在周末安排")
    return 1
