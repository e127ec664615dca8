"""Writes of participatory budgeting: rounds, proposals, review, voting (roll frozen, one ballot per
voter by a UNIQUE "has voted" record, the ballot unlinked), tally with explanations, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .models import Ballot, BallotKind, Eligibility, Phase, Project, RollEntry, Round, Rule, Voted
from .tally import equal_shares, greedy
from .workflow import ROUND


def _err(code, message, status=400):
    return ApplicationError(code, message, status=status)


def _locked(r: Round) -> Round:
    return Round.objects.select_for_update().get(pk=r.pk)


@transaction.atomic
def round_create(
    *,
    by,
    region: Region,
    title: str,
    budget,
    ballot_kind: str = BallotKind.APPROVAL,
    max_choices: int = 3,
    points: int = 10,
    min_spend=Decimal("0.70"),
    eligibility: str = "resident",
    min_age: int = 16,
    rule: str = "greedy",
    min_votes: int = 0,
    voting_closes_at: dt.datetime | None = None,
) -> Round:
    require(by, rules.MANAGE, region.code)
    try:
        budget = Decimal(budget)
        min_spend = Decimal(min_spend)
    except (InvalidOperation, TypeError):
        raise _err("bad_budget", gettext("预算须为正数。")) from None
    if not budget.is_finite() or budget <= 0 or budget != budget.to_integral_value() or budget >= 10**12:
        raise _err("bad_budget", gettext("预算须为正整数（元）。"))
    if not (title or "").strip():
        raise _err("title_required", gettext("请填写名称。"))
    if rule not in Rule.values:
        raise _err("bad_rule", gettext("未知的计票规则。"))
    if ballot_kind not in BallotKind.values or eligibility not in Eligibility.values:
        raise _err("bad_kind", gettext("请选择投票方式和投票资格。"))
    if not (1 <= int(max_choices) <= 100) or not (1 <= int(points) <= 1000):
        raise _err("bad_limits", gettext("最多可选项目数须在 1 到 100 之间，可分配分数须在 1 到 1000 之间。"))
    if not (0 <= int(min_age) <= 120) or int(min_votes) < 0:
        raise _err("bad_limits", gettext("最低年龄须在 0 到 120 岁之间，最低票数不能为负。"))
    if not (Decimal(0) <= min_spend <= Decimal(1)):
        raise _err("bad_limits", gettext("最低使用比例须在 0 到 1 之间（如 0.7）。"))
    if voting_closes_at is not None and voting_closes_at <= clock.now():
        raise _err("bad_close", gettext("投票截止时间须晚于现在。"))
    return Round.objects.create(
        region=region,
        community=region if region.level == 5 else None,
        title=title.strip()[:100],
        budget=budget,
        ballot_kind=ballot_kind,
        max_choices=int(max_choices),
        points=int(points),
        min_spend=min_spend.quantize(Decimal("0.01")),
        eligibility=eligibility,
        min_age=int(min_age),
        rule=rule,
        min_votes=int(min_votes),
        voting_closes_at=voting_closes_at,
    )


@transaction.atomic
def project_propose(*, by, round: Round, title: str, cost, body: str = "") -> Project:
    r = _locked(round)
    if not by.has_perm(rules.MANAGE, r) or r.phase != Phase.COLLECT:
        ROUND.require("propose", r, by)
    try:
        cost = Decimal(cost)
    except (InvalidOperation, TypeError):
        raise _err("bad_cost", gettext("估算费用须为正数。")) from None
    if cost <= 0 or not (title or "").strip():
        raise _err("bad_cost", gettext("请填写项目名称，估算费用须为正数。"))
    return Project.objects.create(round=r, title=title.strip()[:100], body=body, cost=cost, proposed_by=by)


@transaction.atomic
def round_advance(*, by, round: Round, step: str, at: dt.datetime | None = None) -> Round:
    """start_review, start_voting (freezes the roll), tally (stores the results), implement."""
    r = _locked(round)
    now = at or clock.now()
    ROUND.require(step, r, by, now=now)
    target = ROUND.steps[step].target
    if target is None:
        raise ValueError(f"{step!r} does not change the phase")
    r.phase = target
    if step == "start_voting":
        RollEntry.objects.bulk_create(
            [RollEntry(round=r, voter=k) for k in roll_keys(r, now.date())], batch_size=2000
        )
    if step == "tally":
        r.results = round_tally(r)
        for p in r.projects.all():
            row = r.results["projects"].get(str(p.pk))
            if row:
                p.selected, p.votes, p.explanation = row["selected"], row["votes"], row["why"][:300]
                p.save(update_fields=["selected", "votes", "explanation"])
    r.save()
    return r


@transaction.atomic
def project_review(*, by, project: Project, feasible: bool, reason: str = "", cost=None) -> Project:
    r = _locked(project.round)
    ROUND.require("review", r, by)
    if not feasible and not (reason or "").strip():
        raise _err("reason_required", gettext("未通过审核须写明理由。"))
    project = Project.objects.select_for_update().get(pk=project.pk, round=r)
    if cost is not None:
        try:
            project.cost = Decimal(cost)
        except (InvalidOperation, TypeError):
            raise _err("bad_cost", gettext("估算费用须为正数。")) from None
        if project.cost <= 0:
            raise _err("bad_cost", gettext("估算费用须为正数。"))
    project.state = "feasible" if feasible else "rejected"
    project.review_reason = (reason or "").strip()[:300]
    project.save()
    return project


def roll_keys(r: Round, day: dt.date) -> list[str]:
    from gongzhi.registry.models import Household, Person

    if r.eligibility == "household":
        households = Household.objects.filter(community__code__startswith=r.region_id)
        return [f"h:{i}" for i in households.values_list("id", flat=True)]
    try:
        cutoff = day.replace(year=day.year - r.min_age)
    except ValueError:
        cutoff = day.replace(year=day.year - r.min_age, day=28)
    qs = Person.objects.filter(
        community__code__startswith=r.region_id, status="active", birth_date__lte=cutoff
    )
    return [f"p:{i}" for i in qs.values_list("id", flat=True)]


def voter_key(r: Round, user) -> str | None:
    from gongzhi.deliberation.eligibility import household_of, person_of

    if r.eligibility == "household":
        h = household_of(user)
        return f"h:{h.pk}" if h else None
    p = person_of(user)
    return f"p:{p.pk}" if p else None


def roll_refusal(r: Round, user):
    key = voter_key(r, user)
    if key and RollEntry.objects.filter(round=r, voter=key).exists():
        if Voted.objects.filter(round=r, voter=key).exists():
            return _err("already_voted", gettext("您已经投过票了。"), 409)
        return None
    from gongzhi.deliberation.eligibility import age_on, person_of

    person = person_of(user)
    if person is None:
        return _err("no_person", gettext("您的账号尚未关联居民登记，无法投票。请联系社区工作人员。"))
    if not person.community_id.startswith(r.region_id):
        return _err(
            "outside_region", gettext("您不在本次投票的范围（%(region)s）内。") % {"region": r.region.name}
        )
    if r.eligibility == "resident" and (
        person.birth_date is None or age_on(person.birth_date, clock.now().date()) < r.min_age
    ):
        return _err("under_age", gettext("本次投票仅限年满 %(age)d 周岁的居民参加。") % {"age": r.min_age})
    return _err("not_in_roll", gettext("您不在本次投票的名册中（名册在投票开始时确定）。"))


Choice = Sequence[int] | Mapping[int, int]


def _check_choice(r: Round, choice: Choice) -> tuple[list[int], list[int] | None]:
    """The project ids chosen (sorted) and, for a cumulative ballot, the points given to each."""
    try:
        if isinstance(choice, Mapping):
            given = {int(k): int(v) for k, v in choice.items() if int(v) != 0}
        else:
            given = dict.fromkeys((int(i) for i in choice), 1)
    except (TypeError, ValueError):
        raise _err("bad_choice", gettext("请选择本次投票中的项目。")) from None
    ids = sorted(given)
    projects = {p.pk: p for p in r.projects.filter(pk__in=ids, state="feasible")}
    if not ids or len(projects) != len(ids):
        raise _err("bad_choice", gettext("请选择本次投票中的项目。"))
    if r.ballot_kind == BallotKind.CUMULATIVE:
        total = sum(given.values())
        if any(v < 0 for v in given.values()) or total > r.points:
            raise _err(
                "bad_points",
                gettext("每个项目的分数须为正整数，合计不超过 %(n)d 分（您分了 %(t)d 分）。")
                % {"n": r.points, "t": total},
            )
        return ids, [given[i] for i in ids]
    if isinstance(choice, Mapping) and any(v != 1 for v in given.values()):
        raise _err("bad_choice", gettext("请选择本次投票中的项目。"))
    if r.ballot_kind == BallotKind.APPROVAL and len(ids) > r.max_choices:
        raise _err("too_many", gettext("最多只能选 %(n)d 个项目。") % {"n": r.max_choices})
    if r.ballot_kind == BallotKind.KNAPSACK:
        total_cost = sum(p.cost for p in projects.values())
        if total_cost > r.budget:
            raise _err(
                "over_budget",
                gettext("所选项目合计 %(t)s 元，超过总预算 %(b)s 元。") % {"t": total_cost, "b": r.budget},
            )
        if total_cost < r.budget * r.min_spend:
            raise _err(
                "under_spend",
                gettext("所选项目合计须不少于总预算的 %(p)d%%。") % {"p": int(r.min_spend * 100)},
            )
    return ids, None


def _record(r: Round, key: str, checked: tuple[list[int], list[int] | None], paper: bool) -> None:
    try:
        with transaction.atomic():
            Voted.objects.create(round=r, voter=key, paper=paper, at=clock.now())
    except IntegrityError:
        raise _err("already_voted", gettext("您已经投过票了。"), 409) from None
    Ballot.objects.create(round=r, projects=checked[0], points=checked[1])


@transaction.atomic
def budget_ballot_cast(*, by, round: Round, project_ids: Choice) -> None:
    """An online ballot: project ids (approval, knapsack) or {project id: points} (cumulative).
    The UNIQUE "has voted" record refuses a second ballot however many arrive at once; the ballot
    itself carries no voter."""
    r = Round.objects.get(pk=round.pk)
    ROUND.require("vote", r, by)
    checked = _check_choice(r, project_ids)
    key = voter_key(r, by)
    assert key is not None  # require("vote") refuses anyone not on the roll, so they have a key
    _record(r, key, checked, False)


@transaction.atomic
def budget_paper_ballots_record(*, by, round: Round, entries: Sequence[tuple[str, Choice]]) -> int:
    """Paper ballots collected at the booth, entered by staff with the voter's roll key: each voter
    once (the UNIQUE refuses a second), only voters on the frozen roll."""
    r = Round.objects.get(pk=round.pk)
    ROUND.require("paper", r, by)
    keys = [k for k, _ids in entries]
    on_roll = set(RollEntry.objects.filter(round=r, voter__in=keys).values_list("voter", flat=True))
    if len(on_roll) != len(set(keys)) or len(set(keys)) != len(keys):
        raise _err("not_in_roll", gettext("有选票的投票人不在名册中或重复。"))
    checked = [_check_choice(r, ids) for _k, ids in entries]
    try:
        with transaction.atomic():
            Voted.objects.bulk_create([Voted(round=r, voter=k, paper=True) for k in keys])
    except IntegrityError:
        raise _err("already_voted", gettext("有投票人已经投过票。"), 409) from None
    Ballot.objects.bulk_create(
        [Ballot(round=r, projects=ids, points=pts) for ids, pts in checked], batch_size=2000
    )
    return len(keys)


def round_votes(r: Round) -> list[dict[str, int]]:
    """Every ballot as {project id: points} (approval and knapsack: 1 point each)."""
    out = []
    for ids, pts in (
        Ballot.objects.filter(round=r).values_list("projects", "points").iterator(chunk_size=5000)
    ):
        out.append(
            dict(zip((str(i) for i in ids), pts, strict=True)) if pts else dict.fromkeys(map(str, ids), 1)
        )
    return out


def round_tally(r: Round) -> dict:
    """The results recomputed from the ballots with the round's rule, with why each project won
    or lost."""
    feasible = list(r.projects.filter(state="feasible").order_by("id"))
    projects = [str(p.pk) for p in feasible]
    costs = {str(p.pk): p.cost for p in feasible}
    votes = round_votes(r)
    if r.rule == Rule.EQUAL_SHARES:
        res = equal_shares(projects, costs, votes, r.budget)
    else:
        res = greedy(
            projects,
            costs,
            votes,
            r.budget,
            skip=r.rule != Rule.GREEDY_NO_SKIP,
            threshold=r.min_votes if r.rule == Rule.GREEDY_THRESHOLD else 0,
            rule=r.rule,
        )
    chosen = set(res.selected)
    return {
        "rule": res.rule,
        "cost": str(res.cost),
        "ballots": len(votes),
        "projects": {
            p: {"votes": res.scores[p], "selected": p in chosen, "why": res.explanations[p]} for p in projects
        },
    }


@transaction.atomic
def project_progress(*, by, project: Project, progress: int, note: str) -> Project:
    r = _locked(project.round)
    ROUND.require("progress", r, by)
    project = Project.objects.select_for_update().get(pk=project.pk, round=r)
    if not project.selected or not (0 <= int(progress) <= 100) or int(progress) < project.progress:
        raise _err("progress_range", gettext("只有入选项目可填报进度；进度须在 0 到 100 之间且不低于上次。"))
    project.progress, project.progress_note = int(progress), (note or "").strip()[:300]
    project.save(update_fields=["progress", "progress_note"])
    return project


def round_export_pb(r: Round) -> str:
    """The round as a Pabulib file: anonymous voters (sequential ids, ballots in random order),
    the stored selection, the rule and its parameters in META."""
    from .pabulib import dumps

    feasible = list(r.projects.filter(state="feasible").order_by("id"))
    cumulative = r.ballot_kind == BallotKind.CUMULATIVE
    meta: dict = {
        "description": r.title,
        "country": "China",
        "unit": r.region.name,
        "num_projects": len(feasible),
        "num_votes": r.ballots.count(),
        "budget": r.budget,
        "vote_type": "cumulative" if cumulative else "approval",
        "rule": r.rule,
        "currency": "CNY",
    }
    if r.ballot_kind == BallotKind.APPROVAL:
        meta["max_length"] = r.max_choices
    if r.ballot_kind == BallotKind.KNAPSACK:
        meta["max_sum_cost"] = r.budget
    if cumulative:
        meta["max_sum_points"] = r.points
    if r.rule == Rule.GREEDY_THRESHOLD:
        meta["min_votes"] = r.min_votes
    rows = [
        {"project_id": p.pk, "cost": p.cost, "votes": p.votes, "selected": int(p.selected), "name": p.title}
        for p in feasible
    ]
    votes: list[tuple[str, list[str], list[int] | None]] = [
        (str(i + 1), [str(x) for x in ids], list(pts) if cumulative and pts else None)
        for i, (ids, pts) in enumerate(r.ballots.order_by("id").values_list("projects", "points"))
    ]
    return dumps(meta, rows, votes)
