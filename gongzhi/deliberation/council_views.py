"""Pages of council management (thin): set up a council, edit it, add, edit and end its members.
Who may: `rules.COUNCIL` (staff over the council's street or community)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require

from . import council_services as cs
from . import rules, selectors
from .errors import error
from .models import CouncilLevel, CouncilMember, MemberKind, Position, QuorumRule


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _council_form(p, council=None) -> dict:
    c = council
    return {
        "name": p.get("name", c.name if c else ""),
        "support_threshold": p.get("support_threshold", str(c.support_threshold) if c else "10"),
        "boundary": p.get("boundary", c.boundary if c else ""),
        "refers": p.get("refers", c.refers if c else ""),
        "quorum": p.get("quorum", c.quorum if c else QuorumRule.HALF),
        "premoderation": (p.get("premoderation") == "1") if p else bool(c and c.premoderation),
        "level": p.get("level", CouncilLevel.COMMUNITY),
        "region": p.get("region", ""),
        "building": p.get("building", ""),
    }


EDITABLE = ("name", "support_threshold", "boundary", "refers", "quorum", "premoderation")


def _editable(form: dict) -> dict:
    """What both creating and editing a council pass to the services."""
    return {k: form[k] for k in EDITABLE}


def _fail(request, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, str(exc.message))


@login_required
@require_http_methods(["GET", "POST"])
def council_new(request):
    require(request.user, rules.COUNCIL)
    regions = selectors.council_regions(user=request.user)
    buildings = selectors.council_buildings(user=request.user)
    form = _council_form(request.POST)
    if request.method == "POST":
        try:
            region = next((r for r in regions if r.code == form["region"]), None)
            if region is None:
                raise error("council_level")
            building_id = form["building"]
            building = buildings.filter(pk=int(building_id)).first() if building_id.isdigit() else None
            council = cs.council_create(
                by=request.user,
                region=region,
                level=form["level"],
                building=building,
                **_editable(form),
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("议事会已建立，请添加成员。"))
            return HttpResponseRedirect(reverse("deliberation:council_members", args=[council.pk]))
    return render(
        request,
        "deliberation/council_form.html",
        {
            "form": form,
            "council": None,
            "levels": CouncilLevel.choices,
            "quorums": QuorumRule.choices,
            "regions": regions,
            "buildings": buildings[:500],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def council_edit(request, pk: int):
    council = selectors.council_get(user=request.user, pk=pk)
    require(request.user, rules.COUNCIL, council)
    form = _council_form(request.POST, council)
    if request.method == "POST":
        try:
            cs.council_update(
                by=request.user,
                council=council,
                **_editable(form),
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("议事会信息已保存。"))
            return HttpResponseRedirect(reverse("deliberation:council", args=[council.pk]))
    return render(
        request,
        "deliberation/council_form.html",
        {"form": form, "council": council, "quorums": QuorumRule.choices},
    )


def _member_form(p, member=None) -> dict:
    m = member
    return {
        "kind": p.get("kind", m.kind if m else MemberKind.RESIDENT_REP),
        "position": p.get("position", m.position if m else Position.MEMBER),
        "name": p.get("name", m.name if m else ""),
        "term_start": p.get("term_start", m.term_start.isoformat() if m else ""),
        "term_end": p.get("term_end", m.term_end.isoformat() if m else ""),
        "organization": p.get("organization", str(m.organization_id or "") if m else ""),
        "person": p.get("person", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def council_members(request, pk: int):
    """The members page: who sits on the council now and before, and the form to add one (a
    resident found in the registry by name, shown masked, or an organisation)."""
    council = selectors.council_get(user=request.user, pk=pk)
    require(request.user, rules.COUNCIL, council)
    form = _member_form(request.POST)
    q = request.GET.get("q", "").strip()[:40]
    people, problem = selectors.member_people(user=request.user, council=council, q=q)
    organizations = selectors.member_organizations(council)
    if request.method == "POST":
        try:
            person = None
            if form["person"]:
                person = selectors.member_person_get(user=request.user, council=council, pk=form["person"])
                if person is None:
                    raise error("member_not_found")
            organization = None
            if form["organization"]:
                organization = (
                    organizations.filter(pk=int(form["organization"])).first()
                    if form["organization"].isdigit()
                    else None
                )
                if organization is None:
                    raise error("member_not_found")
            start, end = _date(form["term_start"]), _date(form["term_end"])
            if start is None or end is None:
                raise error("member_term")
            cs.council_member_add(
                by=request.user,
                council=council,
                kind=form["kind"],
                position=form["position"],
                name=form["name"],
                term_start=start,
                term_end=end,
                person=person,
                organization=organization,
            )
        except ApplicationError as exc:
            _fail(request, exc)
            if person is not None:
                people = [person]
        else:
            messages.success(request, _("成员已添加。"))
            return HttpResponseRedirect(reverse("deliberation:council_members", args=[council.pk]))
    return render(
        request,
        "deliberation/council_members.html",
        {
            "council": council,
            "members": selectors.council_members(council),
            "form": form,
            "q": q,
            "people": people,
            "problem": problem,
            "chosen": form["person"],
            "organizations": organizations[:300],
            "kinds": MemberKind.choices,
            "positions": Position.choices,
        },
    )


@login_required
@require_GET
def member_people(request, pk: int):
    """The person picker (HTMX): residents of the council's area by name; masked identity numbers."""
    council = selectors.council_get(user=request.user, pk=pk)
    require(request.user, rules.COUNCIL, council)
    q = request.GET.get("q", "").strip()[:40]
    people, problem = selectors.member_people(user=request.user, council=council, q=q)
    return render(
        request,
        "deliberation/_member_people.html",
        {"people": people, "problem": problem, "q": q, "chosen": ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = CouncilMember.objects.filter(pk=pk).select_related("person", "organization").first()
    if member is None:
        raise NotFound()
    council = selectors.council_get(user=request.user, pk=member.council_id)
    require(request.user, rules.COUNCIL, council)
    form = _member_form(request.POST, member)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                on = _date(request.POST.get("on"))
                if on is None:
                    raise error("member_end_date")
                cs.council_member_end(by=request.user, member=member, on=on)
                done = _("已结束 %(name)s 的任期。") % {"name": member.name}
            else:
                start, end = _date(form["term_start"]), _date(form["term_end"])
                if start is None or end is None:
                    raise error("member_term")
                cs.council_member_update(
                    by=request.user,
                    member=member,
                    kind=form["kind"],
                    position=form["position"],
                    term_start=start,
                    term_end=end,
                )
                done = _("成员信息已保存。")
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("deliberation:council_members", args=[council.pk]))
    from gongzhi.core import clock

    return render(
        request,
        "deliberation/member_edit.html",
        {
            "council": council,
            "member": member,
            "form": form,
            "kinds": MemberKind.choices,
            "positions": Position.choices,
            "today": clock.now().date().isoformat(),
        },
    )
