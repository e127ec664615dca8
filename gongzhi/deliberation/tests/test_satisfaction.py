"""Satisfaction after the report-back: the households whose demands started the topic and its
followers are asked once (满意 / 基本满意 / 不满意); a second answer is refused (the database's
UNIQUE); the council page and the topic show the counts of one selector; role matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.deliberation import selectors
from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import Satisfaction

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_resident, staff, junmen):
    """A resident whose demand started the topic, a household member of theirs, a supporter, and a
    neighbour who had nothing to do with it."""
    from gongzhi.demands import services as ds
    from gongzhi.registry.models import HouseholdMember

    raiser = make_resident()
    household = HouseholdMember.objects.get(person=raiser.person).household
    spouse = make_resident(household=household)
    supporter = make_resident()
    neighbour = make_resident()
    demand = ds.demand_create(
        by=staff,
        channel="hotline",
        title="楼道灯不亮",
        body="晚上很黑",
        community=junmen,
        person=raiser.person,
    )
    return {
        "raiser": raiser,
        "spouse": spouse,
        "supporter": supporter,
        "neighbour": neighbour,
        "demand": demand,
    }


def _closed_topic(council, staff, people, report=True):
    topic = s.topic_propose(by=staff, council=council, title="楼道灯不亮", demand_ids=[people["demand"].pk])
    s.topic_support(by=people["supporter"], topic=topic)
    topic.refresh_from_db()
    if topic.state == "proposed":
        s.topic_agenda(by=staff, topic=topic)
    s.topic_decide(
        by=staff,
        topic=topic,
        outcome="deliberation",
        text="更换灯具",
        owner="居委会",
        deadline=dt.date.today() + dt.timedelta(days=10),
    )
    if report:
        s.resolution_report(by=staff, topic=topic, report="已更换")
    topic.refresh_from_db()
    return topic


def test_asked_households_answer_once(council, staff, people, client):
    topic = _closed_topic(council, staff, people)
    url = f"/deliberation/topic/{topic.pk}/"
    client.force_login(people["raiser"])
    page = client.get(url).content.decode()
    assert 'data-action="rate"' in page and "基本满意" in page and "不满意" in page
    r = client.post(url + "rate/", {"answer": "satisfied"}, follow=True)
    assert "谢谢您的评价" in r.content.decode()
    # The same household (the raiser's spouse) is refused: one answer per household.
    client.force_login(people["spouse"])
    page = client.get(url).content.decode()
    assert 'data-action="rate"' not in page and 'data-testid="my-rating"' in page
    r = client.post(url + "rate/", {"answer": "dissatisfied"}, follow=True)
    assert "已经评价过" in r.content.decode()
    client.force_login(people["supporter"])
    client.post(url + "rate/", {"answer": "basic"})
    counts = selectors.satisfaction_counts(topics=[topic])
    assert counts.counts == {"satisfied": 1, "basic": 1} and counts.total == 2
    assert Satisfaction.objects.count() == 2
    page = client.get(url).content.decode()
    assert 'data-testid="satisfaction"' in page and "共 2 户评价" in page


def test_second_answer_refused_by_the_database(council, staff, people):
    from django.db import IntegrityError, transaction

    from gongzhi.registry.models import HouseholdMember

    topic = _closed_topic(council, staff, people)
    s.topic_satisfaction_answer(by=people["raiser"], topic=topic, answer="basic")
    with pytest.raises(ApplicationError) as exc:
        s.topic_satisfaction_answer(by=people["spouse"], topic=topic, answer="satisfied")
    assert exc.value.code == "already_rated"
    household = HouseholdMember.objects.get(person=people["raiser"].person).household
    with pytest.raises(IntegrityError), transaction.atomic():
        Satisfaction.objects.create(topic=topic, household=household, answer="satisfied")
    assert Satisfaction.objects.get().answer == "basic"


def test_not_asked_or_not_yet_reported_or_bad_answer(council, staff, people, client):
    topic = _closed_topic(council, staff, people, report=False)
    client.force_login(people["raiser"])
    url = f"/deliberation/topic/{topic.pk}/"
    assert 'data-action="rate"' not in client.get(url).content.decode()
    r = client.post(url + "rate/", {"answer": "satisfied"}, follow=True)
    assert "不能评价满意度" in r.content.decode()
    s.resolution_report(by=staff, topic=topic, report="已更换")
    r = client.post(url + "rate/", {"answer": "so-so"}, follow=True)
    assert "请选择满意、基本满意或不满意" in r.content.decode()
    client.force_login(people["neighbour"])
    assert 'data-action="rate"' not in client.get(url).content.decode()
    r = client.post(url + "rate/", {"answer": "satisfied"}, follow=True)
    assert "只有提出这件事的诉求人家庭" in r.content.decode()
    assert Satisfaction.objects.count() == 0


@pytest.mark.parametrize(
    "who,status,answered",
    [
        ("raiser", 302, True),
        ("supporter", 302, True),
        ("neighbour", 302, False),  # plain refusal on the page
        ("staff", 302, False),  # staff have no household
        ("grid_worker", 302, False),
        ("other_community", 404, False),
    ],
)
def test_rate_role_matrix(who, status, answered, council, staff, people, make_user, client, other_community):
    topic = _closed_topic(council, staff, people)
    user = {
        "staff": staff,
        "grid_worker": make_user("grid_worker", JUNMEN),
        "other_community": make_user("resident", other_community.code),
    }.get(who) or people[who]
    client.force_login(user)
    r = client.post(f"/deliberation/topic/{topic.pk}/rate/", {"answer": "satisfied"})
    assert r.status_code == status
    assert Satisfaction.objects.count() == (1 if answered else 0)


def test_council_page_shows_the_counts(council, staff, people, client):
    topic = _closed_topic(council, staff, people)
    s.topic_satisfaction_answer(by=people["raiser"], topic=topic, answer="dissatisfied")
    client.force_login(staff)
    page = client.get(f"/deliberation/council/{council.pk}/").content.decode()
    assert 'data-testid="satisfaction"' in page and 'data-testid="topic-satisfaction"' in page
    assert "不满意 1" in page


def test_report_notice_reaches_the_asked(council, staff, people, client):
    topic = _closed_topic(council, staff, people)
    client.force_login(people["spouse"])
    page = client.get("/deliberation/mine/").content.decode()
    assert f"/deliberation/topic/{topic.pk}/" in page


def test_api_answer_once(council, staff, people, client):
    topic = _closed_topic(council, staff, people)
    url = f"/api/deliberation/topics/{topic.pk}/satisfaction"
    client.force_login(people["supporter"])
    assert client.get(url).json()["allowed_actions"] == ["rate"]
    r = client.post(url, {"answer": "meh"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "satisfaction_answer"
    r = client.post(url, {"answer": "satisfied"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["counts"]["satisfied"] == 1 and r.json()["allowed_actions"] == []
    r = client.post(url, {"answer": "basic"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "already_rated"
    client.force_login(people["neighbour"])
    r = client.post(url, {"answer": "basic"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "satisfaction_not_asked"
    assert Satisfaction.objects.count() == 1
