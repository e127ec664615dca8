"""Pages of work admission (thin: parse, call a service or selector, render)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.downloads import content_disposition
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Department, Region
from gongzhi.core.permissions import require

from . import rules, selectors, services
from .cert_templates import PLACEHOLDERS
from .models import Application, ApplicationKind, InboxTask, ReportEvery
from .workflow import WORKFLOW

BLANK_FIELD_ROWS = 4


def lists(request):
    """The district's lists in force (public), its versions, and for district staff the draft."""
    districts = selectors.districts_for(request.user)
    code = request.GET.get("district") or (districts[0].code if districts else "")
    version = None
    if request.GET.get("version"):
        try:
            version = selectors.list_version_get(pk=int(request.GET["version"]), user=request.user)
        except ValueError:
            raise NotFound() from None
        code = version.region_id
    elif code:
        version = selectors.list_in_force(region=code)
    versions = selectors.list_versions(region=code, user=request.user) if code else []
    can_manage = bool(code) and request.user.has_perm(rules.MANAGE_LISTS, code)
    return render(
        request,
        "admission/lists.html",
        {
            "districts": districts,
            "district": code,
            "version": version,
            "groups": selectors.list_grouped(version) if version else [],
            "versions": versions,
            "can_manage": can_manage,
        },
    )


def list_export(request, pk: int):
    version = selectors.list_version_get(pk=pk, user=request.user)
    resp = HttpResponse(
        selectors.list_workbook(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = content_disposition(
        f"社区工作事项清单-{version.region.name}-v{version.number}.xlsx"
    )
    return resp


@login_required
def list_draft(request):
    code = request.POST.get("district") or request.GET.get("district", "")
    if request.method == "POST" and "file" not in request.FILES and request.POST.get("action") == "open":
        draft = services.list_draft_open(region=code, by=request.user)
        return redirect(f"{request.path}?district={draft.region_id}")
    require(request.user, rules.MANAGE_LISTS, code or None)
    draft = selectors.list_versions(region=code, user=request.user).filter(state="draft").first()
    report = None
    if request.method == "POST" and draft is not None:
        if request.POST.get("action") == "publish":
            services.list_publish(version=draft, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("已发布第 %(n)s 版清单。") % {"n": draft.number})
            return redirect(f"/admission/lists/?district={draft.region_id}")
        upload = request.FILES.get("file")
        if upload is not None:
            report = services.list_import(version=draft, data=upload.read(), by=request.user)
            if report.errors:
                messages.error(request, _("文件有 %(n)s 行错误，未导入任何事项。") % {"n": report.errors})
            else:
                messages.success(request, _("已导入 %(n)s 项。") % {"n": report.imported})
    return render(
        request,
        "admission/list_draft.html",
        {
            "district": code,
            "draft": draft,
            "groups": selectors.list_grouped(draft) if draft else [],
            "report": report,
            "placeholders": list(PLACEHOLDERS.items()),
        },
    )


class ApplicationForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.none(), label=gettext_lazy("申请部门"))
    kind = forms.ChoiceField(choices=ApplicationKind.choices, label=gettext_lazy("类别"))
    title = forms.CharField(max_length=200, label=gettext_lazy("事项名称"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=gettext_lazy("工作内容")
    )
    communities = forms.MultipleChoiceField(choices=(), label=gettext_lazy("涉及社区"))
    period_start = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hours_per_community = forms.DecimalField(
        min_value=0, max_digits=8, decimal_places=1, label=gettext_lazy("每社区工作量（小时）")
    )
    funding_per_community = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, label=gettext_lazy("每社区经费（元）")
    )
    materials = forms.CharField(max_length=300, required=False, label=gettext_lazy("随事转移的物资"))
    legal_basis = forms.CharField(max_length=300, label=gettext_lazy("法律政策依据"))
    report_every = forms.ChoiceField(
        choices=ReportEvery.choices,
        initial=ReportEvery.ONCE,
        required=False,
        label=gettext_lazy("报送频次（统计报表、台账、调查）"),
    )

    def __init__(self, *args, user, editing: Application | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing is not None:
            del self.fields["department"]
            regions = {editing.region_id}
        else:
            depts = Department.objects.filter(pk__in=rules.user_department_ids(user))
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = depts
            regions = {d.region_id for d in depts}
        cast(forms.ChoiceField, self.fields["communities"]).choices = [
            (r.code, r.name)
            for r in Region.objects.filter(
                level=5, code__regex=r"^(" + "|".join(regions or {"x"}) + ")"
            ).order_by("code")
        ]


def _form_fields_posted(post) -> list[dict]:
    """The form's field rows as posted (field_name_N, field_figure_N, field_unit_N)."""
    rows = []
    for n in range(services.MAX_FORM_FIELDS + BLANK_FIELD_ROWS):
        name = post.get(f"field_name_{n}")
        if name is None:
            continue
        rows.append(
            {
                "name": name,
                "figure": post.get(f"field_figure_{n}", ""),
                "unit": post.get(f"field_unit_{n}", ""),
            }
        )
    return rows


def _field_rows(rows: list[dict]) -> list[dict]:
    return [*rows, *({"name": "", "figure": "", "unit": ""} for _ in range(BLANK_FIELD_ROWS))]


def _figure_choices() -> list[tuple[str, str, str]]:
    from gongzhi.core.manifests import figures

    return [(k, str(f.label), f.unit) for k, f in figures().items()]


def _application_page(request, form, fields, app=None):
    return render(
        request,
        "admission/application_form.html",
        {
            "form": form,
            "app": app,
            "field_rows": _field_rows(fields),
            "figure_choices": _figure_choices(),
        },
    )


@login_required
def applications(request):
    if not (rules.user_department_ids(request.user) or request.user.has_perm(rules.REVIEW)):
        raise PermissionDenied()
    qs = selectors.application_queryset(user=request.user)
    state = request.GET.get("state", "")
    if state in Application.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/applications.html",
        {
            "page": page,
            "state": state,
            "states": Application.State.choices,
            "can_apply": bool(rules.user_department_ids(request.user)),
            "overdue": set(selectors.review_overdue(user=request.user).values_list("pk", flat=True)),
        },
    )


@login_required
def application_new(request):
    if not rules.user_department_ids(request.user):
        raise PermissionDenied()
    form = ApplicationForm(request.POST or None, user=request.user)
    fields = _form_fields_posted(request.POST) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, form_fields=fields)
        department = data.pop("department")
        try:
            app = services.application_create(department=department, data=data, by=request.user)
        except PermissionDenied:
            raise
        except ApplicationError as e:
            form.add_error(e.field, e.message)
        else:
            messages.success(request, _("申请已保存为草稿，请核对后提交审核。"))
            return redirect("admission:application_detail", app.pk)
    return _application_page(request, form, fields)


