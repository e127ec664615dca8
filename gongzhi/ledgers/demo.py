"""The ledgers' part of `gongzhi demo`: this month's snapshot of every figure for the district,
its streets and the communities of the demo accounts' street (the whole district's communities:
`manage.py ledger_snapshot`, which takes a few seconds per street)."""

from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.demo import COMMUNITY
from gongzhi.core.models import Region

from .services import snapshots_take


def demo_snapshots_build(ctx) -> None:
    period = clock.now().strftime("%Y-%m")
    street = COMMUNITY[:9]
    regions = list(
        Region.objects.filter(
            Q(code=ctx.district) | Q(parent_id=ctx.district) | Q(parent_id=street)
        ).order_by("code")
    )
    n = snapshots_take(region_code=ctx.district, period=period, regions=regions)
    ctx.out(f"  {period} 月度快照 {n} 条（{len(regions)} 个地区）")
