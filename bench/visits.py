"""Grid work at a district's scale on PostgreSQL (issue 14): 福州市鼓楼区's 69 communities with
N households (default 400,000) and W grid workers (default 1,600), then

  1. coverage (包片联户): the balanced proposal applied for every community (coverage_apply);
  2. the month's visit plans for every worker of the district (plans_generate, community by
     community, as the head's button does) — target ≤ 60 s for the district; baseline in the
     same run: a raw COPY of the very same plan rows into a twin table (same indexes and
     constraints), the floor of writing them;
  3. the district's coverage dashboard (households per worker, /visits/figures/), rendered
     through the real view for a district user — target ≤ 300 ms; baseline: a primary-key
     lookup through the ORM. Also shown, not targeted: the community coverage page of a head,
     the vulnerable-on-time figure for the district, a worker's phone page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_visits \\
        .venv/bin/python bench/visits.py --households 400000 --workers 1600

The database is dropped and created again (its name must start with `gz_bench`), migrated and
given the Fuzhou region codes. The register (estates, buildings, dwellings, people — about
2.5 a household, no identity numbers —, households, members, group tags), two months of visits
(30 a worker a month, some workers behind), open ledger items and recent demands are loaded
with COPY. `--reuse` measures again on the loaded database. While developing: `--households
40000 --workers 160` (a few minutes).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DISTRICT = "350102"
PERSON_TAGS = (  # share of people, kind
    (0.020, "elderly_alone"),
    (0.040, "elderly_80"),
    (0.020, "disabled"),
    (0.015, "minimum_allowance"),
    (0.003, "extreme_hardship"),
)


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--households", type=int, default=400_000)
    p.add_argument("--workers", type=int, default=1_600)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true", help="measure again on the loaded database")
    p.add_argument("--runs", type=int, default=10, help="renders of each page")
    return p.parse_args()


def _env(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault(
        "GONGZHI_FIELD_KEY", base64.urlsafe_b64encode(b"bench-visits-key-32-bytes-long!!").decode()
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("CONN_MAX_AGE", "600")


def _admin(url: str):
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
    return admin, name


def _setup_database(url: str) -> bool:
    """A fresh database; from `<name>_schema` (migrated, regions imported) when a previous run
    left it, which saves the migrations. True when the schema is already there."""
    admin, name = _admin(url)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    template = f"{name}_schema"
    found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
    if found:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return bool(found)


def _keep_schema(url: str) -> None:
    from django.db import connections

    connections.close_all()
    admin, name = _admin(url)
    admin.execute(f'CREATE DATABASE "{name}_schema" TEMPLATE "{name}"')
    admin.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


# --------------------------------------------------------------------------- loading


class Copier:
    """COPY rows of a model: every concrete column, the given values or the field's default."""

    def __init__(self, model, now):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:
                self.defaults[f.attname] = f.get_default()  # "" for text without a default

    def load(self, rows: list[dict]) -> int:
        """COPY the rows; the primary key too when the rows carry it ("id"), else the sequence's."""
        from django.db import connection

        if not rows:
            return 0
        pk = self.model._meta.pk
        fields = [f for f in self.fields if not (f.primary_key and pk.attname not in rows[0])]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        table = self.model._meta.db_table
        with connection.cursor() as cur:
            with cur.connection.cursor() as c, c.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row.get(f.attname, self.defaults[f.attname]) for f in fields])
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk.column}'), "
                f'COALESCE((SELECT MAX("{pk.column}") FROM "{table}"), 1))'
            )
        return len(rows)