@login_required
def application_edit(request, pk: int):
    """Change an application while the guard lets its department edit it."""
    app = selectors.application_get(user=request.user, pk=pk)
    WORKFLOW.require("edit", app, request.user)
    initial = {k: getattr(app, k) for k in services.APPLICATION_FIELDS if k != "form_fields"}
    form = ApplicationForm(request.POST or None, user=request.user, editing=app, initial=initial)
    fields = _form_fields_posted(request.POST) if request.method == "POST" else list(app.form_fields)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                application=app, data=dict(form.cleaned_data, form_fields=fields), by=request.user
            )
        except PermissionDenied:
            raise
        except ApplicationError as e:
            form.add_error(e.field, e.message)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("admission:application_detail", app.pk)
    return _application_page(request, form, fields, app)


@login_required
def application_detail(request, pk: int):
    from .reports import form_coverage

    app = selectors.application_get(user=request.user, pk=pk)
    names = selectors.community_names(app.communities)
    coverage, fields = form_coverage(app)
    return render(
        request,
        "admission/application_detail.html",
        {
            "app": app,
            "events": app.events.select_related("by"),
            "actions": [(a, WORKFLOW.steps[a].label) for a in WORKFLOW.allowed(app, request.user)],
            "community_names": names,
            "coverage": coverage,
            "fields": fields,
            "fields_auto": sum(1 for f in fields if f["from_records"]),
            "withdrawals": selectors.withdrawals_of(app),
            "can_read_reports": bool(fields)
            and (
                app.department_id in rules.user_department_ids(request.user)
                or request.user.has_perm(rules.REVIEW, app)
            ),
        },
    )


