"""1,000 voters cast 微实事 ballots through the application server on PostgreSQL (issue 10).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz_bench_voters \\
        .venv/bin/python bench/budgeting_voters.py --voters 1000

Set-up (not timed): the regions, `--voters` residents of 军门社区 in the registry, each with a
resident account linked to its person and an API token; a round with 12 costed projects taken
through review into voting (the roll frozen from the registry when voting opens).

Then gunicorn is started as `gongzhi serve` starts it (`--workers`), and every voter POSTs
`/api/budgeting/rounds/{id}/ballot` (approval, 3 projects) on a connection of its own:

1. steady arrival: the voters arrive over `--window` seconds (a Poisson process), each request
   timed from its own start; this is what a vote of 1,000 residents looks like on a server;
2. burst: `--burst` further requests released together by a barrier, every one a second ballot
   by a voter who already voted (must be refused: 409), to show the queue when everyone presses
   at the same moment.

Reported: p50/p95/max latency and errors (anything but 201 in 1, anything but 409 in 2), the
ballots counted in the database afterwards (must equal the voters), and the baseline: the same
server answering `GET /api/budgeting/rounds/{id}` (an authenticated read) at the same arrival rate.
The database is dropped and created again (its name must start with gz_bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bookings import _free_port, _p95, _setup  # noqa: E402

JUNMEN = "350102004001"


def _args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--voters", type=int, default=1000)
    p.add_argument("--window", type=float, default=60.0, help="seconds over which the voters arrive")
    p.add_argument("--burst", type=int, default=200, help="second ballots released at once")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def _load(n: int) -> dict:
    from gongzhi.budgeting import services as s
    from gongzhi.core.models import Region, RoleAssignment, User
    from gongzhi.core.regions import regions_import
    from gongzhi.core.tokens import api_token_create
    from gongzhi.registry.models import Person

    regions_import(paths=sorted((ROOT / "gongzhi/core/data/regions").glob("*.csv")))
    community = Region.objects.get(code=JUNMEN)
    staff = User.objects.create(username="bench-staff")
    RoleAssignment.objects.create(user=staff, role="community_worker", region=community, active=True)
    people = Person.objects.bulk_create(
        Person(
            community=community,
            name=f"投票人{i}",
            sex="MF"[i % 2],
            birth_date=dt.date(1950 + i % 50, 1 + i % 12, 1),
        )
        for i in range(n)
    )
    users = User.objects.bulk_create(
        User(username=f"bench-voter-{i}", person=p) for i, p in enumerate(people)
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role="resident", region=community, active=True) for u in users
    )
    keys = [api_token_create(user=u, name="bench")[1] for u in users]
    r = s.round_create(by=staff, region=community, title="军门社区微实事（压测）", budget=300000)
    projects = [
        s.project_propose(by=staff, round=r, title=f"项目{i}", cost=20000 + 5000 * i) for i in range(12)
    ]
    s.round_advance(by=staff, round=r, step="start_review")
    for p in projects:
        s.project_review(by=staff, project=p, feasible=True)
    s.round_advance(by=staff, round=r, step="start_voting")
    return {"round": r.pk, "projects": [p.pk for p in projects], "keys": keys}


def _wait_up(port: int, path: str) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def _fire(
    port: int, requests: list[tuple[float, str, str, str | None, str]], barrier=None
) -> list[tuple[int, float]]:
    """Each request (start offset s, method, path, body, key) on its own thread and connection."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    t0 = time.perf_counter() + 1.0

    def run(offset: float, method: str, path: str, body: str | None, key: str) -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if barrier is not None:
            barrier.wait(300)
        else:
            time.sleep(max(0.0, t0 + offset - time.perf_counter()))
        t = time.perf_counter()
        try:
            c.request(method, path, body, headers)
            resp = c.getresponse()
            resp.read()
            status = resp.status
        except OSError:
            status = 0
        with lock:
            results.append((status, (time.perf_counter() - t) * 1000))

    threads = [threading.Thread(target=run, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(900)
    return results


def _line(label: str, results: list[tuple[int, float]], ok: int) -> str:
    lat = [ms for _s, ms in results]
    errors = sum(1 for s, _ms in results if s != ok)
    return (
        f"| {label} | {len(results)} | {statistics.median(lat):.0f} | {_p95(lat):.0f} | {max(lat):.0f} "
        f"| {errors} |"
    )


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
    from django.core.management import call_command
    from django.db import connections

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    data = _load(args.voters)
    print(
        f"set-up (migrate, {args.voters} residents and accounts, round in voting): {time.perf_counter() - t:.0f} s"
    )
    from gongzhi.budgeting.models import Ballot, RollEntry

    rid, projects, keys = data["round"], data["projects"], data["keys"]
    print(f"roll frozen at voting: {RollEntry.objects.filter(round_id=rid).count()} voters")
    connections.close_all()
    from gongzhi.core.server import gunicorn_argv

    port = _free_port()
    proc = subprocess.Popen(
        gunicorn_argv(bind=f"127.0.0.1:{port}", workers=args.workers, access_log="/dev/null"),
        cwd=ROOT,
        env={**os.environ, "GONGZHI_WEB_MAX_REQUESTS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rng = random.Random(args.seed)
    try:
        _wait_up(port, f"/api/budgeting/rounds/{rid}")
        rate = args.voters / args.window

        def arrivals(n: int) -> list[float]:
            at, out = 0.0, []
            for _ in range(n):
                at += rng.expovariate(rate)
                out.append(at)
            return out

        path = f"/api/budgeting/rounds/{rid}"
        reads = _fire(port, [(a, "GET", path, None, keys[i]) for i, a in enumerate(arrivals(args.voters))])
        ballots = []
        for i, a in enumerate(arrivals(args.voters)):
            body = json.dumps({"projects": rng.sample(projects, 3)})
            ballots.append((a, "POST", path + "/ballot", body, keys[i]))
        cast = _fire(port, ballots)
        again = [
            (0.0, "POST", path + "/ballot", json.dumps({"projects": projects[:3]}), keys[i])
            for i in rng.sample(range(args.voters), args.burst)
        ]
        burst = _fire(port, again, barrier=threading.Barrier(len(again)))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    stored = Ballot.objects.filter(round_id=rid).count()
    print(
        f"\ngunicorn, {args.workers} workers; {args.voters} voters arriving over {args.window:.0f} s "
        f"({rate:.1f}/s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print("| requests | n | p50 ms | p95 ms | max ms | errors |\n|---|---|---|---|---|---|")
    print(_line("baseline: `GET /api/budgeting/rounds/{id}` (authenticated read), same arrivals", reads, 200))
    print(_line("ballots: `POST …/ballot` (approval, 3 of 12), one per voter", cast, 201))
    print(_line(f"burst: {args.burst} second ballots released together (must be 409)", burst, 409))
    b95, c95 = _p95([ms for _s, ms in reads]), _p95([ms for _s, ms in cast])
    print(f"\nballots p95 / baseline p95: {c95 / b95:.1f}; ballots stored: {stored} (voters: {args.voters})")


if __name__ == "__main__":
    main()
