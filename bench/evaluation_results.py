"""Dual evaluation results at district scale: 100,000 household answers × 30 questions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_eval \\
        .venv/bin/python bench/evaluation_results.py --households 100000 --questions 30

The database is dropped and created again (the name must start with `gz_bench`). It is migrated,
the Fuzhou region codes imported, then 福州市鼓楼区's communities get N households (in the register's
own table), a residents' survey with Q scale questions, a sample of every household, a response per
household and Q answers per response (COPY). Measured, in the same run:

- `gongzhi.evaluation.selectors.survey_results` for a district user at community, street and district
  level (means, shares of satisfied, 95% confidence intervals, response rates, ranks);
- the baseline: a plain `SELECT community_id, question_id, count(*), avg(value) … GROUP BY` over the
  same answers.
Target: each level ≤ 2 s.

With `--items K`, K more questions rate an admitted item (an approved application covering every
community), answered by every response too; measured besides: `evaluation.outcomes.item_scores`
(what closing the survey reads to withdraw poorly rated items) and `survey_outcomes_apply`, against
the plain `GROUP BY community_id` over those questions' answers.
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
DISTRICT = "350102"


def _env(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault(
        "GONGZHI_FIELD_KEY", base64.urlsafe_b64encode(b"bench-evaluation-key-32-bytes-ok").decode()
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"


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


def _copy(cur, table: str, columns: list[str], rows) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _item_application(communities: list[str]):
    from gongzhi.admission.models import Application
    from gongzhi.core.models import Department, Region

    dept, _ = Department.objects.get_or_create(
        code="bench-dept", defaults={"name": "基准部门", "kind": "civil_affairs", "region_id": DISTRICT}
    )
    return Application.objects.create(
        region=Region.objects.get(code=DISTRICT),
        department=dept,
        kind="survey",
        title="基准：准入事项",
        communities=communities,
        period_start="2026-01-01",
        period_end="2026-12-31",
        hours_per_community=1,
        funding_per_community=0,
        legal_basis="基准",
        state="approved",
    )


def generate(n: int, questions: int, seed: int, items: int = 0) -> int:
    from django.db import connection
    from django.utils import timezone

    from gongzhi.core.models import Region
    from gongzhi.evaluation.models import Question, Survey

    rnd = random.Random(seed)
    communities = list(
        Region.objects.filter(code__startswith=DISTRICT, level=5)
        .order_by("code")
        .values_list("code", flat=True)
    )
    level = {c: rnd.uniform(3.0, 4.6) for c in communities}
    survey = Survey.objects.create(
        region_id=DISTRICT, title="基准：居民评社区", target="community", year=2026, state="closed"
    )
    Question.objects.bulk_create(
        Question(survey=survey, number=i, text=f"第{i}题", kind="scale") for i in range(1, questions + 1)
    )
    if items:
        app = _item_application(communities)
        Question.objects.bulk_create(
            Question(survey=survey, number=questions + i, text=f"事项{i}", kind="scale", application=app)
            for i in range(1, items + 1)
        )
    qids = list(Question.objects.filter(survey=survey).order_by("number").values_list("pk", flat=True))
    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as c:
        cur = c.connection.cursor()
        homes = [(communities[i % len(communities)], i) for i in range(n)]
        _copy(
            cur,
            "registry_household",
            ["community_id", "number", "kind", "created_at", "updated_at"],
            ((code, f"B{i:07d}", "family", now, now) for code, i in homes),
        )
        cur.execute("SELECT id, community_id FROM registry_household ORDER BY id")
        households = cur.fetchall()
        _copy(
            cur,
            "evaluation_samplehousehold",
            ["survey_id", "community_id", "household_id", "estate_id", "age_group", "code_hash"],
            ((survey.pk, code, hid, None, "?", f"{hid:064x}") for hid, code in households),
        )
        cur.execute(
            "SELECT id, community_id FROM evaluation_samplehousehold WHERE survey_id = %s ORDER BY id",
            [survey.pk],
        )
        samples = cur.fetchall()
        answered = [(sid, code) for sid, code in samples if rnd.random() < 0.85]
        _copy(
            cur,
            "evaluation_response",
            ["survey_id", "community_id", "sample_id", "channel", "at"],
            ((survey.pk, code, sid, "code", now) for sid, code in answered),
        )
        cur.execute(
            "SELECT id, community_id FROM evaluation_response WHERE survey_id = %s ORDER BY id", [survey.pk]
        )
        responses = cur.fetchall()

        def answers():
            for rid, code in responses:
                mu = level[code]
                for q in qids:
                    yield (rid, survey.pk, code, q, max(1, min(5, round(rnd.gauss(mu, 0.9)))), "")

        _copy(
            cur,
            "evaluation_answer",
            ["response_id", "survey_id", "community_id", "question_id", "value", "text"],
            answers(),
        )
        cur.execute("VACUUM ANALYZE evaluation_answer")
        cur.execute("VACUUM ANALYZE evaluation_response")
        cur.execute("VACUUM ANALYZE evaluation_samplehousehold")
    print(
        f"data: {n} households, {len(responses)} responses × {questions + items} questions"
        f" = {len(responses) * (questions + items)} answers "
        f"({time.perf_counter() - t:.0f} s)"
    )
    return survey.pk


def measure(survey_pk: int, runs: int) -> None:
    from django.db import connection

    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.evaluation import selectors
    from gongzhi.evaluation.models import Survey

    user, _ = User.objects.get_or_create(username="bench_district")
    RoleAssignment.objects.get_or_create(
        user=user, role="district_staff", region=Region.objects.get(code=DISTRICT)
    )
    survey = Survey.objects.get(pk=survey_pk)

    def baseline():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT community_id, question_id, count(*), avg(value) FROM evaluation_answer WHERE survey_id = %s "
                "GROUP BY community_id, question_id",
                [survey_pk],
            )
            return cur.fetchall()

    from gongzhi.evaluation import outcomes

    item_ids = list(survey.questions.filter(application__isnull=False).values_list("pk", flat=True))

    def item_baseline():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT question_id, community_id, count(*), avg(value) FROM evaluation_answer "
                "WHERE survey_id = %s AND question_id = ANY(%s) GROUP BY question_id, community_id",
                [survey_pk, item_ids],
            )
            return cur.fetchall()

    times: dict[str, list[float]] = {"baseline GROUP BY": []}
    for level in ("community", "street", "district"):
        times[f"survey_results {level}"] = []
    if item_ids:
        times["items baseline GROUP BY"] = []
        times["outcomes.item_scores"] = []
        times["survey_outcomes_apply"] = []
    for _ in range(runs):
        t = time.perf_counter()
        baseline()
        times["baseline GROUP BY"].append(time.perf_counter() - t)
        for level in ("community", "street", "district"):
            u = User.objects.get(pk=user.pk)  # a fresh request: role assignments read again
            t = time.perf_counter()
            rows = selectors.survey_results(survey=survey, user=u, level=level)
            times[f"survey_results {level}"].append(time.perf_counter() - t)
            assert rows and rows[0].mean is not None
        if item_ids:
            t = time.perf_counter()
            item_baseline()
            times["items baseline GROUP BY"].append(time.perf_counter() - t)
            t = time.perf_counter()
            scores = outcomes.item_scores(survey=survey)
            times["outcomes.item_scores"].append(time.perf_counter() - t)
            assert len(scores) == len(item_ids) and scores[0].overall.n > 0
            t = time.perf_counter()
            outcomes.survey_outcomes_apply(survey=survey)
            times["survey_outcomes_apply"].append(time.perf_counter() - t)
    base = statistics.median(times["baseline GROUP BY"])
    item_base = statistics.median(times.get("items baseline GROUP BY") or [base])
    print(f"{'query':<28}{'median s':>10}{'max s':>10}{'× baseline':>12}")
    for k, v in times.items():
        b = item_base if k.startswith(("items", "outcomes", "survey_outcomes")) else base
        print(f"{k:<28}{statistics.median(v):>10.3f}{max(v):>10.3f}{statistics.median(v) / b:>12.2f}")
    worst = max(max(v) for k, v in times.items() if k.startswith("survey_results"))
    print(f"target ≤ 2 s per level: {'met' if worst <= 2 else 'NOT met'} (worst {worst:.2f} s)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--questions", type=int, default=30)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--items", type=int, default=0, help="questions rating an admitted item (outcomes)")
    p.add_argument(
        "--reuse", action="store_true", help="measure again on the loaded database (skip generation)"
    )
    args = p.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database named gz_bench…")
    _env(url)
    if not args.reuse:
        _setup_database(url)
    import django

    django.setup()
    if args.reuse:
        from django.core.management import call_command

        from gongzhi.evaluation.models import Survey

        call_command("migrate", verbosity=0)  # a database loaded before the latest migrations

        measure(Survey.objects.get(title="基准：居民评社区").pk, args.runs)
        return
    from django.core.management import call_command

    from gongzhi.core.regions import regions_import

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    print(f"schema and regions: {time.perf_counter() - t:.0f} s")
    survey_pk = generate(args.households, args.questions, args.seed, args.items)
    measure(survey_pk, args.runs)


if __name__ == "__main__":
    main()
