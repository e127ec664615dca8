import math
from collections import Counter

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.evaluation import selectors, services
from gongzhi.evaluation.models import Answer, Response, SampleHousehold

from .conftest import DACHENG, JUNMEN, answers

pytestmark = pytest.mark.django_db


def test_templates_ship_seven_and_ten_aspects(now, office):
    c = services.survey_create(region="350102", title="a", target="community", year=2026, by=office)
    d = services.survey_create(region="350102", title="b", target="department", year=2026, by=office)
    assert c.questions.count() == 7 and d.questions.count() == 10
    assert "费随事转" in set(d.questions.values_list("aspect", flat=True))


def test_sample_is_stratified_by_estate_and_age_group(open_survey):
    survey, codes = open_survey
    rows = SampleHousehold.objects.filter(survey=survey)
    per = Counter(rows.values_list("community_id", flat=True))
    assert per == {JUNMEN: 8, DACHENG: 6}  # the whole community when it is smaller than the size
    strata = Counter(rows.filter(community_id=JUNMEN).values_list("estate_id", flat=True))
    assert sorted(strata.values()) == [4, 4]  # two estates of six households each, proportional
    assert len(set(rows.values_list("age_group", flat=True))) >= 2
    assert len(codes) == 14 and all(len(c) == 10 for c in codes.values())
    assert not rows.filter(code_hash__in=list(codes.values())).exists()  # only hashes are stored


def test_a_code_answers_once_and_a_second_use_is_refused(open_survey):
    survey, codes = open_survey
    code = next(iter(codes.values()))
    services.response_by_code(code=code.lower(), answers=answers())
    with pytest.raises(ApplicationError) as e:
        services.response_by_code(code=code, answers=answers(2))
    assert e.value.code == "code_invalid"
    assert Response.objects.count() == 1 and Answer.objects.filter(value=2).count() == 0


def test_visit_or_code_never_both(open_survey, community_worker):
    survey, codes = open_survey
    sample_id, code = next(
        (k, v) for k, v in codes.items() if SampleHousehold.objects.get(pk=k).community_id == JUNMEN
    )
    services.response_by_visit(
        sample=SampleHousehold.objects.get(pk=sample_id), answers=answers(), by=community_worker
    )
    with pytest.raises(ApplicationError):
        services.response_by_code(code=code, answers=answers())
    with pytest.raises(ApplicationError) as e:
        services.response_by_visit(
            sample=SampleHousehold.objects.get(pk=sample_id), answers=answers(), by=community_worker
        )
    assert e.value.code == "already_answered"
    assert Response.objects.count() == 1


def test_one_answer_per_household_is_a_database_constraint(open_survey):
    survey, codes = open_survey
    sample = SampleHousehold.objects.first()
    services.response_by_code(code=codes[sample.pk], answers=answers())
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            survey=survey, community_id=sample.community_id, sample=sample, channel="code"
        )


def test_another_communitys_worker_cannot_visit(open_survey, make_user):
    survey, codes = open_survey
    sample = SampleHousehold.objects.filter(community_id=JUNMEN).first()
    with pytest.raises(ApplicationError) as e:
        services.response_by_visit(
            sample=sample, answers=answers(), by=make_user("community_worker", DACHENG)
        )
    assert e.value.status == 404 and not Response.objects.exists()


def test_skip_logic_and_ranges(open_survey, office):
    survey, codes = open_survey
    survey.state = "draft"
    survey.save()
    services.question_add(survey=survey, text="反映过问题吗？", kind="yesno", by=office)
    services.question_add(
        survey=survey, text="解决得怎样？", kind="scale", skip_unless_number=8, skip_unless_value=1, by=office
    )
    survey.state = "open"
    survey.save()
    it = iter(codes.values())
    services.response_by_code(code=next(it), answers={**answers(), "8": 0})  # 9 skipped: not required
    with pytest.raises(ApplicationError) as e:
        services.response_by_code(code=next(it), answers={**answers(), "8": 1})
    assert e.value.code == "answer_missing"
    with pytest.raises(ApplicationError) as e:
        services.response_by_code(code=next(it), answers={**answers(), "1": 6, "8": 0})
    assert e.value.code == "answer_range"


def test_closed_survey_refuses_answers(open_survey, office):
    survey, codes = open_survey
    services.survey_set_state(survey=survey, state="closed", by=office)
    with pytest.raises(ApplicationError) as e:
        services.response_by_code(code=next(iter(codes.values())), answers=answers())
    assert e.value.code == "not_open"


def test_results_with_response_rates_and_confidence_intervals(open_survey, office):
    survey, codes = open_survey
    junmen = [(k, v) for k, v in codes.items() if SampleHousehold.objects.get(pk=k).community_id == JUNMEN]
    for i, (_k, code) in enumerate(junmen[:4]):
        services.response_by_code(code=code, answers=answers(3 + i % 2))  # 3,4,3,4
    [row] = [r for r in selectors.survey_results(survey=survey, user=office) if r.code == JUNMEN]
    assert (row.sampled, row.responded, row.response_rate) == (8, 4, 0.5)
    assert row.mean == pytest.approx(3.5) and row.answers == 28
    sd = math.sqrt(sum((v - 3.5) ** 2 for v in [3, 4] * 14) / 27)
    assert row.mean_low == pytest.approx(3.5 - 1.96 * sd / math.sqrt(28))
    assert row.satisfied == pytest.approx(0.5) and 0 < row.satisfied_low < 0.5 < row.satisfied_high < 1
    [street] = selectors.survey_results(survey=survey, user=office, level="street")
    assert street.code == "350102004" and street.sampled == 14 and street.responded == 4
    [district] = selectors.survey_results(survey=survey, user=office, level="district")
    assert district.code == "350102"


def test_results_are_scoped(open_survey, make_user):
    survey, codes = open_survey
    for code in codes.values():
        services.response_by_code(code=code, answers=answers())
    rows = selectors.survey_results(survey=survey, user=make_user("community_worker", DACHENG))
    assert [r.code for r in rows] == [DACHENG]
    assert selectors.survey_results(survey=survey, user=make_user("resident", JUNMEN)) == []


def test_only_district_staff_build_surveys(now, make_user):
    for role, scope in (
        ("street_staff", "350102004"),
        ("community_head", JUNMEN),
        ("district_staff", "350103"),
    ):
        with pytest.raises(PermissionDenied):
            services.survey_create(
                region="350102", title="x", target="community", year=2026, by=make_user(role, scope)
            )
