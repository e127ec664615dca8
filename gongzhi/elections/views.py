"""Pages of elections (thin): the committee's pages and the residents' (公示, objections,
candidates, results). Buttons are the steps the guard allows."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.scoping import has_anywhere

from . import rules, selectors, services
from .errors import error
from .models import Method, NominationBasis, ObjectionKind, State
from .workflow import CANDIDATE, ELECTION, OBJECTION


def _int(value, default: int = -1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def index(request):
    if not has_anywhere(request.user, rules.VIEW):
        if has_anywhere(request.user, rules.OBJECT):
            return HttpResponseRedirect(reverse("elections:resident"))
        raise PermissionDenied()
    return render(
        request,
        "elections/index.html",
        {
            "elections": selectors.elections(user=request.user)[:200],
            "communities": selectors.manageable_communities(user=request.user),
            "methods": Method.choices,
        },
    )


@login_required
@require_POST
def create(request):
    code = request.POST.get("community", "")
    community = Region.objects.filter(code=code, level=5).first()
    if community is None or not request.user.has_perm(rules.MANAGE, code):
        raise NotFound()
    try:
        held_on = dt.date.fromisoformat(request.POST.get("held_on", ""))
    except ValueError:
        raise error("bad_date") from None
    e = services.election_create(
        community=community,
        term=request.POST.get("term", "").strip(),
        held_on=held_on,
        seats=_int(request.POST.get("seats")),
        method=request.POST.get("method", ""),
        by=request.user,
    )
    return HttpResponseRedirect(reverse("elections:detail", args=[e.pk]))


def _context(request, e) -> dict:
    user = request.user
    staff = user.has_perm(rules.VIEW, e)
    objections = selectors.objections(user=user, election=e)
    candidates = selectors.candidates(user=user, election=e)
    return {
        "e": e,
        "staff": staff,
        "allowed": ELECTION.allowed(e, user),
        "summary": selectors.roll_summary(election=e),
        "objections": [(o, selectors.subject_label(o), OBJECTION.allowed(o, user)) for o in objections],
        "candidates": [(r, CANDIDATE.allowed(r["c"], user)) for r in selectors.candidate_rows(candidates)],
        "mine": selectors.my_entry(user=user, election=e),
        "results": selectors.results(election=e) if e.state == State.CLOSED else None,
        "kinds": ObjectionKind.choices,
        "bases": NominationBasis.choices,
    }


@login_required
def detail(request, pk: int):
    e = selectors.election_get(user=request.user, pk=pk)
    return render(request, "elections/detail.html", _context(request, e))


@login_required
def resident(request):
    """A resident's page: their community's elections, whether they are on the roll, the roll's
    publication and the objection form, the candidates and the results."""
    if not has_anywhere(request.user, rules.OBJECT):
        raise PermissionDenied()
    rows = [_context(request, e) for e in selectors.resident_elections(user=request.user)[:5]]
    return render(request, "elections/resident.html", {"rows": rows})


@login_required
def roll(request, pk: int):
    e = selectors.election_get(user=request.user, pk=pk)
    if e.roll_drawn_at is None:
        raise NotFound()
    page = Paginator(selectors.roll_rows(election=e), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "elections/roll.html",
        {
            "e": e,
            "page": page,
            "rows": [selectors.roll_row(v) for v in page.object_list],
            "staff": request.user.has_perm(rules.VIEW, e),
        },
    )


def _back(request, e):
    if request.user.has_perm(rules.VIEW, e):
        return HttpResponseRedirect(reverse("elections:detail", args=[e.pk]))
    return HttpResponseRedirect(reverse("elections:resident"))


@login_required
@require_POST
def act(request, pk: int, step: str):
    e = selectors.election_get(user=request.user, pk=pk)
    post = request.POST
    if step == "draw":
        out = services.roll_draw(election=e, by=request.user)
        messages.success(
            request,
            _("选民名单已生成：%(n)d人；已在本区其他社区名单上的%(s)d人未重复登记。")
            % {"n": out["registered"], "s": out["skipped"]},
        )
    elif step == "publish":
        services.roll_publish(election=e, by=request.user)
    elif step == "object":
        services.objection_file(
            election=e,
            by=request.user,
            kind=post.get("kind", ""),
            reason=post.get("reason", ""),
            about_self=post.get("about") == "self",
            subject_name=post.get("subject_name", ""),
        )
        messages.success(request, _("异议已提交，选举委员会将在3日内答复。"))
    elif step == "nominate":
        services.candidate_nominate(
            election=e,
            by=request.user,
            entry_id=_int(post.get("number")),
            basis=post.get("basis", ""),
            supporters=_int(post.get("supporters") or 0),
        )
    elif step == "publish_candidates":
        services.candidates_publish(election=e, by=request.user)
    elif step == "vote":
        n = services.votes_record(
            election=e, by=request.user, numbers=services.parse_numbers(post.get("numbers", ""))
        )
        messages.success(request, _("已登记%(n)d人投票。") % {"n": n})
    elif step == "result":
        e_candidates = selectors.candidates(user=request.user, election=e).filter(state="accepted")
        votes = {c.pk: _int(post.get(f"votes_{c.pk}")) for c in e_candidates}
        services.results_record(election=e, by=request.user, votes=votes)
    else:
        raise NotFound()
    return _back(request, e)


@login_required
@require_POST
def objection_act(request, pk: int, step: str):
    o = selectors.objection_get(user=request.user, pk=pk)
    if step == "uphold":
        person = _int(request.POST.get("person") or 0, 0) or None
        services.objection_uphold(
            objection=o, by=request.user, answer=request.POST.get("answer", ""), person_id=person
        )
    elif step == "dismiss":
        services.objection_dismiss(objection=o, by=request.user, answer=request.POST.get("answer", ""))
    else:
        raise NotFound()
    return HttpResponseRedirect(reverse("elections:detail", args=[o.election_id]))


@login_required
@require_POST
def candidate_act(request, pk: int, step: str):
    c = selectors.candidate_get(user=request.user, pk=pk)
    if step == "accept":
        services.candidate_accept(candidate=c, by=request.user)
    elif step == "decline":
        services.candidate_decline(candidate=c, by=request.user)
    else:
        raise NotFound()
    return _back(request, c.election)
