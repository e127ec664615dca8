"""Pages: sources and their mapping, upload and batch report, review queue, conflicts,
merges, a person's provenance, and the department's data page. Thin: services do the work."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import spreadsheets
from gongzhi.core.audit import purpose_choices
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Department, Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.scoping import scoped
from gongzhi.registry.codes import TagKind

from . import codes, merging, selectors, services
from .models import CandidateState, Field, FileFormat, LinkCandidate, SharedField
from .rules import DEPARTMENT_READ, IMPORT, MANAGE_SHARING, MANAGE_SOURCES, REVIEW, VIEW_PROVENANCE
from .workflow import REVIEW_WORKFLOW

MAPPED_TABLES = [
    codes.CodeTable.SEX,
    codes.CodeTable.ETHNICITY,
    codes.CodeTable.RELATIONSHIP,
    codes.CodeTable.EDUCATION,
    codes.CodeTable.TAG,
]


def _require_any(user, *perms: str) -> None:
    if not any(user.has_perm(p) for p in perms):
        raise PermissionDenied()


# --- sources ------------------------------------------------------------------------------


@login_required
def source_list(request):
    _require_any(request.user, MANAGE_SOURCES, IMPORT)
    user = request.user
    sources = (
        selectors.importable_sources(user=user)
        if not user.has_perm(MANAGE_SOURCES)
        else selectors.source_list(user=user)
    )
    return render(
        request,
        "integration/source_list.html",
        {
            "sources": sources,
            "batches": selectors.batch_list(user=user)[:20],
            "can_manage": user.has_perm(MANAGE_SOURCES),
            "can_review": user.has_perm(REVIEW),
        },
    )


def _departments(user):
    return (
        scoped(Department.objects.all(), user, MANAGE_SOURCES, field="region_id")
        .exclude(sources__builtin=True)  # the department behind 社区采集 takes no other source
        .order_by("name")
    )


def _mapping_from_post(post) -> tuple[list, dict]:
    columns: list[list[str]] = []
    for column, target in zip(post.getlist("column"), post.getlist("target"), strict=False):
        column = column.strip()
        if column and target:
            columns.append([column, target])
    code_maps = {table: services.parse_code_map(post.get(f"codes_{table}", "")) for table in MAPPED_TABLES}
    return columns, {k: v for k, v in code_maps.items() if v}


def _community_from_post(post, department: Department | None) -> Region | None:
    code = (post.get("default_community") or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code, level=RegionLevel.COMMUNITY).first()
    if region is None:
        raise ApplicationError(
            "community", _("默认社区代码“%(c)s”不存在。") % {"c": code}, field="default_community"
        )
    return region


def _form_context(source=None, post=None) -> dict:
    columns = [tuple(pair) for pair in (source.columns if source else [])]
    if post is not None:
        columns = [
            (c, t) for c, t in zip(post.getlist("column"), post.getlist("target"), strict=False) if c or t
        ]
    columns += [("", "")] * max(3, 12 - len(columns))
    code_text = {}
    for table in MAPPED_TABLES:
        if post is not None:
            code_text[table] = post.get(f"codes_{table}", "")
        else:
            mapping = (source.code_maps if source else {}).get(table, {})
            code_text[table] = "\n".join(f"{own}={national}" for own, national in mapping.items())
    return {
        "columns": columns,
        "fields": Field.choices,
        "formats": FileFormat.choices,
        "tag_kinds": TagKind.choices,
        "tables": [
            (t, codes.CodeTable(t).label, code_text[t], codes.table_entries(t)) for t in MAPPED_TABLES
        ],
        "values": post or {},
    }


@login_required
def source_create(request):
    require(request.user, MANAGE_SOURCES)
    departments = _departments(request.user)
    if request.method == "POST":
        try:
            department = departments.filter(pk=request.POST.get("department") or 0).first()
            if department is None:
                raise ApplicationError("department", _("请选择部门。"), field="department")
            columns, code_maps = _mapping_from_post(request.POST)
            source = services.source_create(
                by=request.user,
                department=department,
                name=request.POST.get("name", ""),
                file_format=request.POST.get("file_format", "csv"),
                columns=columns,
                code_maps=code_maps,
                trust_rank=request.POST.get("trust_rank") or 5,
                default_community=_community_from_post(request.POST, department),
                default_tag_kind=request.POST.get("default_tag_kind", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            ctx = _form_context(post=request.POST)
        else:
            messages.success(request, _("数据源已创建。"))
            return redirect("integration:source_detail", pk=source.pk)
    else:
        ctx = _form_context()
    return render(
        request, "integration/source_form.html", {**ctx, "departments": departments, "source": None}
    )


@login_required
def source_detail(request, pk: int):
    user = request.user
    can_manage = user.has_perm(MANAGE_SOURCES)
    source = selectors.source_get(user=user, pk=pk, perm=MANAGE_SOURCES if can_manage else IMPORT)
    ctx = _form_context(source)
    if request.method == "POST":
        require(user, MANAGE_SOURCES, source, hide=True)
        try:
            columns, code_maps = _mapping_from_post(request.POST)
            services.source_update(
                by=user,
                source=source,
                name=request.POST.get("name", ""),
                file_format=request.POST.get("file_format", source.file_format),
                columns=columns,
                code_maps=code_maps,
                trust_rank=request.POST.get("trust_rank") or source.trust_rank,
                default_community=_community_from_post(request.POST, source.department),
                default_tag_kind=request.POST.get("default_tag_kind", ""),
                active=bool(request.POST.get("active")),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            ctx = _form_context(source, post=request.POST)
        else:
            messages.success(request, _("数据源配置已保存。"))
            return redirect("integration:source_detail", pk=source.pk)
    return render(
        request,
        "integration/source_detail.html",
        {
            **ctx,
            "source": source,
            "can_manage": can_manage,
            "batches": selectors.batch_list(user=user, source=source)[:50],
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_POST
def batch_upload(request, pk: int):
    source = selectors.source_get(user=request.user, pk=pk, perm=IMPORT)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("integration:source_detail", pk=source.pk)
    observed = request.POST.get("observed_on") or ""
    try:
        observed_on = dt.date.fromisoformat(observed) if observed else None
    except ValueError:
        observed_on = None
    batch, new = services.batch_submit(
        by=request.user, source=source, data=upload.read(), filename=upload.name, observed_on=observed_on
    )
    if not new:
        messages.info(request, _("这个文件已经导入过，没有重复导入。"))
    return redirect("integration:batch_detail", pk=batch.pk)


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    show = request.GET.get("show", "")
    records = Paginator(selectors.batch_records(batch=batch, show=show), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "integration/batch_detail.html",
        {"batch": batch, "records": records, "show": show, "can_review": request.user.has_perm(REVIEW)},
    )


@login_required
@require_POST
def batch_resume(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    services.batch_run(batch=batch, by=request.user)
    messages.success(request, _("导入已继续并完成。"))
    return redirect("integration:batch_detail", pk=batch.pk)


# --- review -------------------------------------------------------------------------------


@login_required
def review_list(request):
    require(request.user, REVIEW)
    queue = Paginator(selectors.review_records(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "integration/review_list.html",
        {"queue": queue, "conflict_count": selectors.conflict_list(user=request.user).count()},
    )


def _next_in_queue(user):
    nxt = selectors.review_records(user=user).first()
    return redirect("integration:review_record", pk=nxt.pk) if nxt else redirect("integration:review_list")


@login_required
def review_record(request, pk: int):
    """A record waiting for review: the people offered, each with "link to this one", and
    "register as a new person" when none of them is the record's person (or none was offered)."""
    record = selectors.review_record_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "accept":
            raw = request.POST.get("candidate") or ""
            candidate = selectors.candidate_get(user=request.user, pk=int(raw) if raw.isdigit() else 0)
            if candidate.record_id != record.pk:
                raise NotFound()
            services.candidate_accept(by=request.user, candidate=candidate)
            messages.success(request, _("已确认为同一人，记录已关联。"))
        elif action == "register":
            services.record_register(
                by=request.user,
                record=record,
                sex=request.POST.get("sex", ""),
                birth_date=request.POST.get("birth_date") or None,
            )
            messages.success(request, _("已登记为新居民。"))
        else:
            raise NotFound()
        return _next_in_queue(request.user)
    v = record.values
    return render(
        request,
        "integration/review_record.html",
        {
            "record": record,
            "candidates": selectors.record_candidates(record),
            "warnings": [e["message"] for e in record.errors if e.get("level") == "warning"],
            "ask_sex": not record.id_number_hash and not v.get(Field.SEX),
            "ask_birth": not record.id_number_hash and not v.get(Field.BIRTH_DATE),
            "birth_year": selectors.masked_birth(v.get(Field.BIRTH_DATE, "")),
            "sex_shown": services.display_value(Field.SEX, v.get(Field.SEX, "")) if v.get(Field.SEX) else "",
            "actions": REVIEW_WORKFLOW.allowed(record, request.user),
        },
    )


