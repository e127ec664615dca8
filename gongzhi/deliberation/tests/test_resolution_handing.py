"""A resolution handed on, once: as a task for a unit (a demand taken in and dispatched through the
demands services, its text citing the resolution) or as a 微实事 project of a round of the
council's region collecting proposals. One guard (the topic workflow's steps "task" and "project")
for the page's forms, the API's allowed_actions and the services; role matrix; bad input changes
nothing; the link shows on the topic, council, demand and round pages."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.budgeting.models import Project
from gongzhi.core.errors import ApplicationError
from gongzhi.deliberation import resolution_services as rs
from gongzhi.deliberation import services as s
from gongzhi.deliberation.models import Resolution
from gongzhi.deliberation.workflow import TOPIC
from gongzhi.demands.models import Demand

from .conftest import JUNMEN, STREET

pytestmark = pytest.mark.django_db

CATEGORY = "property-leaks"  # 物业管理 › 房屋漏水


@pytest.fixture
def unit(junmen):
    from gongzhi.demands.units import unit_for_region

    return unit_for_region(junmen)


@pytest.fixture
def other_unit(other_community):
    from gongzhi.demands.units import unit_for_region

    return unit_for_region(other_community)


@pytest.fixture
def topic(council, staff, unit):
    t = s.topic_propose(by=staff, council=council, title="小区路灯更换", body="路灯坏了三盏")
    s.topic_agenda(by=staff, topic=t)
    s.topic_decide(
        by=staff,
        topic=t,
        outcome="deliberation",
        text="更换 3 盏路灯，物业配合",
        owner="军门社区居委会",
        deadline=dt.date.today() + dt.timedelta(days=30),
    )
    t.refresh_from_db()
    return t


@pytest.fixture
def collecting_round(staff, junmen):
    from gongzhi.budgeting import services as bs

    return bs.round_create(by=staff, region=junmen, title="2026 年军门社区微实事", budget=200000)


def _task(by, topic, unit, **kw):
    return rs.resolution_task_create(
        by=by, topic=topic, unit_id=unit.pk, category_code=kw.pop("category", CATEGORY), **kw
    )


# ------------------------------------------------------------------ services


def test_task_is_a_dispatched_demand_citing_the_resolution(topic, staff, unit):
    r = _task(staff, topic, unit, note="请尽快安排")
    demand = Demand.objects.get(pk=r.task_id)
    assert demand.channel == "proactive" and demand.state == "dispatched" and demand.unit_id == unit.pk
    assert demand.title == topic.title and demand.category.code == CATEGORY
    assert "议事决议交办" in demand.body and topic.title in demand.body and "更换 3 盏路灯" in demand.body
    assert demand.body.startswith("请尽快安排")
    assert demand.from_resolution == r and r.handed_at is not None
    assert demand.events.filter(kind="dispatched").exists()
    assert topic.events.filter(kind="task").exists()
    assert TOPIC.allowed(topic, staff, names=["task", "project"]) == []


def test_task_once_then_neither_task_nor_project(topic, staff, unit, collecting_round):
    _task(staff, topic, unit)
    with pytest.raises(ApplicationError) as e:
        _task(staff, topic, unit)
    assert e.value.code == "already_task" and "任务编号" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        rs.resolution_project_create(by=staff, topic=topic, cost=30000)
    assert e.value.code == "already_task"
    assert Demand.objects.count() == 1 and Project.objects.count() == 0


def test_project_in_the_collecting_round(topic, staff, collecting_round):
    r = rs.resolution_project_create(by=staff, topic=topic, cost="45000")
    project = Project.objects.get(pk=r.project_id)
    assert project.round_id == collecting_round.pk and project.state == "proposed"
    assert project.title == topic.title and int(project.cost) == 45000
    assert "来自议事决议" in project.body and "更换 3 盏路灯" in project.body
    assert project.from_resolution == r
    with pytest.raises(ApplicationError) as e:
        rs.resolution_project_create(by=staff, topic=topic, cost="45000")
    assert e.value.code == "already_project"
    with pytest.raises(ApplicationError) as e:
        _task(staff, topic, rs.task_units(JUNMEN).first())
    assert e.value.code == "already_project"
    assert Project.objects.count() == 1 and Demand.objects.count() == 0


def test_no_round_collecting_is_refused_clearly(topic, staff, collecting_round):
    from gongzhi.budgeting import services as bs
    from gongzhi.budgeting.models import Round

    bs.round_advance(by=staff, round=collecting_round, step="start_review")
    assert "project" not in TOPIC.allowed(topic, staff)
    with pytest.raises(ApplicationError) as e:
        rs.resolution_project_create(by=staff, topic=topic, cost=1000)
    assert e.value.code == "no_collecting_round" and "军门社区" in str(e.value.message)
    # A round of another region (the street's) is not the council's.
    from gongzhi.core.models import Region

    bs.round_create(by=make_street(), region=Region.objects.get(code=STREET), title="街道微实事", budget=1000)
    assert Round.objects.filter(phase="collect").count() == 1
    assert "project" not in TOPIC.allowed(topic, staff)
    assert Project.objects.count() == 0


def make_street():
    from tests.factories import user_with_role

    return user_with_role("street_staff", STREET)


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"category": ""}, "task_category"),
        ({"category": "property"}, "task_category"),  # not a leaf
        ({"category": "no-such"}, "task_category"),
        ({"community_code": "350102001001"}, "task_community"),
        ({"note": "长" * 301}, "task_note"),
    ],
)
def test_task_bad_input_changes_nothing(kw, code, topic, staff, unit):
    with pytest.raises(ApplicationError) as e:
        _task(staff, topic, unit, **kw)
    assert e.value.code == code
    assert Demand.objects.count() == 0 and Resolution.objects.get(topic=topic).task_id is None


def test_task_unit_outside_the_area(topic, staff, other_unit):
    with pytest.raises(ApplicationError) as e:
        _task(staff, topic, other_unit)
    assert e.value.code == "task_unit"
    assert Demand.objects.count() == 0


@pytest.mark.parametrize("cost", ["", "abc", "0", "-5", "12.5", "1e20", None])
def test_project_bad_cost_changes_nothing(cost, topic, staff, collecting_round):
    with pytest.raises(ApplicationError) as e:
        rs.resolution_project_create(by=staff, topic=topic, cost=cost)
    assert e.value.code == "project_cost"
    assert Project.objects.count() == 0 and Resolution.objects.get(topic=topic).project_id is None


def test_project_round_of_another_region_refused(topic, staff, collecting_round):
    from gongzhi.budgeting import services as bs
    from gongzhi.core.models import Region

    street_round = bs.round_create(
        by=make_street(), region=Region.objects.get(code=STREET), title="街道微实事", budget=1000
    )
    with pytest.raises(ApplicationError) as e:
        rs.resolution_project_create(by=staff, topic=topic, cost=100, round_id=street_round.pk)
    assert e.value.code == "project_round"
    assert Project.objects.count() == 0


def test_not_before_decided_nor_after_report(council, staff, unit, topic):
    proposed = s.topic_propose(by=staff, council=council, title="另一件事")
    with pytest.raises(ApplicationError) as e:
        _task(staff, proposed, unit)
    assert e.value.code == "wrong_state"
    s.resolution_report(by=staff, topic=topic, report="已更换")
    topic.refresh_from_db()
    with pytest.raises(ApplicationError) as e:
        _task(staff, topic, unit)
    assert e.value.code == "wrong_state"


def test_street_council_task_names_a_community(councils, street_user, junmen):
    from gongzhi.demands.units import unit_for_region

    street_council = councils[0]
    t = s.topic_propose(by=street_user, council=street_council, title="街道主干道积水")
    s.topic_agenda(by=street_user, topic=t)
    s.topic_decide(
        by=street_user,
        topic=t,
        outcome="referral",
        text="疏通排水",
        owner="东街街道",
        deadline=dt.date.today() + dt.timedelta(days=10),
    )
    t.refresh_from_db()
    unit_for_region(junmen)
    street_unit = rs.task_units(STREET).get(kind="street")
    with pytest.raises(ApplicationError) as e:
        rs.resolution_task_create(by=street_user, topic=t, unit_id=street_unit.pk, category_code=CATEGORY)
    assert e.value.code == "task_community"
    r = rs.resolution_task_create(
        by=street_user, topic=t, unit_id=street_unit.pk, category_code=CATEGORY, community_code=JUNMEN
    )
    assert r.task.community_id == JUNMEN and r.task.unit_id == street_unit.pk


# ------------------------------------------------------------------ pages: role matrix, guard agreement

ROLES = [
    # (who, may, status of the POST)
    ("community_worker", True, 302),
    ("community_head", True, 302),
    ("street_staff", True, 302),
    ("grid_worker", False, 403),
    ("resident", False, 403),
    ("social_org_staff", False, 403),
    ("other_community_worker", False, 404),
]


def _user(who, make_user, other_community):
    if who == "other_community_worker":
        return make_user("community_worker", other_community.code)
    if who == "street_staff":
        return make_user("street_staff", STREET)
    if who == "social_org_staff":
        from tests.factories import OrganizationFactory

        return make_user("social_org_staff", OrganizationFactory())
    return make_user(who, JUNMEN)


@pytest.mark.parametrize("who,may,status", ROLES)
def test_task_role_matrix(who, may, status, topic, unit, make_user, other_community, client):
    user = _user(who, make_user, other_community)
    client.force_login(user)
    page = client.get(f"/deliberation/topic/{topic.pk}/")
    if status != 404:
        assert ('data-action="task"' in page.content.decode()) is may
    r = client.post(f"/deliberation/topic/{topic.pk}/task/", {"unit": unit.pk, "category": CATEGORY})
    assert r.status_code == status
    assert Demand.objects.count() == (1 if may else 0)


@pytest.mark.parametrize("who,may,status", ROLES)
def test_project_role_matrix(who, may, status, topic, collecting_round, make_user, other_community, client):
    user = _user(who, make_user, other_community)
    client.force_login(user)
    page = client.get(f"/deliberation/topic/{topic.pk}/")
    if status != 404:
        assert ('data-action="project"' in page.content.decode()) is may
    r = client.post(
        f"/deliberation/topic/{topic.pk}/project/", {"round": collecting_round.pk, "cost": "30000"}
    )
    assert r.status_code == status
    assert Project.objects.count() == (1 if may else 0)


def test_page_second_attempt_and_bad_input_show_messages(topic, staff, unit, client):
    client.force_login(staff)
    url = f"/deliberation/topic/{topic.pk}/task/"
    r = client.post(url, {"unit": unit.pk, "category": ""}, follow=True)
    assert "请选择诉求分类" in r.content.decode() and Demand.objects.count() == 0
    r = client.post(url, {"unit": "x", "category": CATEGORY}, follow=True)
    assert "承办单位" in r.content.decode() and Demand.objects.count() == 0
    client.post(url, {"unit": unit.pk, "category": CATEGORY})
    r = client.post(url, {"unit": unit.pk, "category": CATEGORY}, follow=True)
    page = r.content.decode()
    assert "只能交办一次" in page and Demand.objects.count() == 1
    assert 'data-action="task"' not in page and 'data-action="project"' not in page


def test_no_project_form_without_a_collecting_round(topic, staff, client):
    client.force_login(staff)
    page = client.get(f"/deliberation/topic/{topic.pk}/").content.decode()
    assert 'data-action="task"' in page and 'data-action="project"' not in page
    r = client.post(f"/deliberation/topic/{topic.pk}/project/", {"cost": "100"}, follow=True)
    assert "没有正在征集项目的微实事" in r.content.decode()
    assert Project.objects.count() == 0


def test_links_shown_on_every_page(topic, staff, unit, council, client, make_user):
    from gongzhi.demands import services as ds

    r = _task(staff, topic, unit)
    demand = r.task
    client.force_login(staff)
    page = client.get(f"/deliberation/topic/{topic.pk}/").content.decode()
    assert 'data-testid="resolution-task"' in page and demand.tracking_code in page
    assert f"/demands/{demand.pk}/" in page and "待签收" in page
    page = client.get(f"/deliberation/council/{council.pk}/").content.decode()
    assert 'data-testid="resolution-task"' in page and demand.tracking_code in page
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="from-resolution"' in page and f"/deliberation/topic/{topic.pk}/" in page
    # The unit signs for it: the resolution's progress shows the demand's new state.
    handler = make_user("community_worker", JUNMEN)
    ds.demand_sign(demand=demand, by=handler)
    page = client.get(f"/deliberation/topic/{topic.pk}/").content.decode()
    assert "办理中" in page or "已签收" in page


def test_project_link_both_ways(topic, staff, collecting_round, client):
    rs.resolution_project_create(by=staff, topic=topic, cost=30000)
    client.force_login(staff)
    page = client.get(f"/deliberation/topic/{topic.pk}/").content.decode()
    assert 'data-testid="resolution-project"' in page and f"/budgeting/{collecting_round.pk}/" in page
    page = client.get(f"/budgeting/{collecting_round.pk}/").content.decode()
    assert 'data-testid="from-resolution"' in page and f"/deliberation/topic/{topic.pk}/" in page
    rows = client.get(f"/api/budgeting/rounds/{collecting_round.pk}").json()["projects"]
    assert [p["resolution_topic_id"] for p in rows] == [topic.pk]


# ------------------------------------------------------------------ API


def test_api_task_and_project(topic, staff, unit, collecting_round, client, make_user):
    base = f"/api/deliberation/topics/{topic.pk}/resolution"
    client.force_login(make_user("grid_worker", JUNMEN))
    assert client.get(base).json()["allowed_actions"] == []
    r = client.post(
        base + "/task", {"unit_id": unit.pk, "category": CATEGORY}, content_type="application/json"
    )
    assert r.status_code == 403
    client.force_login(staff)
    body = client.get(base).json()
    assert body["allowed_actions"] == ["task", "project"] and body["task"] is None
    r = client.post(base + "/task", {"unit_id": unit.pk, "category": "nope"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "task_category"
    r = client.post(base + "/project", {"cost": 0}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "project_cost"
    r = client.post(
        base + "/task", {"unit_id": unit.pk, "category": CATEGORY}, content_type="application/json"
    )
    assert r.status_code == 201
    body = r.json()
    assert body["task"]["state"] == "dispatched" and body["allowed_actions"] == [] and body["project"] is None
    r = client.post(base + "/project", {"cost": 100}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "already_task"
    assert Demand.objects.count() == 1 and Project.objects.count() == 0


def test_api_no_resolution_is_404(council, staff, client):
    t = s.topic_propose(by=staff, council=council, title="还没议定")
    client.force_login(staff)
    assert client.get(f"/api/deliberation/topics/{t.pk}/resolution").status_code == 404


def test_database_refuses_both_and_twice(topic, staff, unit, collecting_round):
    from django.db import IntegrityError, transaction

    r = _task(staff, topic, unit)
    project = Project.objects.create(round=collecting_round, title="x", cost=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.filter(pk=r.pk).update(project=project)
    other = s.topic_propose(by=staff, council=topic.council, title="另一件")
    s.topic_agenda(by=staff, topic=other)
    r2 = s.topic_decide(
        by=staff, topic=other, outcome="deliberation", text="x", owner="y", deadline=dt.date.today()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Resolution.objects.filter(pk=r2.pk).update(task=r.task)
