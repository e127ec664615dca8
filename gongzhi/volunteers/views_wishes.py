"""Pages for micro-wishes (buttons from the guard) and in-service party members (registration and
the quarterly service card export)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import clock
from gongzhi.core.downloads import content_disposition
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scope_q
from gongzhi.core.spreadsheets import xlsx_bytes
from gongzhi.registry.selectors import person_get, person_of_user

from . import rules, wishes
from .models import MicroWish, PartyMember
from .workflow import WORKFLOW

STEP_SERVICES = {
    "publish": wishes.wish_publish,
    "decline": wishes.wish_decline,
    "cancel": wishes.wish_cancel,
    "claim": wishes.wish_claim,
    "fulfil": wishes.wish_fulfil,
    "confirm": wishes.wish_confirm,
    "release": wishes.wish_release,
    "withdraw": wishes.wish_withdraw,
}


@login_required
def wish_list(request):
    require(request.user, rules.BROWSE)
    state = request.GET.get("state", "")
    if state not in MicroWish.State.values:
        state = ""
    page = Paginator(
        wishes.wish_list(user=request.user, state=state).select_related("beneficiary"), 30
    ).get_page(request.GET.get("page"))
    now = clock.now()
    for w in page:
        w.actions = [(n, WORKFLOW.steps[n].label) for n in WORKFLOW.allowed(w, request.user, now)]
        w.show_person = wishes.wish_beneficiary_visible(wish=w, user=request.user)
    communities = Region.objects.filter(scope_q(request.user, rules.MANAGE, field="code"), level=5).order_by(
        "code"
    )
    # Whom a resident may ask a wish for: themselves and their household (by the register).
    household = wishes.request_choices(user=request.user) if request.user.has_perm(rules.JOIN) else []
    return render(
        request,
        "volunteers/wishes.html",
        {
            "page": page,
            "state": state,
            "states": MicroWish.State.choices,
            "communities": communities,
            "household": household,
            "counts": wishes.wish_counts(user=request.user),
        },
    )


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def wish_post(request):
    require(request.user, rules.MANAGE)
    person = person_get(user=request.user, pk=_int(request.POST.get("person")))
    community = Region.objects.filter(
        scope_q(request.user, rules.MANAGE, field="code"), code=person.community_id
    ).first()
    if community is None:
        raise NotFound()
    wishes.wish_post(
        community=community,
        beneficiary=person,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
        group=request.POST.get("group", ""),
        by=request.user,
    )
    messages.success(request, _("心愿已发布（不公开心愿人的个人信息）。"))
    return redirect("volunteers:wish_list")


@login_required
@require_POST
def wish_request(request):
    """A resident asks for a wish for themselves or someone of their household."""
    require(request.user, rules.JOIN)
    choices = {p.pk: p for p in wishes.request_choices(user=request.user)}
    person = choices.get(_int(request.POST.get("person")))
    if person is None:
        raise ApplicationError("not_household", _("只能为自己或同户家人提出心愿。"))
    wishes.wish_request(
        beneficiary=person,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
        by=request.user,
    )
    messages.success(request, _("心愿已提交，社区审核后会公开（不公开您的姓名和住址）。"))
    return redirect("volunteers:wish_list")


def step_arguments(step: str, data) -> dict:
    """What a step takes beyond the wish and the user: the reason for declining."""
    return {"reason": data.get("reason", "")} if step == "decline" else {}


@login_required
@require_POST
def wish_act(request, pk: int, step: str):
    wish = wishes.wish_get(user=request.user, pk=pk)
    service = STEP_SERVICES.get(step)
    if service is None:
        raise NotFound()
    service(wish=wish, by=request.user, **step_arguments(step, request.POST))
    messages.success(request, _("已完成：%(step)s。") % {"step": WORKFLOW.steps[step].label})
    return redirect("volunteers:wish_list")


@login_required
def party(request):
    """A resident reports as an in-service party member; staff see the members and export cards."""
    require(request.user, rules.BROWSE)
    mine = (
        PartyMember.objects.filter(person_id=request.user.person_id).first()
        if request.user.person_id
        else None
    )
    if request.method == "POST":
        person = person_of_user(user=request.user)
        if person is None:
            raise ApplicationError("no_person", _("您的账号还没有关联居民登记信息，请到社区办理实名登记。"))
        wishes.party_member_register(
            person=person,
            employer=request.POST.get("employer", ""),
            posts=request.POST.getlist("posts"),
            by=request.user,
        )
        messages.success(request, _("报到成功。"))
        return redirect("volunteers:party")
    today = timezone.localdate(clock.now())
    ctx = {
        "mine": mine,
        "posts": PartyMember.Post.choices,
        "can_join": request.user.has_perm(rules.JOIN),
        "year": today.year,
        "quarter": (today.month - 1) // 3 + 1,
    }
    if request.user.has_perm(rules.VIEW):
        ctx["cards"] = wishes.party_service_cards(user=request.user, year=today.year, quarter=ctx["quarter"])
    return render(request, "volunteers/party.html", ctx)


@login_required
def party_export(request):
    """The quarterly service cards as an Excel sheet (text cells stay text, never formulas)."""
    require(request.user, rules.VIEW)
    try:
        year, quarter = int(request.GET.get("year", "")), int(request.GET.get("quarter", ""))
    except ValueError:
        year, quarter = 0, 0
    if not 2000 <= year <= 2100:
        raise ApplicationError("bad_quarter", _("请选择年份和季度。"))
    cards = wishes.party_service_cards(
        user=request.user, year=year, quarter=quarter, employer=request.GET.get("employer", "")[:100]
    )
    header = [_("姓名"), _("工作单位"), _("报到社区"), _("认领岗位"), _("服务时长（小时）"), _("完成微心愿")]
    data = xlsx_bytes(
        title=f"{year}Q{quarter}",
        header=[str(h) for h in header],
        rows=(
            [
                c["member"].name,
                c["member"].employer,
                c["member"].community_id,
                c["posts"],
                float(c["hours"]),
                c["wishes"],
            ]
            for c in cards
        ),
        widths=(12, 24, 14, 24, 14, 12),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition(f"在职党员服务卡-{year}Q{quarter}.xlsx")
    return response


urlpatterns = [
    path("wishes/", wish_list, name="wish_list"),
    path("wishes/post/", wish_post, name="wish_post"),
    path("wishes/request/", wish_request, name="wish_request"),
    path("wishes/<int:pk>/<str:step>/", wish_act, name="wish_act"),
    path("party/", party, name="party"),
    path("party/export/", party_export, name="party_export"),
]