@login_required
def candidate_detail(request, pk: int):
    candidate = selectors.candidate_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "accept":
            services.candidate_accept(by=request.user, candidate=candidate)
            messages.success(request, _("已确认为同一人，记录已关联。"))
        elif action == "reject":
            record = services.candidate_reject(by=request.user, candidate=candidate)
            if record.person_id:
                messages.success(request, _("已确认非同一人，已登记为新居民。"))
            else:
                messages.success(request, _("已确认非同一人。"))
        return _next_in_queue(request.user)
    others = (
        LinkCandidate.objects.filter(record=candidate.record)
        .exclude(pk=candidate.pk)
        .select_related("person")
    )
    return render(
        request,
        "integration/candidate_detail.html",
        {
            "candidate": candidate,
            "rows": selectors.side_by_side(candidate),
            "others": others,
            "is_open": candidate.state == CandidateState.OPEN,
        },
    )


@login_required
def conflict_list(request):
    require(request.user, REVIEW)
    conflicts = Paginator(selectors.conflict_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "integration/conflict_list.html", {"conflicts": conflicts})


@login_required
@require_POST
def conflict_resolve(request, pk: int):
    conflict = selectors.conflict_get(user=request.user, pk=pk)
    services.conflict_resolve(
        by=request.user, conflict=conflict, value_id=int(request.POST.get("value") or 0)
    )
    messages.success(request, _("已采用所选来源的值。"))
    return redirect("integration:conflict_list")