def generate(households: int, workers: int, seed: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.registry.models import (
        Building,
        Dwelling,
        Estate,
        Household,
        HouseholdMember,
        Person,
        PersonTag,
    )

    rnd = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    communities = list(
        Region.objects.filter(code__startswith=DISTRICT, level=5)
        .order_by("code")
        .values_list("code", flat=True)
    )
    t0 = time.perf_counter()
    per = [households // len(communities)] * len(communities)
    for i in range(households - sum(per)):
        per[i] += 1
    estates, buildings, dwellings, homes, people, members, tags = [], [], [], [], [], [], []
    eid = bid = did = hid = pid = 0
    for code, n in zip(communities, per, strict=True):
        for k in range(n):
            if k % 600 == 0:
                eid += 1
                estates.append(
                    {
                        "id": eid,
                        "community_id": code,
                        "name": f"第{eid}小区",
                        "latitude": 26.08 + rnd.uniform(-0.02, 0.02),
                        "longitude": 119.30 + rnd.uniform(-0.02, 0.02),
                    }
                )
            if k % 24 == 0:
                bid += 1
                buildings.append(
                    {"id": bid, "community_id": code, "estate_id": eid, "name": f"{bid}号楼", "entrances": 2}
                )
            did += 1
            dwellings.append(
                {
                    "id": did,
                    "community_id": code,
                    "building_id": bid,
                    "entrance": 1 + (k % 2),
                    "floor": 1 + (k % 24) // 4,
                    "number": f"{1 + (k % 24) // 4}0{1 + k % 4}",
                }
            )
            hid += 1
            size = rnd.choice((1, 2, 2, 3, 3, 3, 4))
            head = pid + 1
            homes.append(
                {
                    "id": hid,
                    "community_id": code,
                    "number": f"H{hid:08d}",
                    "dwelling_id": did,
                    "head_id": head,
                }
            )
            for m in range(size):
                pid += 1
                born = dt.date(rnd.randint(1930, 2020), rnd.randint(1, 12), rnd.randint(1, 28))
                people.append(
                    {
                        "id": pid,
                        "community_id": code,
                        "name": f"居民{pid}",
                        "sex": "MF"[pid % 2],
                        "birth_date": born,
                        "residence_type": "registered",
                        "status": "active",
                        "dwelling_id": did,
                    }
                )
                members.append(
                    {
                        "community_id": code,
                        "household_id": hid,
                        "person_id": pid,
                        "relationship": "02" if m == 0 else "20",
                        "joined_on": dt.date(2015, 1, 1),
                    }
                )
                r = rnd.random()
                acc = 0.0
                for share, kind in PERSON_TAGS:
                    acc += share
                    if r < acc:
                        tags.append(
                            {
                                "community_id": code,
                                "person_id": pid,
                                "kind": kind,
                                "grade": rnd.randint(1, 4) if kind == "disabled" else None,
                                "valid_from": dt.date(2020, 1, 1),
                                "person_name": f"居民{pid}",
                            }
                        )
                        break
    print(
        f"  register in memory: {hid:,} households, {pid:,} people ({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    t0 = time.perf_counter()
    for model, rows in (
        (Estate, estates),
        (Building, buildings),
        (Dwelling, dwellings),
        (Person, people),
        (Household, homes),
        (HouseholdMember, members),
        (PersonTag, tags),
    ):
        Copier(model, now).load(rows)
    print(
        f"  register loaded: {len(estates):,} estates, {len(buildings):,} buildings, {len(tags):,} tags "
        f"({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    del estates, buildings, dwellings, people, members, tags

    # Accounts: the workers (spread over the communities by their households), a head each, the district.
    t0 = time.perf_counter()
    password = make_password("bench")
    share = [max(1, round(workers * n / households)) for n in per]
    while sum(share) > workers:
        share[share.index(max(share))] -= 1
    while sum(share) < workers:
        share[share.index(min(share))] += 1
    users, roles = [], []
    uid = 0
    for code, n in zip(communities, share, strict=True):
        for _ in range(n):
            uid += 1
            users.append(
                {"id": uid, "username": f"grid{uid}", "display_name": f"网格员{uid}", "password": password}
            )
            roles.append({"user_id": uid, "role": "grid_worker", "region_id": code})
        uid += 1
        users.append({"id": uid, "username": f"head{code}", "display_name": "社区书记", "password": password})
        roles.append({"user_id": uid, "role": "community_head", "region_id": code})
    uid += 1
    users.append({"id": uid, "username": "district", "display_name": "区民政", "password": password})
    roles.append({"user_id": uid, "role": "district_staff", "region_id": DISTRICT})
    Copier(User, now).load(users)
    Copier(RoleAssignment, now).load(roles)
    print(f"  {len(users):,} accounts ({time.perf_counter() - t0:.0f} s)", flush=True)
    return communities, now, today, rnd


def history(communities, rnd, now, today) -> None:
    """Two months of visits (30 a worker a month, one in eight workers behind), open ledger items,
    recent demands — written after coverage, for the covered households."""
    from django.db import connection

    from gongzhi.demands.models import Category, Demand
    from gongzhi.visits.models import Coverage, LedgerItem, Visit

    t0 = time.perf_counter()
    cover: dict[int, list[int]] = {}
    for h, w in Coverage.objects.values_list("household_id", "worker_id").iterator(chunk_size=20000):
        cover.setdefault(w, []).append(h)
    community_of = dict(Coverage.objects.values_list("worker_id", "community_id").distinct())
    visits, items = [], []
    vid = 0
    for w, hh in cover.items():
        behind = rnd.random() < 0.125
        for month_back in (1, 0):
            n = rnd.randint(10, 25) if behind else rnd.randint(30, 40)
            if month_back == 0:
                n = n * min(today.day, 28) // 30
            for h in rnd.sample(hh, k=min(n, len(hh))):
                vid += 1
                at = now - dt.timedelta(days=month_back * 30 + rnd.uniform(0, 28), hours=rnd.uniform(0, 8))
                visits.append(
                    {
                        "id": vid,
                        "community_id": community_of[w],
                        "household_id": h,
                        "worker_id": w,
                        "visited_at": at,
                        "recorded_at": at,
                        "met": "户主本人",
                        "situation": "身体状况良好",
                    }
                )
                if rnd.random() < 0.06:
                    items.append(
                        {
                            "community_id": community_of[w],
                            "household_id": h,
                            "visit_id": vid,
                            "category": "environment",
                            "title": "楼道杂物",
                            "owner_id": w,
                            "deadline": (at + dt.timedelta(days=7)).date(),
                            "state": "open",
                            "created_by_id": w,
                            "created_at": at,
                        }
                    )
    Copier(Visit, now).load(visits)
    Copier(LedgerItem, now).load(items)
    leaf = Category.objects.filter(parent__isnull=False).first()
    heads = list(
        Coverage.objects.values_list("community_id", "household__head_id").order_by("?")[
            : max(1, len(visits) // 4)
        ]
    )
    demands = [
        {
            "id": i,
            "tracking_code": f"GZV{i:09d}",
            "channel": "hotline",
            "title": "噪音扰民",
            "body": "夜间施工噪音",
            "category_id": leaf.pk if leaf else None,
            "time_limit": 5,
            "community_id": code,
            "person_id": person,
            "state": "submitted",
            "created_at": now - dt.timedelta(days=rnd.uniform(0, 59)),
            "updated_at": now,
            "extended": False,
            "reopen_count": 0,
            "supervise_count": 0,
            "remind_count": 0,
        }
        for i, (code, person) in enumerate(heads, start=1)
    ]
    Copier(Demand, now).load(demands)
    with connection.cursor() as cur:
        for table in ("visits_visit", "visits_ledgeritem", "demands_demand", "visits_coverage"):
            cur.execute(f"VACUUM ANALYZE {table}")
    print(
        f"  history: {len(visits):,} visits, {len(items):,} open ledger items, {len(demands):,} demands "
        f"({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


# --------------------------------------------------------------------------- measurements


def measure_coverage(communities) -> dict:
    from gongzhi.core.models import Region, User
    from gongzhi.visits import services

    t0 = time.perf_counter()
    for code in communities:
        services.coverage_apply(
            community=Region.objects.get(code=code), by=User.objects.get(username=f"head{code}")
        )
    return {"coverage_s": time.perf_counter() - t0}


def measure_plans(communities, month: dt.date) -> dict:
    from django.db import connection

    from gongzhi.core.models import Region, User
    from gongzhi.visits import services
    from gongzhi.visits.models import PlanItem

    times = []
    t0 = time.perf_counter()
    for code in communities:
        t = time.perf_counter()
        services.plans_generate(
            community=Region.objects.get(code=code), month=month, by=User.objects.get(username=f"head{code}")
        )
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    fields = [f for f in PlanItem._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(f'"{f.column}"' for f in fields)
    rows = list(PlanItem.objects.values_list(*[f.attname for f in fields]))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_planitem_twin")
        cur.execute("CREATE TABLE bench_planitem_twin (LIKE visits_planitem INCLUDING ALL)")
        cur.execute(
            "ALTER TABLE bench_planitem_twin ADD FOREIGN KEY (plan_id) REFERENCES visits_visitplan (id) "
            "DEFERRABLE INITIALLY DEFERRED, ADD FOREIGN KEY (household_id) REFERENCES registry_household (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
    t = time.perf_counter()
    with (
        connection.cursor() as cur,
        cur.connection.cursor() as c,
        c.copy(f"COPY bench_planitem_twin ({cols}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(r)
    raw = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_planitem_twin")
    from gongzhi.visits.models import VisitPlan

    return {
        "plans_s": total,
        "plans": VisitPlan.objects.filter(month=month).count(),
        "items": len(rows),
        "community_p50_s": statistics.median(times),
        "community_max_s": max(times),
        "raw_copy_s": raw,
    }


def measure_pages(communities, runs: int) -> dict:
    from django.test import Client

    from gongzhi.core.models import User
    from gongzhi.visits.models import Coverage

    def timed(client, url) -> list[float]:
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            r = client.get(url, HTTP_HOST="localhost")
            out.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        return out

    base = []
    ids = list(User.objects.values_list("pk", flat=True)[:200])
    for i in range(max(50, runs * 5)):
        t = time.perf_counter()
        User.objects.get(pk=ids[i % len(ids)])
        base.append((time.perf_counter() - t) * 1000)
    district, head, grid = Client(), Client(), Client()
    district.force_login(User.objects.get(username="district"))
    head.force_login(User.objects.get(username=f"head{communities[0]}"))
    grid.force_login(User.objects.get(pk=Coverage.objects.values_list("worker_id", flat=True).first()))
    out = {"pk_p50_ms": statistics.median(base)}
    for name, client, url in (
        ("district coverage dashboard", district, "/visits/figures/?f=visits.households_per_worker"),
        ("district visits per worker", district, "/visits/figures/?f=visits.visits_per_worker"),
        ("community coverage page (head)", head, f"/visits/coverage/?c={communities[0]}"),
        ("worker's day (phone)", grid, "/visits/"),
        ("district vulnerable on time", district, "/visits/figures/?f=visits.vulnerable_on_time"),
    ):
        timed(client, url)  # warm
        ms = timed(client, url)
        out[name] = {"p50": statistics.median(ms), "p95": pct(ms, 95), "max": max(ms)}
    return out


def main() -> None:
    args = _args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench_visits")
    schema_ready = _setup_database(url) if not args.reuse else True
    _env(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region

    print(f"PostgreSQL {connection.cursor().connection.info.server_version} · load average {os.getloadavg()}")
    if not args.reuse:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)  # nothing to do from an up-to-date schema copy
        if not schema_ready:
            from conftest import REGION_DIR
            from gongzhi.core.regions import regions_import

            regions_import(paths=sorted(REGION_DIR.glob("*.csv")))
            _keep_schema(url)
        print(f"  migrated, regions imported ({time.perf_counter() - t0:.0f} s)", flush=True)
        communities, now, today, rnd = generate(args.households, args.workers, args.seed)
        analyze()
        cov = measure_coverage(communities)
        print(
            f"coverage (包片联户) applied for {len(communities)} communities: {cov['coverage_s']:.1f} s",
            flush=True,
        )
        history(communities, rnd, now, today)
    communities = list(
        Region.objects.filter(code__startswith=DISTRICT, level=5)
        .order_by("code")
        .values_list("code", flat=True)
    )
    month = timezone.localdate().replace(day=1)
    plans = measure_plans(communities, month)
    print(
        f"plans for {plans['plans']:,} workers, {plans['items']:,} visits planned: {plans['plans_s']:.1f} s "
        f"(target ≤ 60 s) · per community p50 {plans['community_p50_s']:.2f} s, max {plans['community_max_s']:.2f} s"
    )
    print(
        f"  baseline raw COPY of the same plan rows: {plans['raw_copy_s']:.2f} s → "
        f"ratio {plans['plans_s'] / plans['raw_copy_s']:.1f}×"
    )
    pages = measure_pages(communities, args.runs)
    print(f"baseline PK lookup p50 {pages['pk_p50_ms']:.2f} ms")
    print("| page | p50 ms | p95 ms | max ms | p50 / PK |")
    print("|---|---:|---:|---:|---:|")
    for name, v in pages.items():
        if name == "pk_p50_ms":
            continue
        print(
            f"| {name} | {v['p50']:.0f} | {v['p95']:.0f} | {v['max']:.0f} | {v['p50'] / pages['pk_p50_ms']:.0f}× |"
        )


if __name__ == "__main__":
    main()
