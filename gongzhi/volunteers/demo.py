"""The volunteers part of `gongzhi demo` (step 80): 军门社区's three teams and their volunteers (from
the register, the demo resident among them as a team leader), a week of activities with one
running today (the resident is signed up and can check in with the leader's code), a month of
past service through check-in/out and staff entry, and a points catalogue with stock. Everything
through the services, with the injected clock for the past."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from gongzhi.core import clock
from gongzhi.core.demo import COMMUNITY
from gongzhi.core.models import Region, User

TZ = ZoneInfo("Asia/Shanghai")

TEAMS = [
    ("军门社区邻里互助队", "军门社区居委会"),
    ("军门社区党员先锋队", "东街街道党工委"),
    ("福州一中青年志愿服务队", "福州第一中学"),
]
ACTIVITIES = [
    ("楼道清洁日", "各小区楼道", "", Decimal("1.0"), False),
    ("敬老院陪伴", "东街街道敬老院", "独居与高龄老人", Decimal("1.5"), True),
    ("文明劝导", "东街口", "", Decimal("1.0"), False),
    ("义务理发", "军门社区党群服务中心", "高龄老人", Decimal("1.2"), False),
    ("反诈宣传", "军门社区广场", "", Decimal("1.0"), False),
    ("四点半课堂", "社区图书室", "双职工家庭子女", Decimal("1.2"), False),
    ("垃圾分类督导", "各小区投放点", "", Decimal("1.0"), False),
]
REWARDS = [
    ("洗衣液", "永辉超市东街店", 50, 20),
    ("大米 5 斤", "东街街道商会", 80, 15),
    ("理发券", "东街口美发店", 30, 30),
    ("电影票", "东百影城", 120, 5),
    ("家电维修一次", "鼓楼区家电维修协会", 100, 1),
]


def demo_volunteers_build(ctx) -> None:
    from gongzhi.registry.models import Person

    from .models import Team
    from .points import reward_create
    from .services import activity_create, team_create, volunteer_register

    community = Region.objects.get(code=COMMUNITY)
    if Team.objects.filter(community=community).exists():
        ctx.out("  已有志愿服务数据，跳过")
        return
    staff = User.objects.filter(username="community").first()
    resident = User.objects.filter(username="resident").first()
    if staff is None:
        ctx.out("  没有演示账号，跳过")
        return
    rng = random.Random(ctx.seed)
    now = clock.now().astimezone(TZ)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_ago = today - dt.timedelta(days=35)

    # Volunteers: about one in twenty adult residents of 军门社区, registered by staff a month ago.
    people = list(
        Person.objects.filter(
            community=community, status="active", birth_date__lte=today.date().replace(year=today.year - 18)
        )
        .exclude(pk__in=[resident.person_id] if resident is not None and resident.person_id else [])
        .order_by("id")
    )
    chosen = rng.sample(people, k=min(len(people), max(30, len(people) // 20)))
    with clock.at(month_ago):
        teams = [team_create(community=community, name=n, sponsor=s, by=staff) for n, s in TEAMS]
        volunteers = [
            volunteer_register(
                person=p,
                by=staff,
                team=teams[i % 3],
                skills=rng.choice(["", "理发", "维修", "辅导功课", "摄影", "医护"]),
            )
            for i, p in enumerate(chosen)
        ]
        me = None
        if resident is not None and resident.person_id:
            me = volunteer_register(person=resident.person, by=resident, team=teams[0], skills="维修")
        from .services import team_set_leader, volunteer_set_background_check

        team_set_leader(team=teams[0], leader=me or volunteers[0], by=staff)
        team_set_leader(team=teams[1], leader=volunteers[1], by=staff)
        team_set_leader(team=teams[2], leader=volunteers[2], by=staff)
        for v in volunteers[::4]:
            volunteer_set_background_check(volunteer=v, passed=True, by=staff)

    n_hours = _past_service(rng, community, staff, teams, volunteers, today, me, resident)

    # A week of activities from today; today's has a 12-hour shift from two hours ago, so the
    # demo resident can check in whenever the demo is shown.
    running = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    week = []
    with clock.at(today - dt.timedelta(days=1, hours=-9)):
        for d, (title, place, serves, coef, check) in enumerate(ACTIVITIES):
            day = today + dt.timedelta(days=d)
            shifts = (
                [(running, running + dt.timedelta(hours=12), 10)]
                if d == 0
                else [
                    (day.replace(hour=9), day.replace(hour=11), 4),
                    (day.replace(hour=14), day.replace(hour=16, minute=30), 3),
                ]
            )
            week.append(
                activity_create(
                    community=community,
                    title=title,
                    place=place,
                    serves=serves,
                    coefficient=coef,
                    needs_background_check=check,
                    team=teams[d % 3],
                    shifts=shifts,
                    by=staff,
                    description=f"{title}，欢迎居民报名参加。",
                )
            )
        _sign_up_week(rng, week, volunteers, me, resident)
        for name, donor, cost, stock in REWARDS:
            reward_create(community=community, name=name, donor=donor, cost=cost, stock=stock, by=staff)
    n_wishes = _wishes_and_party(rng, community, staff, resident, volunteers, today)
    n_time = _time_bank(rng, community, staff, resident, chosen, today)
    n_awards, cert = _meeting_points_and_certificate(community, staff, volunteers, me, today)
    from .reminders import shifts_remind

    n_reminded = shifts_remind(ahead=dt.timedelta(hours=48)).created  # tomorrow's shifts, whatever the hour
    ctx.out(
        f"  3 支志愿服务队，{len(volunteers) + (1 if me else 0)} 名志愿者，7 项活动（今天 1 项），"
        f"{n_hours} 条服务时长记录，{len(REWARDS)} 种兑换物品，"
        f"{n_wishes} 个微心愿，{n_time} 笔时间银行服务，{n_awards} 人次议事会积分，"
        f"{n_reminded} 条班次提醒" + (f"，志愿服务记录证明 {cert.code}" if cert else "")
    )


def _past_service(rng, community, staff, teams, volunteers, today, me, resident) -> int:
    """Four weeks of past activities: the demo resident checked in and out with the leader's code
    (信用时长); the others' hours were entered by staff from the paper sign-in sheet (补录)."""
    from .codes import checkin_code
    from .services import activity_create, checkin_record, checkout_record, hours_enter, signup_create

    users = {me.person_id: resident} if me is not None else {}
    count = 0
    for week in range(4, 0, -1):
        day = today - dt.timedelta(days=7 * week - 2)
        start = day.replace(hour=9)
        with clock.at(start - dt.timedelta(days=2)):
            activity = activity_create(
                community=community,
                title=ACTIVITIES[week % len(ACTIVITIES)][0],
                place=ACTIVITIES[week][1],
                team=teams[week % 3],
                shifts=[(start, start + dt.timedelta(hours=3), 8)],
                by=staff,
            )
        shift = activity.shifts.get()
        crew = rng.sample(volunteers, k=min(7, len(volunteers))) + ([me] if me is not None else [])
        with clock.at(start - dt.timedelta(days=1)):
            signups = [(v, signup_create(shift=shift, volunteer=v, by=staff)) for v in crew]
        for v, _s in signups:
            user = users.get(v.person_id)
            if user is None:
                continue
            t_in = start + dt.timedelta(minutes=rng.randint(-10, 10))
            with clock.at(t_in):
                checkin_record(activity=activity, volunteer=v, code=checkin_code(activity.pk, t_in), by=user)
            t_out = start + dt.timedelta(hours=3, minutes=rng.randint(-30, 0))
            with clock.at(t_out):
                checkout_record(
                    activity=activity, volunteer=v, code=checkin_code(activity.pk, t_out), by=user
                )
            count += 1
        with clock.at(start + dt.timedelta(days=1)):
            for v, _s in signups[:6]:
                hours_enter(
                    volunteer=v,
                    activity=activity,
                    hours=Decimal("3"),
                    served_on=start.date(),
                    reason="纸质签到表补录",
                    by=staff,
                )
                count += 1
    return count