@login_required
def merge_list(request):
    require(request.user, REVIEW)
    context: dict = {"merges": selectors.merge_list(user=request.user)[:100]}
    kept_id, absorbed_id = request.GET.get("kept"), request.GET.get("absorbed")
    if kept_id and absorbed_id and kept_id.isdigit() and absorbed_id.isdigit():
        context["kept"] = selectors.review_person_get(user=request.user, pk=int(kept_id))
        context["absorbed"] = selectors.review_person_get(user=request.user, pk=int(absorbed_id))
    return render(request, "integration/merge_list.html", context)


@login_required
@require_POST
def merge_create(request):
    kept = selectors.review_person_get(user=request.user, pk=int(request.POST.get("kept") or 0))
    absorbed = selectors.review_person_get(user=request.user, pk=int(request.POST.get("absorbed") or 0))
    merging.person_merge(by=request.user, kept=kept, absorbed=absorbed, reason=request.POST.get("reason", ""))
    messages.success(request, _("已将两位居民合并。"))
    return redirect("integration:merge_list")


@login_required
@require_POST
def merge_undo(request, pk: int):
    merge = selectors.merge_get(user=request.user, pk=pk)
    merging.merge_undo(by=request.user, merge=merge)
    messages.success(request, _("合并已撤销，两位居民均已恢复。"))
    return redirect("integration:merge_list")


# --- provenance ---------------------------------------------------------------------------


@login_required
def person_provenance(request, pk: int):
    require(request.user, VIEW_PROVENANCE)
    from gongzhi.registry.selectors import person_get

    person = person_get(user=request.user, pk=pk, perm=VIEW_PROVENANCE)
    return render(
        request,
        "integration/provenance.html",
        {"person": person, "provenance": selectors.person_provenance(person, user=request.user)},
    )


