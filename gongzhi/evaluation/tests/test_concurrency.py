"""A code used twice at the same moment: exactly one answer, the other refused (PostgreSQL, real
parallel connections)."""

import threading

import pytest
from django.db import connection, connections

from gongzhi.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_parallel_uses_of_one_code_give_one_answer_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")
    from gongzhi.core.models import Region, User
    from gongzhi.evaluation import services
    from gongzhi.evaluation.models import Answer, Question, Response, SampleHousehold, Survey
    from gongzhi.registry.models import Household

    def run(fn):
        box: dict = {}

        def target():
            try:
                box["v"] = fn()
            finally:
                connections.close_all()

        t = threading.Thread(target=target)
        t.start()
        t.join(60)
        return box.get("v")

    def setup():
        survey = Survey.objects.create(
            region=Region.objects.get(code="350102"),
            title="并发",
            target="community",
            year=2026,
            state="open",
        )
        Question.objects.create(survey=survey, number=1, text="满意吗", kind="scale")
        h = Household.objects.create(community_id="350102004001", number="PAR-1")
        sample = SampleHousehold.objects.create(
            survey=survey,
            community_id="350102004001",
            household=h,
            age_group="?",
            code_hash=services.code_hash("ONCE2345"),
        )
        return survey.pk, h.pk, sample.pk

    survey_pk, household_pk, sample_pk = run(setup)
    try:
        barrier = threading.Barrier(8)
        results: list[str] = []

        def answer():
            try:
                barrier.wait(10)
                services.response_by_code(code="ONCE2345", answers={"1": 4})
                results.append("ok")
            except ApplicationError as exc:
                results.append(exc.code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=answer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == ["code_invalid"] * 7 + ["ok"], results
        assert run(lambda: Response.objects.filter(sample_id=sample_pk).count()) == 1
        assert run(lambda: Answer.objects.filter(survey_id=survey_pk).count()) == 1
    finally:

        def teardown():
            Answer.objects.filter(survey_id=survey_pk)._raw_delete(Answer.objects.db)
            Response.objects.filter(survey_id=survey_pk)._raw_delete(Response.objects.db)
            SampleHousehold.objects.filter(pk=sample_pk).delete()
            Household.objects.filter(pk=household_pk).delete()
            Question.objects.filter(survey_id=survey_pk).delete()
            Survey.objects.filter(pk=survey_pk).delete()
            User.objects.none()

        run(teardown)
