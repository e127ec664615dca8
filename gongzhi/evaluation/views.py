"""Pages of dual evaluation (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import Department

from . import rules, selectors, services
from .models import Question, SampleHousehold, Survey


def _int(raw) -> int:
    return int(raw) if raw and str(raw).isdigit() and len(str(raw)) < 18 else 0


def _answers(post) -> dict:
    return {k[2:]: v for k, v in post.items() if k.startswith("q_")}


@login_required
def survey_list(request):
    surveys = selectors.survey_queryset(user=request.user)
    if not any(request.user.has_perm(p) for p in rules.SCOPED):
        raise PermissionDenied()
    return render(
        request,
        "evaluation/list.html",
        {"surveys": surveys, "can_manage": request.user.has_perm(rules.MANAGE)},
    )


@login_required
def survey_new(request):
    if not request.user.has_perm(rules.MANAGE):
        raise PermissionDenied()
    if request.method == "POST":
        from gongzhi.core.scoping import scope_prefixes

        district = next((p[:6] for p in scope_prefixes(request.user, rules.MANAGE) if len(p) >= 6), "")
        raw_year = request.POST.get("year", "")
        year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else clock.now().year
        s = services.survey_create(
            region=district,
            title=request.POST.get("title", ""),
            target=request.POST.get("target", ""),
            year=year,
            by=request.user,
        )
        return redirect("evaluation:detail", s.pk)
    return render(request, "evaluation/new.html", {"targets": Survey.Target.choices})


@login_required
def survey_detail(request, pk: int):
    survey = selectors.survey_get(user=request.user, pk=pk)
    can_manage = request.user.has_perm(rules.MANAGE, survey)
    slips: list = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied()
        action = request.POST.get("action")
        if action == "question":
            raw = request.POST.get("skip_unless_number") or None
            item = None
            if request.POST.get("application"):
                item = (
                    selectors.admitted_items(survey=survey)
                    .filter(pk=_int(request.POST["application"]))
                    .first()
                )
                if item is None:
                    raise NotFound()
            services.question_add(
                application=item,
                survey=survey,
                text=request.POST.get("text", ""),
                aspect=request.POST.get("aspect", ""),
                kind=request.POST.get("kind", "scale"),
                by=request.user,
                skip_unless_number=int(raw) if raw and raw.isdigit() else None,
                skip_unless_value=int(request.POST["skip_unless_value"])
                if request.POST.get("skip_unless_value", "").lstrip("-").isdigit()
                else None,
            )
        elif action == "sample":
            try:
                size = int(request.POST.get("per_community", ""))
            except ValueError:
                size = 0
            codes = services.sample_draw(survey=survey, per_community=size, by=request.user)
            slips = selectors.code_slips(codes=codes)
            if len(slips) > selectors.SLIPS_ON_PAGE:  # too many to print from a page: every one in a workbook
                return _download(
                    selectors.code_slips_workbook(survey=survey, slips=slips), f"验证码-{survey.pk}.xlsx"
                )
            messages.success(
                request,
                _("已抽取 %(n)s 户。验证码只显示这一次，请立即打印或发送给样本户。") % {"n": len(codes)},
            )
        elif action in ("open", "closed"):
            services.survey_set_state(survey=survey, state=action, by=request.user)
            return redirect("evaluation:detail", survey.pk)
        survey.refresh_from_db()
    return render(
        request,
        "evaluation/detail.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "can_manage": can_manage,
            "kinds": Question.Kind.choices,
            "sampled": SampleHousehold.objects.filter(survey=survey).count(),
            "slips": slips,
            "slips_on_page": selectors.SLIPS_ON_PAGE,
            "can_visit": request.user.has_perm(rules.VISIT, None) and survey.target == "community",
            "can_rate": request.user.has_perm(rules.RATE_DEPARTMENTS, None) and survey.target == "department",
            "items": selectors.admitted_items(survey=survey)
            if can_manage and survey.state == Survey.State.DRAFT and survey.target == "community"
            else [],
        },
    )


@login_required
def results(request, pk: int):
    survey = selectors.survey_get(user=request.user, pk=pk)
    level = request.GET.get("level", "community")
    if survey.target == Survey.Target.DEPARTMENT:
        department_rows = selectors.department_results(survey=survey, user=request.user)
        return render(
            request,
            "evaluation/department_results.html",
            {"survey": survey, "rows": department_rows, "min": selectors.MIN_COMMUNITIES},
        )
    from . import outcomes

    rows = selectors.survey_results(survey=survey, user=request.user, level=level)
    if not rows and not request.user.has_perm(rules.VIEW_RESULTS):
        raise PermissionDenied()
    return render(
        request,
        "evaluation/results.html",
        {
            "survey": survey,
            "rows": rows,
            "level": level,
            "questions": survey.questions.filter(kind="scale"),
            "items": outcomes.item_scores_for(survey=survey, user=request.user),
            "withdrawals": outcomes.survey_withdrawals(survey=survey, user=request.user),
            "min_unit": outcomes.MIN_UNIT_ANSWERS,
            "min_item": outcomes.MIN_ITEM_ANSWERS,
        },
    )


def answer(request):
    """Public: a resident opens the link with their household's one-time code and answers."""
    code = request.POST.get("code") or request.GET.get("code", "")
    sample = None
    if code:
        try:
            sample = services.sample_for_code(code=code)
        except ApplicationError as e:
            messages.error(request, e.message)
            return render(request, "evaluation/answer.html", {"code": "", "survey": None}, status=400)
    if request.method == "POST" and sample is not None and request.POST.get("submit"):
        services.response_by_code(code=code, answers=_answers(request.POST))
        return render(request, "evaluation/thanks.html")
    survey = sample.survey if sample else None
    return render(
        request,
        "evaluation/answer.html",
        {
            "code": code[:20],
            "survey": survey,
            "questions": survey.questions.all() if survey else [],
            "scale_list": range(1, (survey.scale_max if survey else 5) + 1),
        },
    )


