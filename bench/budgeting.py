"""Tally benchmark for 微实事: an approval election (default 100,000 voters × 100 projects), greedy
and the Method of Equal Shares (add-one completion), ours against pabutools on the same election in
the same run. Checks that the winners are identical and reports the time ratio (target ≤ 0.1×).

    PYTHONPATH=<dir with pabutools> .venv/bin/python bench/budgeting.py [--voters N] [--projects M]

pabutools is in the `bench` extras only (pyproject.toml). No database is used."""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from gongzhi.budgeting.tally import equal_shares, greedy  # noqa: E402


def election(voters: int, projects: int, seed: int):
    rng = random.Random(seed)
    costs = {f"p{i:03d}": Decimal(rng.randint(5, 200) * 1000 + i) for i in range(projects)}
    names = list(costs)
    weights = [rng.random() ** 3 + 0.01 for _ in names]
    votes = []
    for _ in range(voters):
        k = rng.randint(1, 8)
        votes.append(dict.fromkeys(set(rng.choices(names, weights, k=k)), 1))
    budget = (sum(costs.values()) * Decimal("0.3")).quantize(Decimal(1))
    return costs, votes, budget


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voters", type=int, default=100_000)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t0 = time.perf_counter()
    costs, votes, budget = election(a.voters, a.projects, a.seed)
    print(
        f"# {a.voters:,} voters × {a.projects} projects, budget {budget:,}; generated in {time.perf_counter() - t0:.1f} s"
    )
    print(f"# Python {platform.python_version()} · {os.cpu_count()} CPUs")
    names = list(costs)
    ours = {}
    for rule, fn in [("greedy", greedy), ("equalshares", equal_shares)]:
        t = time.perf_counter()
        r = fn(names, costs, votes, budget)
        ours[rule] = (sorted(r.selected), time.perf_counter() - t)
        print(f"ours {rule}: {ours[rule][1]:.2f} s, {len(r.selected)} selected, cost {r.cost:,}")
    try:
        from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
        from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    except ImportError:
        print("pabutools not installed: no reference run")
        return
    t = time.perf_counter()
    projs = {p: Project(p, int(c)) for p, c in costs.items()}
    inst = Instance(projs.values(), budget_limit=int(budget))
    prof = ApprovalProfile([ApprovalBallot([projs[p] for p in v]) for v in votes])
    print(f"pabutools instance built in {time.perf_counter() - t:.1f} s (not counted)")
    ref = {}
    t = time.perf_counter()
    ref["greedy"] = (
        sorted(p.name for p in greedy_utilitarian_welfare(inst, prof, sat_class=Cost_Sat)),
        time.perf_counter() - t,
    )
    print(f"pabutools greedy: {ref['greedy'][1]:.2f} s", flush=True)
    t = time.perf_counter()
    ref["equalshares"] = (
        sorted(
            p.name for p in method_of_equal_shares(inst, prof, sat_class=Cost_Sat, voter_budget_increment=1)
        ),
        time.perf_counter() - t,
    )
    print("| rule | ours s | pabutools s | ratio | identical winners |\n|---|---:|---:|---:|---|")
    for rule in ours:
        o, r = ours[rule], ref[rule]
        print(
            f"| {rule} | {o[1]:.2f} | {r[1]:.2f} | {o[1] / r[1]:.3f}× | {'yes' if o[0] == r[0] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
