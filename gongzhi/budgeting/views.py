"""Pages of 微实事: the rounds, a round (phone: propose, vote; staff: review, advance), results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_prefixes

from . import rules, selectors, services
from .models import BallotKind, Phase, Project
from .workflow import ROUND


def _choice(r, post):
    """The ballot from the form: ticked projects, or the points typed against each (cumulative)."""
    if r.ballot_kind != BallotKind.CUMULATIVE:
        return post.getlist("project")
    points = {}
    for key, value in post.items():
        if key.startswith("points_") and value.strip():
            try:
                points[int(key[7:])] = int(value)
            except ValueError:
                raise ApplicationError("bad_points", _("分数须为整数。")) from None
    return points


@login_required
def round_list(request):
    require(request.user, rules.VIEW)
    return render(
        request,
        "budgeting/round_list.html",
        {
            "rounds": selectors.rounds(user=request.user)[:100],
            "may_create": bool(scope_prefixes(request.user, rules.MANAGE)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk: int):
    r = selectors.round_get(user=request.user, pk=pk)
    if request.method == "POST":
        p = request.POST
        action = p.get("action", "")
        try:
            if action == "vote":
                services.budget_ballot_cast(by=request.user, round=r, project_ids=_choice(r, p))
                messages.success(request, _("投票成功，谢谢您的参与。"))
            elif action == "propose":
                services.project_propose(
                    by=request.user,
                    round=r,
                    title=p.get("title", ""),
                    cost=p.get("cost"),
                    body=p.get("body", ""),
                )
                messages.success(request, _("项目已提交，等待审核。"))
            elif action == "review":
                project = Project.objects.filter(round=r, pk=p.get("project") or 0).first()
                if project is None:
                    raise NotFound()
                services.project_review(
                    by=request.user,
                    project=project,
                    feasible=p.get("feasible") == "1",
                    reason=p.get("reason", ""),
                )
            elif action in ("start_review", "start_voting", "tally", "implement"):
                services.round_advance(by=request.user, round=r, step=action)
            else:
                raise NotFound()
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("budgeting:round", args=[r.pk]))
    actions = ROUND.allowed(r, request.user)
    refusal = ROUND.refusal("vote", r, request.user) if r.phase == Phase.VOTING else None
    # A project made from a council's resolution links back to it (deliberation's resolution_services).
    projects = r.projects.select_related("from_resolution")
    if r.phase in (Phase.VOTING,) and "review" not in actions:
        projects = projects.filter(state="feasible")
    results = r.results if r.phase in (Phase.RESULTS, Phase.IMPLEMENTATION) else {}
    return render(
        request,
        "budgeting/round_detail.html",
        {
            "round": r,
            "projects": projects.order_by("-votes", "id") if results else projects.order_by("id"),
            "actions": actions,
            "vote_refusal": refusal.message if refusal and refusal.code != "already_voted" else "",
            "voted": refusal is not None and refusal.code == "already_voted",
            "results": results,
            "spent_share": (float(results["cost"]) / float(r.budget)) if results.get("cost") else 0.0,
            "may_export": request.user.has_perm(rules.MANAGE, r),
            "steps": [
                (s, ROUND.steps[s].label)
                for s in ("start_review", "start_voting", "tally", "implement")
                if s in actions
            ],
        },
    )


@login_required
def round_export(request, pk: int):
    r = selectors.round_get(user=request.user, pk=pk)
    require(request.user, rules.MANAGE, r, hide=True)
    resp = HttpResponse(services.round_export_pb(r), content_type="text/plain; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="round-{r.pk}.pb"'
    return resp


def _regions(user):
    """The streets and communities a user may run a round in (their scope roots and below)."""
    from gongzhi.core.models import Region

    out = []
    for prefix in scope_prefixes(user, rules.MANAGE):
        out += list(Region.objects.filter(code__startswith=prefix, level__in=[4, 5]).order_by("code")[:300])
    return out


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    """Staff open a round: its area, budget, ballot kind (approval with at most N, knapsack with
    a minimum share spent, cumulative points), eligibility, tally rule, closing time."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    require(request.user, rules.MANAGE)
    regions = _regions(request.user)
    p = request.POST
    form = {
        "region": p.get("region", regions[0].code if regions else ""),
        "title": p.get("title", ""),
        "budget": p.get("budget", ""),
        "ballot_kind": p.get("ballot_kind", BallotKind.APPROVAL),
        "max_choices": p.get("max_choices", "3"),
        "points": p.get("points", "10"),
        "min_spend": p.get("min_spend", "0.70"),
        "eligibility": p.get("eligibility", "resident"),
        "min_age": p.get("min_age", "16"),
        "rule": p.get("rule", "greedy"),
        "min_votes": p.get("min_votes", "0"),
        "voting_closes_at": p.get("voting_closes_at", ""),
    }
    if request.method == "POST":
        region = next((x for x in regions if x.code == form["region"]), None)
        try:
            if region is None:
                raise ApplicationError("bad_region", _("请选择您管辖范围内的街道或社区。"))
            closes = parse_datetime(form["voting_closes_at"].strip()) if form["voting_closes_at"] else None
            if closes is not None and timezone.is_naive(closes):
                closes = timezone.make_aware(closes)
            try:
                numbers = {k: int(form[k]) for k in ("max_choices", "points", "min_age", "min_votes")}
            except ValueError:
                raise ApplicationError("bad_limits", _("数量和年龄须为整数。")) from None
            r = services.round_create(
                by=request.user,
                region=region,
                title=form["title"],
                budget=form["budget"] or "0",
                ballot_kind=form["ballot_kind"],
                min_spend=form["min_spend"] or "0",
                eligibility=form["eligibility"],
                rule=form["rule"],
                voting_closes_at=closes,
                **numbers,
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("微实事已建立，现在可以征集项目。"))
            return HttpResponseRedirect(reverse("budgeting:round", args=[r.pk]))
    from .models import Eligibility, Rule

    return render(
        request,
        "budgeting/round_new.html",
        {
            "form": form,
            "regions": regions,
            "kinds": BallotKind.choices,
            "eligibilities": Eligibility.choices,
            "rules_": Rule.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_import(request):
    """A Pabulib `.pb` file becomes a finished round (results explained); a bad file is refused
    with the line at fault and nothing is created."""
    from .exchange import MAX_BYTES, round_import_pb

    require(request.user, rules.MANAGE)
    regions = _regions(request.user)
    if request.method == "POST":
        region = next((x for x in regions if x.code == request.POST.get("region")), None)
        upload = request.FILES.get("file")
        try:
            if region is None:
                raise ApplicationError("bad_region", _("请选择您管辖范围内的街道或社区。"))
            if upload is None:
                raise ApplicationError("bad_pb", _("请选择一个 .pb 文件。"))
            if upload.size > MAX_BYTES:
                raise ApplicationError("bad_pb", _("文件超过 50 MB。"))
            r = round_import_pb(
                by=request.user,
                region=region,
                data=upload.read(),
                filename=upload.name,
                title=request.POST.get("title", ""),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已导入并计票。"))
            return HttpResponseRedirect(reverse("budgeting:round", args=[r.pk]))
    return render(request, "budgeting/round_import.html", {"regions": regions})
