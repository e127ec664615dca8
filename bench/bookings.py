"""Shared-space bookings at scale on PostgreSQL (issue 12).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_bookings \\
        .venv/bin/python bench/bookings.py --spaces 2000 --bookings 1000000

1. Availability search: free slots of one kind of space near a community (the spaces of one
   street) for a 7-day range, through `organizations.selectors.availability` as the page and
   the API call it, for a street-staff user (role assignments re-read per query). Baseline: a
   primary-key lookup through the ORM. Target: p95 ≤ 50 ms.
   Also through the API in-process (django.test.Client: middleware, auth, API, selector).
2. Contention: `--clients` threads, each a resident with an API token, POST the booking API
   (`/api/organizations/bookings`) of gunicorn (started as `gongzhi serve` starts it, with
   `--workers` workers) for one of `--slots` slots at once. Reported: bookings per slot (must be
   ≤ 1: the exclusion constraint and the space lock), p95 latency, error rate (anything but 200
   or 409).

The database in DATABASE_URL is dropped and created again (its name must start with gz_bench).
Use --spaces 200 --bookings 100000 while developing.
"""

from __future__ import annotations

import argparse
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


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spaces", type=int, default=2000)
    p.add_argument("--bookings", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=60)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--slots", type=int, default=20)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers for the contention test")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true", help="keep the loaded database (skip the load)")
    p.add_argument("--no-contention", action="store_true", help="only the availability search")
    return p.parse_args()


