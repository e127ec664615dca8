"""The ledgers' part of `gongzhi demo`: this month's snapshot of every figure of the district."""

from gongzhi.core import clock

from .services import snapshots_take


def demo_snapshots_build(ctx) -> None:
    period = clock.now().strftime("%Y-%m")
    n = snapshots_take(region_code=ctx.district, period=period)
    ctx.out(f"  {period} 月度快照 {n} 条")