def _sign_up_week(rng, week, volunteers, me, resident) -> None:
    from .errors import VolunteerError
    from .services import signup_create

    staff = User.objects.get(username="community")
    if me is not None:
        signup_create(shift=week[0].shifts.get(), volunteer=me, by=resident)
    for activity in week:
        for shift in activity.shifts.all():
            for v in rng.sample(
                volunteers, k=min(len(volunteers), shift.places + (1 if rng.random() < 0.3 else -1))
            ):
                try:
                    signup_create(shift=shift, volunteer=v, by=staff)
                except VolunteerError:
                    pass


WISHES = [
    "一台收音机",
    "冬季棉被",
    "助听器电池",
    "陪同去医院复查",
    "孩子的课外书",
    "修理轮椅",
    "一次理发",
    "新春对联",
]


def _wishes_and_party(rng, community, staff, resident, volunteers, today) -> int:
    """Micro-wishes in every state for residents in need, and party members of two units."""
    from gongzhi.registry.models import Person

    from . import wishes as w

    needy = list(
        Person.objects.filter(
            community=community,
            status="active",
            tags__kind__in=[
                "elderly_alone",
                "elderly_80",
                "disabled",
                "minimum_allowance",
                "extreme_hardship",
            ],
        )
        .distinct()
        .order_by("id")[:8]
    )
    if len(needy) < 4:
        needy = list(Person.objects.filter(community=community, status="active").order_by("-birth_date")[:8])
    party = [staff]
    if resident is not None and resident.person_id:
        with clock.at(today - dt.timedelta(days=40)):
            w.party_member_register(
                person=resident.person, employer="鼓楼区税务局", posts=["patrol", "wishes"], by=resident
            )
        party = [resident]
    for i, v in enumerate(volunteers[1::2][:6]):
        with clock.at(today - dt.timedelta(days=40)):
            w.party_member_register(
                person=v.person,
                employer=["福州市第一医院", "鼓楼区税务局"][i % 2],
                posts=[["stairwell"], ["mediation", "wishes"]][i % 2],
                by=staff,
            )
    n = 0
    for i, person in enumerate(needy):
        with clock.at(today - dt.timedelta(days=30 - i)):
            wish = w.wish_post(
                community=community,
                beneficiary=person,
                title=WISHES[i % len(WISHES)],
                group="困难群众",
                by=staff,
            )
        n += 1
        stage = i % 5  # 0 posted, 1 claimed, 2 fulfilled, 3 confirmed, 4 claimed overdue → back to the pool
        if stage == 0:
            continue
        claimer = party[0] if party[0] != resident or person.pk != resident.person_id else staff
        claimed_days_ago = {1: 3, 2: 20 - i, 3: 20 - i, 4: 25}[stage]
        with clock.at(today - dt.timedelta(days=claimed_days_ago)):
            wish = w.wish_claim(wish=wish, by=claimer, claimant="鼓楼区税务局党支部" if i % 2 else "")
        if stage >= 2 and stage != 4:
            with clock.at(today - dt.timedelta(days=10 - i)):
                wish = w.wish_fulfil(wish=wish, by=claimer)
        if stage == 3:
            with clock.at(today - dt.timedelta(days=8 - i)):
                w.wish_confirm(wish=wish, by=staff)
    w.wishes_release_overdue(now=clock.now())  # the overdue claim goes back to the pool
    # The demo resident asked from the phone yesterday: the wish waits for the community's review.
    if resident is not None and resident.person_id:
        with clock.at(today - dt.timedelta(days=1)):
            w.wish_request(beneficiary=resident.person, title="陪同去医院复诊", by=resident)
        n += 1
    return n


