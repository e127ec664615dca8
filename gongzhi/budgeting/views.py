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

from . import rules, selectors, services
from .models import Phase, Project
from .workflow import ROUND


@login_required
def round_list(request):
    require(request.user, rules.VIEW)
    return render(request, "budgeting/round_list.html", {"rounds": selectors.rounds(user=request.user)[:100]})


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk: int):
    r = selectors.round_get(user=request.user, pk=pk)
    if request.method == "POST":
        p = request.POST
        action = p.get("action", "")
        try:
            if action == "vote":
                services.budget_ballot_cast(by=request.user, round=r, project_ids=p.getlist("project"))
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
    projects = r.projects.all()
    if r.phase in (Phase.VOTING,) and "review" not in actions:
        projects = projects.filter(state="feasible")
    return render(
        request,
        "budgeting/round_detail.html",
        {
            "round": r,
            "projects": projects.order_by("-selected", "-votes", "id"),
            "actions": actions,
            "vote_refusal": refusal.message if refusal and refusal.code != "already_voted" else "",
            "voted": refusal is not None and refusal.code == "already_voted",
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
