from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gongzhi.core.models import AccessAction
from gongzhi.core.roles import VIEW_ACCESS_LOG
from gongzhi.core.scoping import has_anywhere

from . import selectors
from .home import home_context


@login_required
@require_GET
def home(request):
    return render(request, "web/home.html", home_context(request.user))


@login_required
@require_GET
def access_log(request):
    action = request.GET.get("action", "")
    if action not in AccessAction.values:
        action = ""
    own_only = not has_anywhere(request.user, VIEW_ACCESS_LOG)
    entries = selectors.access_log_entries(user=request.user, action=action, mine=own_only)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.field_labels = selectors.field_labels(entry.fields)
    return render(
        request,
        "web/access_log.html",
        {
            "page": page,
            "action": action,
            "actions": AccessAction.choices,
            "status": selectors.access_log_status(),
            "own_only": own_only,
        },
    )
