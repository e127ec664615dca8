"""The 微实事 API (thin): a round with what the caller may do now, and casting a ballot — the
resident app's path, and the one the 1,000-voter benchmark drives (bench/budgeting_voters.py)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.schemas import ErrorOut

from . import selectors, services
from .workflow import ROUND

router = Router(tags=["budgeting"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ProjectOut(Schema):
    id: int
    title: str
    cost: int
    state: str
    votes: int
    selected: bool
    explanation: str
    # Made from a council's resolution (deliberation): the topic it was decided on.
    resolution_topic_id: int | None = None


class RoundOut(Schema):
    id: int
    title: str
    region: str
    budget: int
    phase: str
    ballot_kind: str
    max_choices: int
    points: int
    rule: str
    projects: list[ProjectOut]
    allowed_actions: list[str]


class BallotIn(Schema):
    projects: list[int] = []
    points: dict[int, int] = {}  # cumulative ballots: project id → points


class BallotOut(Schema):
    ok: bool


def _round(request, r) -> dict:
    visible = r.projects.all() if r.phase in ("collect", "review") else r.projects.filter(state="feasible")
    return {
        "id": r.pk,
        "title": r.title,
        "region": r.region_id,
        "budget": int(r.budget),
        "phase": r.phase,
        "ballot_kind": r.ballot_kind,
        "max_choices": r.max_choices,
        "points": r.points,
        "rule": r.rule,
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "cost": int(p.cost),
                "state": p.state,
                "votes": p.votes,
                "selected": p.selected,
                "explanation": p.explanation,
                "resolution_topic_id": getattr(getattr(p, "from_resolution", None), "topic_id", None),
            }
            for p in visible.select_related("from_resolution").order_by("id")
        ],
        "allowed_actions": ROUND.allowed(r, request.auth),
    }


@router.get("/rounds/{round_id}", response={200: RoundOut, **ERRORS}, summary="A 微实事 round")
def round_get(request, round_id: int):
    return _round(request, selectors.round_get(user=request.auth, pk=round_id))


@router.post(
    "/rounds/{round_id}/ballot",
    response={201: BallotOut, **ERRORS},
    summary="Cast my ballot (project ids; or points per project for a cumulative round)",
)
def ballot(request, round_id: int, payload: BallotIn):
    r = selectors.round_get(user=request.auth, pk=round_id)
    services.budget_ballot_cast(
        by=request.auth, round=r, project_ids=payload.points if payload.points else payload.projects
    )
    return Status(201, {"ok": True})
