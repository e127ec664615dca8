"""The registry's part of `gongzhi demo`: the district's register and the demo accounts' places in it."""

from __future__ import annotations

from gongzhi.core.demo import COMMUNITY, DEMO_ACCOUNT_NOTES
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region


def _writes_only(out):
    """Progress lines of the generator: only the writes are shown."""

    def progress(message: str) -> None:
        if message.startswith("  写入"):
            out(message)

    return progress


def demo_register_build(ctx) -> None:
    from .generate import GenerateError, departments_ensure, district_generate, district_has_data

    departments_ensure(Region.objects.get(code=ctx.district))
    if district_has_data(ctx.district):
        ctx.out("  已有登记数据，跳过（重新生成：gongzhi generate --reset）")
        return
    try:
        report = district_generate(
            district=ctx.district,
            residents=ctx.residents,
            seed=ctx.seed,
            progress=_writes_only(ctx.out),
        )
    except GenerateError as exc:
        raise ApplicationError("demo_generate", str(exc.message)) from None
    c = report.load.counts
    ctx.out(
        f"  {c['persons']} 名居民，{c['households']} 户，{c['dwellings']} 套房屋，"
        f"{c['estates']} 个小区/院落，{c['grids']} 个网格，{c['tags']} 个人群标签"
    )


def demo_accounts_place(users: dict) -> None:
    """The resident account is a registered resident of 军门社区; the grid worker covers its first grid."""
    from .models import Grid, Person

    resident = users.get("resident")
    if resident is not None:
        person = (
            Person.objects.filter(community_id=COMMUNITY, birth_date__isnull=False, status="active")
            .exclude(id_number_hash="")
            .order_by("id")
            .first()
        )
        resident.person = person
        resident.display_name = person.name if person else "居民"
        resident.save(update_fields=["person", "display_name"])
    grid_user = users.get("grid")
    if grid_user is not None:
        grid = Grid.objects.filter(community_id=COMMUNITY).order_by("name", "id").first()
        if grid is not None:
            Grid.objects.filter(worker=grid_user).exclude(pk=grid.pk).update(worker=None)
            grid.worker = grid_user
            grid.save(update_fields=["worker"])
            DEMO_ACCOUNT_NOTES["grid"] = grid.name
