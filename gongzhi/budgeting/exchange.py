"""Importing a Pabulib `.pb` file as a finished round: its projects, its (anonymous) ballots and
the rule its META names, tallied at once, so the results page explains every project and shows
whether the tally reproduces the file's `selected` column. A malformed file is refused with the
line at fault and nothing is created."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .models import Ballot, BallotKind, Phase, Project, Round
from .pabulib import Election, PabulibError, loads
from .tally import RULE_ALIASES

MAX_BYTES = 50 * 1024 * 1024
POINT_TYPES = ("cumulative", "scoring", "ordinal")


def _bad(exc: PabulibError) -> ApplicationError:
    return ApplicationError(
        "bad_pb", gettext("文件有误，未导入任何内容。%(why)s") % {"why": exc}, field="file"
    )


def _meta_line(e: Election, key: str) -> int:
    return e.meta_lines.get(key, 1)


def _checked(e: Election) -> tuple[Decimal, str, int]:
    """The budget, the rule and the greedy threshold the file names, each checked (errors name
    the line)."""
    if "budget" not in e.meta:
        raise PabulibError(1, gettext("META 段缺少 budget（总预算）"))
    budget = e.budget
    if budget <= 0 or budget != budget.to_integral_value():
        raise PabulibError(_meta_line(e, "budget"), gettext("budget 须为正整数"))
    rule = RULE_ALIASES.get(e.meta.get("rule", "greedy").strip().lower())
    if rule is None:
        raise PabulibError(
            _meta_line(e, "rule"), gettext("不支持的计票规则：%(r)s") % {"r": e.meta.get("rule", "")}
        )
    threshold = 0
    if "min_votes" in e.meta:
        try:
            threshold = int(Decimal(e.meta["min_votes"]))
        except ArithmeticError:
            raise PabulibError(_meta_line(e, "min_votes"), gettext("min_votes 须为整数")) from None
    for pid, row in e.projects.items():
        cost = e.costs[pid]
        if cost <= 0 or cost != cost.to_integral_value():
            raise PabulibError(int(row["_line"]), gettext("项目 %(id)s 的费用须为正整数") % {"id": pid})
    return budget, rule, threshold


@transaction.atomic
def round_import_pb(*, by, region: Region, data: bytes, filename: str = "", title: str = "") -> Round:
    """A round in its results phase, from a Pabulib file: projects (all feasible), ballots without
    voters, the file's rule; tallied here. Its results record whether they reproduce the file's
    `selected` column."""
    from .services import round_create, round_tally

    require(by, rules.MANAGE, region.code)
    if len(data) > MAX_BYTES:
        raise ApplicationError("bad_pb", gettext("文件超过 50 MB。"), field="file")
    try:
        e = loads(data)
        budget, rule, threshold = _checked(e)
    except PabulibError as exc:
        raise _bad(exc) from None
    points = e.vote_type in POINT_TYPES
    longest = max((len(v) for v in e.votes), default=1)
    r = round_create(
        by=by,
        region=region,
        title=(title or e.meta.get("description") or filename or gettext("导入的微实事")).strip()[:100],
        budget=budget,
        ballot_kind=BallotKind.CUMULATIVE if points else BallotKind.APPROVAL,
        max_choices=min(100, int(e.meta.get("max_length") or longest or 1)),
        points=min(1000, max(1, max((sum(v.values()) for v in e.votes), default=1))),
        rule=rule,
        min_votes=threshold,
    )
    created = Project.objects.bulk_create(
        [
            Project(
                round=r,
                title=(row.get("name") or gettext("项目 %(id)s") % {"id": pid})[:100],
                body=gettext("Pabulib 项目编号 %(id)s") % {"id": pid},
                cost=e.costs[pid],
                state="feasible",
            )
            for pid, row in e.projects.items()
        ]
    )
    pk_of = {pid: p.pk for pid, p in zip(e.projects, created, strict=True)}
    if any(p.pk is None for p in created):  # backends that do not return ids from bulk inserts
        pk_of = dict(zip(e.projects, r.projects.order_by("id").values_list("id", flat=True), strict=True))
    rows = []
    for v in e.votes:
        ids = sorted(pk_of[p] for p in v)
        by_pk = {pk_of[p]: pts for p, pts in v.items()}
        rows.append(Ballot(round=r, projects=ids, points=[by_pk[i] for i in ids] if points else None))
    Ballot.objects.bulk_create(rows, batch_size=5000)
    r.results = round_tally(r)
    in_file = e.selected_in_file()
    if in_file is not None:
        ours = sorted(p for p, row in r.results["projects"].items() if row["selected"])
        r.results["file_selected"] = sorted(str(pk_of[p]) for p in in_file)
        r.results["matches_file"] = ours == r.results["file_selected"]
    r.phase = Phase.RESULTS
    r.source = (filename or "pabulib")[:200]
    r.save(update_fields=["results", "phase", "source"])
    projects = list(r.projects.all())
    for p in projects:
        row = r.results["projects"][str(p.pk)]
        p.selected, p.votes, p.explanation = row["selected"], row["votes"], row["why"][:300]
    Project.objects.bulk_update(projects, ["selected", "votes", "explanation"])
    return r
