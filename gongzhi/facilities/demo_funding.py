"""The funding part of `gongzhi demo`: each community's post holders (a head and three to five
full-time members) and this year's payments up to last month — the community funding by quarter,
the allowances by month — with gaps where offices fall behind: a quarter not yet paid to about
one community in five, a member appointed this year whose allowance was never started in about
one in six (应享未享)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.models import Region

from .funding import annual_funding, monthly_allowance
from .models import Payment, Post, Purpose, RuleKind, StaffPost
from .selectors import standards_for

SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢郭洪曾邱廖赖周"
GIVEN = ["秀英", "建华", "丽娟", "志强", "美玲", "国平", "晓燕", "文斌", "海燕", "伟明", "淑芬", "永福"]


@transaction.atomic
def demo_funding_build(ctx) -> None:
    from gongzhi.registry.models import Household

    if StaffPost.objects.filter(community__code__startswith=ctx.district).exists():
        ctx.out("  已有经费数据，跳过")
        return
    rng = random.Random(ctx.seed + 16)
    today = timezone.localdate(clock.now())
    year = today.year
    households = dict(
        Household.objects.filter(community__code__startswith=ctx.district)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    communities = list(Region.objects.filter(level=5, code__startswith=ctx.district).order_by("code"))
    posts: list[StaffPost] = []
    for i, c in enumerate(communities):
        n_members = rng.randint(3, 5)
        for k in range(n_members + 1):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            start = dt.date(year - rng.randint(1, 8), rng.randint(1, 12), 1)
            if k == n_members and i % 6 == 2 and today.month > 3:  # appointed this year
                start = dt.date(year, rng.randint(2, today.month - 1), 1)
            posts.append(
                StaffPost(
                    community=c,
                    name=f"{name}{k}" if k else name,
                    post=Post.HEAD if k == 0 else Post.MEMBER,
                    start=start,
                )
            )
    StaffPost.objects.bulk_create(posts)
    payments: list[Payment] = []
    seq = 0

    def pay(c, code, amount, on, purpose, staff=None, month=None):
        nonlocal seq
        seq += 1
        payments.append(
            Payment(
                community=c,
                standard_code=code,
                year=year,
                month=month,
                staff=staff,
                amount=amount,
                purpose=purpose,
                paid_on=on,
                voucher=f"GLCZ{year}-{seq:05d}",
            )
        )

    by_community: dict[str, list[StaffPost]] = {}
    for p in posts:
        by_community.setdefault(p.community_id, []).append(p)
    for i, c in enumerate(communities):
        for std in standards_for(c.code, funding=True):
            if std.kind == RuleKind.ALLOWANCE:
                each = monthly_allowance(std.parameters)
                for holder in by_community.get(c.code, []):
                    if holder.post != std.parameters["post"]:
                        continue
                    if holder.start.year == year and i % 6 == 2:
                        continue  # appointed this year; the allowance was never started
                    for m in range(1, 13):
                        on = dt.date(year, m, 25)
                        if on >= today or dt.date(year, m, 1) < holder.start.replace(day=1):
                            continue
                        pay(c, std.code, each, on, Purpose.ALLOWANCE, holder, m)
                continue
            annual = annual_funding(
                std.kind, std.parameters, households=households.get(c.code, 0), residents=0, year=year
            )
            quarters = [dt.date(year, m, 15) for m in (1, 4, 7, 10) if dt.date(year, m, 15) < today]
            if i % 5 == 3 and quarters:
                quarters = quarters[:-1]  # the last quarter has not been paid yet
            for on in quarters:
                pay(c, std.code, (annual / 4).quantize(Decimal("0.01")), on, Purpose.SERVICE)
    Payment.objects.bulk_create(payments, batch_size=1000)
    ctx.out(f"  {len(communities)} 个社区：社区干部 {len(posts)} 人，本年度拨付记录 {len(payments)} 条")
