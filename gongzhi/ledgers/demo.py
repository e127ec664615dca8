"""The ledgers' part of `gongzhi demo`: this month's rollups of every figure for the district, its
streets and the communities of the demo accounts' street (what the dashboards read), and this
month's snapshot copied from them (what the trend charts read). The district's other communities
are rolled up by `manage.py ledger_rollup` or the dashboard's refresh button (the task queue):
every figure of every community takes about two minutes on a laptop, too long for the demo."""

from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.demo import COMMUNITY
from gongzhi.core.models import Region

from .rollups import rollups_refresh
from .services import snapshots_take


def demo_snapshots_build(ctx) -> None:
    period = clock.now().strftime("%Y-%m")
    street = COMMUNITY[:9]
    regions = list(
        Region.objects.filter(
            Q(code=ctx.district) | Q(parent_id=ctx.district) | Q(parent_id=street)
        ).order_by("code")
    )
    report = rollups_refresh(region_code=ctx.district, period=period, regions=regions)
    n = snapshots_take(region_code=ctx.district, period=period, regions=regions)
    ctx.out(
        f"  {period} 指标汇总 {report.cells} 项（{report.regions} 个地区，{report.seconds:.1f} 秒），月度快照 {n} 条"
    )
