"""The paper-ballot page of a poll (thin): staff issue printed one-time codes — the sheet of slips is
shown once, since only the codes' salted hashes are kept — and enter the returned paper ballots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.permissions import require

from . import poll_services, rules, selectors
from .errors import error
from .workflow import POLL


@login_required
@require_http_methods(["GET", "POST"])
def poll_paper(request, pk: int):
    poll = selectors.poll_get(user=request.user, pk=pk)
    require(request.user, rules.MANAGE, poll)
    here = reverse("deliberation:poll_paper", args=[poll.pk])
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("issue", "enter"):
            raise NotFound()
        try:
            if action == "issue":
                codes = poll_services.paper_codes_issue(by=request.user, poll=poll)
                if not codes:
                    raise error("paper_none_left")
                labels = selectors.voter_labels([key for key, _code in codes])
                response = render(
                    request,
                    "deliberation/paper_sheet.html",
                    {
                        "poll": poll,
                        "options": poll.options.all(),
                        "slips": [(code, *labels.get(key, ("", ""))) for key, code in codes],
                        "issued_at": clock.now(),
                    },
                )
                # Shown once: no copy kept by the browser's cache or a proxy.
                response["Cache-Control"] = "no-store"
                return response
            poll_services.paper_ballot_enter(
                by=request.user,
                poll=poll,
                code=request.POST.get("code", "")[:40],
                option_id=request.POST.get("option"),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("纸质选票已录入。"))
        return HttpResponseRedirect(here)
    refusal = POLL.refusal("paper", poll, request.user)
    return render(
        request,
        "deliberation/poll_paper.html",
        {
            "poll": poll,
            "options": poll.options.all(),
            "status": selectors.paper_status(poll),
            "may_paper": refusal is None,
            "refusal": refusal.message if refusal is not None else "",
        },
    )
