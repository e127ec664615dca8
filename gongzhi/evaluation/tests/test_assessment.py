"""The annual assessment sheet: the year's dual evaluation beside the three rates, admission refusals
and the funding reconciliation, per community and department; parts add up; each role sees its part."""

import io

import openpyxl
import pytest
from django.db.models import Sum

from gongzhi.admission.models import FundEntry, InboxTask
from gongzhi.core import clock
from gongzhi.core.manifests import DemoContext
from gongzhi.evaluation import selectors
from gongzhi.evaluation.assessment import assessment_sheet
from gongzhi.evaluation.models import Survey

from .conftest import DACHENG, JUNMEN, make_households

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    from gongzhi.admission.demo import demo_admission
    from gongzhi.evaluation.demo import demo_evaluation

    make_households(JUNMEN, 40, estates=3)
    make_households(DACHENG, 40)
    ctx = DemoContext(district="350102", residents=0, seed=3, out=lambda s: None)
    demo_admission(ctx)
    demo_evaluation(ctx)
    return clock.now().year - 1


def test_the_sheet_adds_up_and_repeats_the_evaluation(world, make_user):
    year = world
    office = make_user("district_staff", "350102")
    sheet = assessment_sheet(user=office, year=year)
    assert sheet.residents_survey.year == year and sheet.department_survey.year == year
    lines = {c.code: c for c in sheet.communities}
    results = {r.code: r for r in selectors.survey_results(survey=sheet.residents_survey, user=office)}
    assert lines[JUNMEN].residents.mean == results[JUNMEN].mean and lines[JUNMEN].residents.rank
    assert [len(c.rates) for c in sheet.communities] == [3] * len(sheet.communities)
    assert lines[JUNMEN].workload.withdrawn == 1  # residents disliked the veterans' visits there
    # the communities' tasks and funds add up to the district's, and to the departments' side
    admitted = InboxTask.objects.filter(received_at__year=year, application__isnull=False).count()
    assert sum(c.workload.tasks_admitted for c in sheet.communities if c.workload) == admitted
    received = sum(c.workload.funds_received for c in sheet.communities if c.workload)
    sent = sum(d.work.funds_sent for d in sheet.departments if d.work)
    assert (
        received
        == sent
        == FundEntry.objects.filter(amount__gt=0, at__year=year).aggregate(s=Sum("amount"))["s"]
    )
    ratings = {d.name: d.rating for d in sheet.departments}
    shown = [r for r in ratings.values() if r and r.shown]
    assert shown and all(r.communities >= selectors.MIN_COMMUNITIES for r in shown)
    assert any(r and not r.shown for r in ratings.values())  # the one rated by too few


def test_each_role_sees_its_part(world, make_user, client):
    from gongzhi.core.models import Department

    year = world
    dept = Department.objects.filter(region_id="350102").order_by("code").first()
    cases = {
        "district": (make_user("district_staff", "350102"), None),
        "department": (make_user("department_staff", dept), dept),
        "head": (make_user("community_head", JUNMEN), None),
        "street": (make_user("street_staff", "350102004"), None),
    }
    sheets = {k: assessment_sheet(user=u, year=year) for k, (u, _d) in cases.items()}
    assert len(sheets["district"].departments) == Department.objects.filter(region_id="350102").count()
    assert [d.name for d in sheets["department"].departments] == [dept.name]
    assert sheets["department"].communities == []
    assert [c.code for c in sheets["head"].communities] == [JUNMEN] and sheets["head"].departments == []
    assert {c.code[:9] for c in sheets["street"].communities} == {"350102004"}
    for role in ("resident", "grid_worker"):
        client.force_login(make_user(role, JUNMEN))
        assert client.get("/evaluation/assessment/").status_code == 403
    client.force_login(cases["head"][0])
    html = client.get("/evaluation/assessment/").content.decode()
    assert 'data-testid="communities"' in html and 'data-testid="departments"' not in html
    client.force_login(cases["district"][0])
    html = client.get(f"/evaluation/assessment/?year={year}").content.decode()
    assert 'data-testid="communities"' in html and 'data-testid="departments"' in html
    assert 'data-testid="assessment-link"' in client.get("/evaluation/").content.decode()
    xlsx = client.get(f"/evaluation/assessment/?year={year}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["社区", "部门"]
    assert book["社区"].max_row == len(sheets["district"].communities) + 1
    assert Survey.objects.filter(year=year, state="closed").count() == 2
