import time

import pytest

from gongzhi.core.manifests import DemoContext
from gongzhi.evaluation.demo import demo_evaluation
from gongzhi.evaluation.models import DepartmentSubmission, Response, Survey

from .conftest import make_households

pytestmark = pytest.mark.django_db


def test_demo_builds_last_years_evaluation_with_results():
    make_households("350102004001", 40, estates=3)
    make_households("350102004003", 20)
    out = []
    started = time.perf_counter()
    demo_evaluation(DemoContext(district="350102", residents=0, seed=3, out=out.append))
    assert time.perf_counter() - started < 10
    assert Survey.objects.filter(state="closed").count() == 2
    assert (
        Response.objects.filter(channel="code").exists() and Response.objects.filter(channel="visit").exists()
    )
    assert DepartmentSubmission.objects.count() > 0
    demo_evaluation(DemoContext(district="350102", residents=0, seed=3, out=out.append))
    assert "跳过" in out[-1]
