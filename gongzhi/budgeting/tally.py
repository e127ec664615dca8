"""Tally rules for participatory budgeting, with an explanation for every project.

- greedy: by score (votes; points for cumulative/ordinal ballots), highest first; a project that does
  not fit the remaining budget is skipped and the next one tried;
- greedy-no-skip: the same, but stop at the first project that does not fit;
- greedy-threshold: greedy over the projects whose score reaches a minimum;
- equalshares: the Method of Equal Shares with cost utilities (a voter's utility of a project is its
  cost times their points; approval: 1 point), each voter holding an equal share of the budget, with
  the add-one completion (raise every voter's share by 1 while the outcome still fits the budget),
  as on equalshares.net and in pabutools.

Ties are broken by the order of the projects in the election (as pabutools' lexicographic
tie-breaking does on Pabulib's ids). Pure Python plus
numpy: nothing here touches the database."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _

RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "equalshares")
# How Pabulib files name their rule in META `rule`.
RULE_ALIASES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-noskip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "equalshares",
    "equalshares/add1": "equalshares",
    "mes": "equalshares",
}


@dataclass
class Result:
    rule: str
    selected: list[str]
    cost: Decimal
    explanations: dict[str, str] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "selected": self.selected,
            "cost": _num(self.cost),
            "seconds": round(self.seconds, 4),
        }


def _num(d: Decimal):
    return int(d) if d == d.to_integral_value() else float(d)


def money(d, currency: str = "CNY") -> str:
    d = Decimal(d)
    if currency.upper() not in ("CNY", "RMB", ""):
        return f"{_num(d)} {currency}"
    if abs(d) >= 10000:
        return _("%(n)s 万元") % {"n": f"{d / 10000:.1f}".rstrip("0").rstrip(".")}
    return _("%(n)s 元") % {"n": f"{d:.0f}"}


def scores_of(projects: list[str], votes: list[dict[str, int]]) -> dict[str, int]:
    s = dict.fromkeys(projects, 0)
    for v in votes:
        for p, pts in v.items():
            s[p] += pts
    return s


def _order(projects, costs, scores):
    pos = {p: i for i, p in enumerate(projects)}
    return sorted(projects, key=lambda p: (-scores[p], pos[p]))


def greedy(projects, costs, votes, budget, *, skip=True, threshold=0, currency="CNY", rule=None) -> Result:
    started = time.perf_counter()
    scores = scores_of(projects, votes)
    left = Decimal(budget)
    chosen, why, stopped = [], {}, False
    for rank, p in enumerate(_order(projects, costs, scores), start=1):
        ctx = {
            "rank": rank,
            "votes": scores[p],
            "cost": money(costs[p], currency),
            "left": money(left, currency),
        }
        if scores[p] < threshold:
            why[p] = _("得票 %(votes)d，未达最低票数 %(t)d") % {**ctx, "t": threshold}
        elif stopped:
            why[p] = _("票数第 %(rank)d；排在前面的项目预算不足，按不跳过规则到此停止") % ctx
        elif costs[p] <= left:
            chosen.append(p)
            left -= costs[p]
            why[p] = _("票数第 %(rank)d（%(votes)d 票），入选；所需 %(cost)s") % ctx
        else:
            why[p] = _("票数第 %(rank)d，但剩余预算 %(left)s 不足其 %(cost)s") % ctx
            stopped = not skip
    name = rule or (
        "greedy" if skip and not threshold else "greedy-no-skip" if not skip else "greedy-threshold"
    )
    chosen_sorted = [p for p in projects if p in set(chosen)]
    return Result(
        name,
        chosen_sorted,
        sum((costs[p] for p in chosen), Decimal(0)),
        why,
        scores,
        time.perf_counter() - started,
    )


class _MES:
    """Supporters and their points per project as numpy arrays, built once."""

    def __init__(self, projects, costs, votes):
        self.projects = list(projects)
        self.cost = {p: float(costs[p]) for p in projects}
        self.n = len(votes)
        rows: dict[str, list[int]] = {p: [] for p in projects}
        pts: dict[str, list[float]] = {p: [] for p in projects}
        for i, v in enumerate(votes):
            for p, w in v.items():
                if w > 0:
                    rows[p].append(i)
                    pts[p].append(float(w))
        self.idx = {p: np.asarray(rows[p], dtype=np.int64) for p in projects}
        self.w = {p: np.asarray(pts[p], dtype=np.float64) for p in projects}

    def run(self, total: float):
        """Equal shares with a fixed budget (equalshares.net's algorithm, cost utilities)."""
        b = np.full(self.n, total / self.n if self.n else 0.0)
        remaining = {
            p: float(self.w[p].sum()) for p in self.projects if self.cost[p] > 0 and len(self.idx[p])
        }
        winners, rounds = [], {}
        while True:
            best, best_eff = None, 0.0
            for p in sorted(remaining, key=lambda c: remaining[c], reverse=True):
                if remaining[p] < best_eff:
                    break
                idx, w, cost = self.idx[p], self.w[p], self.cost[p]
                bb = b[idx]
                if bb.sum() < cost:
                    del remaining[p]
                    continue
                order = np.argsort(bb / w, kind="stable")
                bs, ws = bb[order], w[order]
                paid = np.concatenate(([0.0], np.cumsum(bs)[:-1]))
                denom = ws.sum() - np.concatenate(([0.0], np.cumsum(ws)[:-1]))
                with np.errstate(divide="ignore", invalid="ignore"):
                    rho = (cost - paid) / denom
                ok = np.nonzero(rho * ws <= bs)[0]
                if not len(ok):
                    del remaining[p]
                    continue
                eff = cost / rho[ok[0]]
                remaining[p] = eff
                if eff > best_eff:
                    best, best_eff = p, eff
            if best is None:
                break
            winners.append(best)
            del remaining[best]
            rho = self.cost[best] / best_eff
            idx = self.idx[best]
            pay = np.minimum(b[idx], rho * self.w[best])
            b[idx] -= pay
            rounds[best] = (len(winners), rho)
        return winners, rounds, b


def equal_shares(projects, costs, votes, budget, *, currency="CNY") -> Result:
    started = time.perf_counter()
    scores = scores_of(projects, votes)
    budget = Decimal(budget)
    mes = _MES(projects, costs, votes)
    total = float(budget)
    winners, rounds, b = mes.run(total)

    def cost_of(ws):
        return sum((costs[p] for p in ws), Decimal(0))

    # Add-one completion: raise the budget one unit per voter at a time while the outcome still fits.
    # With a large budget and few voters that is thousands of runs, so a step is never finer than
    # 1% of the budget (the same outcome as unit steps whenever the budget is under 100 units per
    # voter, which covers the hand-worked and Pabulib comparisons; bounded work otherwise).
    step = max(float(mes.n), total / 100)
    for _attempt in range(10_000):  # a bound: each step raises the budget by at least 1%
        if not mes.n:
            break
        spent = cost_of(winners)
        # Exhaustive, counting only projects someone voted for: a project nobody supports is never
        # chosen by equal shares, however much the budget grows (this loop never ended on one).
        if all(p in winners or spent + costs[p] > budget or not len(mes.idx[p]) for p in projects):
            break
        nxt = mes.run(total + step)
        if cost_of(nxt[0]) <= budget:
            total += step
            winners, rounds, b = nxt
        else:
            break
    chosen = set(winners)
    why = {}
    for p in projects:
        if p in chosen:
            k, rho = rounds[p]
            why[p] = _("第 %(k)d 轮入选：每位支持者按得分最多负担 %(pay)s") % {
                "k": k,
                "pay": money(Decimal(str(round(rho, 2))), currency),
            }
        else:
            behind = Decimal(str(round(float(b[mes.idx[p]].sum()), 2))) if len(mes.idx[p]) else Decimal(0)
            why[p] = _("支持者剩余的预算份额合计 %(m)s，不足其 %(cost)s") % {
                "m": money(behind, currency),
                "cost": money(costs[p], currency),
            }
    ordered = [p for p in projects if p in chosen]
    return Result("equalshares", ordered, cost_of(ordered), why, scores, time.perf_counter() - started)


def tally(election, rule: str | None = None, *, threshold: int | None = None) -> Result:
    """Tally a pabulib.Election with `rule` (default: the rule its META names, else greedy)."""
    name = RULE_ALIASES.get((rule or election.meta.get("rule", "greedy")).strip().lower())
    if name is None:
        raise ValueError(_("未知的计票规则：%(r)s（可用：%(all)s）") % {"r": rule, "all": ", ".join(RULES)})
    projects = list(election.projects)
    currency = election.meta.get("currency", "CNY")
    if name == "equalshares":
        return equal_shares(projects, election.costs, election.votes, election.budget, currency=currency)
    t = threshold if threshold is not None else int(Decimal(election.meta.get("min_votes", "0") or 0))
    return greedy(
        projects,
        election.costs,
        election.votes,
        election.budget,
        skip=name != "greedy-no-skip",
        threshold=t if name == "greedy-threshold" else 0,
        currency=currency,
        rule=name,
    )
