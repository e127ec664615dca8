"""Service-record certificates: staff issue and revoke them, the volunteer and staff download the
PDF, and anyone holding the code checks it on the public verification page (no account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core import clock
from gongzhi.core.downloads import content_disposition
from gongzhi.core.errors import NotFound
from gongzhi.core.permissions import require

from . import certificates as certs
from . import rules, selectors
from .qr import qr_svg


def verify_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:certificate_verify_code", args=[code]))


@login_required
def certificate_list(request):
    """Staff: certificates of their communities; a volunteer: their own."""
    require(request.user, rules.BROWSE)
    page = Paginator(certs.certificate_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/certificates.html",
        {"page": page, "can_certify": request.user.has_perm(rules.CERTIFY)},
    )


def _period(request, volunteer):
    today = timezone.localdate(clock.now())
    start = parse_date(request.POST.get("start") or request.GET.get("start") or "")
    end = parse_date(request.POST.get("end") or request.GET.get("end") or "")
    return (
        start or timezone.localdate(volunteer.registered_at),
        end or today,
    )


@login_required
def certificate_new(request):
    """Choose the period, see the hours that will be certified (the same selector as the
    certificate), then issue."""
    require(request.user, rules.CERTIFY)
    try:
        pk = int(request.POST.get("volunteer") or request.GET.get("volunteer") or "")
    except ValueError:
        raise NotFound() from None
    volunteer = selectors.volunteer_get(user=request.user, pk=pk)
    require(request.user, rules.CERTIFY, volunteer, hide=True)
    start, end = _period(request, volunteer)
    if request.method == "POST":
        cert = certs.certificate_issue(
            volunteer=volunteer,
            start=parse_date(request.POST.get("start") or ""),
            end=parse_date(request.POST.get("end") or ""),
            by=request.user,
        )
        messages.success(request, _("已出具志愿服务记录证明，验证码 %(code)s。") % {"code": cert.code})
        return redirect("volunteers:certificate_detail", cert.pk)
    figure = None
    if start <= end:
        figure = certs.certifiable_hours(user=request.user, volunteer=volunteer, start=start, end=end)
    return render(
        request,
        "volunteers/certificate_new.html",
        {
            "volunteer": volunteer,
            "start": start,
            "end": end,
            "figure": figure,
            "records": list(figure.records[:100]) if figure else [],
        },
    )


@login_required
def certificate_detail(request, pk: int):
    cert = certs.certificate_get(user=request.user, pk=pk)
    url = verify_url(request, cert.code)
    return render(
        request,
        "volunteers/certificate_detail.html",
        {
            "cert": cert,
            "verify_url": url,
            "qr": qr_svg(url, title=_("核验本证明")),
            "can_revoke": cert.valid and request.user.has_perm(rules.CERTIFY, cert),
        },
    )


@login_required
@require_GET
def certificate_download(request, pk: int):
    from .certificate_pdf import certificate_pdf

    cert = certs.certificate_get(user=request.user, pk=pk)
    pdf = certificate_pdf(certificate=cert, verify_url=verify_url(request, cert.code))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(f"志愿服务记录证明-{cert.code}.pdf")
    return response


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    cert = certs.certificate_get(user=request.user, pk=pk)
    certs.certificate_revoke(certificate=cert, reason=request.POST.get("reason", ""), by=request.user)
    messages.success(request, _("证明已作废。"))
    return redirect("volunteers:certificate_detail", cert.pk)


@require_GET
def certificate_verify(request, code: str = ""):
    """Public (no account): masked name, hours, period, issuing organisation, valid or revoked."""
    code = code or request.GET.get("code", "")
    cert, status = None, 200
    if code:
        try:
            cert = certs.certificate_public(code=code)
        except NotFound:
            status = 404
    response = render(
        request,
        "volunteers/certificate_verify.html",
        {"cert": cert, "code": certs.normalise_code(code), "not_found": status == 404},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [
    path("certificates/", certificate_list, name="certificate_list"),
    path("certificates/new/", certificate_new, name="certificate_new"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", certificate_download, name="certificate_download"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="certificate_revoke"),
    path("verify/", certificate_verify, name="certificate_verify"),
    path("verify/<str:code>/", certificate_verify, name="certificate_verify_code"),
]
