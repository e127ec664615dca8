"""Demo step 75: 军门社区's 微实事 — a round in its voting phase with 12 costed projects and paper
ballots from the booth, and last year's round with its results and implementation progress."""

from __future__ import annotations

import random
import time

COMMUNITY = "350102004001"
PROJECTS = [
    ("楼道声控灯更换", 18000),
    ("小区健身角翻新", 45000),
    ("社区读书角", 12000),
    ("电动车充电棚", 60000),
    ("老年人助餐点桌椅", 15000),
    ("儿童游乐区软地面", 38000),
    ("垃圾分类宣传栏", 8000),
    ("雨水沟清淤", 22000),
    ("单元门禁维修", 30000),
    ("小区绿化补种", 26000),
    ("休闲座椅增设", 14000),
    ("消防通道标线", 9000),
]


def demo_budgeting_build(ctx) -> None:
    from django.db import transaction

    with transaction.atomic():
        _build(ctx)


def _build(ctx) -> None:
    from gongzhi.core.models import Region, User

    from . import services as s
    from .models import RollEntry, Round

    started = time.perf_counter()
    if Round.objects.filter(region_id=COMMUNITY).exists():
        ctx.out("  已有微实事，跳过")
        return
    staff = User.objects.filter(username="community").first()
    if staff is None:
        return
    rng = random.Random(ctx.seed)
    region = Region.objects.get(code=COMMUNITY)
    for title, rule, final in [
        ("2025 年军门社区微实事", "equalshares", True),
        ("2026 年军门社区微实事", "greedy", False),
    ]:
        r = s.round_create(by=staff, region=region, title=title, budget=150000, max_choices=4, rule=rule)
        for name, cost in PROJECTS:
            s.project_propose(by=staff, round=r, title=name, cost=cost, body=f"居民提议：{name}")
        s.round_advance(by=staff, round=r, step="start_review")
        for k, p in enumerate(r.projects.all()):
            s.project_review(
                by=staff,
                project=p,
                feasible=k != 3 or not final,
                reason="" if k != 3 or not final else "选址涉及消防通道，暂不可行",
            )
        s.round_advance(by=staff, round=r, step="start_voting")
        keys = list(RollEntry.objects.filter(round=r).values_list("voter", flat=True))
        feasible = list(r.projects.filter(state="feasible").values_list("id", flat=True))
        weights = [rng.random() ** 2 for _ in feasible]
        entries = [
            (
                k,
                rng.sample(feasible, 1)
                if rng.random() < 0.2
                else list({*rng.choices(feasible, weights, k=rng.randint(1, 4))}),
            )
            for k in rng.sample(keys, min(len(keys), 600 if final else 350))
        ]
        s.budget_paper_ballots_record(by=staff, round=r, entries=entries)
        if final:
            s.round_advance(by=staff, round=r, step="tally")
            s.round_advance(by=staff, round=r, step="implement")
            for p in r.projects.filter(selected=True):
                s.project_progress(
                    by=staff, project=p, progress=rng.choice([40, 70, 100]), note="施工单位已进场"
                )
    ctx.out(f"  微实事 2 轮（投票中 1 轮，实施中 1 轮），用时 {time.perf_counter() - started:.1f} 秒")
