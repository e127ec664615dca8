"""The public-benefit funding API (thin: permission, selector or service, shape). Every list is
scoped like the pages; every refusal is an ErrorOut with its status: 400 bad input, 403 not
allowed, 404 not found or out of scope, 409 a conflict with the current state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.schemas import MAX_OFFSET, ErrorOut
from gongzhi.core.scoping import scoped
from gongzhi.organizations.bookings import booker_organization

from . import contracts, details, satisfaction, selectors, services
from .models import Evaluation, Instalment, SatisfactionSample
from .rules import APPLY, APPROVE, MANAGE, REVIEW, VIEW
from .workflow import APPLICATION, APPLICATION_EDIT, EVALUATION, PAYMENT, may_see_details

router = Router(tags=["projects"], auth=api_auth)
READ: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}
WRITE: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class RubricLine(Schema):
    key: str
    label: str


class ItemOut(Schema):
    id: int
    title: str
    need_id: int | None
    serves: str | None
    households: int


class CallOut(Schema):
    id: int
    title: str
    region: str
    phase: str
    budget: Decimal
    closes_at: dt.datetime
    categories: str
    eligibility: str
    rubric: list[RubricLine]
    items: list[ItemOut] = []


class CallIn(Schema):
    region: str = Field(..., description="街道或区的区划代码")
    title: str
    budget: Decimal
    closes_at: dt.datetime
    rubric: list[RubricLine]
    categories: str = ""
    eligibility: str = ""


class ItemIn(Schema):
    need_id: int | None = Field(None, description="需求清单中的需求（可选）")
    title: str = ""


class PhaseIn(Schema):
    phase: str = Field(..., description="review 或 decided（只能进入下一阶段）")


class BudgetLineIn(Schema):
    item: str = Field(..., description="预算科目，如人员费、活动费、物料费、宣传费、管理费")
    unit_price: Decimal | str
    quantity: Decimal | str


class BudgetLineOut(Schema):
    item: str
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal


class FundLineIn(Schema):
    source: str
    amount: Decimal | str


class FundLineOut(Schema):
    source: str
    amount: Decimal


class TeamMemberIn(Schema):
    name: str
    role: str
    certified: bool = Field(False, description="是否持证社工")


class TeamMemberOut(Schema):
    name: str
    role: str
    certified: bool


class ApplicationFieldsIn(Schema):
    community: str = Field(..., description="服务社区的区划代码")
    title: str
    budget_total: Decimal | None = Field(
        None, description="有预算明细时可省略（按明细合计），给出时须与合计一致"
    )
    requested: Decimal = Field(..., description="不超过项目总预算的60%")
    matched_funds: Decimal = Decimal(0)
    households_target: int = 0
    people_target: int = 0
    summary: str = ""
    outputs: str = ""
    item_id: int | None = None
    budget_lines: list[BudgetLineIn] | None = Field(None, description="省略则不变，[] 清空；最多30行")
    fund_lines: list[FundLineIn] | None = Field(None, description="配套资金明细；省略则不变；最多10行")
    team: list[TeamMemberIn] | None = Field(None, description="项目团队；省略则不变；最多30人")


class ApplicationIn(ApplicationFieldsIn):
    call_id: int


class ApplicationOut(Schema):
    id: int
    call_id: int
    item_id: int | None
    organization: str
    community: str
    title: str
    budget_total: Decimal
    requested: Decimal
    status: str
    score: Decimal | None
    revision_note: str
    allowed_actions: list[str]
    matched_funds: Decimal
    # Only for the organisation's staff and the managing street or district (None otherwise).
    budget_lines: list[BudgetLineOut] | None = None
    fund_lines: list[FundLineOut] | None = None
    team: list[TeamMemberOut] | None = None
    editable: bool = False


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationOut]


class NoteIn(Schema):
    note: str = ""


class TieOut(Schema):
    code: str
    reason: str


class ReviewOut(Schema):
    id: int
    application_id: int
    call: str
    declared: bool
    conflict: bool | None
    submitted: bool
    # Before the declaration: the ties the platform knows between the expert and the application.
    known_ties: list[TieOut] = []
    # The application's content only once the expert declared no conflict (blind otherwise).
    title: str | None = None
    summary: str | None = None
    rubric: list[RubricLine] = []
    budget_total: Decimal | None = None
    budget_lines: list[BudgetLineOut] | None = None
    fund_lines: list[FundLineOut] | None = None
    team: list[TeamMemberOut] | None = None


class DeclareIn(Schema):
    conflict: bool
    note: str = ""


class ScoresIn(Schema):
    scores: dict[str, int]
    comment: str = ""


class SatisfactionOut(Schema):
    sampled: int
    answered: int
    mean: float | None
    satisfied_share: float | None = Field(None, description="4分及以上所占比例（0–1）")


class EvaluationOut(Schema):
    satisfaction: SatisfactionOut | None = None
    id: int
    kind: str
    due_on: dt.date
    status: str
    late: bool
    notice_at: dt.datetime | None
    allowed_actions: list[str]


class InstalmentOut(Schema):
    id: int
    seq: int
    gate: str
    amount: Decimal
    paid_at: dt.datetime | None
    can_pay: bool


class ContractOut(Schema):
    number: str
    signed_on: dt.date
    party_region: str
    party_organization: str
    amount: Decimal


class ContractIn(Schema):
    number: str
    signed_on: str = Field(..., description="签订日期 YYYY-MM-DD，不晚于今天、不早于立项")


class ProjectOut(Schema):
    id: int
    title: str
    organization: str
    community: str
    grant: Decimal
    phase: str
    paid: Decimal
    evaluations: list[EvaluationOut] = []
    instalments: list[InstalmentOut] = []
    contract: ContractOut | None = None
    beneficiaries: int | None = None


class TextIn(Schema):
    text: str = ""


def _item(i) -> dict:
    return {
        "id": i.pk,
        "title": i.title,
        "need_id": i.need_id,
        "serves": i.serves_id,
        "households": i.households,
    }


def _call(c, *, items: bool = False) -> dict:
    out = {
        "id": c.pk,
        "title": c.title,
        "region": c.region_id,
        "phase": c.phase,
        "budget": c.budget,
        "closes_at": c.closes_at,
        "categories": c.categories,
        "eligibility": c.eligibility,
        "rubric": c.rubric,
    }
    if items:
        out["items"] = [_item(i) for i in selectors.call_items(call=c)]
    return out


def _application(a, user, *, detail: bool = False) -> dict:
    out = {
        "id": a.pk,
        "call_id": a.call_id,
        "item_id": a.item_id,
        "organization": a.organization.name,
        "community": a.community_id,
        "title": a.title,
        "budget_total": a.budget_total,
        "requested": a.requested,
        "status": a.status,
        "score": a.score,
        "revision_note": a.revision_note,
        "allowed_actions": APPLICATION.allowed(a, user),
        "matched_funds": a.matched_funds,
    }
    if detail and may_see_details(a, user):
        out |= _rows_out(a) | {"editable": "edit" in APPLICATION_EDIT.allowed(a, user)}
    return out


def _rows_out(a) -> dict:
    rows = details.current(a)
    return {
        "budget_lines": [
            {"item": r.item, "unit_price": r.unit_price, "quantity": r.quantity, "amount": r.amount}
            for r in rows["budget_lines"]
        ],
        "fund_lines": [{"source": r.source, "amount": r.amount} for r in rows["fund_lines"]],
        "team": [{"name": r.name, "role": r.role, "certified": r.certified} for r in rows["team"]],
    }


def _rows(payload: ApplicationFieldsIn) -> dict:
    return {
        "budget_lines": None if payload.budget_lines is None else [r.dict() for r in payload.budget_lines],
        "fund_lines": None if payload.fund_lines is None else [r.dict() for r in payload.fund_lines],
        "team": None if payload.team is None else [r.dict() for r in payload.team],
    }


def _region(code: str) -> Region:
    region = Region.objects.filter(code=(code or "")[:12]).first()
    if region is None:
        raise NotFound()
    return region


# --- calls -------------------------------------------------------------------------------------


@router.get("/calls", response={200: list[CallOut], **READ}, summary="公益创投征集")
def call_list(request, phase: str = ""):
    user = request.auth
    require(user, VIEW)
    qs = selectors.calls_visible(user=user)
    if phase:
        qs = qs.filter(phase=phase[:10])
    return [_call(c) for c in qs[:200]]


@router.get("/calls/{call_id}", response={200: CallOut, **READ}, summary="征集详情（含征集项目）")
def call_detail(request, call_id: int):
    user = request.auth
    require(user, VIEW)
    return _call(selectors.call_get(user=user, pk=call_id), items=True)


@router.post("/calls", response={200: CallOut, **WRITE}, summary="发布征集（预算在资金台账上下达）")
def call_create(request, payload: CallIn):
    user = request.auth
    require(user, MANAGE)
    call = services.call_create(
        by=user,
        region=_region(payload.region),
        title=payload.title,
        budget=payload.budget,
        closes_at=payload.closes_at,
        rubric=[r.dict() for r in payload.rubric],
        categories=payload.categories,
        eligibility=payload.eligibility,
    )
    return _call(call, items=True)


@router.post(
    "/calls/{call_id}/items", response={200: ItemOut, **WRITE}, summary="添加征集项目（可来自需求清单）"
)
def call_item_add(request, call_id: int, payload: ItemIn):
    user = request.auth
    require(user, MANAGE)
    call = selectors.call_get(user=user, pk=call_id, perm=MANAGE)
    need = None
    if payload.need_id is not None:
        from gongzhi.organizations.models import Need

        need = (
            scoped(Need.objects.select_related("community"), user, "organizations.view")
            .filter(pk=payload.need_id)
            .first()
        )
        if need is None:
            raise NotFound()  # the service says why a visible need may not be added
    return _item(services.call_item_add(by=user, call=call, title=payload.title, need=need))


@router.post("/calls/{call_id}/phase", response={200: CallOut, **WRITE}, summary="征集进入下一阶段")
def call_phase(request, call_id: int, payload: PhaseIn):
    user = request.auth
    require(user, MANAGE)
    call = selectors.call_get(user=user, pk=call_id, perm=MANAGE)
    return _call(services.call_phase_set(by=user, call=call, phase=payload.phase))


# --- applications ------------------------------------------------------------------------------


@router.get("/applications", response={200: ApplicationPage, **READ}, summary="申报（按评审得分排序）")
def application_list(
    request, call_id: int | None = None, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)
):
    user = request.auth
    require(user, VIEW)
    qs = selectors.applications(user=user).order_by("call_id", "-score", "pk")
    if call_id is not None:
        qs = qs.filter(call_id=call_id)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [_application(a, user) for a in qs[offset : offset + limit]]}


def _fields(payload, call) -> dict:
    """What creating and revising an application both pass to their services."""
    return {
        "community": _region(payload.community),
        "title": payload.title,
        "budget_total": payload.budget_total,
        "requested": payload.requested,
        "matched_funds": payload.matched_funds,
        "households_target": payload.households_target,
        "people_target": payload.people_target,
        "summary": payload.summary,
        "outputs": payload.outputs,
        "item": call.items.filter(pk=payload.item_id).first() if payload.item_id else None,
        **_rows(payload),
    }


@router.post("/applications", response={200: ApplicationOut, **WRITE}, summary="组织申报项目（草稿）")
def application_create(request, payload: ApplicationIn):
    user = request.auth
    require(user, APPLY)
    call = selectors.call_get(user=user, pk=payload.call_id)
    org = booker_organization(user)
    if org is None:
        raise NotFound()
    app = services.application_create(
        by=user,
        call=call,
        organization=org,
        **_fields(payload, call),
    )
    return _application(app, user, detail=True)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **READ},
    summary="申报详情（组织本身和主管街道、区可见预算明细、配套资金和团队）",
)
def application_detail(request, application_id: int):
    user = request.auth
    require(user, VIEW)
    return _application(selectors.application_get(user=user, pk=application_id), user, detail=True)


@router.put(
    "/applications/{application_id}",
    response={200: ApplicationOut, **WRITE},
    summary="修改申报（草稿或退回修改时，本组织）",
)
def application_update(request, application_id: int, payload: ApplicationFieldsIn):
    user = request.auth
    require(user, APPLY)
    app = selectors.application_get(user=user, pk=application_id, perm=APPLY)
    app = services.application_update(
        by=user,
        application=app,
        **_fields(payload, app.call),
    )
    return _application(selectors.application_get(user=user, pk=app.pk), user, detail=True)


@router.post(
    "/applications/{application_id}/{action}",
    response={200: ApplicationOut, **WRITE},
    summary="申报的操作：submit、request_revision、start_review、approve、reject",
)
def application_act(request, application_id: int, action: str, payload: NoteIn):
    user = request.auth
    require(user, VIEW)
    app = selectors.application_get(user=user, pk=application_id)
    return _application(
        services.application_act(by=user, application=app, action=action, note=payload.note), user
    )


# --- reviews -----------------------------------------------------------------------------------


def _review(a) -> dict:
    out = {
        "id": a.pk,
        "application_id": a.application_id,
        "call": a.application.call.title,
        "declared": a.declared_at is not None,
        "conflict": a.conflict,
        "submitted": a.submitted_at is not None,
    }
    if a.declared_at is None:
        out["known_ties"] = [
            {"code": t.code, "reason": t.reason}
            for t in services.known_ties(expert=a.expert, application=a.application)
        ]
    if a.declared_at is not None and not a.conflict:
        out |= {
            "title": a.application.title,
            "summary": a.application.summary,
            "rubric": a.application.call.rubric,
            "budget_total": a.application.budget_total,
            **_rows_out(a.application),
        }
    return out


@router.get("/reviews", response={200: list[ReviewOut], **READ}, summary="我的评审任务")
def review_list(request):
    user = request.auth
    require(user, REVIEW)
    return [_review(a) for a in selectors.my_reviews(user=user)[:200]]


@router.post("/reviews/{review_id}/declare", response={200: ReviewOut, **WRITE}, summary="声明利益冲突")
def review_declare(request, review_id: int, payload: DeclareIn):
    user = request.auth
    require(user, REVIEW)
    a = selectors.review_get(user=user, pk=review_id)
    services.review_declare(by=user, assignment=a, conflict=payload.conflict, note=payload.note)
    return _review(selectors.review_get(user=user, pk=review_id))


@router.post(
    "/reviews/{review_id}/scores", response={200: ReviewOut, **WRITE}, summary="提交评分（每项0至5分）"
)
def review_scores(request, review_id: int, payload: ScoresIn):
    user = request.auth
    require(user, REVIEW)
    a = selectors.review_get(user=user, pk=review_id)
    services.review_submit(by=user, assignment=a, scores=payload.scores, comment=payload.comment)
    return _review(selectors.review_get(user=user, pk=review_id))


# --- projects, evaluations, payments -----------------------------------------------------------


def _project(p, user, *, detail: bool = False) -> dict:
    paid = p.account.balance if hasattr(p, "account") else Decimal(0)
    out = {
        "id": p.pk,
        "title": p.application.title,
        "organization": p.application.organization.name,
        "community": p.community_id,
        "grant": p.grant,
        "phase": p.phase,
        "paid": paid,
    }
    if detail:
        out["evaluations"] = [
            {
                "id": ev.pk,
                "kind": ev.kind,
                "due_on": ev.due_on,
                "status": ev.status,
                "late": ev.late,
                "notice_at": ev.notice_at,
                "allowed_actions": EVALUATION.allowed(ev, user),
                "satisfaction": satisfaction.results(ev).__dict__,
            }
            for ev in p.evaluations.order_by("due_on")
        ]
        out["beneficiaries"] = p.beneficiaries.count()
        out["instalments"] = [
            {
                "id": i.pk,
                "seq": i.seq,
                "gate": i.gate,
                "amount": i.amount,
                "paid_at": i.paid_at,
                "can_pay": "pay" in PAYMENT.allowed(i, user),
            }
            for i in p.instalments.all()
        ]
        out["contract"] = _contract(contracts.contract_of(p))
    return out


def _contract(c) -> dict | None:
    if c is None:
        return None
    return {
        "number": c.number,
        "signed_on": c.signed_on,
        "party_region": c.party_region.name,
        "party_organization": c.party_organization.name,
        "amount": c.amount,
    }


@router.post(
    "/projects/{project_id}/contract",
    response={200: ContractOut, **WRITE},
    summary="登记项目合同（审批人；登记后不能修改）",
)
def contract_record(request, project_id: int, payload: ContractIn):
    user = request.auth
    require(user, APPROVE)
    p = selectors.project_get(user=user, pk=project_id, perm=APPROVE)
    contracts.contract_record(by=user, project=p, number=payload.number, signed_on=payload.signed_on)
    return _contract(contracts.contract_of(p))


@router.get("/projects", response={200: list[ProjectOut], **READ}, summary="立项项目")
def project_list(request):
    user = request.auth
    require(user, VIEW)
    return [_project(p, user) for p in selectors.projects(user=user).select_related("account")[:200]]


@router.get("/projects/{project_id}", response={200: ProjectOut, **READ}, summary="项目详情：评估与拨付")
def project_detail(request, project_id: int):
    user = request.auth
    require(user, VIEW)
    return _project(selectors.project_get(user=user, pk=project_id), user, detail=True)


@router.post(
    "/evaluations/{evaluation_id}/{action}",
    response={200: EvaluationOut, **WRITE},
    summary="评估的操作：submit_report、pass、fail、publish",
)
def evaluation_act(request, evaluation_id: int, action: str, payload: TextIn):
    user = request.auth
    require(user, VIEW)
    ev = Evaluation.objects.filter(pk=evaluation_id).first()
    selectors.project_get(user=user, pk=ev.project_id if ev else 0)
    assert ev is not None  # project_get raised NotFound otherwise
    ev = services.evaluation_act(by=user, evaluation=ev, action=action, text=payload.text)
    return {
        "id": ev.pk,
        "kind": ev.kind,
        "due_on": ev.due_on,
        "status": ev.status,
        "late": ev.late,
        "notice_at": ev.notice_at,
        "allowed_actions": EVALUATION.allowed(ev, user),
    }


@router.post("/instalments/{instalment_id}/pay", response={200: InstalmentOut, **WRITE}, summary="拨付一期")
def instalment_pay(request, instalment_id: int):
    user = request.auth
    require(user, APPROVE)
    inst = Instalment.objects.filter(pk=instalment_id).first()
    selectors.project_get(user=user, pk=inst.project_id if inst else 0, perm=APPROVE)
    assert inst is not None  # project_get raised NotFound otherwise
    inst = services.instalment_pay(by=user, instalment=inst)
    return {
        "id": inst.pk,
        "seq": inst.seq,
        "gate": inst.gate,
        "amount": inst.amount,
        "paid_at": inst.paid_at,
        "can_pay": False,
    }


# --- beneficiaries and satisfaction ------------------------------------------------------------


class NumbersIn(Schema):
    numbers: list[str] = Field(..., description="受益户的户编号（项目服务社区的户籍登记），一次最多500户")


class AddedOut(Schema):
    added: int


class SizeIn(Schema):
    size: int | str = Field(20, description="抽样户数，1至200")


class SampleOut(Schema):
    id: int
    household: str
    score: int | None


class ScoreIn(Schema):
    score: int | str = Field(..., description="满意度1至5")


def _sample(s) -> dict:
    return {"id": s.pk, "household": s.beneficiary.household.number, "score": s.score}


@router.post(
    "/projects/{project_id}/beneficiaries", response={200: AddedOut, **WRITE}, summary="登记受益户（本组织）"
)
def beneficiaries_add(request, project_id: int, payload: NumbersIn):
    user = request.auth
    require(user, APPLY)
    p = selectors.project_get(user=user, pk=project_id, perm=APPLY)
    return {"added": satisfaction.beneficiaries_add(by=user, project=p, numbers=payload.numbers)}


@router.post(
    "/surveys/{evaluation_id}/sample",
    response={200: list[SampleOut], **WRITE},
    summary="为评估抽取满意度回访样本（街道、区；每次评估一次）",
)
def sample_draw(request, evaluation_id: int, payload: SizeIn):
    user = request.auth
    require(user, MANAGE)
    ev = Evaluation.objects.filter(pk=evaluation_id).first()
    selectors.project_get(user=user, pk=ev.project_id if ev else 0, perm=MANAGE)
    assert ev is not None  # project_get raised NotFound otherwise
    satisfaction.sample_draw(by=user, evaluation=ev, size=payload.size)
    return [_sample(s) for s in ev.samples.select_related("beneficiary__household")]


@router.post(
    "/samples/{sample_id}/answer",
    response={200: SampleOut, **WRITE},
    summary="记录一户的回访满意度（1至5，每户一次）",
)
def answer_record(request, sample_id: int, payload: ScoreIn):
    user = request.auth
    require(user, MANAGE)
    s = (
        SatisfactionSample.objects.filter(pk=sample_id)
        .select_related("evaluation", "beneficiary__household")
        .first()
    )
    selectors.project_get(user=user, pk=s.evaluation.project_id if s else 0, perm=MANAGE)
    assert s is not None  # project_get raised NotFound otherwise
    return _sample(satisfaction.answer_record(by=user, sample=s, score=payload.score))
