import pytest

from gongzhi.core.manifests import figures
from gongzhi.evaluation import services

from .conftest import answers

pytestmark = pytest.mark.django_db


def test_satisfaction_figure_counts_the_closed_survey_and_drills_down_by_community(
    open_survey, office, client
):
    survey, codes = open_survey
    values = [5, 4, 2, 1]
    for code, v in zip(list(codes.values())[:4], values, strict=True):
        services.response_by_code(code=code, answers=answers(v))
    fig = figures()["evaluation.satisfaction"]
    assert fig.compute(user=office) == (None, [])  # not closed yet
    services.survey_set_state(survey=survey, state="closed", by=office)
    share, rows = fig.compute(user=office)
    assert share == 0.5  # 5 and 4 count as satisfied on a five-point scale
    assert sum(r.responded for r in rows) == 4
    client.force_login(office)
    html = client.get(f"/evaluation/{survey.pk}/results/").content.decode()
    for r in rows:
        assert r.name in html
