"""Hot issues over the platform's demands: the weekly report, scoped; a cluster → 未诉先办 task."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.urls import reverse

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.demands.corpus import hotline_corpus, hotline_demand, topic
from gongzhi.demands.hotissues import hot_issue_task_create, hot_issues_week
from gongzhi.demands.models import Channel, Demand, DemandState, EventKind
from gongzhi.demands.services import demand_create

from .conftest import DAGEN, JUNMEN, STREET, at

WEEK = dt.date(2026, 3, 16)  # a Monday


def page(test):  # the page's URLs are in demands/urls.py
    return test


@pytest.fixture
def district_week(db, people, units):
    """Five weeks of varied demands in 东街街道, and six about one lift in the asked week."""
    from tests.factories import BuildingFactory, EstateFactory

    rnd = random.Random(5)
    junmen, dagen = Region.objects.get(code=JUNMEN), Region.objects.get(code=DAGEN)
    estate = EstateFactory(name="阳光花园", community=junmen)
    building = BuildingFactory(estate=estate, name="5号楼")
    other = EstateFactory(name="金山苑", community=junmen)
    start = at(2026, 2, 16, 8)
    staff = people["street_staff"]
    for k, d in enumerate(hotline_corpus(160, seed=9)):
        if d.estate in ("阳光花园", "金山苑"):
            continue
        demand_create(
            by=staff,
            channel="hotline",
            title=d.title,
            body=d.body,
            community=junmen if k % 7 == 0 else (junmen, dagen)[k % 2],
            estate=other if k % 7 == 0 else None,
            created_at=start + dt.timedelta(hours=rnd.randint(0, 24 * 34)),
        )
    lift = []
    for _k in range(6):
        d = hotline_demand(
            rnd, topic("lift"), estate="阳光花园", building="5号楼", problem=topic("lift").problems[0]
        )
        lift.append(
            demand_create(
                by=staff,
                channel="hotline",
                title=d.title,
                body=d.body,
                community=junmen,
                building=building,
                created_at=at(2026, 3, 16, 9) + dt.timedelta(hours=rnd.randint(0, 96)),
            )
        )
    return {"lift": lift, "estate": estate, "building": building}


def test_weekly_report_puts_the_lift_first(district_week, people):
    report = hot_issues_week(user=people["street_staff"], region_code=STREET, week=WEEK)
    assert list(report) == [STREET]
    top = report[STREET][0]
    assert sorted(top.ids) == sorted(d.pk for d in district_week["lift"])
    assert top.count == 6 and top.cluster.estate == str(district_week["estate"].pk)
    # the estate's name is not what made them similar: it is dropped from the text
    assert "阳光花园" not in top.cluster.keywords
    # a date in the middle of the week asks for the same week
    again = hot_issues_week(user=people["street_staff"], region_code=STREET, week=WEEK + dt.timedelta(days=3))
    assert [h.ids for h in again[STREET]] == [h.ids for h in report[STREET]]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("street_staff", True),
        ("district_staff", True),
        ("community_head", True),  # its own community's demands
        ("community_worker", False),  # no right to the rates and hot issues
        ("other_street_staff", False),
        ("resident", False),
    ],
)
def test_weekly_report_is_scoped(district_week, people, who, sees):
    report = hot_issues_week(user=people[who], region_code="350102", week=WEEK)
    found = any(
        set(h.ids) == {d.pk for d in district_week["lift"]} for items in report.values() for h in items
    )
    assert found is sees


def test_a_community_sees_its_own_part_of_a_street_issue(district_week, people, make_user):
    """Six complaints about one road's lights, three from each community of the street."""
    rnd = random.Random(11)
    t = topic("street_light")
    lights = []
    for k in range(6):
        d = hotline_demand(rnd, t, estate="东街口", problem=t.problems[0], at=at(2026, 3, 17, 9 + k))
        community = Region.objects.get(code=(JUNMEN, DAGEN)[k % 2])
        lights.append(
            demand_create(
                by=people["street_staff"],
                channel="hotline",
                title=d.title,
                body=d.body,
                community=community,
                created_at=d.created_at,
            )
        )
    whole = hot_issues_week(user=people["street_staff"], region_code=STREET, week=WEEK)
    issue = next(h for h in whole[STREET] if lights[0].pk in h.ids)
    assert sorted(issue.ids) == sorted(d.pk for d in lights) and issue.count == 6
    head = hot_issues_week(user=people["community_head"], region_code="350102", week=WEEK)
    part = next(h for h in head[STREET] if lights[0].pk in h.ids)
    assert sorted(part.ids) == sorted(d.pk for d in lights if d.community_id == JUNMEN) and part.count == 3
    # asked for the other community, the 军门 head sees nothing
    assert hot_issues_week(user=people["community_head"], region_code=DAGEN, week=WEEK) == {}
    # a new complaint changes the (cached) answer
    d = hotline_demand(rnd, t, estate="东街口", problem=t.problems[0], at=at(2026, 3, 18, 9))
    extra = demand_create(
        by=people["street_staff"],
        channel="hotline",
        title=d.title,
        body=d.body,
        community=Region.objects.get(code=JUNMEN),
        created_at=d.created_at,
    )
    again = hot_issues_week(user=people["street_staff"], region_code=STREET, week=WEEK)
    assert extra.pk in next(h for h in again[STREET] if lights[0].pk in h.ids).ids


