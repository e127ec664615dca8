"""Department import at district scale on PostgreSQL, through the real command.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_import \\
        .venv/bin/python bench/import_scale.py --steps 100000,500000,1000000 --probe-rows 10000 \\
        --rows 100000

The database named in DATABASE_URL (its name must start with `gz_bench`) is where each import
runs: before every import it is made a fresh copy of a register template. The templates
(`<name>_reg<size>`, one per size, people loaded with the project's loader
`generate.persons_load` and their blocking keys built) are built once, each from the one
before, and kept for later runs (`--rebuild` builds them again, `--only-build` stops after
building them). The people are generated from the seed, so a later run knows the register
without reading it. At each size an extract of `--probe-rows` rows is imported with
`manage.py integration_import` in a subprocess (the command a district runs) and its time per
10,000 rows is reported; at the last size the full `--rows` extract is imported too. Beside
each probe, the batch linker (`linkage.link`) links the same extract's rows against the whole
register as its pool, in the same run. Extracts come from the independent noise model of the
tests (gongzhi/integration/tests/noise.py): 85% of rows are about registered people, 15% about
people the register does not know. Markdown to stdout.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", default="100000,500000,1000000", help="register sizes, comma-separated")
    p.add_argument("--probe-rows", type=int, default=10_000, help="rows imported at every size")
    p.add_argument("--rows", type=int, default=100_000, help="rows of the full import at the last size")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-batch-linker", action="store_true")
    p.add_argument("--rebuild", action="store_true", help="build the register templates again")
    p.add_argument(
        "--only-build", action="store_true", help="build the register templates and stop (no imports)"
    )
    p.add_argument(
        "--profile",
        metavar="DIR",
        help="record each import command with py-spy (speedscope files in DIR; py-spy from $PY_SPY)",
    )
    return p.parse_args()


def _admin(url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    conn = psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    return cfg["NAME"], conn


def _exists(admin, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _use(name: str) -> None:
    """Point Django's connection at another database of the same server."""
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name