@login_required
def visit(request, pk: int):
    survey = selectors.survey_get(user=request.user, pk=pk)
    if not request.user.has_perm(rules.VISIT):
        raise PermissionDenied()
    if request.method == "POST":
        sample = (
            selectors.samples_to_visit(survey=survey, user=request.user)
            .filter(pk=_int(request.POST.get("sample")))
            .first()
        )
        if sample is None:
            raise NotFound()
        services.response_by_visit(sample=sample, answers=_answers(request.POST), by=request.user)
        messages.success(request, _("已记录该户的回答。"))
        return redirect("evaluation:visit", survey.pk)
    page = Paginator(selectors.samples_to_visit(survey=survey, user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evaluation/visit.html",
        {
            "survey": survey,
            "page": page,
            "questions": survey.questions.all(),
            "scale_list": range(1, survey.scale_max + 1),
        },
    )


@login_required
def rate(request, pk: int):
    survey = selectors.survey_get(user=request.user, pk=pk)
    if not request.user.has_perm(rules.RATE_DEPARTMENTS):
        raise PermissionDenied()
    if request.method == "POST":
        dept = Department.objects.filter(
            pk=_int(request.POST.get("department")), region_id=survey.region_id
        ).first()
        if dept is None:
            raise NotFound()
        services.department_rate(
            survey=survey, department=dept, answers=_answers(request.POST), by=request.user
        )
        messages.success(request, _("已匿名提交对 %(d)s 的评议。") % {"d": dept.name})
        return redirect("evaluation:rate", survey.pk)
    return render(
        request,
        "evaluation/rate.html",
        {
            "survey": survey,
            "departments": selectors.departments_to_rate(survey=survey, user=request.user),
            "questions": survey.questions.all(),
            "scale_list": range(1, survey.scale_max + 1),
        },
    )


@login_required
def assessment(request):
    """The annual assessment sheet of communities and departments (年度考核表)."""

    from . import assessment as sheets

    if not any(
        request.user.has_perm(p) for p in (rules.MANAGE, rules.VIEW_RESULTS, rules.VIEW_DEPARTMENT_RESULTS)
    ):
        raise PermissionDenied()
    years = sheets.assessment_years(user=request.user)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else (years[0] if years else clock.now().year - 1)
    sheet = sheets.assessment_sheet(user=request.user, year=year)
    if request.GET.get("format") == "xlsx":
        return _download(sheets.assessment_workbook(sheet), f"年度考核表-{year}.xlsx")
    return render(
        request,
        "evaluation/assessment.html",
        {"sheet": sheet, "years": years, "year": year, "min": selectors.MIN_COMMUNITIES},
    )


def _download(data: bytes, filename: str):
    from django.http import HttpResponse

    from gongzhi.core.downloads import content_disposition

    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = content_disposition(filename)
    return resp
