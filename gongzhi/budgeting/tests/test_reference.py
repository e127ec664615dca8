"""Our greedy and Method of Equal Shares against pabutools (bench/test extras only; skipped when it
is not installed) on generated approval elections: identical winners."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from gongzhi.budgeting.tally import equal_shares, greedy

pabutools = pytest.importorskip("pabutools")


def _election(seed, n=150, m=12):
    rng = random.Random(seed)
    costs = {f"p{i:02d}": Decimal(rng.randint(10, 100) * 1000 + i) for i in range(m)}
    pop = {p: rng.random() for p in costs}
    votes = [
        dict.fromkeys(set(rng.choices(list(costs), [pop[p] ** 2 for p in costs], k=rng.randint(1, 5))), 1)
        for _ in range(n)
    ]
    return costs, votes, (sum(costs.values()) * Decimal("0.4")).quantize(Decimal(1))


@pytest.mark.parametrize("seed", range(8))
def test_same_winners_as_pabutools(seed):
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    costs, votes, budget = _election(seed)
    projs = {p: Project(p, int(c)) for p, c in costs.items()}
    inst = Instance(projs.values(), budget_limit=int(budget))
    prof = ApprovalProfile([ApprovalBallot([projs[p] for p in v]) for v in votes])
    ref_g = sorted(p.name for p in greedy_utilitarian_welfare(inst, prof, sat_class=Cost_Sat))
    ref_m = sorted(
        p.name for p in method_of_equal_shares(inst, prof, sat_class=Cost_Sat, voter_budget_increment=1)
    )
    assert sorted(greedy(list(costs), costs, votes, budget).selected) == ref_g
    assert sorted(equal_shares(list(costs), costs, votes, budget).selected) == ref_m