def main() -> None:  # noqa: C901, PLR0915 - one script, read top to bottom
    args = _args()
    steps = [int(x) for x in args.steps.split(",")]
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench_import")
    # One field key for the bench, so that register templates built by an earlier run decrypt.
    os.environ.setdefault(
        "GONGZHI_FIELD_KEY",
        base64.urlsafe_b64encode(hashlib.sha256(b"gongzhi bench import").digest()).decode(),
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["CONN_MAX_AGE"] = "0"
    run_db, admin = _admin(url)
    if not run_db.startswith("gz_bench"):
        raise SystemExit(f"refusing to use database {run_db!r}: use a dedicated one named gz_bench…")

    def template(size: int) -> str:
        return f"{run_db}_reg{size}"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongzhi.core.models import Department, Region, RegionLevel, User
    from gongzhi.core.regions import regions_import
    from gongzhi.integration import linkage
    from gongzhi.integration.batchlink import keys_sync
    from gongzhi.integration.services import source_create
    from gongzhi.integration.tests import noise
    from gongzhi.registry import generate
    from gongzhi.registry.models import Person

    def say(line: str = "") -> None:
        print(line, flush=True)

    def fresh_copy(source_db: str, target: str) -> None:
        _use("postgres")
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source_db}" STRATEGY FILE_COPY')
        _use(target)

    # --- the registers: one template database per size, each built from the one before and
    # kept for later runs (the people are generated from the seed, so a later run knows them
    # without loading them again) ---
    ids = noise.Ids()
    register: list = []
    previous = None
    communities: list = []
    block = 100_000

    def people_upto(n: int) -> None:
        """The register's first n people: generated in blocks of 100,000 from the seed, so a
        size means the same people whatever other sizes a run asks for."""
        while len(register) < n:
            b = len(register) // block
            rng_b = random.Random(args.seed * 1000 + b)
            register.extend(noise.make_people(rng_b, block, codes, start=b * block, ids=ids))

    loaded = 0
    for size in steps:
        name = template(size)
        if args.rebuild or not _exists(admin, name):
            t = time.perf_counter()
            if previous is None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
                _use(name)
                call_command("migrate", verbosity=0)
                regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
                User.objects.create_superuser("bench", password="x")
                Department.objects.create(
                    name="鼓楼区民政局", kind="civil_affairs", code="bench-civil", region_id="350102"
                )
            else:
                fresh_copy(previous, name)
                call_command("migrate", verbosity=0)
            built = True
        else:
            _use(name)
            built = False
        if not communities:
            communities = list(
                Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith="350102")
                .order_by("code")
                .values_list("code", "name")
            )
            codes = [c for c, _n in communities]
            newcomers_pool = noise.make_people(
                random.Random(args.seed + 99), 80_000, codes, start=50_000_000, ids=ids
            )
        before = loaded
        people_upto(size)
        grow = register[before:size]
        if built:
            offset = before + 1  # the templates hold only loaded people: pks 1..size
            generate.persons_load(noise.person_record(p, offset + k) for k, p in enumerate(grow))
            generate._reset_sequences([Person])
            t_load = time.perf_counter() - t
            t = time.perf_counter()
            # the blocking keys of the people the loader put in behind the app's back (an
            # app-registered person gets them as it is registered)
            keyed = keys_sync()  # those above the mark: the people just loaded
            with connection.cursor() as c:
                c.execute("VACUUM ANALYZE")
            say(
                f"<!-- template {name}: loaded {len(grow):,} people in {t_load:.0f} s; blocking keys "
                f"for {keyed:,} in {time.perf_counter() - t:.0f} s -->"
            )
        loaded = size
        previous = name
    if args.only_build:
        return

    with connection.cursor() as c:
        c.execute("SELECT version()")
        pg_version = c.fetchone()[0].split(" on ")[0]
    say(f"## import_scale — register {args.steps}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    say("")
    say(f"`{' '.join(sys.argv)}` · {pg_version} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    say("")
    say(
        "| register | extract rows | import (command) | per 10,000 rows | rows/s | batch linker (same rows vs whole register) | accepted / rejected / matched / created / review |"
    )
    say("|---:|---:|---:|---:|---:|---:|---|")
    for step_no, size in enumerate(steps):
        last = step_no == len(steps) - 1
        runs = [args.probe_rows] + ([args.rows] if last and args.rows else [])
        for run_no, rows in enumerate(runs):
            # every import into a fresh copy of the register of this size
            fresh_copy(template(size), run_db)
            call_command("migrate", verbosity=0)
            registered = Person.objects.count()
            admin_user = User.objects.get(username="bench")
            source = source_create(
                by=admin_user,
                department=Department.objects.get(code="bench-civil"),
                name=f"名册{size}-{run_no}",
                file_format="csv",
                columns=noise.COLUMNS,
                code_maps=noise.SEX_CODES,
                trust_rank=3,
            )
            newcomers = newcomers_pool[(2 * step_no + run_no) * 10_000 : (2 * step_no + run_no + 1) * 10_000]
            world = noise.extract(
                random.Random(args.seed + size + run_no),
                register[:size],
                communities,
                rows=rows,
                new_people=newcomers,
            )
            path = Path(f"/tmp/gz_bench_import_{size}_{run_no}.csv")
            path.write_bytes(noise.to_csv(world))

            # The batch linker on the same rows against the whole register (pool), same run.
            t_linker = None
            if not args.no_batch_linker and run_no == 0:
                t = time.perf_counter()
                from gongzhi.core import pii

                pool = [
                    linkage.LinkRecord(
                        key=f"p{pk}",
                        name=name,
                        id_number=pii.decrypt(id_enc),
                        birth_date=birth,
                        sex=sex,
                        phone=pii.decrypt(phone_enc),
                        address=address,
                        community=community,
                    )
                    for pk, name, birth, sex, id_enc, phone_enc, address, community in Person.objects.values_list(
                        "pk",
                        "name",
                        "birth_date",
                        "sex",
                        "id_number_encrypted",
                        "phone_encrypted",
                        "address",
                        "community_id",
                    ).iterator(chunk_size=20_000)
                ]
                recs = [
                    linkage.LinkRecord(
                        key=f"r{k}",
                        name=r["姓名"],
                        id_number=r["身份证号"],
                        birth_date=dt.date.fromisoformat(r["出生日期"]) if r["出生日期"] else None,
                        sex={"男": "M", "女": "F"}.get(r["性别"], ""),
                        phone=r["联系电话"],
                        address=r["住址"],
                        community=r["社区"] if r["社区"].isdigit() else "",
                    )
                    for k, r in enumerate(world.rows)
                ]
                t_build = time.perf_counter() - t
                t = time.perf_counter()
                linkage.link(recs, pool=pool, estimate=False)
                t_linker = time.perf_counter() - t
                say(f"<!-- batch linker input built in {t_build:.0f} s (pool read from the register) -->")
                del pool, recs

            _use("postgres")  # the command has the database to itself
            cmd = [
                str(ROOT / ".venv/bin/python"),
                str(ROOT / "manage.py"),
                "integration_import",
                str(source.pk),
                str(path),
                "--user",
                "bench",
            ]
            if args.profile:
                out = Path(args.profile) / f"import_{size}_{run_no}.speedscope.json"
                spy = os.environ.get("PY_SPY", "py-spy")
                cmd = [spy, "record", "-f", "speedscope", "-r", "50", "-o", str(out), "--", *cmd]
            env = dict(os.environ, DATABASE_URL=url)
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            marks = []
            tail = []
            assert proc.stdout is not None
            for line in proc.stdout:
                tail.append(line.rstrip())
                m = re.match(r"(\d+)/(\d+) rows", line)
                if m:
                    marks.append((int(m.group(1)), time.perf_counter() - t))
                    if rows >= 20_000 and marks[-1][0] % 10_000 == 0:
                        say(f"<!-- {marks[-1][0]:,} rows after {marks[-1][1]:.0f} s -->")
            proc.wait()
            t_import = time.perf_counter() - t
            if proc.returncode:
                say("command failed:\n" + "\n".join(tail[-30:]))
                raise SystemExit(1)
            per10k = t_import / rows * 10_000
            summary = tail[-1]
            m = re.search(
                r"accepted (\d+), rejected (\d+), matched (\d+), created (\d+), waiting for review (\d+)",
                summary,
            )
            outcome = " / ".join(m.groups()) if m else summary
            linker = f"{t_linker:.1f} s" if t_linker is not None else "—"
            say(
                f"| {registered:,} | {rows:,} | **{t_import:.0f} s** | **{per10k:.0f} s** | {rows / t_import:.0f} | "
                f"{linker} | {outcome} |"
            )
            # time per 10,000 rows along the full import (from the command's progress lines)
            if rows >= 20_000:
                prev_n, prev_t = 0, 0.0
                spans = []
                for n, tm in marks:
                    if n - prev_n >= 10_000 or n == rows:
                        spans.append(
                            f"{prev_n // 1000}k–{n // 1000}k: {(tm - prev_t) / (n - prev_n) * 10_000:.0f} s"
                        )
                        prev_n, prev_t = n, tm
                say("")
                say(
                    f"Per 10,000 rows along the {rows:,}-row import at {registered:,} people: "
                    + "; ".join(spans)
                )
                say("")
    say("")


if __name__ == "__main__":
    main()
