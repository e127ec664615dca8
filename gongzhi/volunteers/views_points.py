"""Staff: configured point rules (参加议事协商会议 and other occasions), awarding them from a sign-in
sheet, and the points validity period."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped

from . import points, rules, selectors
from .errors import error
from .models import PointAward, PointRule
from .views import _communities


def _rules(user):
    return scoped(PointRule.objects.select_related("community"), user, rules.MANAGE).order_by(
        "community_id", "name"
    )


@login_required
def point_rules(request):
    require(request.user, rules.MANAGE)
    communities = list(_communities(request.user))
    if request.method == "POST":
        community = next((c for c in communities if c.code == request.POST.get("community", "")), None)
        if community is None:
            raise NotFound()
        try:
            value = int(request.POST.get("points", ""))
        except ValueError:
            raise error("bad_rule_points") from None
        points.point_rule_create(
            community=community, name=request.POST.get("name", ""), points=value, by=request.user
        )
        messages.success(request, _("积分项目已添加。"))
        return redirect("volunteers:point_rules")
    return render(
        request,
        "volunteers/point_rules.html",
        {
            "rules": _rules(request.user),
            "communities": communities,
            "awards": scoped(
                PointAward.objects.select_related("rule", "volunteer"), request.user, rules.MANAGE
            )[:30],
            "valid_days": points.points_valid_days(),
            "per_hour": int(points.POINTS_PER_HOUR),
            "per_wish": int(points.WISH_POINTS),
            "today": timezone.localdate(clock.now()),
        },
    )


def parse_numbers(text: str) -> list[int]:
    """Volunteer numbers as typed from a sign-in sheet: separated by spaces, commas or new lines."""
    return list(dict.fromkeys(int(n) for n in re.findall(r"\d{1,9}", text or "")))


@login_required
@require_POST
def point_award(request, pk: int):
    rule = _rules(request.user).filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    numbers = parse_numbers(request.POST.get("volunteers", ""))
    found = {v.pk: v for v in selectors.volunteer_list(user=request.user).filter(pk__in=numbers)}
    missing = [str(n) for n in numbers if n not in found]
    if missing:
        raise error("unknown_volunteers", numbers="、".join(missing[:20]))
    result = points.points_award(
        rule=rule,
        volunteers=[found[n] for n in numbers],
        occasion=request.POST.get("occasion", ""),
        on=parse_date(request.POST.get("on") or ""),
        by=request.user,
    )
    messages.success(
        request,
        _("已为 %(n)s 名志愿者记积分；%(m)s 名此前已记过，未重复记。")
        % {"n": len(result.awarded), "m": len(result.already)},
    )
    return redirect("volunteers:point_rules")


urlpatterns = [
    path("points/rules/", point_rules, name="point_rules"),
    path("points/rules/<int:pk>/award/", point_award, name="point_award"),
]