@login_required
def application_reports(request, pk: int):
    """The returns of an admitted form from every community: for the department and the office."""
    from . import reports

    app = selectors.application_get(user=request.user, pk=pk)
    rows = reports.reports_for_application(application=app, user=request.user)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(
            reports.reports_workbook(application=app, reports=rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = content_disposition(f"报表汇总-{app.title}.xlsx")
        return resp
    names = [f["name"] for f in app.form_fields]
    table = [
        {
            "report": r,
            "period": reports.period_label(r.period),
            "cells": [next((v for v in r.values if v["name"] == n), None) for n in names],
        }
        for r in rows
    ]
    return render(request, "admission/application_reports.html", {"app": app, "names": names, "table": table})


@login_required
@require_POST
def application_act(request, pk: int, step: str):
    app = selectors.application_get(user=request.user, pk=pk)
    if step == "submit":
        services.application_submit(application=app, by=request.user)
        messages.success(request, _("已提交审核。"))
    elif step in services.DECISIONS:
        services.application_decide(
            application=app, step=step, reason=request.POST.get("reason", ""), by=request.user
        )
        messages.success(request, _("已记录：%(s)s。") % {"s": WORKFLOW.steps[step].label})
    else:
        raise NotFound()
    return redirect("admission:application_detail", app.pk)


@login_required
def catalogue(request):
    require(request.user, rules.VIEW_CATALOGUE)
    at = None
    raw = request.GET.get("at", "")
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
            from gongzhi.demands.calendar import TZ

            at = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TZ)
        except ValueError:
            messages.error(request, _("日期格式应为 年-月-日。"))
    items = list(selectors.catalogue(user=request.user, at=at))
    withdrawn = selectors.withdrawn_units([a.pk for a in items])
    for a in items:
        a.withdrawn_from = withdrawn.get(a.pk, [])
    history = selectors.catalogue_history(user=request.user)[:30]
    return render(
        request, "admission/catalogue.html", {"items": items, "at": raw if at else "", "history": history}
    )


@login_required
def inbox(request):
    require(request.user, rules.INBOX)
    state = request.GET.get("state", "open")
    page = Paginator(selectors.inbox(user=request.user, state=state), 30).get_page(request.GET.get("page"))
    for t in page:
        t.funding = selectors.task_funding(t)
        t.has_form = bool(t.application_id and t.application.form_fields)
    return render(
        request, "admission/inbox.html", {"page": page, "state": state, "states": InboxTask.State.choices}
    )


@login_required
@require_POST
def task_act(request, pk: int, action: str):
    task = selectors.task_get(user=request.user, pk=pk)
    if action == "refuse":
        services.task_refuse(task=task, by=request.user)
        messages.success(request, _("已拒绝，并记入该部门的准入记录。"))
    elif action == "hours":
        services.task_hours_record(task=task, hours=request.POST.get("hours", ""), by=request.user)
        messages.success(request, _("已登记工时。"))
    elif action == "done":
        services.task_complete(task=task, by=request.user)
        messages.success(request, _("已完成。"))
    else:
        raise NotFound()
    return redirect("admission:inbox")


@login_required
def task_report(request, pk: int):
    """一表通: the admitted form, filled from the records; the community types only the rest."""
    from . import reports

    task = selectors.task_get(user=request.user, pk=pk)
    if task.application is None or not task.application.form_fields:
        raise NotFound(_("该任务没有已准入的报表可以填报。"))
    periods = reports.report_periods(task.application)
    sent = {r.period: r for r in reports.reports_of_task(task)}
    open_periods = [p for p in periods if p not in sent]
    period = request.POST.get("period") or request.GET.get("period") or (open_periods or [""])[-1]
    if request.method == "POST":
        typed = {k[6:]: v for k, v in request.POST.items() if k.startswith("field:")}
        sent_report = reports.report_submit(task=task, period=period, typed=typed, by=request.user)
        messages.success(
            request,
            _("已报送：%(a)s 项由系统数据生成，%(t)s 项手工填写。")
            % {"a": sent_report.from_records, "t": sent_report.typed},
        )
        return redirect("admission:task_report", task.pk)
    rows = reports.report_rows(task=task, period=period, user=request.user) if period in open_periods else []
    return render(
        request,
        "admission/task_report.html",
        {
            "task": task,
            "period": period,
            "period_label": reports.period_label(period) if period else "",
            "open_periods": [(p, reports.period_label(p)) for p in open_periods],
            "sent": [(reports.period_label(p), r) for p, r in sorted(sent.items())],
            "rows": rows,
            "auto": sum(1 for r in rows if r.from_records),
            "can_send": task.state == InboxTask.State.OPEN,
        },
    )


# Sending tasks (派发任务) -------------------------------------------------------------------------


class TaskSendForm(forms.Form):
    sender = forms.ChoiceField(label=gettext_lazy("交办单位"))
    title = forms.CharField(max_length=200, label=gettext_lazy("任务"))
    communities = forms.MultipleChoiceField(
        choices=(), label=gettext_lazy("社区"), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    deadline = forms.DateField(
        required=False, label=gettext_lazy("完成期限"), widget=forms.DateInput(attrs={"type": "date"})
    )
    application = forms.ChoiceField(required=False, label=gettext_lazy("对应的已准入事项"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        senders = selectors.task_senders(user=user)
        self.fields["sender"].choices = [(key, name) for key, name, _obj in senders]
        self._senders = {key: obj for key, _name, obj in senders}
        self.fields["communities"].choices = [(r.code, r.name) for r in selectors.task_communities(user=user)]
        self._applications = {str(a.pk): a for a in selectors.sendable_applications(user=user)}
        self.fields["application"].choices = [("", gettext_lazy("（无：以“未准入”送达）"))] + [
            (k, f"{a.title} · {a.department.name}") for k, a in self._applications.items()
        ]

    def sender_object(self):
        return self._senders[self.cleaned_data["sender"]]

    def application_object(self):
        return self._applications.get(self.cleaned_data.get("application") or "")


@login_required
def tasks_sent(request):
    require(request.user, rules.SEND_TASK)
    state = request.GET.get("state", "")
    qs = selectors.sent_tasks(user=request.user)
    if state in InboxTask.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/tasks_sent.html",
        {"page": page, "state": state, "states": InboxTask.State.choices},
    )


@login_required
def task_new(request):
    require(request.user, rules.SEND_TASK)
    form = TaskSendForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        sender = form.sender_object()
        try:
            sent = services.task_send(
                title=form.cleaned_data["title"],
                communities=form.cleaned_data["communities"],
                by=request.user,
                department=sender if isinstance(sender, Department) else None,
                street=sender if isinstance(sender, Region) else None,
                application=form.application_object(),
                deadline=form.cleaned_data.get("deadline"),
            )
        except PermissionDenied:
            raise
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            unadmitted = sum(1 for t in sent if t.application_id is None)
            messages.success(
                request,
                _("已派发到 %(n)s 个社区，其中 %(u)s 个以“未准入”送达，社区可以拒绝。")
                % {"n": len(sent), "u": unadmitted},
            )
            return redirect("admission:tasks")
    return render(request, "admission/task_new.html", {"form": form})


@login_required
def reconciliation(request):
    require(request.user, rules.VIEW_RECONCILIATION)
    count, rows = selectors.reconciliation(user=request.user)
    return render(request, "admission/reconciliation.html", {"rows": rows, "count": count})


# Certificates ---------------------------------------------------------------------------------


@login_required
def certificates(request):
    from . import certificates as certs

    require(request.user, rules.ISSUE_CERTIFICATE)
    community = (selectors.scope_prefixes(request.user, rules.ISSUE_CERTIFICATE) or [""])[0]
    kinds = certs.certificate_kinds(community=community) if len(community) >= 6 else []
    q = request.GET.get("q", "").strip()[:40]
    people, problem = certs.certificate_people(user=request.user, q=q) if q else ([], "")
    chosen = request.GET.get("person", "")
    if chosen.isdigit() and len(chosen) < 18 and not q:
        people = certs.certificate_people_by_pk(user=request.user, pk=int(chosen))
    if request.method == "POST":
        try:
            person_id = int(request.POST.get("person", ""))
        except ValueError:
            messages.error(request, _("请先查找并选择居民。"))
        else:
            cert = certs.certificate_issue(
                person_id=person_id,
                kind=request.POST.get("kind", ""),
                by=request.user,
                note=request.POST.get("note", ""),
            )
            return redirect("admission:certificate_detail", cert.pk)
    page = Paginator(certs.certificates_issued(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/certificates.html",
        {"kinds": kinds, "page": page, "people": people, "problem": problem, "q": q, "chosen": chosen},
    )


@login_required
def certificate_people(request):
    """The person picker (HTMX): residents of the user's community by name, the last four of the
    identity number, or part of the address; masked identity numbers only."""
    from . import certificates as certs

    require(request.user, rules.ISSUE_CERTIFICATE)
    q = request.GET.get("q", "").strip()[:40]
    people, problem = certs.certificate_people(user=request.user, q=q) if q else ([], "")
    return render(
        request,
        "admission/_people.html",
        {"people": people, "problem": problem, "q": q, "chosen": request.GET.get("person", "")},
    )


@login_required
def certificate_detail(request, pk: int):
    from . import certificates as certs

    require(request.user, rules.ISSUE_CERTIFICATE)
    cert = certs.certificates_issued(user=request.user).filter(pk=pk).first()
    if cert is None:
        raise NotFound()
    return render(request, "admission/certificate_detail.html", {"cert": cert})


def verify(request):
    """Public: anyone holding a certificate's code can check that the community issued it."""
    from . import certificates as certs

    code = request.GET.get("code", "")
    cert = None
    if code:
        try:
            cert = certs.certificate_verify(code=code)
        except NotFound:
            messages.error(request, _("未找到该证明，请核对验证码。"))
    return render(request, "admission/verify.html", {"cert": cert, "code": code[:32]})
