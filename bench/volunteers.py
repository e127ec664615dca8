"""Volunteers at scale on PostgreSQL: V volunteers in 福州市鼓楼区 (350102) with E points-ledger
entries and H service-hour records, then

  1. a volunteer's balance, statement (selectors.point_statement, last 20 entries) and hours /
     stars / points summary (selectors.volunteer_summary) — target p95 ≤ 20 ms — against a
     `SELECT 1` round trip in the same run;
  2. a month's hours per community and team for the whole district (figures.hours_by_month as a
     district user) — target ≤ 300 ms — against a plain SUM over the same month;
  3. `ledger_verify` over the points ledger against a plain SUM over the same entry table, in
     the same run;
  4. the nightly expiry's scan (points.expiry_candidates).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_volunteers \\
        .venv/bin/python bench/volunteers.py --volunteers 100000 --entries 5000000

The database is dropped and created again (its name must start with `gz_bench`). People,
volunteers and accounts are written with bulk_create; entries and hour records with COPY (the
ledger's running balance is set from the entries' sums, as ledger_transfer would have left it).

Pass --reuse to measure a database an earlier run loaded (after new migrations, say) without
loading it again. Figures, with the load average they were taken under: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DISTRICT = "350102"


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--volunteers", type=int, default=100_000)
    p.add_argument("--entries", type=int, default=5_000_000)
    p.add_argument("--hours", type=int, default=1_000_000)
    p.add_argument("--reads", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run loaded (migrations applied, nothing reloaded)",
    )
    return p.parse_args()


def _setup_django(reuse: bool = False):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    url = os.environ.get("DATABASE_URL", "")
    name = url.rsplit("/", 1)[-1]
    if not url.startswith("postgres") or not name.startswith("gz_bench"):
        sys.exit("DATABASE_URL must name a PostgreSQL database starting with gz_bench")
    import psycopg

    if not reuse:
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate: {time.perf_counter() - t:.1f} s")
    if reuse:
        return
    from gongzhi.core.regions import regions_import

    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))


def _copy(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
    buf.seek(0)
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def _load(args) -> list[int]:
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region
    from gongzhi.registry.models import Person
    from gongzhi.volunteers.models import Activity, PointAccount, Volunteer

    rng = random.Random(args.seed)
    communities = list(
        Region.objects.filter(level=5, code__startswith=DISTRICT).values_list("code", flat=True)
    )
    now = timezone.now()
    t = time.perf_counter()
    people = [
        Person(community_id=communities[i % len(communities)], name=f"志愿者{i}", sex="MF"[i % 2])
        for i in range(args.volunteers)
    ]
    Person.objects.bulk_create(people, batch_size=5000)
    vols = [
        Volunteer(
            community_id=p.community_id, person_id=p.pk, name=p.name, channel="staff", registered_at=now
        )
        for p in people
    ]
    Volunteer.objects.bulk_create(vols, batch_size=5000)
    issuers = {c: PointAccount(community_id=c, allow_negative=True) for c in communities}
    PointAccount.objects.bulk_create(issuers.values())
    accounts = [PointAccount(community_id=v.community_id, volunteer_id=v.pk) for v in vols]
    PointAccount.objects.bulk_create(accounts, batch_size=5000)
    acts = {c: Activity.objects.create(community_id=c, title="基准活动", place="社区") for c in communities}
    print(f"people, volunteers, accounts: {time.perf_counter() - t:.1f} s")

    # Entries: pairs (issuer −n, volunteer +n) summing to zero, spread over two years.
    t = time.perf_counter()
    pairs = args.entries // 2
    start = now - dt.timedelta(days=730)

    def entry_rows():
        for _ in range(pairs):
            a = accounts[rng.randrange(len(accounts))]
            n = rng.randint(5, 60)
            tr = uuid.uuid4()
            at = (start + dt.timedelta(seconds=rng.randrange(730 * 86400))).isoformat()
            yield (issuers[a.community_id].pk, tr, -n, at, "earn", "基准")
            yield (a.pk, tr, n, at, "earn", "基准")

    _copy("volunteers_pointentry", ["account_id", "transfer", "amount", "at", "kind", "reason"], entry_rows())
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE volunteers_pointaccount a SET balance = s.total FROM (SELECT account_id, SUM(amount) total "
            "FROM volunteers_pointentry GROUP BY account_id) s WHERE s.account_id = a.id"
        )
        cur.execute("ANALYZE")
    print(f"{pairs * 2} entries: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    today = timezone.localdate()

    def hour_rows():
        for _ in range(args.hours):
            v = vols[rng.randrange(len(vols))]
            day = today - dt.timedelta(days=rng.randrange(365))
            yield (
                v.community_id,
                v.pk,
                acts[v.community_id].pk,
                "staff",
                rng.choice([1, 2, 2.5, 3, 4]),
                day,
                "基准",
                now.isoformat(),
            )

    _copy(
        "volunteers_hourrecord",
        ["community_id", "volunteer_id", "activity_id", "source", "hours", "served_on", "reason", "at"],
        hour_rows(),
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"{args.hours} hour records: {time.perf_counter() - t:.1f} s")
    return [a.pk for a in accounts]


def _p95(samples):
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    args = _args()
    _setup_django(args.reuse)
    if args.reuse:
        from gongzhi.volunteers.models import PointAccount

        accounts = list(PointAccount.objects.filter(volunteer__isnull=False).values_list("pk", flat=True))
    else:
        accounts = _load(args)
    from django.db import connection
    from django.db.models import Sum

    from gongzhi.core.ledger import ledger_verify
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.volunteers import figures, points, selectors
    from gongzhi.volunteers.models import HourRecord, PointAccount, Volunteer

    rng = random.Random(args.seed + 1)
    vol_ids = list(PointAccount.objects.filter(pk__in=accounts).values_list("volunteer_id", flat=True))
    sample = [Volunteer.objects.get(pk=pk) for pk in rng.sample(vol_ids, min(args.reads, len(vol_ids)))]

    # Baseline in the same run: the cheapest round trip to the database.
    def select_one():
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()

    base = _p95(_timed(select_one, args.reads))
    it = iter(sample * 3)
    balance = _p95(
        _timed(lambda: PointAccount.objects.only("balance").get(volunteer=next(it)).balance, len(sample))
    )
    statement = _p95(_timed(lambda: selectors.point_statement(volunteer=next(it), limit=20), len(sample)))
    summary = _p95(_timed(lambda: selectors.volunteer_summary(volunteer=next(it)), len(sample)))
    print(
        f"1. p95 over {len(sample)} volunteers: balance {balance:.2f} ms, statement (selectors.point_statement, "
        f"20 entries) {statement:.2f} ms, hours+stars+points summary {summary:.2f} ms (target ≤ 20 ms); "
        f"baseline SELECT 1 {base:.2f} ms (ratios {balance / base:.1f} / {statement / base:.1f} / {summary / base:.1f})"
    )

    district, _ = User.objects.get_or_create(username="bench-district")
    RoleAssignment.objects.filter(user=district).delete()
    RoleAssignment.objects.create(
        user=district, role="district_staff", region=Region.objects.get(code=DISTRICT)
    )
    result = None

    def month_selector():
        nonlocal result
        result = figures.hours_by_month(user=district, months=1)
        return result.rows

    selector_ms = statistics.median(_timed(month_selector, 5))
    first = min(r["month"] for r in result.rows) if result and result.rows else None

    def plain_sum():
        HourRecord.objects.filter(served_on__gte=first).aggregate(s=Sum("hours"))

    plain_ms = statistics.median(_timed(plain_sum, 5))
    print(
        f"2. a month's hours per community and team, whole district (figures.hours_by_month as district staff): "
        f"{len(result.rows)} rows, median {selector_ms:.0f} ms (target ≤ 300 ms); "
        f"plain SUM over the same month {plain_ms:.0f} ms (ratio {selector_ms / plain_ms:.1f})"
    )

    t = time.perf_counter()
    checked, mismatches = ledger_verify(PointAccount)
    verify = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT SUM(amount) FROM volunteers_pointentry")
        cur.fetchone()
    plain = time.perf_counter() - t
    print(
        f"3. ledger_verify: {checked} accounts, {len(mismatches)} mismatches, {verify:.2f} s; "
        f"plain SUM over the same table {plain:.2f} s (ratio {verify / plain:.1f})"
    )

    # The nightly expiry's scan: the accounts holding unspent points older than a year (each is then
    # recomputed under its lock and expired; only the scan that finds them is timed here).
    from django.utils import timezone

    t = time.perf_counter()
    n = len(list(points.expiry_candidates(timezone.now() - dt.timedelta(days=365))))
    scan = time.perf_counter() - t
    print(
        f"4. expiry scan (points older than 365 days, unspent): {n} accounts found in {scan:.2f} s "
        f"({points.points_valid_days()} days is the default validity)"
    )


if __name__ == "__main__":
    main()
