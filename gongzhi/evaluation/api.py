"""The evaluation API: results (aggregates only) and the public answer by one-time code."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from gongzhi.core.schemas import ErrorOut

from . import selectors, services

router = Router(tags=["evaluation"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class UnitOut(Schema):
    code: str
    name: str
    rank: int
    sampled: int
    responded: int
    response_rate: float | None
    mean: float | None
    mean_low: float | None
    mean_high: float | None
    satisfied: float | None
    satisfied_low: float | None
    satisfied_high: float | None


class DepartmentOut(Schema):
    department_id: int
    name: str
    communities: int
    shown: bool
    mean: float | None
    mean_low: float | None
    mean_high: float | None
    rank: int


class AnswerIn(Schema):
    code: str
    answers: dict[str, int | str]


class OkOut(Schema):
    ok: bool


@router.get(
    "/{pk}/results/", response={200: list[UnitOut], **ERRORS}, summary="Residents' survey results per unit"
)
def results(request, pk: int, level: str = "community"):
    survey = selectors.survey_get(user=request.auth, pk=pk)
    return [
        {**r.__dict__, "response_rate": r.response_rate}
        for r in selectors.survey_results(survey=survey, user=request.auth, level=level)
    ]


@router.get(
    "/{pk}/departments/",
    response={200: list[DepartmentOut], **ERRORS},
    summary="Departments' aggregated results",
)
def departments(request, pk: int):
    survey = selectors.survey_get(user=request.auth, pk=pk)
    return [r.__dict__ for r in selectors.department_results(survey=survey, user=request.auth)]


@router.post(
    "/answer/",
    response={200: OkOut, **ERRORS},
    auth=None,
    summary="A household answers with its one-time code",
)
def answer(request, payload: AnswerIn):
    services.response_by_code(code=payload.code, answers=payload.answers)
    return {"ok": True}