def _setup(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["NAME"].startswith("gz_bench"):
        raise SystemExit(f"refusing to drop database {cfg['NAME']!r}: use one named gz_bench…")
    admin = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    admin.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def main() -> None:
    args = _args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database named gz_bench…")
    if not args.reuse:
        _setup(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("GONGZHI_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.organizations import selectors
    from gongzhi.organizations.models import Booking, Space, SpaceKind

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    street = "350102004"
    if not (args.reuse and Booking.objects.exists()):
        _load(args, rng, street)
    communities = list(Region.objects.filter(level=5, code__startswith="3501").values_list("code", flat=True))
    staff = User.objects.get(username="bench-street")
    ids = list(Space.objects.values_list("pk", "community_id"))
    kinds = [k for k, _l in SpaceKind.choices]
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    print(f"## bookings bench\n\n{len(ids)} spaces, {Booking.objects.count()} bookings\n")
    del communities

    # 1. availability search: through the selector (as the page calls it) and through the API
    from django.test import Client

    api = Client()
    api.force_login(staff)
    base, search, through_api, cpu = [], [], [], []
    for q in range(args.queries):
        t = time.perf_counter()
        Space.objects.get(pk=ids[q % len(ids)][0])
        base.append((time.perf_counter() - t) * 1000)
        user = User.objects.get(pk=staff.pk)  # a request re-reads its assignments
        start = today + dt.timedelta(days=rng.randint(-3, 7))
        kind = rng.choice(kinds)
        t, c0 = time.perf_counter(), time.process_time()
        found = selectors.availability(
            user=user, date_from=start, date_to=start + dt.timedelta(days=6), kind=kind, community=street
        )
        sum(len(r.slots) for r in found)
        search.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        t = time.perf_counter()
        r = api.get(
            "/api/organizations/availability",
            {"date_from": start, "date_to": start + dt.timedelta(days=6), "kind": kind, "community": street},
        )
        assert r.status_code == 200, r.content
        through_api.append((time.perf_counter() - t) * 1000)
    b95 = _p95(base)
    print("| query | p50 ms | p95 ms | p95 / baseline p95 |\n|---|---|---|---|")
    print(f"| baseline: primary-key lookup (ORM) | {statistics.median(base):.1f} | {b95:.1f} | 1.0 |")
    for label, xs in (
        ("availability selector (street, one kind, 7 days)", search),
        ("availability API (`GET /api/organizations/availability`, in-process)", through_api),
    ):
        print(f"| {label} | {statistics.median(xs):.1f} | {_p95(xs):.1f} | {_p95(xs) / b95:.1f} |")
    print(
        f"\nCPU time of the selector in this process (`time.process_time`, not counting waits for a "
        f"core or for PostgreSQL): p50 {statistics.median(cpu):.1f} ms, p95 {_p95(cpu):.1f} ms. "
        f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."
    )
    t0 = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
    qs = selectors.availability_spaces(
        user=User.objects.get(pk=staff.pk),
        start=t0,
        end=t0 + dt.timedelta(days=7),
        kind=kinds[0],
        community=street,
    )[: selectors.MAX_SEARCH_SPACES]
    print(
        "\nThe search's one statement (spaces and their bookings), its plan:\n\n```\n"
        + qs.explain(analyze=True)
        + "\n```\n"
    )
    if args.no_contention:
        return

    # 2. contention through the booking API
    target = Space.objects.filter(community__code__startswith=street).order_by("pk").first()
    target.quota_hours_per_week = 0
    target.save()
    clients = []
    for i in range(args.clients):
        u, _new = User.objects.get_or_create(username=f"bench-resident-{i}")
        RoleAssignment.objects.get_or_create(
            user=u, role="resident", region_id=target.community_id, defaults={"active": True}
        )
        clients.append(u)
    day = today + dt.timedelta(days=2)
    slots = [
        dt.datetime.combine(day, dt.time(8 + i % 13), tzinfo=tz) + dt.timedelta(days=i // 13)
        for i in range(args.slots)
    ]
    Booking.objects.filter(space=target, starts_at__gte=slots[0]).delete()
    from gongzhi.core.server import gunicorn_argv
    from gongzhi.core.tokens import api_token_create

    keys = [api_token_create(user=u, name="bench")[1] for u in clients]
    connections.close_all()
    port = _free_port()
    proc = subprocess.Popen(
        gunicorn_argv(bind=f"127.0.0.1:{port}", workers=args.workers, access_log="/dev/null"),
        cwd=ROOT,
        env={**os.environ, "GONGZHI_WEB_MAX_REQUESTS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    barrier = threading.Barrier(args.clients)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        slot = slots[i % len(slots)]
        body = json.dumps(
            {
                "space_id": target.pk,
                "starts_at": slot.isoformat(),
                "ends_at": (slot + dt.timedelta(hours=1)).isoformat(),
                "purpose": "bench",
            }
        )
        headers = {"Authorization": f"Bearer {keys[i]}", "Content-Type": "application/json"}
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        barrier.wait(120)
        t = time.perf_counter()
        try:
            c.request("POST", "/api/organizations/bookings", body, headers)
            status = c.getresponse().status
        except OSError:
            status = 0
        with lock:
            results.append((status, (time.perf_counter() - t) * 1000))

    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # up when it answers (401: no credentials)
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/organizations/spaces")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    per_slot = {
        s: Booking.objects.filter(space=target, status="confirmed", starts_at=s).count() for s in slots
    }
    ok = sum(1 for s, _ms in results if s == 200)
    errors = sum(1 for s, _ms in results if s not in (200, 409))
    lat = [ms for _s, ms in results]
    print(
        f"contention (gunicorn, {args.workers} workers): {args.clients} clients, {args.slots} slots → {ok} bookings; max per slot {max(per_slot.values())} "
        f"(double bookings: {sum(1 for n in per_slot.values() if n > 1)}); p95 {_p95(lat):.0f} ms; "
        f"errors {errors}/{len(results)} ({100 * errors / max(1, len(results)):.1f}%)"
    )


def _load(args, rng, street: str) -> None:
    """Regions, `--spaces` spaces (four per community of one street, the rest spread over the
    city) and `--bookings` bookings of one hour each around today."""
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.core.regions import regions_import
    from gongzhi.organizations.models import Space, SpaceKind

    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    communities = list(Region.objects.filter(level=5, code__startswith="3501").values_list("code", flat=True))
    near = [c for c in communities if c.startswith(street)]
    booker = User.objects.create(username="bench-booker")
    staff = User.objects.create(username="bench-street")
    RoleAssignment.objects.create(user=staff, role="street_staff", region_id=street, active=True)

    t0 = time.perf_counter()
    kinds = [k for k, _l in SpaceKind.choices]
    spaces = [
        Space(
            community_id=near[i % len(near)] if i < len(near) * 4 else rng.choice(communities),
            name=f"场地{i}",
            kind=rng.choice(kinds),
            capacity=30,
            opens=dt.time(8),
            closes=dt.time(21),
            slot_minutes=60,
            window_days=14,
        )
        for i in range(args.spaces)
    ]
    Space.objects.bulk_create(spaces, batch_size=2000)
    ids = list(Space.objects.values_list("pk", "community_id"))
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    per_space = max(1, args.bookings // len(ids))
    # Each space's bookings run up to ten days ahead (the window), the rest behind: about 9 of
    # its 13 hourly slots a day taken. Written with COPY (the exclusion constraint still checks).
    span = int(per_space / (13 * 0.7)) + 1
    first_day = today - dt.timedelta(days=span - 10)
    now = timezone.now()
    made = 0
    with (
        connection.cursor() as c,
        c.connection.cursor().copy(
            "COPY organizations_booking (created_at, updated_at, community_id, space_id, status, booker_kind,"
            " starts_at, ends_at, booked_by_id, purpose, attendees, fee) FROM STDIN"
        ) as copy,
    ):
        for pk, community in ids:
            n, day, hour = 0, first_day, 8
            while n < per_space:
                if rng.random() < 0.7:
                    start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                    copy.write_row(
                        (
                            now,
                            now,
                            community,
                            pk,
                            "confirmed",
                            "resident",
                            start,
                            start + dt.timedelta(hours=1),
                            booker.pk,
                            "bench",
                            1,
                            0,
                        )
                    )
                    n += 1
                hour += 1
                if hour >= 21:
                    day, hour = day + dt.timedelta(days=1), 8
            made += n
    with connection.cursor() as c:
        c.execute("ANALYZE organizations_booking; ANALYZE organizations_space")
    print(f"{len(ids)} spaces, {made} bookings loaded in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
