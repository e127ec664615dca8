"""Shared-space bookings at scale on PostgreSQL (issue 12).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_bookings \\
        .venv/bin/python bench/bookings.py --spaces 2000 --bookings 1000000

1. Availability search: free slots of one kind of space near a community (the spaces of one
   street) for a 7-day range, through `organizations.selectors.availability` as the page and
   the API call it, for a street-staff user (role assignments re-read per query). Baseline: a
   primary-key lookup through the ORM. Target: p95 ≤ 50 ms.
2. Contention: `--clients` threads, each with its own database connection, POST the booking API
   (`/api/organizations/bookings`, the full WSGI stack: middleware, session auth, API, service)
   for one of `--slots` slots at once. Reported: bookings per slot (must be ≤ 1: the exclusion
   constraint and the space lock), p95 latency, error rate (anything but 200 or 409).
   Note: in-process WSGI (django.test.Client), not a separate server process.

The database in DATABASE_URL is dropped and created again (its name must start with gz_bench).
Use --spaces 200 --bookings 100000 while developing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
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
    p.add_argument("--seed", type=int, default=1)
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


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def main() -> None:
    args = _args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database named gz_bench…")
    _setup(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("GONGZHI_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.core.regions import regions_import
    from gongzhi.organizations import selectors
    from gongzhi.organizations.models import Booking, Space, SpaceKind

    call_command("migrate", verbosity=0)
    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    rng = random.Random(args.seed)
    communities = list(Region.objects.filter(level=5, code__startswith="3501").values_list("code", flat=True))
    street = "350102004"
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
    batch: list[Booking] = []
    made = 0
    for pk, community in ids:
        # Consecutive one-hour slots from 90 days back, 13 a day, skipping some.
        day, hour = today - dt.timedelta(days=90), 8
        for _ in range(per_space):
            start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
            if rng.random() < 0.7:
                batch.append(
                    Booking(
                        community_id=community,
                        space_id=pk,
                        status="confirmed",
                        booker_kind="resident",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=1),
                        booked_by=booker,
                        purpose="bench",
                    )
                )
            hour += 1
            if hour >= 21:
                day, hour = day + dt.timedelta(days=1), 8
            if len(batch) >= 20000:
                Booking.objects.bulk_create(batch)
                made += len(batch)
                batch = []
    Booking.objects.bulk_create(batch)
    made += len(batch)
    with connection.cursor() as c:
        c.execute("ANALYZE organizations_booking; ANALYZE organizations_space")
    print(
        f"## bookings bench\n\n{len(ids)} spaces, {made} bookings loaded in {time.perf_counter() - t0:.0f} s\n"
    )

    # 1. availability search
    base, search = [], []
    for q in range(args.queries):
        t = time.perf_counter()
        Space.objects.get(pk=ids[q % len(ids)][0])
        base.append((time.perf_counter() - t) * 1000)
        user = User.objects.get(pk=staff.pk)  # a request re-reads its assignments
        start = today + dt.timedelta(days=rng.randint(-60, 10))
        t = time.perf_counter()
        found = selectors.availability(
            user=user,
            date_from=start,
            date_to=start + dt.timedelta(days=6),
            kind=rng.choice(kinds),
            community=street,
        )
        sum(len(r.slots) for r in found)
        search.append((time.perf_counter() - t) * 1000)
    print("| query | p50 ms | p95 ms |\n|---|---|---|")
    print(f"| baseline pk lookup | {statistics.median(base):.1f} | {_p95(base):.1f} |")
    print(f"| availability (street, kind, 7 days) | {statistics.median(search):.1f} | {_p95(search):.1f} |\n")

    # 2. contention through the booking API
    from django.test import Client

    target = Space.objects.filter(community__code__startswith=street).order_by("pk").first()
    target.quota_hours_per_week = 0
    target.save()
    clients = []
    for i in range(args.clients):
        u = User.objects.create(username=f"bench-resident-{i}")
        RoleAssignment.objects.create(user=u, role="resident", region_id=target.community_id, active=True)
        clients.append(u)
    day = today + dt.timedelta(days=2)
    slots = [
        dt.datetime.combine(day, dt.time(8 + i % 13), tzinfo=tz) + dt.timedelta(days=i // 13)
        for i in range(args.slots)
    ]
    Booking.objects.filter(space=target, starts_at__gte=slots[0]).delete()
    connections.close_all()
    barrier = threading.Barrier(args.clients)
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            c = Client()
            c.force_login(clients[i])
            slot = slots[i % len(slots)]
            body = {
                "space_id": target.pk,
                "starts_at": slot.isoformat(),
                "ends_at": (slot + dt.timedelta(hours=1)).isoformat(),
                "purpose": "bench",
            }
            barrier.wait(60)
            t = time.perf_counter()
            r = c.post("/api/organizations/bookings", body, content_type="application/json")
            with lock:
                results.append((r.status_code, (time.perf_counter() - t) * 1000))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    per_slot = {
        s: Booking.objects.filter(space=target, status="confirmed", starts_at=s).count() for s in slots
    }
    ok = sum(1 for s, _ms in results if s == 200)
    errors = sum(1 for s, _ms in results if s not in (200, 409))
    lat = [ms for _s, ms in results]
    print(
        f"contention: {args.clients} clients, {args.slots} slots → {ok} bookings; max per slot {max(per_slot.values())} "
        f"(double bookings: {sum(1 for n in per_slot.values() if n > 1)}); p95 {_p95(lat):.0f} ms; "
        f"errors {errors}/{len(results)} ({100 * errors / max(1, len(results)):.1f}%)"
    )


if __name__ == "__main__":
    main()
