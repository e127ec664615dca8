"""Pages of deliberation (thin: parse, call a service or selector, render)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import poll_services, resolution_services, rules, selectors, services
from .discussion import MAX_DEPTH
from .eligibility import household_of
from .errors import error
from .models import Council, Notice, Outcome, SatisfactionAnswer, Topic, TopicState
from .polls import PollState
from .workflow import DISCUSSION, MODERATION, POLL, TOPIC


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


@login_required
def council_list(request):
    if not scope_prefixes(request.user, rules.VIEW):
        if scope_prefixes(request.user, rules.PROPOSE):
            return HttpResponseRedirect(reverse("deliberation:mine"))
        raise PermissionDenied()
    rows = list(selectors.councils(user=request.user))
    return render(
        request,
        "deliberation/council_list.html",
        {
            "councils": rows,
            "referrals": selectors.referrals_in(user=request.user)[:50],
            "may_figure": bool(scope_prefixes(request.user, rules.MANAGE)),
            "may_create": request.user.has_perm(rules.COUNCIL),
        },
    )


@login_required
def council_detail(request, pk: int):
    council = selectors.council_get(user=request.user, pk=pk)
    topics = selectors.topics(user=request.user, council=council)
    satisfaction = selectors.satisfaction_counts(topics=topics.filter(state=TopicState.CLOSED))
    return render(
        request,
        "deliberation/council_detail.html",
        {
            "council": council,
            "members": selectors.council_members(council),
            "may_council": request.user.has_perm(rules.COUNCIL, council),
            "open_topics": topics.filter(
                state__in=[TopicState.PROPOSED, TopicState.AGENDA, TopicState.REFERRED]
            ),
            "done_topics": topics.exclude(
                state__in=[TopicState.PROPOSED, TopicState.AGENDA, TopicState.REFERRED]
            )[:50],
            "meetings": [
                (m, selectors.meeting_quorum(m))
                for m in selectors.meetings(user=request.user, council=council).prefetch_related("topics")[
                    :20
                ]
            ],
            "may_manage": request.user.has_perm(rules.MANAGE, council.community_id or council.region_id),
            "resolutions": [
                (r, satisfaction.topic(r.topic_id))
                for r in selectors.resolutions(user=request.user, council=council)[:50]
            ],
            "satisfaction": satisfaction,
            "polls": selectors.polls(user=request.user, council=council)[:20],
            "may_propose": request.user.has_perm(rules.PROPOSE, council.community_id or council.region_id)
            or request.user.has_perm(rules.MANAGE, council.community_id or council.region_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request, pk: int):
    council = selectors.council_get(user=request.user, pk=pk)
    demand_ids = [i for i in (_int(x) for x in request.GET.get("demands", "").split(",")) if i]
    form = {"title": request.GET.get("title", "")[:100], "body": ""}
    if request.method == "POST":
        form = {"title": request.POST.get("title", ""), "body": request.POST.get("body", "")}
        try:
            topic = services.topic_propose(
                by=request.user,
                council=council,
                title=form["title"],
                body=form["body"],
                demand_ids=demand_ids,
                hot_issue=request.GET.get("hot") == "1",
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("议题已提交。"))
            return HttpResponseRedirect(reverse("deliberation:topic", args=[topic.pk]))
    return render(
        request,
        "deliberation/topic_new.html",
        {"council": council, "form": form, "demand_ids": demand_ids, "hot": request.GET.get("hot") == "1"},
    )


@login_required
@require_GET
def topic_from_demands(request):
    """转为议题 from a hot issue or a demand: the demands' own council (their community's, or their
    street's when they span communities) gets a topic form with the demands attached."""
    from urllib.parse import urlencode

    ids = sorted({i for i in (_int(x) for x in request.GET.get("ids", "").split(",")) if i})
    if not scope_prefixes(request.user, rules.MANAGE):
        raise PermissionDenied()
    council = selectors.council_for_demands(user=request.user, demand_ids=ids)
    query = {"demands": ",".join(map(str, ids)), "title": request.GET.get("title", "")[:100]}
    if request.GET.get("hot") == "1":
        query["hot"] = "1"
    return HttpResponseRedirect(reverse("deliberation:topic_new", args=[council.pk]) + "?" + urlencode(query))


