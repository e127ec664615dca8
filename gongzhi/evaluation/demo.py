"""Demo (order 92): last year's dual evaluation in the district, built through the services: a
residents' survey on the seven aspects with a stratified household sample (answers by code link and
by visits), and communities' anonymous ratings of the departments on the ten aspects."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongzhi.admission.demo import DISLIKED_ITEM, VISITS_ITEM
from gongzhi.core import clock
from gongzhi.core.models import Department, Region, RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.demands.calendar import TZ

from . import services
from .models import SampleHousehold, Survey

JUNMEN = "350102004001"

MAX_COMMUNITIES = 40  # enough for every street's figures; keeps the step well under ten seconds


def _staff(username: str, role: str, region: Region) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"display_name": region.name, "is_demo_account": False, "password": make_password(None)},
    )
    RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
    return user


def _admitted_items(district: Region) -> dict:
    """The admission demo's items residents are asked about, by title (those admitted)."""
    from gongzhi.admission.models import Application

    found = {
        a.title: a
        for a in Application.objects.filter(
            region=district, state=Application.State.APPROVED, title__in=[DISLIKED_ITEM, VISITS_ITEM]
        )
    }
    return {t: found[t] for t in (DISLIKED_ITEM, VISITS_ITEM) if t in found}


@transaction.atomic
def demo_evaluation(ctx) -> None:
    started = time.perf_counter()
    district = Region.objects.get(code=ctx.district)
    if Survey.objects.filter(region=district).exists():
        ctx.out("  已有双评议数据，跳过")
        return
    rng = random.Random(ctx.seed)
    year = clock.now().year - 1
    office = _staff("demo-evaluation-office", Role.DISTRICT_STAFF, district)
    opened = dt.datetime(year, 11, 3, 9, tzinfo=TZ)

    # Residents rate their community.
    with clock.at(opened - dt.timedelta(days=7)):
        survey = services.survey_create(
            region=district, title=f"{year} 年度居民评议社区", target="community", year=year, by=office
        )
        services.question_add(
            survey=survey, text="今年您是否向社区反映过问题？", aspect="", kind="yesno", by=office
        )
        services.question_add(
            survey=survey,
            text="您反映的问题解决得怎么样？",
            aspect="办事效率",
            kind="scale",
            skip_unless_number=8,
            skip_unless_value=1,
            by=office,
        )
        # Residents rate two admitted items (questions 10 and 11): a poor result withdraws them.
        items = _admitted_items(district)
        for title in items:
            services.question_add(
                survey=survey,
                text=f"社区为“{title}”开展的工作，您满意吗？",
                aspect="准入事项",
                kind="scale",
                by=office,
                application=items[title],
            )
        codes = services.sample_draw(survey=survey, per_community=30, by=office, seed=ctx.seed)
        services.survey_set_state(survey=survey, state="open", by=office)
    samples = list(SampleHousehold.objects.filter(survey=survey).order_by("community_id", "pk"))
    covered = {c for a in items.values() for c in a.communities}
    keep = sorted({s.community_id for s in samples})[:MAX_COMMUNITIES]
    keep += sorted(covered & {s.community_id for s in samples} - set(keep))
    level = {c: rng.uniform(3.2, 4.6) for c in keep}
    workers: dict[str, User] = {}
    answered = 0
    for i, s in enumerate(samples):
        if s.community_id not in level or rng.random() > 0.82:
            continue  # not reached: the response rate is not 100%

        def score(mu=level[s.community_id]):
            return max(1, min(5, round(rng.gauss(mu, 0.9))))

        answers = {str(n): score() for n in range(1, 8)}
        answers["8"] = int(rng.random() < 0.35)
        if answers["8"]:
            answers["9"] = score()
        for n, title in enumerate(items, 10):
            disliked = title == DISLIKED_ITEM or s.community_id == JUNMEN
            answers[str(n)] = score(1.8) if disliked else score()
        with clock.at(opened + dt.timedelta(days=i % 20, hours=i % 7)):
            if i % 3:
                services.response_by_code(code=codes[s.pk], answers=answers)
            else:
                if s.community_id not in workers:
                    workers[s.community_id] = _staff(
                        f"demo-visitor-{s.community_id}", Role.COMMUNITY_WORKER, s.community
                    )
                services.response_by_visit(sample=s, answers=answers, by=workers[s.community_id])
        answered += 1
    with clock.at(opened + dt.timedelta(days=30)):
        # closing makes the results final: poorly rated items are withdrawn (outcomes.py)
        services.survey_set_state(survey=survey, state="closed", by=office)
    from .outcomes import survey_withdrawals

    withdrawn = len(survey_withdrawals(survey=survey, user=office))

    # Communities rate departments (the public security bureau by too few to be shown).
    with clock.at(opened - dt.timedelta(days=7)):
        dsurvey = services.survey_create(
            region=district, title=f"{year} 年度社区评议部门", target="department", year=year, by=office
        )
        services.survey_set_state(survey=dsurvey, state="open", by=office)
    from gongzhi.registry.generate import departments_ensure

    departments_ensure(district)
    depts = list(Department.objects.filter(region=district).order_by("code"))
    communities = list(Region.objects.filter(level=5, code__startswith=district.code).order_by("code")[:12])
    ratings = 0
    for j, community in enumerate(communities):
        head = _staff(f"demo-head-{community.code}", Role.COMMUNITY_HEAD, community)
        for d in depts:
            if "public-security" in d.code and j >= 3:
                continue
            base = 2.8 if "health" in d.code else 3.9
            answers = {str(n): max(1, min(5, round(rng.gauss(base, 0.8)))) for n in range(1, 11)}
            with clock.at(opened + dt.timedelta(days=j)):
                services.department_rate(survey=dsurvey, department=d, answers=answers, by=head)
            ratings += 1
    with clock.at(opened + dt.timedelta(days=30)):
        services.survey_set_state(survey=dsurvey, state="closed", by=office)
    ctx.out(
        f"  居民评社区：抽样 {len(samples)} 户，回答 {answered} 户，据评议撤出准入事项 {withdrawn} 处；"
        f"社区评部门：{len(communities)} 个社区 {ratings} 份"
        f"（{time.perf_counter() - started:.1f} 秒）"
    )
