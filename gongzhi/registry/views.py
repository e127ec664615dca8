"""Registry pages: search, the resident record, the drill-down from estate to household,
import and export. Views only read input, call selectors and services, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.downloads import content_disposition
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.permissions import require
from gongzhi.integration import selectors as integration_selectors
from gongzhi.integration.rules import VIEW_PROVENANCE

from . import exports, imports, selectors, services
from . import jobs as export_jobs
from .forms import (
    ExportForm,
    ImportForm,
    PersonForm,
    PersonSearchForm,
    RevealForm,
    TagForm,
    add_service_error,
)
from .rules import CHANGE_PERSON, EXPORT_PERSON, IMPORT_PERSON, REVEAL_PERSON, VIEW_PERSON

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _search(request, perm: str = VIEW_PERSON):
    communities = selectors.communities_in_scope(user=request.user, perm=perm).select_related("parent")
    form = PersonSearchForm(request.GET or None, communities=communities if _many(communities) else None)
    if request.GET and not form.is_valid():
        return form, None  # a refused search (say, 5,000 characters) finds nothing and says why
    return form, form.filters() if request.GET else {}


class SearchPaginator(Paginator):
    """Pages over a search whose count stops at selectors.SEARCH_COUNT_CAP (`more` past it)."""

    more = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):  # built only over person_search's queryset
            raise TypeError("SearchPaginator pages over a queryset")
        n, self.more = selectors.search_count(qs)
        return n


def _many(qs) -> bool:
    return qs[:2].count() > 1


@login_required
@require_GET
def person_list(request):
    require(request.user, VIEW_PERSON)
    form, filters = _search(request)
    people = selectors.person_search(user=request.user, **(filters or {}))
    qs = selectors.person_list_page(people if filters is not None else people.none())
    page = SearchPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(filters),
        "can_export": request.user.has_perm(EXPORT_PERSON),
    }
    if _htmx(request) and request.headers.get("HX-Target") == "results":
        return render(request, "registry/_person_results.html", context)
    return render(request, "registry/person_list.html", context)


def _person_context(request, person, **extra):
    user = request.user
    # Where each field came from (department imports), for those who may see it.
    provenance = None
    if user.has_perm(VIEW_PROVENANCE, person):
        provenance = integration_selectors.person_provenance(person)
    return {
        "provenance": provenance,
        "person": person,
        "tags": selectors.person_tags(person=person),
        "history": selectors.person_history(person=person),
        "membership": getattr(person, "membership", None) if hasattr(person, "membership") else None,
        "can_change": user.has_perm(CHANGE_PERSON, person),
        "can_reveal": user.has_perm(REVEAL_PERSON, person),
        "reveal_form": RevealForm(),
        "tag_form": TagForm(),
        **extra,
    }


@login_required
@require_GET
def person_detail(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    return render(request, "registry/person_detail.html", _person_context(request, person))


@login_required
@require_POST
def person_reveal(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    form = RevealForm(request.POST)
    context = {"person": person, "reveal_form": form, "can_reveal": True}
    status = 200 if _htmx(request) else 400
    if not request.user.has_perm(REVEAL_PERSON, person):
        context.update(can_reveal=False, refused=_("您没有查看完整身份号码和电话的权限。"))
        return render(request, "registry/_reveal.html", context, status=200 if _htmx(request) else 403)
    form.is_valid()
    try:
        args = form.purpose_args()
        values = services.person_reveal(
            by=request.user, person=person, purpose=args["purpose"], note=args["note"]
        )
    except ApplicationError as exc:
        add_service_error(form, exc)
        return render(request, "registry/_reveal.html", context, status=status)
    context["revealed"] = values
    return render(request, "registry/_reveal.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    if not request.user.has_perm(CHANGE_PERSON, person):
        raise PermissionDenied()
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                services.person_update(
                    by=request.user,
                    person=person,
                    data=form.service_data(person),
                    expected_version=form.cleaned_data["version"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                add_service_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("registry:person_detail", pk=person.pk)
        status = 400
    else:
        form = PersonForm(initial=PersonForm.initial_for(person))
        status = 200
    return render(request, "registry/person_edit.html", {"person": person, "form": form}, status=status)


@login_required
@require_POST
def person_tag_add(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    if not request.user.has_perm(CHANGE_PERSON, person):
        raise PermissionDenied()
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.person_tag_add(
                by=request.user, person=person, **{k: v for k, v in form.cleaned_data.items() if v}
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            form = TagForm()
    context = _person_context(request, person, tag_form=form)
    if _htmx(request):
        return render(request, "registry/_tags.html", context)
    if form.errors:
        return render(request, "registry/person_detail.html", context, status=400)
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_POST
def person_tag_end(request, pk: int):
    tag = selectors.person_tag_get(user=request.user, pk=pk)
    person = selectors.person_get(user=request.user, pk=tag.person_id)
    if not request.user.has_perm(CHANGE_PERSON, person):
        raise PermissionDenied()
    services.person_tag_end(by=request.user, tag=tag)
    if _htmx(request):
        return render(request, "registry/_tags.html", _person_context(request, person))
    return redirect("registry:person_detail", pk=person.pk)


# --- places: estate → building → dwelling → household ------------------------------------


@login_required
@require_GET
def place_tree(request):
    require(request.user, VIEW_PERSON)
    communities = selectors.communities_in_scope(user=request.user)
    many = _many(communities)
    community = request.GET.get("community", "") if many else ""
    estates = selectors.estate_overview(user=request.user, community=community)
    groups: dict = {}
    for estate in estates:
        groups.setdefault(estate.community, []).append(estate)
    return render(
        request,
        "registry/place_tree.html",
        {
            "groups": groups,
            "communities": communities if many else None,
            "community": community,
        },
    )


@login_required
@require_GET
def estate_detail(request, pk: int):
    estate = selectors.estate_get(user=request.user, pk=pk)
    buildings = selectors.estate_buildings(user=request.user, estate=estate)
    return render(request, "registry/estate_detail.html", {"estate": estate, "buildings": buildings})


@login_required
@require_GET
def building_detail(request, pk: int):
    building = selectors.building_get(user=request.user, pk=pk)
    entrances = selectors.building_floors(building=building)
    return render(request, "registry/building_detail.html", {"building": building, "entrances": entrances})


@login_required
@require_GET
def dwelling_detail(request, pk: int):
    dwelling = selectors.dwelling_get(user=request.user, pk=pk)
    return render(
        request,
        "registry/dwelling_detail.html",
        {
            "dwelling": dwelling,
            "households": selectors.dwelling_households(dwelling=dwelling),
            "residents": selectors.dwelling_residents(dwelling=dwelling),
        },
    )


@login_required
@require_GET
def household_detail(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    return render(
        request,
        "registry/household_detail.html",
        {"household": household, "members": selectors.household_members(household=household)},
    )


# --- import and export --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_import(request):
    require(request.user, IMPORT_PERSON)
    communities = list(selectors.communities_in_scope(user=request.user, perm=IMPORT_PERSON))
    report = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, communities=communities)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = imports.person_import(
                    by=request.user,
                    data=upload.read(),
                    filename=upload.name,
                    community=form.community_region(),
                    allow_new_places=form.cleaned_data["allow_new_places"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                add_service_error(form, exc)
        if form.errors:
            status = 400
    else:
        form = ImportForm(communities=communities)
    return render(
        request,
        "registry/import.html",
        {
            "form": form,
            "report": report,
            "column_rows": [
                (c, imports.COLUMN_HELP[c])
                for c in ([imports.COMMUNITY_COLUMN] if len(communities) > 1 else []) + imports.COLUMNS
            ],
        },
        status=status,
    )


@login_required
@require_GET
def import_template(request):
    require(request.user, IMPORT_PERSON)
    many = _many(selectors.communities_in_scope(user=request.user, perm=IMPORT_PERSON))
    response = HttpResponse(imports.template_workbook(with_community_column=many), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(_("居民导入模板") + ".xlsx")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_export(request):
    require(request.user, EXPORT_PERSON)
    search, filters = _search(request, perm=EXPORT_PERSON)
    if filters is None:  # never export everyone because the search was refused
        errors = " ".join(str(e) for field_errors in search.errors.values() for e in field_errors)
        raise ApplicationError("search_invalid", errors)
    form = ExportForm(request.POST or None)
    status = 200
    count = selectors.person_search(user=request.user, perm=EXPORT_PERSON, **filters).count()
    if request.method == "POST" and form.is_valid():
        try:
            args = form.purpose_args()
            if count > export_jobs.export_background_above():  # large: the worker makes the file
                job = export_jobs.person_export_start(
                    by=request.user, purpose=args["purpose"], note=args["note"], filters=filters, count=count
                )
                return redirect("jobs:detail", job_id=job.id)
            export = exports.person_export(
                by=request.user, purpose=args["purpose"], note=args["note"], filters=filters
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_service_error(form, exc)
            status = 400
        else:
            response = HttpResponse(export.content, content_type=XLSX)
            response["Content-Disposition"] = content_disposition(export.filename)
            return response
    return render(
        request,
        "registry/export.html",
        {
            "form": form,
            "filters": search.describe() if filters else [],
            "count": count,
            "background": count > export_jobs.export_background_above(),
            "query": request.GET.urlencode(),
        },
        status=status,
    )
