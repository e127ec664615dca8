"""`gongzhi serve`: the application server (gunicorn), workers sized from the CPU count."""

import os

from django.core.management.base import BaseCommand

from gongzhi.core.server import gunicorn_argv, serve_with_worker, web_workers


class Command(BaseCommand):
    help = "Serve the site with gunicorn (workers: GONGZHI_WEB_WORKERS or 2×cores+1, at most 8)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("GONGZHI_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=None, help=f"default: {web_workers()} here")
        parser.add_argument(
            "--with-worker", action="store_true", help="also run the task worker (one server, as the demo)"
        )

    def handle(self, *args, bind, workers, with_worker, **options):
        if with_worker:
            raise SystemExit(serve_with_worker(bind=bind, workers=workers))
        argv = gunicorn_argv(bind=bind, workers=workers)
        self.stdout.write(" ".join(argv[2:]))
        self.stdout.flush()
        os.execv(argv[0], argv)