def test_cluster_becomes_a_proactive_task(district_week, people):
    lift = district_week["lift"]
    task = hot_issue_task_create(
        by=people["street_staff"], demand_ids=[d.pk for d in lift], note="统一检修电梯"
    )
    assert task.channel == Channel.PROACTIVE and task.is_proactive
    first = min(lift, key=lambda d: (d.created_at, d.pk))
    # the channel says what it is (no prefix); the first demand's title, in full (not cut with "…")
    assert task.title.startswith(first.title.rstrip("…")) and "…" not in task.title
    assert task.community_id == JUNMEN and task.estate == district_week["estate"]
    assert task.state == DemandState.SUBMITTED
    assert all(d.tracking_code in task.body for d in lift) and "统一检修电梯" in task.body
    assert [e.kind for e in task.events.all()] == [EventKind.CREATED]
    assert sorted(task.source_demands.values_list("pk", flat=True)) == sorted(d.pk for d in lift)


def test_a_cluster_becomes_a_task_only_once(district_week, people):
    lift = district_week["lift"]
    task = hot_issue_task_create(by=people["street_staff"], demand_ids=[d.pk for d in lift])
    before = Demand.objects.count()
    with pytest.raises(ApplicationError) as exc:
        hot_issue_task_create(by=people["district_staff"], demand_ids=[d.pk for d in lift[:3]])
    assert exc.value.code == "hot_issue_already_task"
    assert task.tracking_code in str(exc.value.message) and lift[0].tracking_code in str(exc.value.message)
    assert Demand.objects.count() == before
    assert set(
        Demand.objects.filter(pk__in=[d.pk for d in lift]).values_list("proactive_task", flat=True)
    ) == {task.pk}


def test_a_task_is_not_a_source(district_week, people):
    lift = district_week["lift"]
    task = hot_issue_task_create(by=people["street_staff"], demand_ids=[d.pk for d in lift[:3]])
    with pytest.raises(ApplicationError) as exc:
        hot_issue_task_create(by=people["street_staff"], demand_ids=[task.pk, lift[4].pk, lift[5].pk])
    assert exc.value.code == "hot_issue_task_of_tasks"


@pytest.mark.parametrize("who", ["other_street_staff", "resident", "dagen_worker"])
def test_proactive_task_refused_out_of_scope(district_week, people, who):
    with pytest.raises(ApplicationError):
        hot_issue_task_create(by=people[who], demand_ids=[d.pk for d in district_week["lift"]])


def test_proactive_task_needs_two_demands(district_week, people):
    with pytest.raises(ApplicationError) as exc:
        hot_issue_task_create(by=people["street_staff"], demand_ids=[district_week["lift"][0].pk])
    assert exc.value.code == "hot_issue_sources"


# --- the page ---------------------------------------------------------------------------------------

URL = "/demands/hot-issues/"


