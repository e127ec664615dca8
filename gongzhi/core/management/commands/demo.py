"""`gongzhi demo`: a working site in one command.

Builds the database, imports the region codes, generates 福州市鼓楼区 with synthetic
residents, creates one account per role (password `demo`), gives the district six months of
demands (接诉即办) lived through the real services and trains the routing classifier on
them, and serves the site.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ApplicationError

REGION_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"


class Command(BaseCommand):
    help = (
        "Set up the demo (database, regions, 鼓楼区 with synthetic residents, demo accounts, "
        "six months of demands) and serve it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare everything but do not start the server"
        )
        parser.add_argument(
            "--residents", type=int, default=20000, help="residents to generate (default 20000)"
        )
        parser.add_argument(
            "--demands", type=int, default=3000, help="demands over the past six months (default 3000)"
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--skip-migrate", action="store_true", help=LOCAL_HELP)

    def step(self, message: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(message))

    def handle(self, *args, no_serve, residents, demands, seed, addrport, skip_migrate, **options):
        from gongzhi.core.demo import DISTRICT, demo_accounts_ensure
        from gongzhi.core.models import Region
        from gongzhi.core.regions import regions_import
        from gongzhi.registry.generate import GenerateError, district_generate, district_has_data

        started = time.perf_counter()
        if not skip_migrate:
            self.step("1/5 建立数据库表（migrate）…")
            call_command("migrate", interactive=False, verbosity=0)
        else:
            self.step("1/5 跳过 migrate")

        self.step("2/5 区划代码…")
        if (
            not Region.objects.filter(code=DISTRICT).exists()
            or not Region.objects.filter(code__startswith=DISTRICT, level=5).exists()
        ):
            report = regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
            self.stdout.write(
                f"  导入福州市区划：新增 {report.created}，更新 {report.updated}，拒绝 {len(report.rejected)}"
            )
        else:
            self.stdout.write("  已导入，跳过")

        self.step(f"3/5 生成福州市鼓楼区的居民登记数据（{residents} 人）…")
        if district_has_data(DISTRICT):
            self.stdout.write("  已有登记数据，跳过（重新生成：gongzhi generate --reset）")
        else:
            try:
                report = district_generate(
                    district=DISTRICT,
                    residents=residents,
                    seed=seed,
                    progress=lambda m: m.startswith("  写入") and self.stdout.write(m),
                )
            except GenerateError as exc:
                raise CommandError(str(exc.message)) from None
            c = report.load.counts
            self.stdout.write(
                f"  {c['persons']} 名居民，{c['households']} 户，{c['dwellings']} 套房屋，"
                f"{c['estates']} 个小区/院落，{c['grids']} 个网格，{c['tags']} 个人群标签"
            )

        self.step("4/5 演示账号…")
        try:
            rows = demo_accounts_ensure()
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.print_accounts(rows)
        from gongzhi.demands.open311.auth import open311_demo_key_ensure
        from gongzhi.demands.units import units_sync

        district = Region.objects.get(code=DISTRICT)
        units_sync(district)  # the district, streets, communities, departments
        open311_demo_key_ensure()
        self.stdout.write("  Open311 接口密钥（api_key）：demo   (/open311/discovery.json)")

        self.step(f"5/5 接诉即办：近六个月的诉求（约 {demands} 件）与分类模型…")
        self.demands_history(district, demands, seed)
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(
            f"\n准备完成（{time.perf_counter() - started:.0f} 秒）。网址：http://{host}/   密码：demo"
        )
        if not settings.GONGZHI_DEMO:
            self.stdout.write(
                self.style.WARNING(
                    "注意：GONGZHI_DEMO 未设为 1，演示账号无法登录。请用 `make demo` 或 `GONGZHI_DEMO=1 gongzhi demo`。"
                )
            )
        if no_serve:
            return
        self.stdout.write("按 Ctrl+C 停止。\n")
        self.stdout.flush()
        from gongzhi.core.server import serve_with_worker

        # The real application server (gunicorn) and the task worker, as in production.
        raise SystemExit(serve_with_worker(bind=host))

    def demands_history(self, district, n: int, seed: int) -> None:
        from gongzhi.demands.classifier import demand_classifier_load, demand_classifier_retrain
        from gongzhi.demands.demo import demands_history_generate, demo_suggestions_fill

        report = demands_history_generate(district, n=n, seed=seed, progress=self.stdout.write)
        if report.skipped:
            self.stdout.write("  已有诉求，跳过")
        else:
            s = report.states
            self.stdout.write(
                f"  {report.created} 件诉求（{report.seconds:.0f} 秒）：办结 {s['closed']}，"
                f"待派单 {s['submitted']}，待签收 {s['dispatched']}，办理中 {s['handling']}，"
                f"退单待审 {s['return_pending']}，待回访 {s['replied']}，已回访 {s['called_back']}；"
                f"超期 {report.overdue}，未诉先办 {report.proactive}"
            )
        if report.skipped and demand_classifier_load() is not None:
            return
        started = time.perf_counter()
        try:
            model = demand_classifier_retrain()
        except ApplicationError as exc:
            self.stdout.write(f"  分类模型未训练：{exc.message}")
            return
        filled = demo_suggestions_fill(district)
        self.stdout.write(
            f"  分类模型：用 {model.meta.get('samples', 0)} 件已办结诉求训练（{time.perf_counter() - started:.0f} 秒），"
            f"为 {filled} 件待派单诉求给出建议"
        )

    def print_accounts(self, rows) -> None:
        w_user = max(_width("用户名"), *(_width(r.username) for r in rows))
        w_role = max(_width("角色"), *(_width(r.role) for r in rows))
        self.stdout.write(f"  {_pad('用户名', w_user)}  {_pad('角色', w_role)}  管辖范围")
        for r in rows:
            self.stdout.write(f"  {_pad(r.username, w_user)}  {_pad(r.role, w_role)}  {r.scope}")


LOCAL_HELP = "do not run migrate (the database is already set up)"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
