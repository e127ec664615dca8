"""Department import at district scale on PostgreSQL, through the real command.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_import \\
        .venv/bin/python bench/import_scale.py --steps 100000,500000,1000000 --probe-rows 10000 \\
        --rows 100000

The database named in DATABASE_URL is dropped and created again (its name must start with
`gz_bench`). The register grows through the given sizes (people loaded with the project's
loader, `generate.persons_load`); at each size a fresh extract of `--probe-rows` rows is
imported with `manage.py integration_import` in a subprocess (the command a district runs)
and its time per 10,000 rows is reported; at the last size the full `--rows` extract is
imported. Beside each import, the batch linker (`linkage.link`) links the same extract's
rows against the whole register as its pool, in the same run. Extracts come from the
independent noise model of the tests (gongzhi/integration/tests/noise.py): 85% of rows are
about registered people, 15% about people the register does not know. Markdown to stdout.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
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


def main() -> None:  # noqa: C901, PLR0915 - one script, read top to bottom
    args = _args()
    steps = [int(x) for x in args.steps.split(",")]
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gz_bench_linkage_import")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("GONGZHI_FIELD_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["CONN_MAX_AGE"] = "0"
    _setup_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongzhi.core.models import Department, Region, RegionLevel, User
    from gongzhi.core.regions import regions_import
    from gongzhi.integration import linkage
    from gongzhi.integration.models import SourceRecord
    from gongzhi.integration.services import source_create
    from gongzhi.integration.tests import noise
    from gongzhi.registry import generate
    from gongzhi.registry.models import Person

    def say(line: str = "") -> None:
        print(line, flush=True)

    with connection.cursor() as c:
        c.execute("SELECT version()")
        pg_version = c.fetchone()[0].split(" on ")[0]
    say(f"## import_scale — register {args.steps}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    say("")
    say(f"`{' '.join(sys.argv)}` · {pg_version} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    say("")
    call_command("migrate", verbosity=0)
    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    communities = list(
        Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith="350102")
        .order_by("code")
        .values_list("code", "name")
    )
    codes = [c for c, _n in communities]
    admin = User.objects.create_superuser("bench", password="x")
    department = Department.objects.create(
        name="鼓楼区民政局", kind="civil_affairs", code="bench-civil", region_id="350102"
    )
    rng = random.Random(args.seed)
    register: list = []
    next_key = 0
    ids = noise.Ids()
    newcomers_pool = noise.make_people(
        random.Random(args.seed + 99), 80_000, codes, start=50_000_000, ids=ids
    )

    say(
        "| register | extract rows | import (command) | per 10,000 rows | rows/s | batch linker (same rows vs whole register) | accepted / rejected / matched / created / review |"
    )
    say("|---:|---:|---:|---:|---:|---:|---|")
    results = []
    for step_no, size in enumerate(steps):
        t = time.perf_counter()
        grow = noise.make_people(rng, size - len(register), codes, start=next_key, ids=ids)
        next_key += len(grow) + 1
        offset = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        generate.persons_load(noise.person_record(p, offset + k) for k, p in enumerate(grow))
        generate._reset_sequences([Person])
        register.extend(grow)
        with connection.cursor() as c:
            c.execute("ANALYZE")
        t_load = time.perf_counter() - t
        registered = Person.objects.count()
        # the blocking keys of the people the loader bypassed the app for, built once (an
        # app-registered person gets them as it is registered)
        t = time.perf_counter()
        from gongzhi.integration.batchlink import keys_sync

        built = keys_sync()
        with connection.cursor() as c:
            c.execute("ANALYZE integration_personlinkkey")
        t_keys = time.perf_counter() - t
        say(
            f"<!-- register {registered:,}: loaded {len(grow):,} people in {t_load:.0f} s; "
            f"blocking keys for {built:,} people in {t_keys:.0f} s -->"
        )

        last = step_no == len(steps) - 1
        runs = [args.probe_rows] + ([args.rows] if last and args.rows else [])
        for run_no, rows in enumerate(runs):
            source = source_create(
                by=admin,
                department=department,
                name=f"名册{size}-{run_no}",
                file_format="csv",
                columns=noise.COLUMNS,
                code_maps=noise.SEX_CODES,
                trust_rank=3,
            )
            newcomers = newcomers_pool[(2 * step_no + run_no) * 10_000 : (2 * step_no + run_no + 1) * 10_000]
            world = noise.extract(
                random.Random(args.seed + size + run_no),
                register,
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

            cmd = [
                str(ROOT / ".venv/bin/python"),
                str(ROOT / "manage.py"),
                "integration_import",
                str(source.pk),
                str(path),
                "--user",
                "bench",
            ]
            env = dict(os.environ)
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
            counts = SourceRecord.objects.filter(source=source)
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
            results.append((registered, rows, t_import, per10k, t_linker, counts.count()))
    say("")


if __name__ == "__main__":
    main()
