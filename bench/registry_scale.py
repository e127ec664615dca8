"""Registry at scale on PostgreSQL: load N residents through the project's loader, compare
with a raw COPY of the same rows, then time resident search through the real selector.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench \\
        .venv/bin/python bench/registry_scale.py --residents 1000000

The database named in DATABASE_URL is dropped and created again (it must be a dedicated
one: the script refuses names that do not start with `gz_bench`). Results go to stdout as
Markdown; bench/RESULTS.md keeps the recorded runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--queries", type=int, default=40, help="queries per kind and user")
    p.add_argument(
        "--explain-over-ms", type=float, default=50.0, help="EXPLAIN ANALYZE queries slower than this"
    )
    p.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (default: keep too; see --drop)"
    )
    p.add_argument("--drop", action="store_true", help="drop the benchmark database at the end")
    return p.parse_args()


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
        password=cfg["PASSWORD"] or None,
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


def main() -> None:
    args = _args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("GONGZHI_FIELD_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["CONN_MAX_AGE"] = "0"
    _setup_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import QuerySet

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.core.regions import regions_import
    from gongzhi.core.scoping import clear_cache
    from gongzhi.registry import generate as gen
    from gongzhi.registry.models import Person, PersonTag
    from gongzhi.registry.selectors import person_search, search_count

    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    with connection.cursor() as c:
        c.execute("SELECT version()")
        pg_version = c.fetchone()[0].split(" on ")[0]
    say(f"## registry_scale — {args.residents:,} residents, {time.strftime('%Y-%m-%d %H:%M')}")
    say("")
    say(f"`{' '.join(sys.argv)}` · {pg_version} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    say("")
    call_command("migrate", verbosity=0)
    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))

    # 1. Generation (in memory).
    t = time.perf_counter()
    plan = gen.district_plan(district="350102", residents=args.residents, seed=args.seed)
    t_gen = time.perf_counter() - t
    say(
        f"- generation (plan in memory): **{t_gen:.1f} s** — {len(plan.persons):,} people, "
        f"{len(plan.households):,} households, {len(plan.dwellings):,} dwellings, {len(plan.tags):,} tags"
    )

    # 2. Places first (not part of the comparison).
    t = time.perf_counter()
    places = gen.plan_load(plan, only={"grids", "estates", "buildings", "dwellings"})
    say(f"- places (grids, estates, buildings, dwellings) loaded in {time.perf_counter() - t:.1f} s")
    offsets = places.offsets

    # 3. The same person rows, already validated and encrypted, for the raw COPY.
    t = time.perf_counter()
    shifted = list(gen._shift(plan.persons, {0: offsets[Person], 7: offsets[gen.Dwelling]}))
    prepared = list(gen.person_rows(shifted, today=plan.today))
    t_prep = time.perf_counter() - t

    table = Person._meta.db_table
    twin = "bench_person_raw"

    def raw_copy() -> float:
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {twin}")
            # Same columns, defaults, constraints and indexes; the same deferred foreign keys.
            c.execute(f"CREATE TABLE {twin} (LIKE {table} INCLUDING ALL)")
            c.execute(
                """SELECT pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid = %s::regclass AND contype = 'f'""",
                [table],
            )
            for (definition,) in c.fetchall():
                c.execute(f"ALTER TABLE {twin} ADD {definition}")
        cols = ", ".join(gen.PERSON_COLUMNS)
        extra_cols, extra = gen._constant_columns(Person, gen.PERSON_COLUMNS, plan_now)
        all_cols = cols + "".join(f", {c}" for c in extra_cols)
        t = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as c,
            c.cursor.copy(f"COPY {twin} ({all_cols}) FROM STDIN") as cp,
        ):
            write = cp.write_row
            for row in prepared:
                write((*row, *extra))
        return time.perf_counter() - t

    from django.utils import timezone

    plan_now = timezone.now()
    t_raw1 = raw_copy()
    say(
        f"- raw COPY of the {len(prepared):,} prepared person rows (twin table, same indexes and "
        f"foreign keys), run 1: **{t_raw1:.1f} s**"
    )

    t = time.perf_counter()
    loaded = gen.plan_load(plan, only={"persons"}, offsets=offsets)
    t_load = time.perf_counter() - t
    say(
        f"- **loader** (`persons_load`: parse + check every identity number, validate phones, "
        f"encrypt, hash, COPY): **{t_load:.1f} s** for {loaded.counts['persons']:,} rows "
        f"(of which validation+encryption+hashing alone, measured separately: {t_prep:.1f} s)"
    )
    t_raw2 = raw_copy()
    say(f"- raw COPY, run 2 (after the loader): **{t_raw2:.1f} s**")
    with connection.cursor() as c:
        c.execute(f"DROP TABLE {twin}")
    raw = (t_raw1 + t_raw2) / 2
    say(f"- **loader / raw COPY = {t_load / raw:.2f}×** (target ≤ 3×)")
    prepared.clear()

    t = time.perf_counter()
    rest = gen.plan_load(plan, only={"households", "members", "tags"}, offsets=offsets)
    say(
        f"- households, members, tags ({rest.counts['households']:,} / {rest.counts['members']:,} / "
        f"{rest.counts['tags']:,} rows) loaded in {time.perf_counter() - t:.1f} s"
    )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")  # what autovacuum would do after a bulk load
    say("")

    # 4. Search through the real selector.
    community = "350102004001"
    users = {}
    for username, role, region in (
        ("bench_community", "community_worker", community),
        ("bench_district", "district_staff", "350102"),
    ):
        user = User.objects.create(username=username)
        RoleAssignment.objects.create(user=user, role=role, region=Region.objects.get(code=region))
        users[username] = user
    rng = random.Random(args.seed)

    def samples(prefix: str, n: int) -> dict[str, list[dict]]:
        ids = list(
            Person.objects.filter(community__code__startswith=prefix).values_list("id", flat=True)[:200_000]
        )
        picks = Person.objects.filter(id__in=rng.sample(ids, min(n, len(ids)))).only(
            "name", "id_tail", "phone_encrypted"
        )
        people = list(picks)
        surnames = ["林", "陈", "黄", "郑", "王", "张", "欧", "翁", "吴", "许"]
        tags = ["disabled", "elderly_80", "minimum_allowance", "veteran", "party_member", "elderly_alone"]
        phones = [p.phone for p in people if p.phone_encrypted and len(p.phone) == 11]
        return {
            "surname prefix": [{"q": surnames[i % len(surnames)]} for i in range(n)],
            "full name": [{"q": p.name} for p in people],
            "id last 4": [{"q": p.id_tail} for p in people],
            "phone": [{"q": ph} for ph in phones[:n]],
            "group tag": [{"tag": tags[i % len(tags)]} for i in range(n)],
            "surname + tag": [{"q": surnames[i % 4], "tag": tags[i % len(tags)]} for i in range(n)],
        }

    def one(user, params) -> tuple[float, int]:
        clear_cache(user)  # each request reads the user's role assignments again
        t = time.perf_counter()
        qs = person_search(user=user, **params)
        page = list(qs[:20])
        total, _more = search_count(qs)  # what the search page shows: exact, or "more than 10,000"
        assert len(page) == min(20, total)
        return (time.perf_counter() - t) * 1000, total

    # Baseline in the same run: a primary-key lookup and a trivial query.
    ids = list(Person.objects.values_list("id", flat=True)[:100_000])
    base = []
    for _ in range(300):
        pk = rng.choice(ids)
        t = time.perf_counter()
        Person.objects.get(pk=pk)
        base.append((time.perf_counter() - t) * 1000)
    base_p50 = statistics.median(base)
    say(f"Baseline (same run): primary-key lookup p50 **{base_p50:.2f} ms**, p95 {pct(base, 95):.2f} ms.")
    say("")
    say("| user | query | n | p50 ms | p95 ms | max ms | p95 / PK p50 | rows (median) |")
    say("|---|---|---:|---:|---:|---:|---:|---:|")
    slow: list[tuple[float, str, dict, object]] = []
    all_times: dict[str, list[float]] = {}
    for username, user in users.items():
        prefix = community if username == "bench_community" else "350102"
        for kind, params_list in samples(prefix, args.queries).items():
            for params in params_list[:3]:  # warm-up, and the count checked against the people
                one(user, params)
                qs = person_search(user=user, **params)
                assert qs.count() == QuerySet.count(qs), (username, params)
            times, rows = [], []
            for params in params_list:
                ms, total = one(user, params)
                times.append(ms)
                rows.append(total)
                if ms > args.explain_over_ms:
                    slow.append((ms, username, params, user))
            all_times.setdefault(username, []).extend(times)
            say(
                f"| {username.removeprefix('bench_')} | {kind} | {len(times)} | {statistics.median(times):.1f} | "
                f"{pct(times, 95):.1f} | {max(times):.1f} | {pct(times, 95) / base_p50:.0f}× | "
                f"{statistics.median(rows):,.0f} |"
            )
    say("")
    for username, times in all_times.items():
        say(
            f"- {username.removeprefix('bench_')}: all queries p50 {statistics.median(times):.1f} ms, "
            f"**p95 {pct(times, 95):.1f} ms** (target ≤ 50 ms)"
        )
    say(f"- people {Person.objects.count():,}; tags {PersonTag.objects.count():,}")

    # EXPLAIN ANALYZE the slowest distinct queries.
    if slow:
        say("")
        say("### Slowest queries (EXPLAIN ANALYZE)")
        seen = set()
        for ms, username, params, user in sorted(slow, key=lambda s: s[0], reverse=True):
            key = (username, tuple(sorted((k, v if k == "tag" else len(v)) for k, v in params.items())))
            if key in seen or len(seen) >= 4:
                continue
            seen.add(key)
            clear_cache(user)
            qs = person_search(user=user, **params)
            if qs._count_by_tags:  # counted on the tags: COUNT(DISTINCT person_id)
                sql, sql_params = qs._count_by_tags[0].order_by().values("person_id").query.sql_with_params()
                count_sql = f"SELECT count(DISTINCT person_id) FROM ({sql}) s"
            else:
                sql, sql_params = qs.query.sql_with_params()
                count_sql = f"SELECT count(*) FROM ({sql}) s"
            with connection.cursor() as c:
                c.execute(f"EXPLAIN (ANALYZE, BUFFERS) {count_sql}", sql_params)
                count_plan = "\n".join(r[0] for r in c.fetchall())
            say(
                f"\n{username} {params} — {ms:.0f} ms\n\npage:\n```\n{qs[:20].explain(analyze=True)}\n```\n"
                f"count:\n```\n{count_plan}\n```"
            )
    if args.drop:
        connection.close()
        _setup_database(url)  # leaves an empty database


if __name__ == "__main__":
    main()
