"""The demo's public-benefit funding (DemoStep 88): last spring's call decided, with the social
organisation's project in its mid-term evaluation; this autumn's call in review, the expert
account reviewing."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction

RUBRIC = [
    {"key": "need", "label": "需求契合度"},
    {"key": "design", "label": "项目设计"},
    {"key": "capacity", "label": "执行能力"},
    {"key": "budget", "label": "预算合理性"},
    {"key": "outcome", "label": "预期成效"},
]
TITLES = [
    ("长者助餐与探访", "elderly"),
    ("四点半课堂", "children"),
    ("邻里调解工作室", "mediation"),
    ("残障人士就业辅导", "disability"),
    ("垃圾分类家庭督导", "environment"),
    ("社区健康自我管理小组", "health"),
]


SURNAMES = "王李张刘陈杨黄林郑吴"
GIVEN = ("芳", "强", "敏", "伟", "秀英", "建华", "丽娟", "志明", "海燕", "文斌")


def _budget_lines(budget: int) -> list[dict]:
    """Budget lines summing exactly to `budget` (a multiple of 10,000 yuan)."""
    return [
        {"item": "人员费（社工补贴）", "unit_price": budget * 4 // 100, "quantity": 10},
        {"item": "活动费", "unit_price": budget * 15 // 1000, "quantity": 20},
        {"item": "物料费", "unit_price": budget * 3 // 1000, "quantity": 50},
        {"item": "宣传费", "unit_price": budget * 5 // 100, "quantity": 1},
        {"item": "管理费", "unit_price": budget * 10 // 100, "quantity": 1},
    ]


def _team(rng: random.Random) -> list[dict]:
    def name() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    return [
        {"name": name(), "role": "项目主管", "certified": True},
        {"name": name(), "role": "一线社工", "certified": rng.random() < 0.6},
        {"name": name(), "role": "志愿者协调", "certified": False},
    ]


def _items_from_needs(staff, call, *, community: str, skip: int = 0, n: int = 2) -> list:
    """The call's items: needs of 军门社区's list with the most households behind them."""
    from gongzhi.organizations.models import Need

    from . import services

    needs = Need.objects.filter(community_id=community).exclude(status="met").order_by("-households", "pk")
    return [services.call_item_add(by=staff, call=call, need=need) for need in needs[skip : skip + n]]


@transaction.atomic
def demo_funding_build(ctx) -> None:
    from gongzhi.core import clock
    from gongzhi.core.demo import COMMUNITY
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.core.roles import Role
    from gongzhi.organizations.demo import SOCIAL_ORG_NAME
    from gongzhi.organizations.models import Organization, OrganizationKind

    from . import services
    from .models import FundingCall

    started = time.perf_counter()
    district = Region.objects.get(code=ctx.district)
    if FundingCall.objects.filter(region=district).exists():
        ctx.out("  已有公益创投征集，跳过")
        return
    rng = random.Random(ctx.seed + 88)
    users = {
        u.username: u for u in User.objects.filter(username__in=("district", "expert", "socialorg", "street"))
    }
    staff, expert, own_staff = users["district"], users["expert"], users["socialorg"]
    own = Organization.objects.get(name=SOCIAL_ORG_NAME)
    now = clock.now()
    # Applicants: the demo account's organisation and a few of the district's, each with a staff
    # member (accounts that cannot sign in: unusable passwords).
    others = list(
        Organization.objects.filter(
            kind=OrganizationKind.COMMUNITY_SOCIAL_ORGANIZATION, region__code__startswith=ctx.district
        )
        .exclude(pk=own.pk)
        .order_by("pk")[:5]
    )
    applicants = [(own, own_staff, Region.objects.get(code=COMMUNITY))]
    for i, org in enumerate(others):
        user, _created = User.objects.get_or_create(
            username=f"demo-org-{i + 1}", defaults={"display_name": f"{org.name}工作人员"}
        )
        if _created:
            user.set_unusable_password()
            user.save()
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.SOCIAL_ORG_STAFF, organization=org, defaults={"active": True}
        )
        applicants.append((org, user, org.region))
    panel = []
    for i in range(2):
        user, _created = User.objects.get_or_create(
            username=f"demo-expert-{i + 1}", defaults={"display_name": f"评审专家{i + 1}"}
        )
        if _created:
            user.set_unusable_password()
            user.save()
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.EXPERT, region=district, defaults={"active": True}
        )
        panel.append(user)

    def apply(call, org, by, community, title, moment):
        budget = rng.choice((50000, 60000, 80000, 100000))
        with clock.at(moment):
            app = services.application_create(
                by=by,
                call=call,
                organization=org,
                community=community,
                title=f"{community.name}{title}",
                requested=int(budget * rng.choice((0.5, 0.55, 0.6))),
                budget_lines=_budget_lines(budget),
                fund_lines=[
                    {"source": "街道配套资金", "amount": budget * 6 // 100},
                    {"source": "驻区单位支持", "amount": budget * 4 // 100},
                ],
                team=_team(rng),
                households_target=rng.randint(30, 200),
                people_target=rng.randint(50, 400),
                summary="面向社区居民的公益服务项目，联合驻区单位和志愿者共同实施。",
                outputs="服务台账、满意度调查、阶段总结",
            )
            services.application_act(by=by, application=app, action="submit")
        return app

    def review(app, reviewer, moment):
        with clock.at(moment):
            a = services.reviewers_assign(by=staff, application=app, experts=[reviewer])[0]
            services.review_declare(by=reviewer, assignment=a, conflict=False)
            services.review_submit(
                by=reviewer, assignment=a, scores={r["key"]: rng.randint(2, 5) for r in RUBRIC}
            )

    # Last spring's call: decided; the demo organisation's project is in its mid-term evaluation.
    spring = now - dt.timedelta(days=200)
    with clock.at(spring):
        old = services.call_create(
            by=staff,
            region=district,
            title=f"{spring.year}年鼓楼区社区公益创投（春季）",
            budget=600000,
            closes_at=spring + dt.timedelta(days=30),
            rubric=RUBRIC,
            categories="养老、儿童、调解、助残",
        )
    old_apps = [
        apply(old, org, by, c, TITLES[i % len(TITLES)][0], spring + dt.timedelta(days=5))
        for i, (org, by, c) in enumerate(applicants[:4])
    ]
    decided = now - dt.timedelta(days=80)
    with clock.at(spring + dt.timedelta(days=31)):
        services.call_phase_set(by=staff, call=old, phase="review")
    for app in old_apps:
        with clock.at(spring + dt.timedelta(days=32)):
            services.application_act(by=staff, application=app, action="start_review")
        for reviewer in panel:
            review(app, reviewer, spring + dt.timedelta(days=40))
    with clock.at(decided):
        for app in old_apps[:3]:
            services.application_act(by=staff, application=app, action="approve")
        from .contracts import contract_record

        for n, app in enumerate(old_apps[:3], start=1):
            contract_record(
                by=staff, project=app.project, number=f"GLGY-{decided.year}-{n:03d}", signed_on=decided.date()
            )
        services.application_act(by=staff, application=old_apps[3], action="reject")
        services.call_phase_set(by=staff, call=old, phase="decided")
        for app in old_apps[:3]:
            services.instalment_pay(by=staff, instalment=app.project.instalments.get(seq=1))
    # Mid-term: the demo organisation's report is due in ten days; another's was submitted and
    # awaits the expert; a third's passed, was noticed and its second instalment paid.
    projects = [app.project for app in old_apps[:3]]
    from .models import Evaluation

    for p in projects:
        Evaluation.objects.filter(project=p, kind="midterm").update(due_on=now.date() + dt.timedelta(days=10))
    with clock.at(now - dt.timedelta(days=3)):
        ev = projects[1].evaluations.get(kind="midterm")
        services.evaluation_act(
            by=applicants[1][1], evaluation=ev, action="submit_report", text="已开展服务42场，覆盖120户。"
        )
        ev3 = projects[2].evaluations.get(kind="midterm")
        services.evaluation_act(
            by=applicants[2][1], evaluation=ev3, action="submit_report", text="服务按计划推进，满意度96%。"
        )
    # The organisations list the households they serve; the district samples the two submitted
    # mid-term reports' households and records the follow-up visits (some still to call).
    from gongzhi.registry.models import Household

    from . import satisfaction

    with clock.at(now - dt.timedelta(days=3)):
        for (_org, by, _c), p in zip(applicants[:3], projects, strict=True):
            numbers = list(
                Household.objects.filter(community_id=p.community_id)
                .order_by("number")
                .values_list("number", flat=True)[: rng.randint(30, 60)]
            )
            if numbers:
                satisfaction.beneficiaries_add(by=by, project=p, numbers=numbers)
        for e, size, answered in ((ev3, 15, 15), (ev, 12, 7)):
            if not e.project.beneficiaries.exists():
                continue
            for n, sample in enumerate(satisfaction.sample_draw(by=staff, evaluation=e, size=size)):
                if n < answered:
                    score = rng.choices((5, 4, 3, 2), weights=(50, 35, 10, 5))[0]
                    satisfaction.answer_record(by=staff, sample=sample, score=score)
    with clock.at(now - dt.timedelta(days=2)):
        services.evaluation_act(by=expert, evaluation=ev3, action="pass", text="进度与预算执行良好。")
        services.evaluation_act(by=staff, evaluation=ev3, action="publish")
        services.instalment_pay(by=staff, instalment=projects[2].instalments.get(seq=2))
    # This autumn's call: in review; the expert account has applications to declare and score.
    autumn = now - dt.timedelta(days=40)
    with clock.at(autumn):
        call = services.call_create(
            by=staff,
            region=district,
            title=f"{now.year}年鼓楼区社区公益创投（秋季）",
            budget=800000,
            closes_at=now - dt.timedelta(days=5),
            rubric=RUBRIC,
            categories="养老、儿童、环境、健康",
            eligibility="在鼓楼区登记或备案的社会组织、社区社会组织；近两年无违规记录。",
        )
        items = _items_from_needs(staff, call, community=COMMUNITY)
    apps = [
        apply(call, org, by, c, TITLES[(i + 2) % len(TITLES)][0], autumn + dt.timedelta(days=3 + i))
        for i, (org, by, c) in enumerate(applicants)
    ]
    with clock.at(now - dt.timedelta(days=4)):
        services.call_phase_set(by=staff, call=call, phase="review")
        for app in apps:
            services.application_act(by=staff, application=app, action="start_review")
            services.reviewers_assign(by=staff, application=app, experts=[expert, *panel])
    for app in apps[:3]:
        for reviewer in panel:
            with clock.at(now - dt.timedelta(days=2)):
                a = app.assignments.get(expert=reviewer)
                services.review_declare(by=reviewer, assignment=a, conflict=False)
                services.review_submit(
                    by=reviewer, assignment=a, scores={r["key"]: rng.randint(2, 5) for r in RUBRIC}
                )
    # The demo organisation's application answers one of the items drawn from 军门社区's needs.
    if items:
        from .models import Application

        Application.objects.filter(pk=apps[0].pk).update(item=items[0])
    # Next spring's call, open now: the social organisation can apply.
    with clock.at(now - dt.timedelta(days=2)):
        spring_next = services.call_create(
            by=staff,
            region=district,
            title=f"{now.year + 1}年鼓楼区社区公益创投（春季）",
            budget=600000,
            closes_at=now + dt.timedelta(days=30),
            rubric=RUBRIC,
            categories="养老、助残、邻里互助",
            eligibility="在鼓楼区登记或备案的社会组织、社区社会组织；近两年无违规记录。",
        )
        _items_from_needs(staff, spring_next, community=COMMUNITY, skip=2)
    ctx.out(
        f"  3 次征集（1 次征集中），{len(old_apps) + len(apps)} 份申报，3 个立项项目（1 个待提交中期报告）；"
        f"评审专家账号有 {len(apps)} 份待评审（{time.perf_counter() - started:.1f} 秒）"
    )
