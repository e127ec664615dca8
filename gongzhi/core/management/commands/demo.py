"""`gongzhi demo`: a working site in one command.

Builds the database, then runs every app's demo steps in their declared order (each app's
manifest lists them: region codes, 福州市鼓楼区 with synthetic residents, one account per role
with password `demo`, six months of demands lived through the real services and the routing
classifier trained on them…), and serves the site.
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ApplicationError


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
        from gongzhi.core.demo import DISTRICT, demo_account_rows
        from gongzhi.core.manifests import DemoContext, demo_steps

        started = time.perf_counter()
        steps = demo_steps()
        total = len(steps) + 1
        if not skip_migrate:
            self.step(f"1/{total} 建立数据库表（migrate）…")
            call_command("migrate", interactive=False, verbosity=0)
        else:
            self.step(f"1/{total} 跳过 migrate")
        ctx = DemoContext(
            district=DISTRICT,
            residents=residents,
            seed=seed,
            out=self.stdout.write,
            options={"demands": demands},
        )
        # Each app's manifest declares its demo steps; they run in their declared order.
        for i, step in enumerate(steps, start=2):
            self.step(f"{i}/{total} {step.label}…")
            try:
                step.run(ctx)
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from None
        self.print_accounts(demo_account_rows())
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
