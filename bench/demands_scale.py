"""Demands at scale on PostgreSQL: N demands over two years for 福州市鼓楼区 (350102), then

  1. the district's three-rates dashboard (all streets and all units, plus the 622 table),
     rendered through the real view — target ≤ 300 ms;
  2. the handler's work list (/demands/work/) for community workers — target p95 ≤ 50 ms;
  3. API intake throughput (POST /api/demands/, bearer token, hotline channel) against a
     trivial endpoint of the same server (GET /api/demands/ping), measured in the same run
     against a real server process — target ratio ≥ 0.5;
  4. with --rates-only (issue 15): the three rates' monthly rollup — its refresh time from the
     records, then the district dashboard's figures for last month, the last 12 and the last
     24 months from the rollup and live (rollup bypassed) in the same run, checked equal, and
     the page from the rollup — target ≤ 300 ms for any period up to two years.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_demands \\
        .venv/bin/python bench/demands_scale.py --demands 1000000

The database is dropped and created again (the name must start with `gz_bench`). Demands
are generated in Python with the project's working-day calendar for their deadlines and
loaded with COPY (no timeline events: neither measured page reads them). The server for
(3) is a pre-forked, threaded WSGI server from the standard library (`wsgiref`, one process per core:
gunicorn/uvicorn are not in requirements/constraints.txt), started as separate processes by
this script (`serve` sub-command).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DISTRICT = "350102"


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd")
    serve = sub.add_parser("serve", help="run the WSGI server (used by the benchmark itself)")
    serve.add_argument("--port", type=int, default=8190)
    serve.add_argument("--workers", type=int, default=2)
    p.add_argument("--demands", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true", help="reuse the loaded database (skip generation)")
    p.add_argument("--list-requests", type=int, default=200)
    p.add_argument("--dashboard-runs", type=int, default=10)
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput phase")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="server processes (one per core)")
    p.add_argument("--port", type=int, default=8190)
    p.add_argument(
        "--server",
        choices=["gunicorn", "wsgiref"],
        default="gunicorn",
        help="the server for the intake measurement (default gunicorn, as production runs)",
    )
    p.add_argument(
        "--rates-only",
        action="store_true",
        help="measure only the three-rates rollup: its refresh, and the dashboard from it against live",
    )
    p.add_argument(
        "--intake-only",
        action="store_true",
        help="measure only (3), the intake throughput (the pages need the full data set, intake does not)",
    )
    return p.parse_args()


def _env(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault(
        "GONGZHI_FIELD_KEY", base64.urlsafe_b64encode(b"bench-demands-key-32-bytes-long!").decode()
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("CONN_MAX_AGE", "600")


def _setup_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if not name.startswith("gz_bench"):
        raise SystemExit(f"refusing to drop database {name!r}: use a dedicated one named gz_bench…")
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


# --------------------------------------------------------------------------- data


def build_world():
    """Departments, units and one user per unit (community workers, street and district staff)."""
    from gongzhi.core.models import Department, Region, RoleAssignment, User
    from gongzhi.demands.units import units_sync

    district = Region.objects.get(code=DISTRICT)
    for code, name, kind in [
        ("gl-housing", "鼓楼区住建局", "housing"),
        ("gl-urban", "鼓楼区城管局", "urban_management"),
        ("gl-hrss", "鼓楼区人社局", "hrss"),
        ("gl-civil", "鼓楼区民政局", "civil_affairs"),
        ("gl-health", "鼓楼区卫健局", "health"),
        ("gl-police", "鼓楼公安分局", "public_security"),
        ("gl-dpf", "鼓楼区残联", "disabled_federation"),
    ]:
        Department.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "region": district})
    units_sync(district)
    for region in Region.objects.filter(code__startswith=DISTRICT, level__in=[3, 4, 5]):
        role = {3: "district_staff", 4: "street_staff", 5: "community_worker"}[region.level]
        user, _ = User.objects.get_or_create(username=f"bench_{region.code}")
        RoleAssignment.objects.get_or_create(user=user, role=role, region=region)


def generate(n: int, seed: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region
    from gongzhi.demands import calendar
    from gongzhi.demands.models import Category, HandlingUnit

    rnd = random.Random(seed)
    communities = list(
        Region.objects.filter(code__startswith=DISTRICT, level=5).values_list("code", flat=True)
    )
    units = {(u.kind, u.region_id): u.id for u in HandlingUnit.objects.filter(department__isnull=True)}
    dept_units = {
        u.department.kind: u.id
        for u in HandlingUnit.objects.filter(kind="department").select_related("department")
    }
    leaves = list(Category.objects.filter(parent__isnull=False))
    now = timezone.now()
    span = dt.timedelta(days=730)
    start = now - span
    channels = (
        ["hotline"] * 55 + ["app"] * 20 + ["web"] * 10 + ["walk_in"] * 5 + ["grid_visit"] * 9 + ["open311"]
    )
    kinds = ["deliberation"] * 6 + ["social_org"] * 2 + ["referral"] * 2
    cols = (
        "id, tracking_code, channel, title, body, category_id, time_limit, community_id, contact_name_encrypted, "
        "contact_phone_encrypted, contact_phone_hash, state, unit_id, created_at, dispatched_at, sign_deadline, "
        "return_deadline, signed_at, due_at, extended, replied_at, reply, resolution_kind, called_back_at, "
        "satisfaction, resolved, closed_at, reopen_count, supervise_count, remind_count, updated_at, address, "
        "prefill_category, prefill_unit"
    )
    a_cols = "community_id, demand_id, unit_id, dispatched_at, sign_deadline, signed_at, outcome"
    calendar.is_workday(dt.date.today())  # load the holiday calendar before COPY holds the connection
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        raw = cur.connection
        with raw.cursor() as c, c.copy(f"COPY demands_demand ({cols}) FROM STDIN") as copy:
            assignments = []
            for i in range(1, n + 1):
                community = rnd.choice(communities)
                cat = rnd.choice(leaves)
                tl = cat.time_limit
                created = start + dt.timedelta(seconds=rnd.random() * span.total_seconds())
                if cat.default_level == "community":
                    unit = units[("community", community)]
                elif cat.default_level == "street":
                    unit = units[("street", community[:9])]
                elif cat.default_level == "department":
                    unit = dept_units.get(cat.department_kind) or units[("district", DISTRICT)]
                else:
                    unit = units[("district", DISTRICT)]
                dispatched = created + dt.timedelta(minutes=rnd.uniform(5, 180))
                sign_dl = calendar.sign_deadline(dispatched, tl)
                ret_dl = calendar.return_deadline(dispatched, tl)
                due = calendar.due_at(dispatched, tl)
                age = (now - created).days
                state, signed, replied, called, closed = "handling", None, None, None, None
                sat, resolved, kind = "", None, ""
                if dispatched > now:
                    dispatched = None
                if dispatched is None:
                    state = "submitted"
                    sign_dl = ret_dl = due = None
                    unit = None
                else:
                    late = rnd.random() < 0.13
                    lag = (sign_dl - dispatched) * (rnd.uniform(1.05, 3) if late else rnd.uniform(0.05, 0.95))
                    signed = dispatched + lag
                    done = age > 25 or rnd.random() < max(0.0, age / 25)
                    if signed > now:
                        signed, state = None, "dispatched"
                    elif done:
                        replied = signed + (due - dispatched) * rnd.uniform(0.1, 1.15)
                        if replied > now:
                            replied, state = None, "handling"
                        else:
                            kind = rnd.choice(kinds)
                            called = replied + dt.timedelta(hours=rnd.uniform(2, 48))
                            if called > now:
                                called, state = None, "replied"
                            else:
                                r = rnd.random()
                                sat = "satisfied" if r < 0.72 else "basic" if r < 0.9 else "unsatisfied"
                                resolved = rnd.random() < (0.93 if sat != "unsatisfied" else 0.3)
                                closed = called + dt.timedelta(minutes=rnd.uniform(10, 600))
                                state = "closed" if closed <= now else "called_back"
                                if closed > now:
                                    closed = None
                    else:
                        state = rnd.choice(["handling"] * 8 + ["return_pending"] + ["dispatched"])
                        if state == "dispatched":
                            signed = None
                copy.write_row(
                    (
                        i,
                        f"GZB{i:09d}",
                        rnd.choice(channels),
                        cat.name,
                        f"{cat.name}：第{i}号诉求的内容",
                        cat.id,
                        tl,
                        community,
                        "",
                        "",
                        "",
                        state,
                        unit,
                        created,
                        dispatched,
                        sign_dl,
                        ret_dl,
                        signed,
                        due,
                        False,
                        replied,
                        "已处理" if replied else "",
                        kind,
                        called,
                        sat,
                        resolved,
                        closed,
                        0,
                        0,
                        0,
                        closed or called or replied or signed or created,
                        "",
                        False,
                        False,
                    )
                )
                if dispatched is not None:
                    outcome = "done" if replied else "active"
                    assignments.append((community, i, unit, dispatched, sign_dl, signed, outcome))
                if i % 100_000 == 0:
                    print(f"  generated {i:,} demands ({time.perf_counter() - t0:.0f} s)", flush=True)
        with raw.cursor() as c, c.copy(f"COPY demands_assignment ({a_cols}) FROM STDIN") as copy:
            for row in assignments:
                copy.write_row(row)
        cur.execute("SELECT setval(pg_get_serial_sequence('demands_demand', 'id'), %s)", [n])
        # What autovacuum would do after a load: statistics and the visibility map (index-only scans).
        cur.execute("VACUUM ANALYZE demands_demand")
        cur.execute("VACUUM ANALYZE demands_assignment")
    print(f"  loaded {n:,} demands and {len(assignments):,} dispatches in {time.perf_counter() - t0:.0f} s")


# --------------------------------------------------------------------------- measurements


def timed_get(client, url: str) -> tuple[float, int]:
    t = time.perf_counter()
    r = client.get(url)
    return (time.perf_counter() - t) * 1000, r.status_code


def measure_pages(args) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.models import Region, User
    from gongzhi.demands import rates

    out: dict = {}
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=f"bench_{DISTRICT}"))
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    for label, key in [
        ("month", last_month),
        ("quarter", f"{today.year}-Q{(today.month - 1) // 3 + 1}"),
        ("year", str(today.year)),
    ]:
        url = f"/demands/rates/?region={DISTRICT}&period={key}"
        for _ in range(2):
            timed_get(client, url)
        times = []
        for _ in range(args.dashboard_runs):
            ms, status = timed_get(client, url)
            assert status == 200, status
            times.append(ms)
        with CaptureQueriesContext(connection) as q:
            client.get(url)
        out[f"dashboard_{label}"] = (statistics.median(times), max(times), len(q), key)
    district = Region.objects.get(code=DISTRICT)
    period = rates.Period.parse(last_month)
    t = time.perf_counter()
    for _ in range(args.dashboard_runs):
        rates.rates_sum(district, rates.rates_by_area(district, period))
        rates.rates_by_unit(district, period)
        rates.shares_622(district, period)
    out["rates_queries_month_ms"] = (time.perf_counter() - t) * 1000 / args.dashboard_runs

    workers = list(User.objects.filter(username__regex=r"^bench_[0-9]{12}$"))
    rnd = random.Random(2)
    times, states = [], ["", "?state=handling", "?state=dispatched"]
    for i in range(args.list_requests):
        user = rnd.choice(workers)
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(user)
        url = "/demands/work/" + states[i % len(states)]
        c.get(url)  # warm this session
        ms, status = timed_get(c, url)
        assert status == 200, status
        times.append(ms)
    reset_queries()
    out["work_list"] = (statistics.median(times), pct(times, 95), max(times))
    from django.db.models import Count

    from gongzhi.demands.models import Demand

    per_unit = (
        Demand.objects.filter(unit__kind="community").values("unit").annotate(n=Count("id")).order_by("-n")
    )
    out["rows_per_community_unit"] = (
        (per_unit[0]["n"], per_unit[len(per_unit) // 2]["n"]) if per_unit else (0, 0)
    )
    return out


def _dashboard_figures(region, period, now) -> tuple:
    """What the dashboard shows for a period (rates.py, as the view calls it), comparable."""
    from gongzhi.demands import rates

    def rows(items):
        return sorted((str(r.key), r.counts()) for r in items)

    return (
        rows(rates.rates_by_unit(region, period, now=now)),
        rows(rates.rates_by_area(region, period, now=now)),
        rates.rates_total(region, period, now=now).counts(),
        [
            (r["code"], r["total"], r["unspecified"], *(r[k] for k in r["shares"]))
            for r in rates.shares_622(region, period)
        ],
    )


def measure_rates(args) -> dict:
    """Issue 15: the rollup's refresh time, then the district dashboard's figures for a month,
    the last 12 and the last 24 months, from the rollup and live (the rollup bypassed), in the
    same run, checking that both give the same figures; and the page itself from the rollup."""
    from unittest import mock

    from django.test import Client

    from gongzhi.core import clock
    from gongzhi.core.models import Region, User
    from gongzhi.demands import rates, rates_rollup

    out: dict = {}
    t = time.perf_counter()
    report = rates_rollup.rates_rollup_refresh(force=True)
    out["refresh"] = (
        time.perf_counter() - t,
        len(report.months),
        report.rows,
        statistics.median(report.per_month.values()) * 1000 if report.per_month else 0,
        max(report.per_month.values()) * 1000 if report.per_month else 0,
        [f"{m:%Y-%m}" for m in report.skipped],
    )
    district = Region.objects.get(code=DISTRICT)
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    periods = [
        ("one month", rates.Period.parse(last_month)),
        ("last 12 months", rates.Period.last_months(12)),
        ("last 24 months", rates.Period.last_months(24)),
    ]
    live = mock.patch.object(rates_rollup, "split", lambda start, end, now: ([], [(start, end)]))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=f"bench_{DISTRICT}"))
    for label, period in periods:
        now = clock.now()
        months, parts = rates_rollup.split(period.start, period.end, now)
        timings: dict = {"rollup": [], "live": []}
        results = {}
        for mode in ("rollup", "live"):
            for i in range(args.dashboard_runs + 1):
                t = time.perf_counter()
                if mode == "live":
                    with live:
                        got = _dashboard_figures(district, period, now)
                else:
                    got = _dashboard_figures(district, period, now)
                if i:  # the first run warms the caches
                    timings[mode].append((time.perf_counter() - t) * 1000)
                results[mode] = got
        page = []
        url = f"/demands/rates/?region={DISTRICT}&period={period.key}"
        for i in range(args.dashboard_runs + 1):
            ms, status = timed_get(client, url)
            assert status == 200, status
            if i:
                page.append(ms)
        out[label] = {
            "key": period.key,
            "months": len(months),
            "live_parts": len(parts),
            "equal": results["rollup"] == results["live"],
            "closed": results["live"][2][3],
            "rollup": (statistics.median(timings["rollup"]), pct(timings["rollup"], 95)),
            "live": (statistics.median(timings["live"]), pct(timings["live"], 95)),
            "page": (statistics.median(page), pct(page, 95)),
        }
        assert out[label]["equal"], f"{label}: the rollup's figures differ from the live ones"
    return out


def _print_rates(r: dict) -> None:
    secs, months, rows, med, worst, skipped = r["refresh"]
    print()
    print("Three-rates rollup (issue 15):")
    print()
    print(
        f"Refresh (all months, from the records): {secs:.1f} s for {months} months, {rows:,} rows "
        f"(per month median {med:.0f} ms, max {worst:.0f} ms){'; not settled: ' + ', '.join(skipped) if skipped else ''}"
    )
    print()
    print(
        "| district dashboard figures | period | months from rollup | rollup median / p95 | live median / p95 | equal | page (rollup) median / p95 |"
    )
    print("|---|---|---:|---:|---:|---|---:|")
    for label in ("one month", "last 12 months", "last 24 months"):
        x = r[label]
        print(
            f"| {label} | {x['key']} ({x['closed']:,} closed) | {x['months']} (+{x['live_parts']} live part) | "
            f"{x['rollup'][0]:.0f} / {x['rollup'][1]:.0f} ms | {x['live'][0]:.0f} / {x['live'][1]:.0f} ms | "
            f"{'yes' if x['equal'] else 'NO'} | {x['page'][0]:.0f} / {x['page'][1]:.0f} ms |"
        )


def _free_port(port: int) -> int:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use")
    return port


def serve(port: int, workers: int) -> None:
    """Pre-forked wsgiref server: one listening socket, `workers` processes accepting on it,
    a thread per connection in each (so that database waits overlap, as gunicorn's gthread
    worker would)."""
    import django

    django.setup()
    from concurrent.futures import ThreadPoolExecutor
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    class ThreadingWSGIServer(WSGIServer):
        """A fixed pool of threads per process (like gunicorn's gthread worker), so that each
        thread keeps its database connection and database waits overlap."""

        request_queue_size = 128
        pool = None

        def process_request(self, request, client_address):
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=8)
            self.pool.submit(self._handle, request, client_address)

        def _handle(self, request, client_address):
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    app = get_wsgi_application()
    server = ThreadingWSGIServer(("127.0.0.1", port), QuietHandler)
    server.set_app(app)
    from django.db import connections

    connections.close_all()
    children = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:
            children = []
            break
        children.append(pid)
    import signal

    def _stop(signum, frame):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, _stop)
    print(f"serving on {port} (pid {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    finally:
        for pid in children:
            os.kill(pid, 15)


_CLK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLK


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return out


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all processes, ours and others')."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / _CLK  # minus idle and iowait


def _request_bytes(method: str, path: str, body: bytes | None, headers: dict) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def _load(
    port: int, method: str, path: str, body_fn, headers: dict, seconds: float, concurrency: int, pids=()
) -> dict:
    """`concurrency` client threads, each sending one request per connection (the wsgiref
    server speaks HTTP/1.0 and closes every connection, for both endpoints alike) over a bare
    socket: the client is kept as cheap as possible, since it shares the two cores with the
    server and PostgreSQL. Returns throughput and the CPU each side spent per request."""
    stop = time.perf_counter() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency
    fixed = None if body_fn else _request_bytes(method, path, None, headers)

    def worker(k: int):
        while time.perf_counter() < stop:
            data = fixed or _request_bytes(method, path, body_fn(), headers)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                    sock.sendall(data)
                    chunks = []
                    while chunk := sock.recv(65536):
                        chunks.append(chunk)
                status = b"".join(chunks[:1])[9:12]
                if status in (b"200", b"201"):
                    counts[k] += 1
                else:
                    errors[k] += 1
            except OSError:
                errors[k] += 1

    cpu_pids = [*pids.get("server", ()), *pids.get("postgres", ())] if pids else []
    server0 = {p: _proc_cpu(p) for p in cpu_pids}
    client0, machine0 = time.process_time(), _machine_busy()
    t = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    n = max(1, sum(counts))
    cpu = {p: _proc_cpu(p) - c for p, c in server0.items()}
    return {
        "rps": sum(counts) / elapsed,
        "n": sum(counts),
        "errors": sum(errors),
        "elapsed": elapsed,
        "client_ms": (time.process_time() - client0) / n * 1000,
        "server_ms": sum(v for p, v in cpu.items() if p in pids.get("server", ())) / n * 1000
        if pids
        else 0.0,
        "postgres_ms": sum(v for p, v in cpu.items() if p in pids.get("postgres", ())) / n * 1000
        if pids
        else 0.0,
        "machine_ms": (_machine_busy() - machine0) / n * 1000,
    }


def _postgres_backends() -> list[int]:
    """The PostgreSQL backends serving this database (the benchmark server's connections)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [r[0] for r in cur.fetchall()]


def _merge(runs: list[dict]) -> dict:
    n = sum(r["n"] for r in runs)
    out = {"rps": n / sum(r["elapsed"] for r in runs), "n": n, "errors": sum(r["errors"] for r in runs)}
    for key in ("client_ms", "server_ms", "postgres_ms", "machine_ms"):
        out[key] = sum(r[key] * r["n"] for r in runs) / max(1, n)
    return out


def measure_intake(args) -> dict:
    from gongzhi.core.models import User
    from gongzhi.core.tokens import api_token_create

    user = User.objects.get(username="bench_350102004001")
    _, key = api_token_create(user=user, name="bench")
    port = _free_port(args.port)
    if args.server == "gunicorn":  # the production server, as `gongzhi serve` starts it
        from gongzhi.core.server import gunicorn_argv

        argv = gunicorn_argv(bind=f"127.0.0.1:{port}", workers=args.workers, access_log="/dev/null")
    else:
        argv = [sys.executable, __file__, "serve", "--port", str(port), "--workers", str(args.workers)]
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, "GONGZHI_WEB_MAX_REQUESTS": "0"},  # no worker recycling mid-measurement
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/demands/ping")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        counter = iter(range(10**9))
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        def body():
            n = next(counter)
            return json.dumps(
                {
                    "channel": "hotline",
                    "title": f"噪声扰民 {n}",
                    "body": "夜间施工噪声，影响休息，请尽快处理。",
                    "community": "350102004001",
                    "category": "env-noise",
                    "contact_name": "张先生",
                    "contact_phone": "13800138000",
                },
                ensure_ascii=False,
            ).encode()

        results: dict[str, list[dict]] = {"ping": [], "intake": []}
        _load(port, "GET", "/api/demands/ping", None, {}, 2, args.concurrency)  # warm-up
        _load(port, "POST", "/api/demands/", body, headers, 2, args.concurrency)
        pids = {"server": [proc.pid, *_children(proc.pid)], "postgres": _postgres_backends()}
        for _ in range(2):  # alternate, so that drift on a shared machine hits both
            results["ping"].append(
                _load(port, "GET", "/api/demands/ping", None, {}, args.seconds / 2, args.concurrency, pids)
            )
            results["intake"].append(
                _load(port, "POST", "/api/demands/", body, headers, args.seconds / 2, args.concurrency, pids)
            )
        ping, intake = _merge(results["ping"]), _merge(results["intake"])
        return {
            "ping_rps": ping["rps"],
            "intake_rps": intake["rps"],
            "ratio": intake["rps"] / ping["rps"],
            "errors": ping["errors"] + intake["errors"],
            "ping": ping,
            "intake": intake,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    args = _args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench_demands")
    _env(url)
    if args.cmd == "serve":
        serve(args.port, args.workers)
        return
    if not args.reuse:
        _setup_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    if args.reuse:
        call_command("migrate", verbosity=0)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE demands_demand")
            cur.execute("VACUUM ANALYZE demands_assignment")
    else:
        from gongzhi.core.regions import regions_import

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
        build_world()
        print(f"schema, regions, units and users: {time.perf_counter() - t:.0f} s")
        generate(args.demands, args.seed)
    if args.rates_only:
        _print_rates(measure_rates(args))
        return
    pages = None if args.intake_only else measure_pages(args)
    intake = measure_intake(args)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM demands_demand")
        total = cur.fetchone()[0]
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    print()
    print(f"### demands_scale — {total:,} demands, PostgreSQL {version}, {os.cpu_count()} cores")
    print()
    print("| measurement | figure | target |")
    print("|---|---|---|")
    for label in ("month", "quarter", "year") if pages else ():
        med, worst, queries, key = pages[f"dashboard_{label}"]
        target = "≤ 300 ms" if label == "month" else "(info)"
        print(
            f"| district dashboard, {key} (page, {queries} queries) | median {med:.0f} ms, max {worst:.0f} ms | {target} |"
        )
    if pages:
        print(f"| three-rates + 622 queries alone, month | {pages['rates_queries_month_ms']:.0f} ms | |")
        med, p95, worst = pages["work_list"]
        print(
            f"| handler's work list (page) | median {med:.1f} ms, p95 {p95:.1f} ms, max {worst:.0f} ms | p95 ≤ 50 ms |"
        )
        print(
            f"| demands per community unit | largest {pages['rows_per_community_unit'][0]:,}, median {pages['rows_per_community_unit'][1]:,} | |"
        )
    print(
        f"| API intake vs ping ({args.workers} server processes, {args.concurrency} clients) | "
        f"{intake['intake_rps']:.0f} vs {intake['ping_rps']:.0f} req/s → ratio {intake['ratio']:.2f} "
        f"({intake['errors']} errors) | ≥ 0.5 |"
    )
    print()
    print("CPU per request (ms; machine = every process on the box, including other users' load):")
    print("| endpoint | req/s | client | server processes | PostgreSQL backends | machine |")
    print("|---|---|---|---|---|---|")
    for name in ("ping", "intake"):
        r = intake[name]
        print(
            f"| {name} | {r['rps']:.0f} | {r['client_ms']:.2f} | {r['server_ms']:.2f} | "
            f"{r['postgres_ms']:.2f} | {r['machine_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
