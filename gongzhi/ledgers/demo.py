"""The ledgers' part of `gongzhi demo`: this month's rollups of every figure for the district,
its streets and communities (what the dashboards read), and this month's snapshot copied from
them (what the trend charts read)."""

from gongzhi.core import clock

from .rollups import rollups_refresh
from .services import snapshots_take


def demo_snapshots_build(ctx) -> None:
    period = clock.now().strftime("%Y-%m")
    report = rollups_refresh(region_code=ctx.district, period=period)
    n = snapshots_take(region_code=ctx.district, period=period)
    ctx.out(
        f"  {period} 指标汇总 {report.cells} 项（{report.regions} 个地区，{report.seconds:.1f} 秒），月度快照 {n} 条"
    )