@page
def test_street_staff_sees_the_weeks_hot_issues(client, people, district_week):
    client.force_login(people["street_staff"])
    response = client.get(URL, {"region": STREET, "week": WEEK.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "热点问题" in page and "阳光花园" in page and "5号楼" in page
    for d in district_week["lift"]:
        assert d.tracking_code in page
    # the top row counts the six complaints of the week
    top = response.context["streets"][0]["rows"][0]
    assert top["issue"].count == 6 and top["estate"] == "阳光花园"


@page
def test_other_week_has_no_lift(client, people, district_week):
    client.force_login(people["street_staff"])
    response = client.get(URL, {"region": STREET, "week": "2026-03-30"})
    assert response.status_code == 200
    assert all(d.tracking_code not in response.content.decode() for d in district_week["lift"])


@pytest.mark.parametrize("who", ["community_worker", "resident", "department_staff"])
@page
def test_page_refused_without_the_rates_permission(client, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403


@page
def test_button_turns_the_cluster_into_a_task(client, people, district_week):
    client.force_login(people["street_staff"])
    ids = ",".join(str(d.pk) for d in district_week["lift"])
    back = f"{URL}?region={STREET}&week={WEEK.isoformat()}"
    before = Demand.objects.count()
    response = client.post(
        URL + "task/", {"ids": ids, "title": "阳光花园5号楼电梯", "next": back}, follow=True
    )
    task = Demand.objects.latest("id")
    assert response.redirect_chain[-1][0] == reverse("demands:detail", args=[task.pk])  # to dispatch it
    assert Demand.objects.count() == before + 1
    assert task.title == "阳光花园5号楼电梯" and task.channel == Channel.PROACTIVE
    content = response.content.decode()
    assert task.tracking_code in content and "来源诉求" in content
    for d in district_week["lift"]:
        assert d.tracking_code in content  # the task lists its sources
    # the source lists its task; the week's page shows the task instead of the button
    source = client.get(reverse("demands:detail", args=[district_week["lift"][0].pk])).content.decode()
    assert task.tracking_code in source
    again = client.get(back)
    row = next(
        r for r in again.context["streets"][0]["rows"] if district_week["lift"][0].pk in r["issue"].ids
    )
    assert not row["can_task"] and row["tasks"] == [(task.pk, task.tracking_code)]
    assert "转为未诉先办" not in again.content.decode().split(task.tracking_code)[1].split("</tr>")[0]


@page
def test_button_twice_says_it_is_done_already(client, people, district_week):
    client.force_login(people["street_staff"])
    ids = ",".join(str(d.pk) for d in district_week["lift"])
    back = f"{URL}?region={STREET}&week={WEEK.isoformat()}"
    client.post(URL + "task/", {"ids": ids, "next": back})
    before = Demand.objects.count()
    response = client.post(URL + "task/", {"ids": ids, "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert Demand.objects.count() == before
    assert "不能重复生成" in response.content.decode()


@page
def test_button_refused_out_of_scope_changes_nothing(client, people, district_week):
    client.force_login(people["other_street_staff"])
    ids = ",".join(str(d.pk) for d in district_week["lift"])
    before = Demand.objects.count()
    response = client.post(URL + "task/", {"ids": ids})
    assert response.status_code in (302, 400, 403, 404)
    assert Demand.objects.count() == before


@page
def test_early_in_a_week_the_page_shows_the_week_before(client, people, district_week):
    from freezegun import freeze_time

    client.force_login(people["street_staff"])
    with freeze_time(at(2026, 3, 23, 8)):  # Monday morning after the lift's week
        response = client.get(URL, {"region": STREET})
        asked = client.get(URL, {"region": STREET, "week": "2026-03-23"})
    assert response.context["week"] == WEEK and response.context["fell_back"]
    assert "先显示上一周" in response.content.decode()
    assert district_week["lift"][0].tracking_code in response.content.decode()
    assert (
        asked.context["week"] == dt.date(2026, 3, 23) and not asked.context["fell_back"]
    )  # asked for: as asked


# --- issue 7 item 12: tasks never feed the clusters; the cluster's category; a full title -----------


def test_a_task_does_not_join_its_own_hot_issue(district_week, people):
    lift = district_week["lift"]
    ids = sorted(d.pk for d in lift)
    # staff describe the task in the residents' words: it reads like the cluster
    task = hot_issue_task_create(
        by=people["street_staff"], demand_ids=ids, note=lift[0].body, at=at(2026, 3, 20, 10)
    )
    assert task.created_at.date() == dt.date(2026, 3, 20)  # in the very week it was made from
    report = hot_issues_week(user=people["street_staff"], region_code=STREET, week=WEEK)
    all_ids = {i for items in report.values() for h in items for i in h.ids}
    assert task.pk not in all_ids
    top = next(h for h in report[STREET] if set(ids) & set(h.ids))
    assert sorted(top.ids) == ids and top.count == 6


def test_the_task_takes_the_clusters_dominant_category(district_week, people):
    from gongzhi.demands.models import Category

    garbage = Category.objects.get(code="env-garbage")
    leaks = Category.objects.get(code="property-leaks")
    lift = district_week["lift"]
    # new demands carry the classifier's suggestion; one was already classified otherwise
    Demand.objects.filter(pk__in=[d.pk for d in lift[1:]]).update(suggested_category=garbage)
    Demand.objects.filter(pk=lift[0].pk).update(category=leaks)
    task = hot_issue_task_create(by=people["street_staff"], demand_ids=[d.pk for d in lift])
    assert task.category == garbage


def test_the_task_title_is_full_not_ellipsised(district_week, people):
    lift = district_week["lift"]
    long_problem = "阳光花园5号楼的电梯这两个星期经常停在半层不动还发出很大的异响"
    Demand.objects.filter(pk__in=[d.pk for d in lift]).update(
        title=long_problem[:18] + "…", body=f"您好，{long_problem}，希望尽快派人检修。谢谢。"
    )
    for title in ("", long_problem[:18] + "…"):  # the page posts the representative's title
        Demand.objects.filter(proactive_task__isnull=False).update(proactive_task=None)
        task = hot_issue_task_create(by=people["street_staff"], demand_ids=[d.pk for d in lift], title=title)
        assert "…" not in task.title and "..." not in task.title
        assert task.title.startswith(long_problem) and len(task.title) <= 100
