from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gongzhi.core.roles import VIEW_ACCESS_LOG
from gongzhi.core.scoping import has_anywhere
from gongzhi.registry import selectors as registry

from . import selectors
from .forms import AccessLogFilterForm
from .home import home_context


@login_required
@require_GET
def home(request):
    return render(request, "web/home.html", home_context(request.user))


@login_required
@require_GET
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    person = filters.pop("person", "")
    person_ids = None
    if person:
        person_ids = (
            [int(person)]
            if person.isdigit() and len(person) < 12
            else registry.person_ids_named(user=request.user, name=person)
        )
    own_only = not has_anywhere(request.user, VIEW_ACCESS_LOG)
    entries = selectors.access_log_entries(user=request.user, mine=own_only, person_ids=person_ids, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    names = selectors.person_labels(entries=page.object_list)
    for entry in page.object_list:
        entry.field_labels = selectors.field_labels(entry.fields)
        entry.person_label = names.get(entry.object_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/access_log.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "status": selectors.access_log_status(),
            "own_only": own_only,
            "alerts": selectors.bulk_reveal_alerts(user=request.user),
            "alert_threshold": settings.GONGZHI_REVEAL_ALERT_PER_HOUR,
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
