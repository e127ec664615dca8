"""The demo's grid work in 军门社区: workers cover their buildings, last month's and this month's
plans, a month of visits behind them (some overdue), ledger items in every state."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.utils import timezone

GRID_WORKERS = [
    ("grid2", "网格员陈丽"),
    ("grid3", "网格员林峰"),
    ("grid4", "网格员黄敏"),
    ("grid5", "网格员郑伟"),
]
SITUATIONS = [
    "家中整洁，身体状况良好，无特殊需求。",
    "老人独自在家，精神尚可，提醒按时服药。",
    "住户在家，了解近期家庭情况，宣传防诈骗知识。",
    "核实家庭人口信息，与登记一致。",
    "住户反映邻里关系融洽，对社区服务满意。",
    "子女不在身边，留下网格员联系方式。",
]
RAISED = [
    ("楼道灯不亮，晚上出行不便", "safety"),
    ("楼下垃圾清运不及时，有异味", "environment"),
    ("希望社区增加老年助餐点", "elderly"),
    ("楼上漏水影响我家天花板", "dispute"),
    ("小区停车位紧张，车辆乱停", "property"),
    ("申请低保需要准备哪些材料", "livelihood"),
    ("建议在小区增设健身器材", "suggestion"),
]
ANSWERS = ["已当场解释政策并告知办理流程。", "已联系物业处理，住户表示满意。", "已转告社区，答复住户。"]


def _users(community: str):
    from gongzhi.core.models import RoleAssignment, User

    users = []
    for username, name in GRID_WORKERS:
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
        if created:
            user.set_password("demo")
            user.save(update_fields=["password"])
        RoleAssignment.objects.get_or_create(
            user=user, role="grid_worker", region_id=community, defaults={"active": True}
        )
        users.append(user)
    return users


def demo_grid_work(ctx) -> None:
    from gongzhi.core import clock
    from gongzhi.core.demo import COMMUNITY
    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.models import Region, User
    from gongzhi.registry.models import Household

    from . import services
    from .models import Coverage, ItemState, LedgerItem, PlanItem

    started = time.perf_counter()
    community = Region.objects.get(code=COMMUNITY)
    if Coverage.objects.filter(community=community).exists():
        ctx.out("  已有包户数据，跳过")
        return
    head = User.objects.filter(username="head").first()
    if head is None or not Household.objects.filter(community=community).exists():
        ctx.out("  没有社区书记账号或登记数据，跳过")
        return
    _users(community.code)
    rng = random.Random(ctx.seed)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()

    def moment(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, rng.randrange(0, 60)), tzinfo=tz)

    with clock.at(moment(last_month, 8)):
        proposal = services.coverage_apply(community=community, by=head)
    visits = items = 0

    def work(month: dt.date, until: dt.date, share: float) -> None:
        nonlocal visits, items
        with clock.at(moment(month, 8)):
            plans = services.plans_generate(community=community, month=month, by=head)
        workers = {u.pk: u for u in User.objects.filter(pk__in=[p.worker_id for p in plans])}
        days = max(1, (until - month).days)
        for plan in plans:
            worker = workers[plan.worker_id]
            plan_items = list(
                PlanItem.objects.filter(plan=plan).select_related("household__dwelling__building__estate")
            )
            done = plan_items[: int(len(plan_items) * share)]
            # Not quite in plan order: some due households are left for later and become overdue.
            rng.shuffle(done)
            for n, item in enumerate(done):
                day = month + dt.timedelta(days=min(days - 1, int(n * days / max(1, len(done)))))
                at = moment(day, rng.choice([9, 10, 14, 15, 16, 19]))
                dwelling = item.household.dwelling if item.household.dwelling_id else None
                estate = dwelling.building.estate if dwelling is not None else None
                lat = lon = None
                if estate is not None and estate.latitude is not None and estate.longitude is not None:
                    far = rng.random() < 0.03
                    lat = estate.latitude + (0.01 if far else rng.uniform(-0.0005, 0.0005))
                    lon = estate.longitude + rng.uniform(-0.0005, 0.0005)
                with clock.at(at):
                    code = ""
                    if rng.random() < 0.6:
                        try:
                            code = services.confirmation_code_issue(household=item.household, by=worker).code
                        except ApplicationError:  # no phone registered: the visit stays unconfirmed
                            code = ""
                    raised, category = ("", "other")
                    if rng.random() < 0.2:
                        raised, category = rng.choice(RAISED)
                    visit = services.visit_record(
                        household=item.household,
                        by=worker,
                        visited_at=at,
                        met=rng.choice(["户主本人", "户主及配偶", "老人及其子女", "租户"]),
                        situation=rng.choice(SITUATIONS),
                        raised=raised,
                        category=category,
                        latitude=lat,
                        longitude=lon,
                        confirmation_code=code,
                    )
                visits += 1
                if not raised:
                    continue
                items += 1
                item_obj = LedgerItem.objects.get(visit=visit)
                roll = rng.random()
                later = at + dt.timedelta(days=rng.randint(0, 5))
                if later.date() >= today:
                    continue
                with clock.at(later if roll >= 0.35 else at):
                    if roll < 0.35:
                        services.ledger_item_answer(
                            item=item_obj, by=worker, answer=rng.choice(ANSWERS), on_the_spot=True
                        )
                    elif roll < 0.6:
                        services.ledger_item_answer(item=item_obj, by=worker, answer=rng.choice(ANSWERS))
                    elif roll < 0.75:
                        services.ledger_item_to_demand(item=item_obj, by=worker)

    courtyard = _courtyard(community.code, head, last_month, moment)
    work(last_month, this_month, 0.85)
    work(this_month, today, 0.6 if today.day > 3 else 0.0)
    states = {s: LedgerItem.objects.filter(community=community, state=s).count() for s in ItemState.values}
    ctx.out(
        f"  {sum(p.households for p in proposal.patches)} 户分给 {len(proposal.patches)} 名包户人员"
        f"（每人约 {proposal.quota} 户），{visits} 次走访，{items} 个民情事项"
        f"（办理中 {states['open']}，已答复 {states['answered']}，已转诉求 {states['demand']}）"
        f"，老旧院落 {courtyard}，用时 {time.perf_counter() - started:.1f} 秒"
    )


def _courtyard(community: str, head, last_month: dt.date, moment) -> str:
    """A courtyard without property management: last month's inspection with a finding, the next
    one scheduled (pipes, fire safety, waste, lighting), and its 准物业 arrangement — the
    residents' self-management group cleans and keeps the door."""
    from gongzhi.core import clock
    from gongzhi.registry.models import Estate

    from .courtyards import arrangement_record, inspection_record, inspections_plan, inspections_schedule
    from .models import CourtyardInspection, QuasiPropertyArrangement

    estate = (
        Estate.objects.filter(community_id=community, has_property_management=False).order_by("pk").first()
    )
    if estate is None:
        return "—"
    with clock.at(moment(last_month, 9)):
        (first,) = inspections_schedule(
            estate=estate, by=head, start=last_month + dt.timedelta(days=9), count=1
        )
    if first.done_at is None:
        with clock.at(moment(last_month + dt.timedelta(days=10), 10)):
            inspection_record(
                inspection=first,
                by=head,
                note="巡查楼道、管网、消防设施",
                item="fire",
                description="3号楼楼道灭火器过期，需更换",
            )
    if not CourtyardInspection.objects.filter(estate=estate, done_at__isnull=True).exists():
        inspections_plan(
            estate_ids=[estate.pk],
            items=["pipes", "fire", "waste", "lighting"],
            due=timezone.localdate() + dt.timedelta(days=5),
            by=head,
        )
    if not QuasiPropertyArrangement.objects.filter(estate=estate).exists():
        arrangement_record(
            estate=estate,
            by=head,
            provider_name="院落居民自管小组",
            services=["cleaning", "security"],
            fee="10",
            starts_on=last_month.replace(month=1) if last_month.month > 1 else last_month,
        )
    return estate.name
