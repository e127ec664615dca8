"""Writes of participatory budgeting: rounds, proposals, review, voting (roll frozen, one ballot per
voter by a UNIQUE "has voted" record, the ballot unlinked), tally with explanations, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .models import Ballot, BallotKind, Phase, Project, RollEntry, Round, Voted
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
    eligibility: str = "resident",
    min_age: int = 16,
    rule: str = "greedy",
) -> Round:
    require(by, rules.MANAGE, region.code)
    try:
        budget = Decimal(budget)
    except (InvalidOperation, TypeError):
        raise _err("bad_budget", gettext("预算须为正数。")) from None
    if budget <= 0 or not (title or "").strip():
        raise _err("bad_budget", gettext("请填写名称，预算须为正数。"))
    if rule not in ("greedy", "greedy-no-skip", "equalshares"):
        raise _err("bad_rule", gettext("未知的计票规则。"))
    return Round.objects.create(
        region=region,
        community=region if region.level == 5 else None,
        title=title.strip(),
        budget=budget,
        ballot_kind=ballot_kind,
        max_choices=max(1, max_choices),
        eligibility=eligibility,
        min_age=min_age,
        rule=rule,
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


def _check_choice(r: Round, project_ids: Sequence[int]) -> list[int]:
    ids = sorted({int(i) for i in project_ids})
    projects = {p.pk: p for p in r.projects.filter(pk__in=ids, state="feasible")}
    if not ids or len(projects) != len(ids):
        raise _err("bad_choice", gettext("请选择本次投票中的项目。"))
    if r.ballot_kind == BallotKind.APPROVAL and len(ids) > r.max_choices:
        raise _err("too_many", gettext("最多只能选 %(n)d 个项目。") % {"n": r.max_choices})
    if r.ballot_kind == BallotKind.KNAPSACK:
        total = sum(p.cost for p in projects.values())
        if total > r.budget:
            raise _err(
                "over_budget",
                gettext("所选项目合计 %(t)s 元，超过总预算 %(b)s 元。") % {"t": total, "b": r.budget},
            )
        if total < r.budget * r.min_spend:
            raise _err(
                "under_spend",
                gettext("所选项目合计须不少于总预算的 %(p)d%%。") % {"p": int(r.min_spend * 100)},
            )
    return ids


def _record(r: Round, key: str, ids: list[int], paper: bool) -> None:
    try:
        with transaction.atomic():
            Voted.objects.create(round=r, voter=key, paper=paper, at=clock.now())
    except IntegrityError:
        raise _err("already_voted", gettext("您已经投过票了。"), 409) from None
    Ballot.objects.create(round=r, projects=ids)


@transaction.atomic
def budget_ballot_cast(*, by, round: Round, project_ids: Sequence[int]) -> None:
    r = Round.objects.get(pk=round.pk)
    ROUND.require("vote", r, by)
    try:
        ids = _check_choice(r, project_ids)
    except (TypeError, ValueError):
        raise _err("bad_choice", gettext("请选择本次投票中的项目。")) from None
    key = voter_key(r, by)
    assert key is not None  # require("vote") refuses anyone not on the roll, so they have a key
    _record(r, key, ids, False)


@transaction.atomic
def budget_paper_ballots_record(*, by, round: Round, entries: Sequence[tuple[str, Sequence[int]]]) -> int:
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
    Ballot.objects.bulk_create([Ballot(round=r, projects=ids) for ids in checked])
    return len(keys)


def round_tally(r: Round) -> dict:
    """The results recomputed from the ballots, with why each project won or lost."""
    projects = [str(p) for p in r.projects.filter(state="feasible").values_list("id", flat=True)]
    costs = {str(p.pk): p.cost for p in r.projects.filter(state="feasible")}
    votes = [
        dict.fromkeys((str(i) for i in b), 1)
        for b in Ballot.objects.filter(round=r).values_list("projects", flat=True)
    ]
    if r.rule == "equalshares":
        res = equal_shares(projects, costs, votes, r.budget)
    else:
        res = greedy(projects, costs, votes, r.budget, skip=r.rule != "greedy-no-skip", rule=r.rule)
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
    """The round as a Pabulib file: anonymous voters (sequential ids), the stored selection."""
    from .pabulib import dumps

    feasible = list(r.projects.filter(state="feasible"))
    meta = {
        "description": r.title,
        "country": "China",
        "unit": r.region.name,
        "num_projects": len(feasible),
        "num_votes": r.ballots.count(),
        "budget": r.budget,
        "vote_type": "approval",
        "rule": r.rule,
        "currency": "CNY",
    }
    if r.ballot_kind == BallotKind.APPROVAL:
        meta["max_length"] = r.max_choices
    rows = [
        {"project_id": p.pk, "cost": p.cost, "votes": p.votes, "selected": int(p.selected), "name": p.title}
        for p in feasible
    ]
    votes: list[tuple[str, list[str], list[int] | None]] = [
        (str(i + 1), [str(x) for x in b], None)
        for i, b in enumerate(r.ballots.order_by("id").values_list("projects", flat=True))
    ]
    return dumps(meta, rows, votes)