@login_required
@require_http_methods(["GET", "POST"])
def poll_new(request, pk: int):
    """Staff set up a vote: who votes (members, residents, households, owners of an estate under
    art. 278), its options and closing time; it opens (and its roll is frozen) from its page."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from gongzhi.core.models import Region
    from gongzhi.registry.models import Estate

    from .polls import PollKind

    council = selectors.council_get(user=request.user, pk=pk)
    require(request.user, rules.MANAGE, council.community_id or council.region_id)
    regions = list(
        Region.objects.filter(code__startswith=council.region_id, level__gte=4).order_by("code")[:100]
    )
    estates = Estate.objects.filter(community__code__startswith=council.region_id).order_by("name")
    topics = Topic.objects.filter(council=council, state__in=[TopicState.PROPOSED, TopicState.AGENDA])
    p = request.POST
    form = {
        "title": p.get("title", request.GET.get("title", "")),
        "kind": p.get("kind", "household"),
        "options": p.get("options", "\n".join([_("同意"), _("不同意"), _("弃权")])),
        "closes_at": p.get("closes_at", ""),
        "secret": p.get("secret") == "1",
        "min_age": p.get("min_age", "18"),
        "topic": p.get("topic", request.GET.get("topic", "")),
        "estate": p.get("estate", ""),
        "major_matter": p.get("major_matter") == "1",
        "region": p.get("region", council.region_id),
    }
    if request.method == "POST":
        try:
            closes_at = parse_datetime(form["closes_at"].strip())
            if closes_at is None:
                raise error("deadline_required")
            if timezone.is_naive(closes_at):
                closes_at = timezone.make_aware(closes_at)
            min_age = _int(form["min_age"])
            if min_age is None or not (0 <= min_age <= 120):
                raise error("bad_age")
            poll = poll_services.poll_create(
                by=request.user,
                council=council,
                title=form["title"],
                kind=form["kind"],
                options=form["options"].splitlines(),
                closes_at=closes_at,
                region=next((r for r in regions if r.code == form["region"]), None),
                secret=form["secret"],
                min_age=min_age,
                topic=topics.filter(pk=_int(form["topic"]) or 0).first(),
                estate=estates.filter(pk=_int(form["estate"]) or 0).first() if form["estate"] else None,
                major_matter=form["major_matter"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("表决已建立，核对后点击“开始投票”。"))
            return HttpResponseRedirect(reverse("deliberation:poll", args=[poll.pk]))
    return render(
        request,
        "deliberation/poll_new.html",
        {
            "council": council,
            "form": form,
            "kinds": PollKind.choices,
            "regions": regions,
            "estates": estates[:300],
            "topics": topics,
        },
    )


# The topic's timeline in words: a step's label, or these for what is not a step.
EVENT_LABELS = {
    "propose": gettext_lazy("提出议题"),
    "supports": gettext_lazy("登记支持户数"),
    "merged_in": gettext_lazy("并入议题"),
    "discussion_open": gettext_lazy("开放网上讨论"),
    "discussion_close": gettext_lazy("截止网上讨论"),
}


def _event_label(kind: str):
    step = TOPIC.steps.get(kind)
    return EVENT_LABELS.get(kind) or (step.label if step is not None else kind)


def _topic_context(request, topic: Topic) -> dict:
    actions = TOPIC.allowed(topic, request.user)
    related = []
    if {"refer", "merge"} & set(actions):
        related = list(Council.objects.filter(pk__in=[c for c in [topic.council.parent_id] if c]))
        related += list(topic.council.children.all())
    return {
        "topic": topic,
        "actions": actions,
        "labels": {k: s.label for k, s in TOPIC.steps.items()},
        "events": [(e, _event_label(e.kind)) for e in topic.events.all()],
        "demand_count": topic.demand_links.count(),
        "households": selectors.households_behind(topic),
        "resolution": selectors.resolution_of(topic) if topic.state in ("decided", "closed") else None,
        **_handing_context(topic, actions),
        "referrals": topic.referrals.select_related("to_council", "from_council"),
        "targets": related,
        "siblings": Topic.objects.filter(council=topic.council, state__in=["proposed", "agenda"]).exclude(
            pk=topic.pk
        )
        if "merge" in actions
        else [],
        "outcomes": Outcome.choices,
        "satisfaction": selectors.satisfaction_counts(topics=[topic]) if topic.state == "closed" else None,
        "my_rating": _my_rating(request.user, topic),
        "answers": SatisfactionAnswer.choices,
        "supported": household_of(request.user) is not None
        and topic.supports.filter(household=household_of(request.user)).exists(),
        **_discussion_context(request, topic),
    }


def _handing_context(topic: Topic, actions) -> dict:
    """The choices of the two ways to hand a resolution on, when the guard allows them."""
    from . import resolution_services as rs

    out: dict = {}
    if "task" in actions:
        from gongzhi.demands.selectors import category_leaves

        out["task_communities"] = rs.task_communities(topic)
        out["task_units"] = rs.task_units(topic.community_id or topic.region_id)
        out["task_categories"] = category_leaves().order_by("parent__code", "code")
    if "project" in actions:
        from gongzhi.budgeting.selectors import collecting_rounds

        out["project_rounds"] = collecting_rounds(topic.region_id)
    return out


def _my_rating(user, topic: Topic):
    from .models import Satisfaction

    household = household_of(user) if topic.state == "closed" else None
    if household is None:
        return None
    return Satisfaction.objects.filter(topic=topic, household=household).first()


def _discussion_context(request, topic: Topic) -> dict:
    thread = selectors.discussion_thread(user=request.user, topic=topic)
    d_actions = DISCUSSION.allowed(topic, request.user)
    comment_refusal = (
        DISCUSSION.refusal("comment", topic, request.user) if topic.discussion_closes_at else None
    )
    return {
        "thread": [(c, MODERATION.allowed(c, request.user)) for c in thread],
        "discussion_actions": d_actions,
        "comment_refusal": comment_refusal.message
        if comment_refusal is not None and comment_refusal.status not in (403, 404)
        else "",
        "discussion_open": topic.discussion_closes_at is not None
        and topic.discussion_closes_at > clock.now(),
        "max_depth": MAX_DEPTH,
        "staff": request.user.has_perm(rules.MANAGE, topic),
    }


@login_required
def topic_detail(request, pk: int):
    topic = selectors.topic_get(user=request.user, pk=pk)
    return render(request, "deliberation/topic_detail.html", _topic_context(request, topic))


@login_required
@require_POST
def topic_act(request, pk: int, step: str):
    topic = selectors.topic_get(user=request.user, pk=pk)
    if step not in TOPIC.steps:
        raise NotFound()
    p = request.POST
    try:
        if step == "support":
            services.topic_support(by=request.user, topic=topic)
        elif step == "agenda":
            services.topic_agenda(by=request.user, topic=topic)
        elif step == "refer":
            council_id = _int(p.get("to_council"))
            target = Council.objects.filter(pk=council_id).first() if council_id is not None else None
            deadline = _date(p.get("deadline"))
            if target is None or deadline is None:
                raise error("reason_required")
            services.topic_refer(
                by=request.user, topic=topic, to_council=target, reason=p.get("reason", ""), deadline=deadline
            )
        elif step in ("accept", "return"):
            services.topic_referral_answer(
                by=request.user, topic=topic, accept=step == "accept", answer=p.get("answer", "")
            )
        elif step == "merge":
            into_id = _int(p.get("into"))
            into = Topic.objects.filter(pk=into_id).first() if into_id is not None else None
            if into is None:
                raise error("merge_target")
            services.topic_merge(by=request.user, topic=topic, into=into)
        elif step == "reject":
            services.topic_reject(by=request.user, topic=topic, reason=p.get("reason", ""))
        elif step == "decide":
            deadline = _date(p.get("deadline"))
            if deadline is None:
                raise error("reason_required")
            services.topic_decide(
                by=request.user,
                topic=topic,
                outcome=p.get("outcome", ""),
                text=p.get("text", ""),
                owner=p.get("owner", ""),
                deadline=deadline,
            )
        elif step == "progress":
            progress = _int(p.get("progress"))
            services.resolution_progress(
                by=request.user,
                topic=topic,
                text=p.get("text", ""),
                progress=progress if progress is not None else -1,
            )
        elif step == "report":
            services.resolution_report(by=request.user, topic=topic, report=p.get("report", ""))
        elif step == "rate":
            services.topic_satisfaction_answer(by=request.user, topic=topic, answer=p.get("answer", ""))
        elif step == "task":
            resolution_services.resolution_task_create(
                by=request.user,
                topic=topic,
                unit_id=_int(p.get("unit")),
                category_code=p.get("category", ""),
                community_code=p.get("community", ""),
                note=p.get("note", ""),
            )
        elif step == "project":
            resolution_services.resolution_project_create(
                by=request.user, topic=topic, cost=p.get("cost", ""), round_id=_int(p.get("round"))
            )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        if step == "rate":
            messages.success(request, _("谢谢您的评价。"))
        else:
            messages.success(request, _("已完成：%(step)s") % {"step": TOPIC.steps[step].label})
    return HttpResponseRedirect(reverse("deliberation:topic", args=[topic.pk]))


@login_required
def mine(request):
    """The resident's phone page: topics of their councils to support, open votes, report-backs."""
    if not (scope_prefixes(request.user, rules.PROPOSE) or scope_prefixes(request.user, rules.VIEW)):
        raise PermissionDenied()
    topics = selectors.topics(user=request.user, states=[TopicState.PROPOSED, TopicState.AGENDA])[:50]
    return render(
        request,
        "deliberation/mine.html",
        {
            "topics": [(t, TOPIC.allowed(t, request.user, names=["support"])) for t in topics],
            "councils": selectors.councils(user=request.user),
            "polls": selectors.open_polls_for(user=request.user)[:20],
            "notices": Notice.objects.filter(recipient=request.user)[:20],
            "invitations": selectors.invitations_for(user=request.user)[:10],
            "signins": selectors.signin_meetings_for(user=request.user).count(),
            "household": household_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def poll_detail(request, pk: int):
    poll = selectors.poll_get(user=request.user, pk=pk)
    if request.method == "POST":
        # Paper ballots have their own page (paper_views.poll_paper): codes issued and entered there.
        action = request.POST.get("action", "vote")
        try:
            if action == "vote":
                poll_services.ballot_cast(by=request.user, poll=poll, option_id=request.POST.get("option"))
                messages.success(request, _("投票成功，谢谢您的参与。"))
            elif action == "open":
                poll_services.poll_open(by=request.user, poll=poll)
            elif action == "close":
                poll_services.poll_close(by=request.user, poll=poll)
            else:
                raise NotFound()
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("deliberation:poll", args=[poll.pk]))
    actions = POLL.allowed(poll, request.user)
    vote_refusal = POLL.refusal("vote", poll, request.user) if poll.state == PollState.OPEN else None
    return render(
        request,
        "deliberation/poll_detail.html",
        {
            "poll": poll,
            "options": poll.options.all(),
            "actions": actions,
            "vote_refusal": vote_refusal.message if vote_refusal else "",
            "results": poll.results
            if poll.state == PollState.CLOSED
            else (poll_services.poll_tally(poll) if "close" in actions else None),
        },
    )


@login_required
def figure_622(request):
    if not scope_prefixes(request.user, rules.MANAGE):
        raise PermissionDenied()
    from gongzhi.core.scoping import user_regions

    region = request.GET.get("region", "")
    kind = request.GET.get("kind", "")
    result = selectors.settled_share(user=request.user, region=region, kind=kind)
    return render(
        request,
        "deliberation/figure_622.html",
        {
            "f": result,
            "region": region,
            "kind": kind,
            "regions": _region_choices(user_regions(request.user, rules.MANAGE)),
            "rows": [(k, label, result.counts.get(k, 0), result.share(k)) for k, label in Outcome.choices],
        },
    )


def _region_choices(tops):
    from gongzhi.core.models import Region

    out = []
    for r in tops:
        out.append(r)
        if r.level < 5:
            out += list(
                Region.objects.filter(code__startswith=r.code, level__in=[4, 5]).exclude(pk=r.pk)[:200]
            )
    return out
