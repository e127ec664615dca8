import time

import pytest

from gongzhi.core.manifests import DemoContext
from gongzhi.evaluation.demo import demo_evaluation
from gongzhi.evaluation.models import DepartmentSubmission, Response, Survey

from .conftest import make_households

pytestmark = pytest.mark.django_db


def test_demo_builds_last_years_evaluation_with_results():
    from gongzhi.admission.demo import DISLIKED_ITEM, VISITS_ITEM, demo_admission
    from gongzhi.admission.models import Application, Withdrawal

    make_households("350102004001", 40, estates=3)
    make_households("350102004003", 40)
    out = []
    demo_admission(DemoContext(district="350102", residents=0, seed=3, out=out.append))
    started = time.perf_counter()
    demo_evaluation(DemoContext(district="350102", residents=0, seed=3, out=out.append))
    assert time.perf_counter() - started < 10
    # residents disliked one item everywhere (withdrawn), another in 军门社区 only
    assert Application.objects.get(title=DISLIKED_ITEM).state == "withdrawn"
    visits = Application.objects.get(title=VISITS_ITEM)
    assert visits.state == "approved"
    assert list(Withdrawal.objects.filter(application=visits).values_list("unit_code", flat=True)) == [
        "350102004001"
    ]
    assert Survey.objects.filter(state="closed").count() == 2
    assert (
        Response.objects.filter(channel="code").exists() and Response.objects.filter(channel="visit").exists()
    )
    assert DepartmentSubmission.objects.count() > 0
    demo_evaluation(DemoContext(district="350102", residents=0, seed=3, out=out.append))
    assert "跳过" in out[-1]
