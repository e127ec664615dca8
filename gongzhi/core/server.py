"""Starting the application server (gunicorn) and the task worker as processes.

`gongzhi serve` runs gunicorn; `gongzhi worker` runs the task worker; `gongzhi demo` starts
both and stops the worker when the server stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

MAX_WORKERS = 8


def web_workers() -> int:
    """GONGZHI_WEB_WORKERS, or 2 × CPU cores + 1 capped at MAX_WORKERS (gunicorn's rule of thumb)."""
    configured = os.environ.get("GONGZHI_WEB_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(2 * cores + 1, MAX_WORKERS)


def web_threads() -> int:
    """GONGZHI_WEB_THREADS > 1 switches gunicorn to threaded workers (gthread), so that a
    worker waiting for the database (a commit's fsync) serves other requests meanwhile."""
    configured = os.environ.get("GONGZHI_WEB_THREADS", "").strip()
    return int(configured) if configured.isdigit() and int(configured) > 0 else 1


def gunicorn_argv(*, bind: str, workers: int | None = None, access_log: str = "-") -> list[str]:
    threads = web_threads()
    threading = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers or web_workers()),
        *threading,
        "--timeout",
        os.environ.get("GONGZHI_WEB_TIMEOUT", "60"),
        "--graceful-timeout",
        "20",
        "--max-requests",  # recycle workers now and then (0: never)
        os.environ.get("GONGZHI_WEB_MAX_REQUESTS", "2000"),
        "--max-requests-jitter",
        "200",
        "--access-logfile",
        access_log,
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"',
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]


def worker_argv(*extra: str) -> list[str]:
    return [sys.executable, "-m", "gongzhi.cli", "worker", *extra]


def serve_with_worker(*, bind: str, workers: int | None = None, stdout=None) -> int:
    """Run the task worker in the background and gunicorn in the foreground; when gunicorn
    stops (Ctrl+C), stop the worker too. Returns gunicorn's exit code."""
    env = {**os.environ}
    worker = subprocess.Popen(worker_argv(), env=env)
    server = subprocess.Popen(gunicorn_argv(bind=bind, workers=workers), env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        return server.wait()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if server.poll() is None:
            server.terminate()
