"""The demands part of `gongzhi demo`: handling units, the Open311 key, six months of history."""

from __future__ import annotations

import time

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region


def demo_units_and_keys(ctx) -> None:
    from .open311.auth import open311_demo_key_ensure
    from .units import units_sync

    units_sync(Region.objects.get(code=ctx.district))  # the district, streets, communities, departments
    open311_demo_key_ensure()
    ctx.out("  Open311 接口密钥（api_key）：demo   (/open311/discovery.json)")


def demo_demands_history(ctx) -> None:
    from .classifier import demand_classifier_load, demand_classifier_retrain
    from .demo import demands_history_generate, demo_suggestions_fill

    district = Region.objects.get(code=ctx.district)
    n = ctx.options.get("demands", 3000)
    report = demands_history_generate(district, n=n, seed=ctx.seed, progress=ctx.out)
    if report.skipped:
        ctx.out("  已有诉求，跳过")
    else:
        s = report.states
        ctx.out(
            f"  {report.created} 件诉求（{report.seconds:.0f} 秒）：办结 {s['closed']}，"
            f"待派单 {s['submitted']}，待签收 {s['dispatched']}，办理中 {s['handling']}，"
            f"退单待审 {s['return_pending']}，待回访 {s['replied']}，已回访 {s['called_back']}；"
            f"超期 {report.overdue}，未诉先办 {report.proactive}"
        )
    if not report.skipped:  # the past months' three rates, rolled up as the nightly timer would
        from .rates_rollup import rates_rollup_refresh

        rolled = rates_rollup_refresh()
        ctx.out(f"  三率月度汇总：{len(rolled.months)} 个月，{rolled.rows} 行（{rolled.seconds:.1f} 秒）")
    if report.skipped and demand_classifier_load() is not None:
        return
    started = time.perf_counter()
    try:
        model = demand_classifier_retrain()
    except ApplicationError as exc:
        ctx.out(f"  分类模型未训练：{exc.message}")
        return
    filled = demo_suggestions_fill(district)
    ctx.out(
        f"  分类模型：用 {model.meta.get('samples', 0)} 件已办结诉求训练（{time.perf_counter() - started:.0f} 秒），"
        f"为 {filled} 件待派单诉求给出建议"
    )
