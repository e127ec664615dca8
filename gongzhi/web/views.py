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


def page_not_found(request, exception=None):
    """404 in the project's own words and layout (also in the demo, which runs without DEBUG)."""
    from django.utils.translation import gettext

    return render(
        request,
        "web/error.html",
        {"message": gettext("没有找到这个页面。地址可能有误，或页面已经移走。")},
        status=404,
    )


def server_error(request):
    """500: a plain page that needs no database and no request context."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("web/500.html").render())
