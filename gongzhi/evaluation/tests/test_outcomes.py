"""Residents rate an admitted item; when the survey closes, a clearly poor result withdraws it from a
community, or from the catalogue (自贡); idempotent; shown on the results and the item's pages."""

import datetime as dt

import pytest

from gongzhi.admission.models import Application, InboxTask, Withdrawal
from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.demands.calendar import TZ
from gongzhi.evaluation import outcomes, selectors, services
from gongzhi.evaluation.models import SampleHousehold

from .conftest import DACHENG, JUNMEN, answers, make_households

pytestmark = pytest.mark.django_db

PER = 16


@pytest.fixture
def item(make_user, office):
    """An item admitted last spring for 军门 and 达成 (through the admission services)."""
    from gongzhi.admission import services as admission
    from gongzhi.admission.listdata import list_items
    from tests.factories import DepartmentFactory

    dept = DepartmentFactory()
    dept_user = make_user("department_staff", dept)
    with clock.at(dt.datetime(2026, 3, 2, 10, tzinfo=TZ)):
        v = admission.list_draft_open(region="350102", by=office)
        admission.list_items_set(
            version=v,
            items=list_items(),
            by=office,
        )
        admission.list_publish(version=v, by=office)
        app = admission.application_create(
            department=dept,
            data={
                "kind": "survey",
                "title": "文明城市创建入户问卷",
                "communities": [JUNMEN, DACHENG],
                "period_start": dt.date(2026, 6, 1),
                "period_end": dt.date(2026, 12, 31),
                "hours_per_community": 20,
                "funding_per_community": 500,
                "legal_basis": "测评体系",
            },
            by=dept_user,
        )
        admission.application_submit(application=app, by=dept_user)
        return admission.application_decide(application=app, step="approve", reason="ok", by=office)


@pytest.fixture
def survey(now, office, item):
    make_households(JUNMEN, PER)
    make_households(DACHENG, PER)
    s = services.survey_create(region="350102", title="居民评社区", target="community", year=2026, by=office)
    services.question_add(
        survey=s, text="社区为“文明城市创建入户问卷”上门，您觉得打扰可以接受吗？", by=office, application=item
    )
    codes = services.sample_draw(survey=s, per_community=PER, by=office, seed=3)
    services.survey_set_state(survey=s, state="open", by=office)
    return s, codes


def _answer(survey_codes, community, values, limit=None):
    s, codes = survey_codes
    samples = SampleHousehold.objects.filter(survey=s, community_id=community).order_by("pk")[:limit]
    for i, sample in enumerate(samples):
        services.response_by_code(code=codes[sample.pk], answers={**answers(4), "8": values[i % len(values)]})


def test_a_poor_result_in_one_community_withdraws_the_item_there(survey, item, office):
    _answer(survey, JUNMEN, [1, 2])
    _answer(survey, DACHENG, [5, 4])
    services.survey_set_state(survey=survey[0], state="closed", by=office)
    w = Withdrawal.objects.get(application=item)
    assert w.unit_code == JUNMEN and w.automatic and w.source == f"evaluation:{survey[0].pk}:8"
    assert w.data["n"] == PER and w.data["mean"] == 1.5 and w.data["high"] < 3
    assert "军门社区" in w.reason and "1.50" in w.reason
    states = dict(InboxTask.objects.filter(application=item).values_list("community_id", "state"))
    assert states == {JUNMEN: "withdrawn", DACHENG: "open"}
    assert Application.objects.get(pk=item.pk).state == "approved"
    # idempotent: applying the results again withdraws nothing more
    assert outcomes.survey_outcomes_apply(survey=survey[0]) == []
    assert Withdrawal.objects.count() == 1


def test_a_poor_result_everywhere_withdraws_the_item(survey, item, office):
    _answer(survey, JUNMEN, [1, 2, 2])
    _answer(survey, DACHENG, [2, 1, 3])
    services.survey_set_state(survey=survey[0], state="closed", by=office)
    [w] = Withdrawal.objects.filter(application=item)
    assert w.unit_code == "" and w.data["n"] == 2 * PER
    assert Application.objects.get(pk=item.pk).state == "withdrawn"
    assert set(InboxTask.objects.filter(application=item).values_list("state", flat=True)) == {"withdrawn"}


def test_too_few_answers_or_an_open_survey_withdraw_nothing(survey, item, office):
    _answer(survey, JUNMEN, [1], limit=outcomes.MIN_UNIT_ANSWERS - 1)
    assert outcomes.survey_outcomes_apply(survey=survey[0]) == []  # still open: results not final
    services.survey_set_state(survey=survey[0], state="closed", by=office)
    assert not Withdrawal.objects.exists()
    [score] = outcomes.item_scores(survey=survey[0])
    assert score.units[0].n == outcomes.MIN_UNIT_ANSWERS - 1 and not score.units[0].poor


def test_the_item_question_is_not_part_of_the_community_score(survey, office):
    _answer(survey, JUNMEN, [1])
    rows = selectors.survey_results(survey=survey[0], user=office, level="community")
    junmen = next(r for r in rows if r.code == JUNMEN)
    assert junmen.mean == 4 and set(junmen.questions) == set(range(1, 8))


def test_item_questions_only_on_residents_surveys_about_admitted_items(now, office, item):
    d = services.survey_create(region="350102", title="社区评部门", target="department", year=2026, by=office)
    with pytest.raises(ApplicationError) as e:
        services.question_add(survey=d, text="x", by=office, application=item)
    assert e.value.code == "item_question"
    c = services.survey_create(region="350102", title="居民评社区", target="community", year=2026, by=office)
    Application.objects.filter(pk=item.pk).update(state="refused")
    item.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.question_add(survey=c, text="x", by=office, application=item)
    assert c.questions.filter(application__isnull=False).count() == 0


def test_the_results_page_shows_scores_and_withdrawals_in_scope(survey, item, office, make_user, client):
    _answer(survey, JUNMEN, [1, 2])
    _answer(survey, DACHENG, [5, 4])
    services.survey_set_state(survey=survey[0], state="closed", by=office)
    url = f"/evaluation/{survey[0].pk}/results/"
    client.force_login(office)
    html = client.get(url).content.decode()
    assert 'data-testid="items"' in html and 'data-testid="survey-withdrawals"' in html
    assert "从军门社区撤出" in html
    client.force_login(make_user("community_head", DACHENG))
    html = client.get(url).content.decode()
    assert 'data-testid="items"' in html and "军门社区" not in html  # another community's figures
    client.force_login(make_user("community_worker", JUNMEN))
    assert "从军门社区撤出" in client.get(url).content.decode()
    inbox = client.get("/admission/inbox/?state=withdrawn").content.decode()
    assert "依“居民不满意的事项予以撤出”自动撤出" in inbox


def test_the_builder_offers_admitted_items(now, office, item, client):
    s = services.survey_create(region="350102", title="居民评社区", target="community", year=2026, by=office)
    client.force_login(office)
    assert item.title in client.get(f"/evaluation/{s.pk}/").content.decode()
    r = client.post(
        f"/evaluation/{s.pk}/",
        {"action": "question", "text": "入户问卷打扰吗？", "kind": "scale", "application": item.pk},
    )
    assert r.status_code == 200 and s.questions.get(application=item).number == 8
    r = client.post(
        f"/evaluation/{s.pk}/", {"action": "question", "text": "y", "kind": "scale", "application": 999999}
    )
    assert r.status_code == 404
