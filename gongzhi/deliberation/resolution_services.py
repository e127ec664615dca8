"""A resolution handed on (问题交办): a task for a unit, or a 微实事 project — once, one or the other.

- `resolution_task_create` takes in a demand on the proactive channel (staff's own work, kept out
  of the residents' three rates) and dispatches it to a handling unit, both through the demands
  app's services, so the task has its timeline, deadlines, sign-for and reply like any other;
  its text cites the resolution and the resolution keeps the demand (`Resolution.task`).
- `resolution_project_create` proposes a project in a round of the council's region that is
  collecting proposals, through the budgeting services; the resolution keeps it
  (`Resolution.project`) and the project's page links back.

The steps "task" and "project" of the topic workflow (workflow.py) are the one guard: staff who
manage the council, a decided topic with its resolution not yet handed on, and for a task the
demands permissions in the area, for a project a round collecting proposals. The one-to-one
fields and a check constraint hold the "once, one or the other" in the database as well.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.core import clock
from gongzhi.core.scoping import in_scope

from .errors import error
from .models import Resolution, Topic
from .workflow import TOPIC

TASK_PERMS = ("demands.intake", "demands.dispatch")


def _at(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def handed_refusal(topic: Topic):
    """Why the topic's resolution may not be handed on again (None if it has not been)."""
    resolution = (
        Resolution.objects.filter(topic=topic)
        .select_related("task__unit", "project__round")
        .only(
            "handed_at",
            "task__tracking_code",
            "task__unit__name",
            "project__title",
            "project__round__title",
        )
        .first()
    )
    if resolution is None:
        return None
    task, project = resolution.task, resolution.project
    if task is not None:
        unit = task.unit.name if task.unit is not None else gettext("承办单位")
        return error("already_task", at=_at(resolution.handed_at), unit=unit, code=task.tracking_code)
    if project is not None:
        return error(
            "already_project", at=_at(resolution.handed_at), title=project.title, round=project.round.title
        )
    return None


def task_permission_refusal(topic: Topic, user):
    code = topic.community_id or topic.region_id
    if not all(in_scope(user, perm, code) for perm in TASK_PERMS):
        return error("task_no_intake")
    return None


def round_refusal(topic: Topic):
    from gongzhi.budgeting.selectors import collecting_rounds

    if not collecting_rounds(topic.region_id).exists():
        from gongzhi.core.models import Region

        region = Region.objects.filter(code=topic.region_id).values_list("name", flat=True).first()
        return error("no_collecting_round", region=region or topic.region_id)
    return None


def task_communities(topic: Topic):
    """Where the task may be: the council's community, or for a street council its communities."""
    from gongzhi.core.models import Region

    if topic.community_id:
        return Region.objects.filter(code=topic.community_id)
    return Region.objects.filter(code__startswith=topic.region_id, level=5).order_by("code")


def task_units(community_code: str):
    """The units that may receive a task in this community: the demands app's dispatch choice."""
    from gongzhi.demands.models import Demand
    from gongzhi.demands.selectors import dispatch_units

    return dispatch_units(Demand(community_id=community_code))


def _locked(topic: Topic) -> tuple[Topic, Resolution]:
    topic = Topic.objects.select_for_update(of=("self",)).select_related("council").get(pk=topic.pk)
    resolution = Resolution.objects.select_for_update(of=("self",)).filter(topic=topic).first()
    return topic, resolution  # type: ignore[return-value]  # the guard's _has_resolution checks it


def _citation(topic: Topic, resolution: Resolution) -> str:
    return gettext("%(council)s %(day)s 议定（议题 #%(id)s“%(title)s”）") % {
        "council": topic.council.name,
        "day": timezone.localtime(resolution.adopted_at).strftime("%Y-%m-%d"),
        "id": topic.pk,
        "title": topic.title,
    }


def task_body(topic: Topic, resolution: Resolution, note: str = "") -> str:
    """The task's text: it cites the resolution (the demand's own record of where it came from)."""
    head = [note.strip()] if (note or "").strip() else []
    head.append(gettext("议事决议交办：%(cite)s") % {"cite": _citation(topic, resolution)})
    tail = gettext("落实责任单位：%(owner)s；落实期限：%(deadline)s") % {
        "owner": resolution.owner,
        "deadline": resolution.deadline.isoformat(),
    }
    room = 4000 - len("\n".join([*head, tail])) - len(gettext("决议内容：")) - 4
    text = resolution.text.strip()
    if len(text) > room:
        text = text[: max(room - 1, 0)] + "…"
    return "\n".join([*head, gettext("决议内容：") + text, tail])


@transaction.atomic
def resolution_task_create(
    *, by, topic: Topic, unit_id: int | None, category_code: str, community_code: str = "", note: str = ""
) -> Resolution:
    """Hand a resolution to a unit as a task: a demand taken in and dispatched through the demands
    services (which check their own permissions and the unit's area again)."""
    from gongzhi.demands import services as demand_services
    from gongzhi.demands.models import Category, Channel

    topic, resolution = _locked(topic)
    TOPIC.require("task", topic, by)
    community = task_communities(topic).filter(code=community_code or topic.community_id or "").first()
    if community is None:
        raise error("task_community")
    category = Category.objects.filter(code=category_code or "", parent__isnull=False, active=True).first()
    if category is None:
        raise error("task_category")
    unit = task_units(community.code).filter(pk=unit_id or 0).first()
    if unit is None:
        raise error("task_unit")
    if len((note or "").strip()) > 300:
        raise error("task_note")
    demand = demand_services.demand_create(
        by=by,
        channel=Channel.PROACTIVE,
        title=topic.title[:100],
        body=task_body(topic, resolution, note),
        community=community,
        category=category,
    )
    demand = demand_services.demand_dispatch(
        demand=demand,
        unit=unit,
        by=by,
        note=gettext("议事决议交办：%(cite)s") % {"cite": _citation(topic, resolution)},
    )
    resolution.task = demand
    resolution.handed_at = demand.created_at
    resolution.save(update_fields=["task", "handed_at"])
    _event(topic, "task", by, f"{unit.name} {demand.tracking_code}")
    return resolution


@transaction.atomic
def resolution_project_create(*, by, topic: Topic, cost, round_id: int | None = None) -> Resolution:
    """Make a resolution a 微实事 project of a round of the council's region collecting proposals,
    through the budgeting services; the project carries the resolution's title and text."""
    from decimal import Decimal, InvalidOperation

    from gongzhi.budgeting import services as budget_services
    from gongzhi.budgeting.selectors import collecting_rounds

    topic, resolution = _locked(topic)
    TOPIC.require("project", topic, by)
    rounds = collecting_rounds(topic.region_id)
    r = rounds.filter(pk=round_id).first() if round_id else rounds.first()
    if r is None:
        raise error("project_round")
    try:
        amount = Decimal(str(cost).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise error("project_cost") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value() or amount >= 10**12:
        raise error("project_cost")
    body = "\n".join(
        [
            gettext("来自议事决议：%(cite)s") % {"cite": _citation(topic, resolution)},
            resolution.text.strip(),
        ]
    )[:2000]
    project = budget_services.project_propose(by=by, round=r, title=topic.title, cost=amount, body=body)
    resolution.project = project
    resolution.handed_at = clock.now()
    resolution.save(update_fields=["project", "handed_at"])
    _event(topic, "project", by, f"{r.title}: {project.title}")
    return resolution


def _event(topic: Topic, kind: str, by, text: str) -> None:
    from .services import _event as record

    record(topic, kind, by, text)