# --- departments --------------------------------------------------------------------------


def _requested_fields(request) -> list[str] | None:
    raw = request.GET.getlist("fields") or [f for f in request.GET.get("f", "").split(",") if f]
    return raw or None


@login_required
def department_data(request):
    require(request.user, DEPARTMENT_READ)
    department = selectors.user_department(request.user, _int(request.GET.get("department")))
    purpose = (request.GET.get("purpose") or "").strip()
    context = {
        "department": department,
        "allowed": [(f, SharedField(f).label) for f in selectors.shared_fields(department)],
        "sources": selectors.department_sources(department=department),
        "purpose": purpose,
        "note": request.GET.get("note", ""),
        "purposes": purpose_choices(),
        "q": request.GET.get("q", ""),
        "tag": request.GET.get("tag", ""),
        "tag_kinds": TagKind.choices,
    }
    if purpose:
        page = max(_int(request.GET.get("page")) or 1, 1)
        fields, total, rows = selectors.department_read(
            user=request.user,
            department=department,
            fields=_requested_fields(request),
            purpose=purpose,
            note=context["note"],
            q=context["q"],
            tag=context["tag"],
            offset=(page - 1) * 50,
            limit=50,
            masked=True,
        )
        context.update(
            {
                "fields": [(f, SharedField(f).label) for f in fields],
                "rows": [[_cell(r.get(f), f) for f in fields] for r in rows],
                "total": total,
                "page": page,
                "has_next": page * 50 < total,
            }
        )
    return render(request, "integration/department.html", context)


@login_required
def department_export(request):
    require(request.user, DEPARTMENT_READ)
    department = selectors.user_department(request.user, _int(request.GET.get("department")))
    source = (
        selectors.department_sources(department=department)
        .filter(pk=_int(request.GET.get("source")) or 0)
        .first()
    )
    if source is None:
        raise ApplicationError("source", _("请选择按哪个数据源的格式导出。"))
    header, rows = selectors.export_rows(
        user=request.user,
        department=department,
        source=source,
        purpose=request.GET.get("purpose", ""),
        note=request.GET.get("note", ""),
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    if source.file_format == "xlsx":
        # core.spreadsheets: text as text (no live formulas), stored control characters replaced
        content = spreadsheets.xlsx_bytes(title=source.name, header=header, rows=rows)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"{source.name}-{stamp}.xlsx"
    else:
        response = HttpResponse(
            spreadsheets.csv_bytes(header=header, rows=rows), content_type="text/csv; charset=utf-8"
        )
        filename = f"{source.name}-{stamp}.csv"
    from gongzhi.core.downloads import content_disposition

    response["Content-Disposition"] = content_disposition(filename)
    return response


@login_required
def sharing_rules(request):
    require(request.user, MANAGE_SHARING)
    from gongzhi.core.models import DepartmentKind

    from .models import SharingRule

    if request.method == "POST":
        for kind, _label in DepartmentKind.choices:
            services.sharing_rules_set(
                by=request.user, department_kind=kind, fields=request.POST.getlist(kind)
            )
        messages.success(request, _("共享规则已保存。"))
        return redirect("integration:sharing")
    current = set(SharingRule.objects.values_list("department_kind", "field"))
    matrix = [
        (kind, label, [(f, (kind, f) in current) for f, _l in SharedField.choices])
        for kind, label in DepartmentKind.choices
    ]
    return render(request, "integration/sharing.html", {"matrix": matrix, "fields": SharedField.choices})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cell(value, field_name: str = "") -> str:
    if field_name in (SharedField.SEX, SharedField.ETHNICITY, SharedField.EDUCATION) and value:
        return services.display_value(field_name, value)
    if field_name == SharedField.COMMUNITY and value:
        return Region.objects.filter(code=value).values_list("name", flat=True).first() or value
    if isinstance(value, list):  # group tags
        return "；".join(f"{t['label']}（{t['source']}）" if t["source"] else t["label"] for t in value)
    return "" if value is None else str(value)
