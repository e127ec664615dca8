"""Ledger dashboards at district scale on PostgreSQL: 福州市鼓楼区 (350102) with N residents and the
other apps' data, then

  1. the rollups' refresh: every figure of every region (district, streets, communities) for
     this month, through the figures' own selectors (`ledgers.rollups.rollups_refresh`), timed;
  2. the dashboards answering from the rollups, through the real views (district, a street, a
     community; the big screen; the API): median and p95 over --runs requests — target ≤ 300 ms;
  3. the baseline in the same run: the same figures computed by plain GROUP BY queries (the
     registry's counts and group tags, the premises' area: one grouped query each over the
     district's communities, summed up to streets and the district; the three rates: the demands
     app's grouped `rates_by_area`), with every value compared to its rollup;
  4. the dashboard as it was before rollups (every figure of the district and its streets
     computed live), once;
  5. `rollups_check`: the rollups of the district, its streets and one street's communities (all
     regions with --check-all) computed live again, as of the moment the refresh measured them,
     and compared — must be empty.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_ledgers \\
        .venv/bin/python bench/ledgers.py --residents 1000000 --demands 1000000

The database is dropped and created again (its name must start with `gz_bench`), unless --reuse.
Data: the register from `registry.generate` (N residents); N demands over two years
(`bench/demands_scale.generate`, COPY); N/10 volunteers with N service-hour records
(`bench/volunteers._load`); then the other apps' demo steps for the district (visits, care,
elections, deliberation, budgeting, volunteers, organisations, spaces, lists, projects,
admission, evaluation, facilities), which build their data over the register at its size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DISTRICT = "350102"
STREET = "350102004"
COMMUNITY = "350102004001"


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--residents", type=int, default=1_000_000)
    p.add_argument("--demands", type=int, default=None, help="default: as many as residents")
    p.add_argument("--volunteers", type=int, default=None, help="default: residents / 10")
    p.add_argument("--hours", type=int, default=None, help="service-hour records; default: residents")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--reuse", action="store_true", help="reuse the loaded database (skip generation)")
    p.add_argument("--check-all", action="store_true", help="check every region's rollups, not a sample")
    p.add_argument("--skip-steps", default="", help="demo step orders to skip, comma-separated")
    return p.parse_args()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))]


def _column_defaults(models_, *, drop: bool = False) -> list[str]:
    """`bench/demands_scale.generate` COPYs a fixed list of columns; columns the demands app added
    since are NOT NULL without a database default, so give them the model's default in the
    database for the load (and take it away after)."""
    import json

    from django.db import connection, models

    done = []
    with connection.cursor() as c:
        for model in models_:
            table = model._meta.db_table
            c.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_nullable = 'NO' AND column_default IS NULL",
                [table],
            )
            bare = {r[0] for r in c.fetchall()}
            for f in model._meta.concrete_fields:
                if f.column not in bare or f.primary_key or f.is_relation:
                    continue
                if drop:
                    c.execute(f'ALTER TABLE {table} ALTER COLUMN "{f.column}" DROP DEFAULT')
                    continue
                if f.has_default() and not callable(f.default):
                    value = f.get_default()
                elif isinstance(f, (models.CharField, models.TextField)):
                    value = ""
                elif isinstance(f, models.BooleanField):
                    value = False
                elif isinstance(f, (models.IntegerField, models.FloatField, models.DecimalField)):
                    value = 0
                elif isinstance(f, models.JSONField):
                    value = json.dumps(f.get_default() if f.has_default() else {})
                elif isinstance(f, models.DateTimeField):
                    c.execute(f'ALTER TABLE {table} ALTER COLUMN "{f.column}" SET DEFAULT now()')
                    done.append(f"{table}.{f.column}")
                    continue
                else:
                    continue
                c.execute(f'ALTER TABLE {table} ALTER COLUMN "{f.column}" SET DEFAULT %s', [value])
                done.append(f"{table}.{f.column}")
    return done


def generate(args, say) -> None:
    import demands_scale
    import volunteers as volunteers_bench
    from django.core.management import call_command
    from django.db import connection

    from gongzhi.core.manifests import DemoContext, demo_steps
    from gongzhi.core.regions import regions_import
    from gongzhi.registry import generate as gen

    call_command("migrate", verbosity=0)
    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    t = time.perf_counter()
    plan = gen.district_plan(district=DISTRICT, residents=args.residents, seed=args.seed)
    loaded = gen.plan_load(plan)
    say(f"- register: {loaded.counts} in {time.perf_counter() - t:.0f} s")
    del plan
    t = time.perf_counter()
    from gongzhi.demands.models import Assignment, Demand

    demands_scale.build_world()
    shimmed = _column_defaults([Demand, Assignment])
    demands_scale.generate(args.demands, args.seed)
    _column_defaults([Demand, Assignment], drop=True)
    say(
        f"- {args.demands:,} demands over two years in {time.perf_counter() - t:.0f} s (columns given their "
        f"model default for the load: {', '.join(shimmed) or 'none'})"
    )
    t = time.perf_counter()
    volunteers_bench._load(
        SimpleNamespace(
            volunteers=args.volunteers, entries=2 * args.volunteers, hours=args.hours, seed=args.seed
        )
    )
    say(
        f"- {args.volunteers:,} volunteers, {args.hours:,} service-hour records in {time.perf_counter() - t:.0f} s"
    )
    skip = {int(x) for x in args.skip_steps.split(",") if x}
    ctx = DemoContext(district=DISTRICT, residents=args.residents, seed=args.seed, out=lambda s: None)
    for step in demo_steps():
        if (
            step.order < 40
            or step.order in (60, 99)
            or step.order in skip
            or "sampleapp" in step.run.__module__
        ):
            continue
        t = time.perf_counter()
        try:
            step.run(ctx)
        except Exception as exc:  # a step that cannot build at this size is reported, not fatal
            say(f"- demo step {step.order} {step.label}: FAILED {type(exc).__name__}: {exc}")
            continue
        say(f"- demo step {step.order} {step.label}: {time.perf_counter() - t:.0f} s")
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")


def group_by_baseline(period: str) -> tuple[float, dict[tuple[str, str], float]]:
    """The baseline: the same figures by plain GROUP BY queries, for every region of the district."""
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region
    from gongzhi.demands import rates

    today = timezone.localdate()
    like = DISTRICT + "%"
    t = time.perf_counter()
    per_community: dict[str, dict[str, float]] = {}
    queries = {
        "registry.residents": (
            "SELECT community_id, count(*) FROM registry_person WHERE status = 'active' "
            "AND community_id LIKE %s GROUP BY community_id",
            [like],
        ),
        "registry.households": (
            "SELECT community_id, count(*) FROM registry_household WHERE community_id LIKE %s GROUP BY community_id",
            [like],
        ),
        "facilities.premises_area": (
            "SELECT community_id, sum(area) FROM facilities_premises WHERE community_id LIKE %s GROUP BY community_id",
            [like],
        ),
    }
    for kind in ("elderly_80", "elderly_alone", "disabled", "minimum_allowance"):
        queries[f"registry.{kind}"] = (
            "SELECT p.community_id, count(DISTINCT p.id) FROM registry_person p JOIN registry_persontag t "
            "ON t.person_id = p.id AND t.community_id = p.community_id WHERE p.status = 'active' "
            "AND p.community_id LIKE %s AND t.kind = %s AND t.valid_from <= %s "
            "AND (t.valid_to IS NULL OR t.valid_to >= %s) GROUP BY p.community_id",
            [like, kind, today, today],
        )
    with connection.cursor() as c:
        for key, (sql, params) in queries.items():
            c.execute(sql, params)
            for community, n in c.fetchall():
                per_community.setdefault(community, {})[key] = float(n)
    out: dict[tuple[str, str], float] = {}
    regions = list(
        Region.objects.filter(code__startswith=DISTRICT, level__gte=3).values_list("code", flat=True)
    )
    for code in regions:
        for key in queries:
            out[(code, key)] = sum(v.get(key, 0.0) for c, v in per_community.items() if c.startswith(code))
    district = Region.objects.get(code=DISTRICT)
    p = rates.Period.parse(period)
    rows = rates.rates_by_area(district, p)
    for row in [*rows, rates.rates_sum(district, rows)]:
        code = row.key if isinstance(row.key, str) and row.key.startswith(DISTRICT) else DISTRICT
        for key, (num, den) in {
            "demands.response": (row.signed_in_time, row.dispatched),
            "demands.resolution": (row.resolved, row.resolution_known),
            "demands.satisfaction": (row.satisfied, row.rated),
        }.items():
            out[(code, key)] = num / den if den else None
    return (time.perf_counter() - t) * 1000, out


def main() -> None:
    args = _args()
    args.demands = args.residents if args.demands is None else args.demands
    args.volunteers = args.residents // 10 if args.volunteers is None else args.volunteers
    args.hours = args.residents if args.hours is None else args.hours
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench_ledgers")
    import demands_scale

    demands_scale._env(url)
    os.environ["CONN_MAX_AGE"] = "600"
    if not args.reuse:
        demands_scale._setup_database(url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core import clock
    from gongzhi.core.models import Region, User
    from gongzhi.ledgers.figures import compute
    from gongzhi.ledgers.models import Rollup
    from gongzhi.ledgers.rollups import regions_under, rollups_check, rollups_refresh
    from gongzhi.ledgers.viewers import SYSTEM

    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    load = os.getloadavg()[0]
    say(f"## ledgers — {args.residents:,} residents, {time.strftime('%Y-%m-%d %H:%M')}")
    say("")
    say(f"`{' '.join(sys.argv)}` · {os.cpu_count()} CPUs · load average {load:.1f} at start")
    say("")
    if not args.reuse:
        generate(args, say)
    period = clock.now().strftime("%Y-%m")
    regions = regions_under(DISTRICT)

    # 1. The refresh.
    report = rollups_refresh(region_code=DISTRICT, period=period, regions=regions)
    say(
        f"- **rollup refresh**: {report.cells:,} rollups ({report.regions} regions × "
        f"{len(report.by_figure_ms)} figures, as of {report.at:%H:%M:%S} UTC) in **{report.seconds:.1f} s**, "
        f"{report.errors} errors; slowest "
        "figures (ms summed over the regions): " + ", ".join(f"{k} {ms:,}" for k, ms in report.slowest(6))
    )

    # 2. The dashboards from the rollups, through the views.
    user = User.objects.get(username=f"bench_{DISTRICT}")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = {
        "district dashboard": f"/ledgers/?region={DISTRICT}&period={period}",
        "street dashboard": f"/ledgers/?region={STREET}&period={period}",
        "community dashboard": f"/ledgers/?region={COMMUNITY}&period={period}",
        "district big screen": f"/ledgers/screen/?region={DISTRICT}&period={period}",
        "district figures API": f"/api/ledgers/figures/?region={DISTRICT}&period={period}",
    }
    timings = {}
    for label, url in pages.items():
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        ms = []
        for _ in range(args.runs):
            t = time.perf_counter()
            r = client.get(url)
            ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        with CaptureQueriesContext(connection) as q:
            client.get(url)
        timings[label] = (statistics.median(ms), pct(ms, 95), len(q))

    # 3. The GROUP BY baseline, and its values against the rollups.
    base_runs = []
    for _ in range(max(3, args.runs // 4)):
        ms, baseline = group_by_baseline(period)
        base_runs.append(ms)
    base_ms = statistics.median(base_runs)
    stored = {
        (r.region_id, r.figure): r.value
        for r in Rollup.objects.filter(period=period, figure__in={k for _c, k in baseline})
    }
    differ = [
        (k, v, stored.get(k))
        for k, v in baseline.items()
        if k in stored
        and not (v is None and stored[k] is None)
        and (v is None or stored[k] is None or abs(v - stored[k]) > 1e-9 * max(1.0, abs(v)))
    ]
    compared = sum(1 for k in baseline if k in stored)

    say("")
    say("| page (from the rollups) | median ms | p95 ms | queries | median ÷ GROUP BY baseline |")
    say("|---|---:|---:|---:|---:|")
    for label, (med, p95, q) in timings.items():
        say(f"| {label} | {med:.0f} | {p95:.0f} | {q} | {med / base_ms:.2f}× |")
    say("")
    say(
        f"- baseline: {len({k for _c, k in baseline})} of the figures for all {len(regions)} regions by plain "
        f"GROUP BY queries (registry counts and group tags, premises' area, the demands app's grouped "
        f"three rates for the streets): median **{base_ms:.0f} ms**; {compared} values compared with their "
        f"rollups, **{len(differ)} differ**" + (f" (first: {differ[:3]})" if differ else "")
    )

    # 4. The dashboard before rollups: every figure of the district and its streets, live.
    district = Region.objects.get(code=DISTRICT)
    board = [district, *Region.objects.filter(parent=district).order_by("code")]
    t = time.perf_counter()
    for region in board:
        for key in report.by_figure_ms:
            compute(key, user=SYSTEM, region=region, period=period)
    live_ms = (time.perf_counter() - t) * 1000
    say(
        f"- the district dashboard computed live (before rollups; {len(board)} regions × "
        f"{len(report.by_figure_ms)} figures): **{live_ms / 1000:.1f} s** "
        f"({live_ms / base_ms:.0f}× the GROUP BY baseline; from the rollups: "
        f"{timings['district dashboard'][0] / live_ms:.4f}× of it)"
    )

    # 5. The check.
    sample = (
        regions
        if args.check_all
        else [r for r in regions if len(r.code) <= 6 or r.code.startswith(STREET) or r.level == 4]
    )
    t = time.perf_counter()
    diff = rollups_check(region_code=DISTRICT, period=period, regions=sample)
    say(
        f"- `rollups_check` on {len(sample)} regions: **{len(diff)} differences** "
        f"({time.perf_counter() - t:.1f} s)" + (f"; first: {diff[:3]}" if diff else "")
    )
    ok = not diff and not differ and all(med <= 300 for med, _p, _q in timings.values())
    say("")
    say("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
