"""Pages of the entitlements: each community's funding and allowances beside what was paid
(应享与已享), a community's beneficiaries and payments, and the forms to record them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules, services
from .entitlements import entitlements, parse_period
from .models import Post, Purpose, StaffPost
from .selectors import standards_for
from .views import region_for


def _period(request) -> str:
    y, m = parse_period(request.GET.get("period", ""))
    return f"{y}-{m:02d}"


@login_required
@require_GET
def funding(request):
    region = region_for(request)
    period = _period(request)
    rows = entitlements(user=request.user, prefix=region.code, period=period)
    rows.sort(key=lambda c: (not c.short, -c.owed, c.region.code))
    return render(
        request,
        "facilities/funding.html",
        {
            "region": region,
            "period": period,
            "rows": rows,
            "short": sum(1 for c in rows if c.short),
            "due": sum(c.due for c in rows),
            "paid": sum(c.paid for c in rows),
            "owed": sum(c.owed for c in rows),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_community(request, code: str):
    require(request.user, rules.VIEW)
    region = Region.objects.filter(code=code, level=5).first()
    if region is None:
        raise NotFound()
    require(request.user, rules.VIEW, region, hide=True)
    period = _period(request)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "post":
                services.staff_post_add(
                    community=code,
                    name=request.POST.get("name", ""),
                    post=request.POST.get("post", ""),
                    start=request.POST.get("start", ""),
                    end=request.POST.get("end") or None,
                    by=request.user,
                )
                messages.success(request, _("已登记社区干部。"))
            else:
                services.payment_record(
                    community=code,
                    standard_code=request.POST.get("standard", ""),
                    year=request.POST.get("year", ""),
                    month=request.POST.get("month") or None,
                    staff=request.POST.get("staff") or None,
                    amount=request.POST.get("amount", ""),
                    purpose=request.POST.get("purpose", ""),
                    paid_on=request.POST.get("paid_on", ""),
                    voucher=request.POST.get("voucher", ""),
                    note=request.POST.get("note", ""),
                    by=request.user,
                )
                messages.success(request, _("已登记拨付。"))
        except (PermissionDenied, NotFound):
            raise
        except ApplicationError as exc:  # bad input: said plainly, nothing written
            messages.error(request, str(exc.message))
        return redirect(f"{request.path}?period={period}")
    found = entitlements(user=request.user, prefix=code, period=period)
    year, month = parse_period(period)
    return render(
        request,
        "facilities/funding_community.html",
        {
            "region": region,
            "period": period,
            "c": found[0] if found else None,
            "staff": StaffPost.objects.filter(community=region).order_by("post", "name"),
            "standards": standards_for(code, funding=True),
            "posts": Post.choices,
            "purposes": [p for p in Purpose.choices if p[0] != Purpose.ALLOWANCE],
            "year": year,
            "month": month,
            "may_pay": request.user.has_perm(rules.PAY, region),
            "may_manage": request.user.has_perm(rules.MANAGE, region),
        },
    )