def _time_bank(rng, community, staff, resident, people, today) -> int:
    """Offers and requests between the demo resident and neighbours; services confirmed (some paid by
    the community pool for elderly people without family), one waiting for the resident to confirm."""
    from . import timebank as tb

    if resident is None or not resident.person_id or len(people) < 3:
        return 0
    me = resident.person
    a, b, c = people[:3]
    n = 0
    with clock.at(today - dt.timedelta(days=20)):
        tb.timepost_create(person=me, kind="offer", title="帮邻居修水管、换灯泡", by=resident)
        tb.timepost_create(person=a, kind="request", title="每周陪老人去医院复查", by=staff)
        tb.timepost_create(person=b, kind="offer", title="辅导小学数学", by=staff)
        tb.timepost_create(person=c, kind="request", title="帮忙代买药品", by=staff)
        # The resident helped an elderly neighbour without family: the community pool pays.
        s = tb.timeservice_record(
            provider=me,
            served=a,
            hours=3,
            description="陪同就医",
            served_on=(today - dt.timedelta(days=20)).date(),
            from_pool=True,
            by=resident,
        )
        tb.timeservice_confirm(service=s, by=staff)
        n += 1
    with clock.at(today - dt.timedelta(days=5)):
        s = tb.timeservice_record(
            provider=b,
            served=me,
            hours=1,
            description="辅导小学数学",
            served_on=(today - dt.timedelta(days=5)).date(),
            by=staff,
        )
        tb.timeservice_confirm(service=s, by=resident)
        tb.time_donate(giver=me, hours="0.5", by=resident)
        n += 1
    tb.timeservice_record(
        provider=c,
        served=me,
        hours=1,
        description="帮忙搬家具",
        served_on=(today - dt.timedelta(days=1)).date(),
        by=staff,
    )
    return n + 1


def _meeting_points_and_certificate(community, staff, volunteers, me, today):
    """A configured points item (参加议事协商会议) awarded from last week's sign-in sheet, and a
    service-record certificate of the demo resident's hours (its public page: /volunteers/verify/)."""
    from .certificates import certificate_issue
    from .points import point_rule_create, points_award

    with clock.at(today - dt.timedelta(days=30)):
        rule = point_rule_create(community=community, name="参加议事协商会议", points=5, by=staff)
    attendees = volunteers[:8] + ([me] if me is not None else [])
    with clock.at(today - dt.timedelta(days=6, hours=-20)):
        result = points_award(
            rule=rule,
            volunteers=attendees,
            occasion="军门社区居民议事会（本月）",
            on=(today - dt.timedelta(days=6)).date(),
            by=staff,
        )
    cert = None
    if me is not None:
        cert = certificate_issue(
            volunteer=me, start=(today - dt.timedelta(days=60)).date(), end=today.date(), by=staff
        )
    return len(result.awarded), cert
