"""Demo step 70: 军门社区's councils, a month of topics, a meeting, votes and resolutions — built
through the services, with the clock set to each moment."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

COMMUNITY = "350102004001"  # 军门社区
STREET = "350102004"  # 东街街道

TOPICS = [
    ("3号楼楼道堆物清理", "楼道堆放杂物，存在消防隐患，建议集中清理并约定不再堆放。"),
    ("小区电动车充电桩增设", "电动车在楼道充电危险，建议在空地增设集中充电桩。"),
    ("老旧小区加装电梯意向征集", "部分楼栋老人多，希望了解加装电梯的条件和费用分摊。"),
    ("广场舞噪音时段约定", "晚间广场舞音响过大，建议约定活动时段和音量。"),
    ("小区停车位划线与管理", "车位不够、乱停车，建议重新划线并制定停车公约。"),
    ("垃圾分类投放点调整", "投放点离部分楼栋太远，建议调整位置和开放时间。"),
    ("儿童游乐设施维修", "小区滑梯和秋千损坏，建议维修或更换。"),
    ("社区食堂开办时间", "希望社区长者食堂延长午餐供应时间。"),
    ("宠物文明饲养公约", "遛狗不牵绳、粪便不清理，建议制定宠物饲养公约。"),
    ("雨季排水沟清淤", "雨天积水严重，建议汛期前清理排水沟。"),
]


def demo_deliberation_build(ctx) -> None:
    """One transaction for the whole step (the services' own become savepoints): fast on SQLite."""
    from django.db import transaction

    with transaction.atomic():
        _build(ctx)


def _build(ctx) -> None:
    from gongzhi.core import clock
    from gongzhi.core.models import Region, User
    from gongzhi.registry.models import Building, Household

    from . import poll_services as ps
    from . import services as s
    from .models import Council

    started = time.perf_counter()
    if Council.objects.filter(region_id=COMMUNITY).exists():
        ctx.out("  已有议事会，跳过")
        return
    rng = random.Random(ctx.seed)
    staff = User.objects.filter(username="community").first()
    street_user = User.objects.filter(username="street").first()
    resident = User.objects.filter(username="resident").first()
    head = User.objects.filter(username="head").first()
    if staff is None or street_user is None:
        ctx.out("  缺少演示账号，跳过")
        return
    community = Region.objects.get(code=COMMUNITY)
    street = Region.objects.get(code=STREET)
    now = clock.now().replace(microsecond=0)
    start = now - dt.timedelta(days=30)

    with clock.at(start):
        street_council = s.council_create(
            by=street_user,
            region=street,
            level="street",
            name="东街街道议事会",
            support_threshold=30,
            boundary="跨社区、需要街道协调职能部门的事项",
        )
        council = s.council_create(
            by=staff,
            region=community,
            level="community",
            name="军门社区议事会",
            parent=street_council,
            support_threshold=8,
            boundary="本社区公共事务；涉及执法、规划的事项转介街道",
        )
        buildings = list(
            Building.objects.filter(estate__community_id=COMMUNITY).order_by("estate_id", "name")[:2]
        )
        groups = [
            s.council_create(
                by=staff,
                region=community,
                level="group",
                name=f"{b}楼栋议事小组",
                building=b,
                parent=council,
                support_threshold=3,
            )
            for b in buildings
        ]
        _members(s, staff, council, groups, resident, head, now.date())

    households = list(Household.objects.filter(community_id=COMMUNITY).values_list("id", flat=True))
    topics = []
    for i, (title, body) in enumerate(TOPICS):
        at = start + dt.timedelta(days=i * 3, hours=9)
        with clock.at(at):
            t = s.topic_propose(by=staff, council=council, title=title, body=body, at=at)
            s.topic_supports_record(
                by=staff,
                topic=t,
                household_ids=rng.sample(households, min(len(households), rng.randint(3, 14))),
            )
            topics.append(t)
    hot = _hot_issue_topic(s, staff, council, start + dt.timedelta(days=20))
    for g in groups:
        with clock.at(start + dt.timedelta(days=10)):
            s.topic_propose(
                by=staff,
                council=g,
                title=f"{g.building}单元门禁维修",
                body="单元门禁损坏，外来人员随意进出。",
            )

    # Decided and reported back; one referred to the street; one merged.
    outcomes = ["deliberation", "deliberation", "social_org", "deliberation", "referral"]
    decided = [t for t in topics if t.__class__.objects.get(pk=t.pk).state == "agenda"][:5]
    # The first three were on the agenda of the council's third meeting, and decided there.
    held_at = _meetings(council, staff, head, resident, decided, start, now, rng)
    for k, t in enumerate(decided):
        at = t.created_at + dt.timedelta(days=5)
        if k < 3:
            at = max(at, held_at + dt.timedelta(hours=3))
        with clock.at(at):
            s.topic_decide(
                by=staff,
                topic=t,
                outcome=outcomes[k % len(outcomes)],
                text=f"议事会议定：{t.title}，由社区牵头于两周内落实。",
                owner="军门社区居委会",
                deadline=(at + dt.timedelta(days=14)).date(),
                at=at,
            )
            s.resolution_progress(by=staff, topic=t, text="已召集相关方现场查看，制定方案", progress=40)
        if k < 3:
            with clock.at(at + dt.timedelta(days=8)):
                s.resolution_report(
                    by=staff, topic=t, report="已落实完毕，居民代表现场验收。", at=at + dt.timedelta(days=8)
                )
    _satisfaction(decided[:3], resident, rng)
    handed = _task_from_resolution(staff, decided[3:4])
    open_topics = [t for t in topics if t.__class__.objects.get(pk=t.pk).state in ("proposed", "agenda")]
    if open_topics:
        with clock.at(now - dt.timedelta(days=2)):
            s.topic_refer(
                by=staff,
                topic=open_topics[-1],
                to_council=street_council,
                reason="涉及城管执法和多个社区，需街道协调",
                deadline=(now + dt.timedelta(days=7)).date(),
            )
    if hot is not None and len(open_topics) > 2:
        with clock.at(now - dt.timedelta(days=1)):
            s.topic_merge(by=staff, topic=open_topics[0], into=hot)

    _polls(ps, staff, council, now, rng)
    ctx.out(
        f"  议事会 {2 + len(groups)} 个，议题 {council.topics.count()} 个，交办任务 {handed} 件，"
        f"用时 {time.perf_counter() - started:.1f} 秒"
    )


# The demand category a task made from a demo topic's resolution is filed under.
TASK_CATEGORIES = {
    "3号楼楼道堆物清理": "security-fire",
    "小区电动车充电桩增设": "traffic-ebike",
    "老旧小区加装电梯意向征集": "urban-elevator",
    "广场舞噪音时段约定": "env-noise",
    "小区停车位划线与管理": "traffic-parking",
    "垃圾分类投放点调整": "env-sorting",
    "宠物文明饲养公约": "community-pets",
    "雨季排水沟清淤": "urban-drainage",
}


def _task_from_resolution(staff, topics) -> int:
    """One resolution of 军门社区 already handed to the community's unit as a task (议事决议交办):
    a proactive demand, dispatched a day after the decision, waiting to be signed for."""
    from gongzhi.core import clock
    from gongzhi.demands.models import HandlingUnit

    from . import resolution_services as rs
    from .models import Resolution

    unit = HandlingUnit.objects.filter(region_id=COMMUNITY, kind="community", active=True).first()
    if unit is None or not topics:
        return 0
    resolution = Resolution.objects.get(topic=topics[0])
    with clock.at(resolution.adopted_at + dt.timedelta(days=1)):
        rs.resolution_task_create(
            by=staff,
            topic=topics[0],
            unit_id=unit.pk,
            category_code=TASK_CATEGORIES.get(topics[0].title, "property-public-repair"),
            note="请按议事会决议落实，并在期限内答复。",
        )
    return 1


def _members(s, staff, council, groups, resident, head, today):
    from gongzhi.registry.models import Person

    kinds = [
        ("rc", "chair"),
        ("rc", "vice_chair"),
        ("oc", "member"),
        ("property", "member"),
        ("social_org", "member"),
        ("unit", "member"),
        ("social_worker", "member"),
        ("resident_rep", "member"),
        ("resident_rep", "member"),
        ("resident_rep", "observer"),
    ]
    people = list(Person.objects.filter(community_id=COMMUNITY, status="active").order_by("id")[1:40])
    term = (today.replace(month=1, day=1), today.replace(year=today.year + 2, month=12, day=31))
    for (kind, pos), p in zip(kinds, people, strict=False):
        s.council_member_add(
            by=staff,
            council=council,
            kind=kind,
            position=pos,
            name=p.name,
            person=p,
            # The community's party secretary (the demo's "head" account) chairs the council.
            user=head if pos == "chair" else None,
            term_start=term[0],
            term_end=term[1],
        )
    if resident is not None and resident.person_id:
        s.council_member_add(
            by=staff,
            council=council,
            kind="resident_rep",
            name=resident.person.name,
            person=resident.person,
            user=resident,
            term_start=term[0],
            term_end=term[1],
        )
    for g, chunk in zip(groups, (people[12:18], people[20:26]), strict=False):
        for j, p in enumerate(chunk):
            s.council_member_add(
                by=staff,
                council=g,
                kind="resident_rep",
                position="chair" if j == 0 else "member",
                name=p.name,
                person=p,
                term_start=term[0],
                term_end=term[1],
            )


def _satisfaction(reported, resident, rng):
    """Answers to the satisfaction question of the reported-back topics, as the households asked
    gave them (most of them); the demo resident's household is left to answer from the phone."""
    from .eligibility import asked_households, household_of
    from .models import Satisfaction, SatisfactionAnswer, Topic

    mine = household_of(resident) if resident is not None else None
    rows = []
    for t in reported:
        t = Topic.objects.get(pk=t.pk)
        if t.state != "closed":
            continue
        asked = sorted(asked_households(t) - {mine.pk if mine else None})
        for h in rng.sample(asked, k=len(asked) * 3 // 4):
            answer = rng.choices(SatisfactionAnswer.values, [7, 2, 1])[0]
            rows.append(Satisfaction(topic=t, household_id=h, answer=answer, at=t.closed_at))
    Satisfaction.objects.bulk_create(rows, ignore_conflicts=True)
    if mine is not None and reported:
        # The resident's household supports the first reported topic, so the question shows.
        from django.db.models import F

        from .models import TopicSupport

        first = reported[0]
        if not TopicSupport.objects.filter(topic_id=first.pk, household=mine).exists():
            TopicSupport.objects.create(topic_id=first.pk, household=mine, user=resident, at=first.created_at)
            Topic.objects.filter(pk=first.pk).update(support_count=F("support_count") + 1)


def _hot_issue_topic(s, staff, council, at):
    """A topic made in one click from a hot issue: the demands of the most frequent category."""
    from django.db.models import Count

    from gongzhi.demands.models import Demand

    top = (
        Demand.objects.filter(community_id=COMMUNITY)
        .exclude(category=None)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is None:
        return None
    ids = list(
        Demand.objects.filter(community_id=COMMUNITY, category__name=top["category__name"])
        .order_by("-created_at")
        .values_list("id", flat=True)[:8]
    )
    with clock_at(at):
        return s.topic_propose(
            by=staff,
            council=council,
            title=f"热点问题：{top['category__name']}",
            body=f"近期 {len(ids)} 件同类诉求集中反映，提请议事会协商。",
            demand_ids=ids,
            hot_issue=True,
            at=at,
        )


def clock_at(at):
    from gongzhi.core import clock

    return clock.at(at)


def _polls(ps, staff, council, now, rng):
    from gongzhi.core import clock
    from gongzhi.registry.models import Dwelling, Estate, Person
    from gongzhi.registry.ownership import dwelling_owner_set

    # An open household vote, half of the households voting on paper.
    with clock.at(now - dt.timedelta(days=3)):
        poll = ps.poll_create(
            by=staff,
            council=council,
            title="是否在小区东侧增设电动车集中充电棚",
            kind="household",
            options=["同意", "不同意", "弃权"],
            closes_at=now + dt.timedelta(days=7),
        )
        ps.poll_open(by=staff, poll=poll)
        codes = ps.paper_codes_issue(by=staff, poll=poll)
        options = list(poll.options.values_list("id", flat=True))
        # the demo resident's household is left to vote online from the phone
        from gongzhi.core.models import User

        from .eligibility import voter_key

        resident = User.objects.filter(username="resident").first()
        theirs = voter_key(poll, resident) if resident is not None else None
        for _key, code in [c for c in codes if c[0] != theirs][: len(codes) // 3]:
            ps.paper_ballot_enter(
                by=staff, poll=poll, code=code, option_id=rng.choices(options, [6, 3, 1])[0]
            )

    # An owners' vote under art. 278 on one estate: ownership from the dwellings' residents.
    estate = (
        Estate.objects.filter(community_id=COMMUNITY, buildings__dwellings__isnull=False).distinct().first()
    )
    if estate is None:
        return
    dwellings = list(Dwelling.objects.filter(building__estate=estate).exclude(area=None))
    landlords = list(
        Person.objects.filter(community_id=COMMUNITY, birth_date__lte=now.date().replace(year=now.year - 30))
        .order_by("-id")
        .values_list("id", flat=True)[:40]
    )
    for d in dwellings:
        adults = list(
            Person.objects.filter(dwelling=d, birth_date__lte=now.date() - dt.timedelta(days=18 * 366))
            .order_by("id")
            .values_list("id", flat=True)[:2]
        ) or [rng.choice(landlords)]
        share = Decimal("1") if len(adults) == 1 else Decimal("0.5")
        for p in adults:
            dwelling_owner_set(by=staff, dwelling=d, person=Person(pk=p), share=share)
    with clock.at(now - dt.timedelta(days=20)):
        poll = ps.poll_create(
            by=staff,
            council=council,
            title=f"{estate.name}使用维修资金更换屋面防水",
            kind="owner",
            estate=estate,
            major_matter=True,
            options=["同意", "不同意"],
            closes_at=now - dt.timedelta(days=5),
            region=None,
        )
        ps.poll_open(by=staff, poll=poll)
        codes = ps.paper_codes_issue(by=staff, poll=poll)
        options = list(poll.options.values_list("id", flat=True))
        for _key, code in codes[: int(len(codes) * 0.9)]:
            ps.paper_ballot_enter(by=staff, poll=poll, code=code, option_id=rng.choices(options, [9, 1])[0])
    with clock.at(now - dt.timedelta(days=5)):
        ps.poll_close(by=staff, poll=poll)


def _meetings(council, staff, head, resident, decided, start, now, rng) -> dt.datetime:
    """A past meeting: invitations, sign-in (by code from the resident's phone, the rest at the
    door), each side's opinions, minutes approved by the chair; and the next meeting, announced."""
    from gongzhi.core import clock

    from . import meeting_services as ms
    from .models import CouncilMember

    agenda = decided[:3]
    from django.utils import timezone

    held_at = timezone.localtime(start + dt.timedelta(days=14)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    with clock.at(held_at - dt.timedelta(days=4)):
        meeting = ms.meeting_schedule(
            by=staff,
            council=council,
            title="军门社区议事会第三次会议",
            starts_at=held_at,
            ends_at=held_at + dt.timedelta(hours=2),
            place="军门社区党群服务中心",
            topics=agenda,
        )
    with clock.at(held_at - dt.timedelta(minutes=30)):
        ms.meeting_signin_open(by=staff, meeting=meeting)
        if resident is not None and CouncilMember.objects.filter(council=council, user=resident).exists():
            ms.meeting_signin(by=resident, meeting=meeting, code=ms.signin_code(meeting))
        members = list(CouncilMember.objects.filter(council=council).values_list("id", flat=True))
        came = [m for m in members if rng.random() < 0.8]
        if came:
            ms.meeting_mark_present(by=staff, meeting=meeting, member_ids=came)
    with clock.at(held_at + dt.timedelta(hours=1)):
        sides = [
            ("resident_rep", "support", "居民代表", "楼道堆物影响消防通道，支持集中清理，并约定不再堆放。"),
            ("property", "suggest", "物业公司", "物业可提供清运车辆，建议居委会先发通知、给三天自行清理期。"),
            ("oc", "reserve", "业委会", "清运费用从公共收益中列支须先公示。"),
            ("social_org", "support", "社会组织", "愿意组织志愿者协助老年住户搬运。"),
        ]
        for side, stance, speaker, text in sides:
            ms.opinion_add(
                by=staff,
                meeting=meeting,
                topic=agenda[0] if agenda else None,
                side=side,
                stance=stance,
                speaker=speaker,
                text=text,
            )
        ms.minutes_save(
            by=staff,
            meeting=meeting,
            minutes="议题一：居民代表支持集中清理，物业表示可提供车辆；议定两周内完成。\n"
            "议题二：业委会提出选址意见，社会组织愿意承担宣传；议定先试点。",
        )
    with clock.at(held_at + dt.timedelta(hours=2)):
        ms.meeting_end(by=staff, meeting=meeting)
    if head is not None:
        with clock.at(held_at + dt.timedelta(days=1)):
            ms.minutes_approve(by=head, meeting=meeting)
    upcoming = timezone.localtime(now + dt.timedelta(days=3)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    ms.meeting_schedule(
        by=staff,
        council=council,
        title="军门社区议事会第四次会议",
        starts_at=upcoming,
        place="军门社区党群服务中心二楼会议室",
        topics=list(council.topics.filter(state="agenda").exclude(pk__in=[t.pk for t in decided])[:2]),
    )
    return held_at
