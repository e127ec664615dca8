"""Pages for barring organisations after violations and for overdue evaluation reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import user_regions

from . import bars
from .rules import APPROVE, VIEW

APPLICANT_KINDS = ("social_org", "community_social_org")


def _organizations(user):
    from gongzhi.organizations import rules as org_rules
    from gongzhi.organizations.selectors import organization_list

    return organization_list(user=user, kind=APPLICANT_KINDS, perm=org_rules.VIEW)


@login_required
def bar_list(request):
    """Bars in force and past in the user's area; streets and districts add and lift them."""
    require(request.user, VIEW)
    user = request.user
    can_bar = user.has_perm(APPROVE)
    if request.method == "POST":
        require(user, APPROVE)
        org = _organizations(user).filter(pk=_int(request.POST.get("organization"))).first()
        region = user_regions(user, APPROVE).filter(code=request.POST.get("region", "")).first()
        if org is None or region is None:
            raise NotFound()
        bar = bars.bar_create(
            by=user,
            organization=org,
            region=region,
            reason=request.POST.get("reason", ""),
            months=request.POST.get("months"),
        )
        messages.success(
            request,
            _("已禁止“%(org)s”申报至 %(until)s。") % {"org": org.name, "until": bar.ends_on.isoformat()},
        )
        return redirect("projects:bars")
    today = bars._today()
    rows = list(bars.bars(user=user)[:200])
    for b in rows:
        b.active = b.lifted_at is None and b.starts_on <= today < b.ends_on
    context = {
        "bars": rows,
        "overdue": list(bars.overdue_reports(user=user)[:200]),
        "today": today,
        "can_bar": can_bar,
    }
    if can_bar:
        context["organizations"] = _organizations(user)[:500]
        context["regions"] = user_regions(user, APPROVE)
        context["max_months"] = bars.MAX_MONTHS
    return render(request, "projects/bars.html", context)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def bar_lift(request, pk: int):
    require(request.user, APPROVE)
    bar = bars.bar_get(user=request.user, pk=pk)
    bars.bar_lift(by=request.user, bar=bar, reason=request.POST.get("reason", ""))
    messages.success(request, _("已提前解除。"))
    return redirect("projects:bars")


urlpatterns = [
    path("bars/", bar_list, name="bars"),
    path("bars/<int:pk>/lift/", bar_lift, name="bar_lift"),
]
