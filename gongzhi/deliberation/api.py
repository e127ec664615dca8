"""The deliberation API (thin: parse, call a service or selector, shape). allowed_actions comes from
the same guard as the pages' buttons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.schemas import ErrorOut

from . import council_services, poll_services, rules, selectors, services
from .workflow import POLL, TOPIC

router = Router(tags=["deliberation"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CouncilOut(Schema):
    id: int
    name: str
    level: str
    region: str
    support_threshold: int
    boundary: str
    refers: str
    allowed_actions: list[str]


class CouncilIn(Schema):
    region: str
    level: str
    name: str
    building: int | None = None
    support_threshold: int = 10
    boundary: str = ""
    refers: str = ""
    quorum: str = "half"
    premoderation: bool = False


class MemberOut(Schema):
    id: int
    name: str
    kind: str
    position: str
    term_start: dt.date
    term_end: dt.date
    person_linked: bool
    organization: int | None
    in_term: bool


class MemberIn(Schema):
    kind: str
    position: str = "member"
    name: str = ""
    term_start: dt.date
    term_end: dt.date
    person: int | None = None
    organization: int | None = None


class MemberEndIn(Schema):
    on: dt.date | None = None


class TopicOut(Schema):
    id: int
    council_id: int
    title: str
    state: str
    origin: str
    support_count: int
    outcome: str
    allowed_actions: list[str]


class TopicIn(Schema):
    title: str
    body: str = ""
    demand_ids: list[int] = []
    hot_issue: bool = False


class ReferIn(Schema):
    to_council: int
    reason: str
    deadline: dt.date


class BallotIn(Schema):
    option: int


class PollOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    options: list[dict]
    allowed_actions: list[str]
    results: dict


def _council(request, c) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "level": c.level,
        "region": c.region_id,
        "support_threshold": c.support_threshold,
        "boundary": c.boundary,
        "refers": c.refers,
        # The same guard as the council page's edit links and the services.
        "allowed_actions": ["edit", "members"] if request.auth.has_perm(rules.COUNCIL, c) else [],
    }


def _member(m) -> dict:
    from gongzhi.core import clock

    today = clock.now().date()
    return {
        "id": m.pk,
        "name": m.name,
        "kind": m.kind,
        "position": m.position,
        "term_start": m.term_start,
        "term_end": m.term_end,
        "person_linked": m.person_id is not None,
        "organization": m.organization_id,
        "in_term": m.term_start <= today <= m.term_end,
    }


def _topic(request, t) -> dict:
    return {
        "id": t.pk,
        "council_id": t.council_id,
        "title": t.title,
        "state": t.state,
        "origin": t.origin,
        "support_count": t.support_count,
        "outcome": t.outcome,
        "allowed_actions": TOPIC.allowed(t, request.auth),
    }


@router.get("/councils", response={200: list[CouncilOut], **ERRORS}, summary="Councils in scope")
def council_list(request):
    return [_council(request, c) for c in selectors.councils(user=request.auth)[:500]]


@router.post("/councils", response={201: CouncilOut, **ERRORS}, summary="Set up a council")
def council_create(request, payload: CouncilIn):
    from gongzhi.core.errors import NotFound
    from gongzhi.core.models import Region

    from .errors import error

    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise NotFound()
    building = None
    if payload.building is not None:
        building = selectors.council_buildings(user=request.auth).filter(pk=payload.building).first()
        if building is None:
            raise error("council_building")
    c = council_services.council_create(
        by=request.auth,
        region=region,
        level=payload.level,
        name=payload.name,
        building=building,
        support_threshold=payload.support_threshold,
        boundary=payload.boundary,
        refers=payload.refers,
        quorum=payload.quorum,
        premoderation=payload.premoderation,
    )
    return 201, _council(request, c)


@router.get("/councils/{council_id}/members", response={200: list[MemberOut], **ERRORS})
def council_member_list(request, council_id: int):
    council = selectors.council_get(user=request.auth, pk=council_id)
    return [_member(m) for m in selectors.council_members(council)]


@router.post(
    "/councils/{council_id}/members", response={201: MemberOut, **ERRORS}, summary="Add a council member"
)
def council_member_add(request, council_id: int, payload: MemberIn):
    from .errors import error

    council = selectors.council_get(user=request.auth, pk=council_id)
    person = organization = None
    if payload.person is not None:
        person = selectors.member_person_get(user=request.auth, council=council, pk=payload.person)
        if person is None:
            raise error("member_not_found")
    if payload.organization is not None:
        organization = selectors.member_organizations(council).filter(pk=payload.organization).first()
        if organization is None:
            raise error("member_not_found")
    m = council_services.council_member_add(
        by=request.auth,
        council=council,
        kind=payload.kind,
        position=payload.position,
        name=payload.name,
        term_start=payload.term_start,
        term_end=payload.term_end,
        person=person,
        organization=organization,
    )
    return 201, _member(m)


@router.post("/members/{member_id}/end", response={200: MemberOut, **ERRORS}, summary="End a member's term")
def council_member_end(request, member_id: int, payload: MemberEndIn):
    from gongzhi.core.errors import NotFound

    from .models import CouncilMember

    m = CouncilMember.objects.filter(pk=member_id).first()
    if m is None or not selectors.councils(user=request.auth).filter(pk=m.council_id).exists():
        raise NotFound()
    return _member(council_services.council_member_end(by=request.auth, member=m, on=payload.on))


@router.get("/councils/{council_id}/topics", response={200: list[TopicOut], **ERRORS})
def council_topics(request, council_id: int):
    council = selectors.council_get(user=request.auth, pk=council_id)
    return [_topic(request, t) for t in selectors.topics(user=request.auth, council=council)[:500]]


@router.post("/councils/{council_id}/topics", response={201: TopicOut, **ERRORS}, summary="Propose a topic")
def topic_create(request, council_id: int, payload: TopicIn):
    council = selectors.council_get(user=request.auth, pk=council_id)
    t = services.topic_propose(
        by=request.auth,
        council=council,
        title=payload.title,
        body=payload.body,
        demand_ids=payload.demand_ids,
        hot_issue=payload.hot_issue,
    )
    return 201, _topic(request, t)


@router.get("/topics/{topic_id}", response={200: TopicOut, **ERRORS})
def topic_get(request, topic_id: int):
    return _topic(request, selectors.topic_get(user=request.auth, pk=topic_id))


@router.post(
    "/topics/{topic_id}/support", response={200: TopicOut, **ERRORS}, summary="My household supports"
)
def topic_support(request, topic_id: int):
    t = services.topic_support(by=request.auth, topic=selectors.topic_get(user=request.auth, pk=topic_id))
    return _topic(request, t)


@router.post("/topics/{topic_id}/agenda", response={200: TopicOut, **ERRORS})
def topic_agenda(request, topic_id: int):
    t = services.topic_agenda(by=request.auth, topic=selectors.topic_get(user=request.auth, pk=topic_id))
    return _topic(request, t)


@router.post("/topics/{topic_id}/refer", response={200: TopicOut, **ERRORS})
def topic_refer(request, topic_id: int, payload: ReferIn):
    from gongzhi.core.errors import NotFound

    from .models import Council

    topic = selectors.topic_get(user=request.auth, pk=topic_id)
    target = Council.objects.filter(pk=payload.to_council).first()
    if target is None:
        raise NotFound()
    services.topic_refer(
        by=request.auth, topic=topic, to_council=target, reason=payload.reason, deadline=payload.deadline
    )
    topic.refresh_from_db()
    return _topic(request, topic)


def _poll(request, p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "kind": p.kind,
        "state": p.state,
        "options": [{"id": o.pk, "label": o.label} for o in p.options.all()],
        "allowed_actions": POLL.allowed(p, request.auth),
        "results": p.results,
    }


@router.get("/polls/{poll_id}", response={200: PollOut, **ERRORS})
def poll_get(request, poll_id: int):
    return _poll(request, selectors.poll_get(user=request.auth, pk=poll_id))


@router.post("/polls/{poll_id}/ballot", response={200: PollOut, **ERRORS}, summary="Cast my ballot")
def ballot(request, poll_id: int, payload: BallotIn):
    poll = selectors.poll_get(user=request.auth, pk=poll_id)
    poll_services.ballot_cast(by=request.auth, poll=poll, option_id=payload.option)
    return _poll(request, poll)


class SatisfactionIn(Schema):
    answer: str


class SatisfactionOut(Schema):
    counts: dict[str, int]
    total: int
    allowed_actions: list[str]


def _satisfaction(request, topic) -> dict:
    counts = selectors.satisfaction_counts(topics=[topic])
    return {
        "counts": {k: n for k, _label, n, _share in counts.rows},
        "total": counts.total,
        "allowed_actions": TOPIC.allowed(topic, request.auth, names=["rate"]),
    }


@router.get("/topics/{topic_id}/satisfaction", response={200: SatisfactionOut, **ERRORS})
def topic_satisfaction(request, topic_id: int):
    return _satisfaction(request, selectors.topic_get(user=request.auth, pk=topic_id))


@router.post(
    "/topics/{topic_id}/satisfaction",
    response={200: SatisfactionOut, **ERRORS},
    summary="My household's satisfaction with a reported-back topic (once)",
)
def topic_satisfaction_answer(request, topic_id: int, payload: SatisfactionIn):
    topic = selectors.topic_get(user=request.auth, pk=topic_id)
    services.topic_satisfaction_answer(by=request.auth, topic=topic, answer=payload.answer)
    topic.refresh_from_db()
    return _satisfaction(request, topic)


# ------------------------------------------------------------------ a resolution handed on


class ResolutionOut(Schema):
    topic_id: int
    text: str
    owner: str
    deadline: dt.date
    progress: int
    state: str
    task: dict | None
    project: dict | None
    allowed_actions: list[str]


class TaskIn(Schema):
    unit_id: int
    category: str
    community: str = ""
    note: str = ""


class ProjectIn(Schema):
    cost: int
    round_id: int | None = None


def _resolution(request, topic) -> dict:
    from gongzhi.core.errors import NotFound

    r = selectors.resolution_of(topic)
    if r is None:
        raise NotFound()
    task = project = None
    t, p = r.task, r.project
    if t is not None:
        task = {
            "id": t.pk,
            "tracking_code": t.tracking_code,
            "state": t.state,
            "unit": t.unit.name if t.unit is not None else "",
        }
    if p is not None:
        project = {
            "id": p.pk,
            "round_id": p.round_id,
            "title": p.title,
            "state": p.state,
            "cost": int(p.cost),
        }
    return {
        "topic_id": topic.pk,
        "text": r.text,
        "owner": r.owner,
        "deadline": r.deadline,
        "progress": r.progress,
        "state": r.state,
        "task": task,
        "project": project,
        # The same guard as the topic page's two forms and the services.
        "allowed_actions": TOPIC.allowed(topic, request.auth, names=["task", "project"]),
    }


@router.get("/topics/{topic_id}/resolution", response={200: ResolutionOut, **ERRORS})
def resolution_get(request, topic_id: int):
    return _resolution(request, selectors.topic_get(user=request.auth, pk=topic_id))


@router.post(
    "/topics/{topic_id}/resolution/task",
    response={201: ResolutionOut, **ERRORS},
    summary="Hand the resolution to a unit as a task (once)",
)
def resolution_task(request, topic_id: int, payload: TaskIn):
    from . import resolution_services

    topic = selectors.topic_get(user=request.auth, pk=topic_id)
    resolution_services.resolution_task_create(
        by=request.auth,
        topic=topic,
        unit_id=payload.unit_id,
        category_code=payload.category,
        community_code=payload.community,
        note=payload.note,
    )
    return Status(201, _resolution(request, topic))


@router.post(
    "/topics/{topic_id}/resolution/project",
    response={201: ResolutionOut, **ERRORS},
    summary="Make the resolution a 微实事 project of a round collecting proposals (once)",
)
def resolution_project(request, topic_id: int, payload: ProjectIn):
    from . import resolution_services

    topic = selectors.topic_get(user=request.auth, pk=topic_id)
    resolution_services.resolution_project_create(
        by=request.auth, topic=topic, cost=payload.cost, round_id=payload.round_id
    )
    return Status(201, _resolution(request, topic))
