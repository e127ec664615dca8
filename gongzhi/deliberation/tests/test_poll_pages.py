"""Setting up a vote from the council page, and making a topic from demands (转为议题): what staff
may do, bad input refused plainly with nothing created, the role matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.deliberation.models import Topic, TopicDemand
from gongzhi.deliberation.polls import Poll

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def _when(days=3) -> str:
    return (clock.now() + dt.timedelta(days=days)).astimezone().strftime("%Y-%m-%dT%H:%M")


def test_poll_page_creates_a_household_vote(council, staff, client):
    client.force_login(staff)
    url = f"/deliberation/council/{council.pk}/poll/new/"
    page = client.get(url).content.decode()
    assert "按户投票" in page and "业主表决" in page
    r = client.post(
        url,
        {
            "title": "增设充电棚",
            "kind": "household",
            "options": "同意\n不同意\n\n弃权",
            "closes_at": _when(),
            "region": JUNMEN,
            "min_age": "18",
        },
    )
    poll = Poll.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/deliberation/poll/{poll.pk}/"
    assert list(poll.options.values_list("label", flat=True)) == ["同意", "不同意", "弃权"]
    assert poll.state == "draft" and poll.kind == "household"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"options": "同意"}, "至少需要两个选项"),
        ({"closes_at": "2001-01-01T10:00"}, "截止时间"),
        ({"closes_at": "下周"}, "截止时间"),
        ({"title": " "}, "请填写议题名称"),
        ({"kind": "owner"}, "须选择本议事会辖区内的一个小区"),
        ({"min_age": "200"}, "最低年龄"),
        ({"kind": "lottery"}, "有效的选项"),
    ],
)
def test_poll_page_refuses_bad_input(council, staff, client, change, message):
    client.force_login(staff)
    data = {
        "title": "t",
        "kind": "resident",
        "options": "是\n否",
        "closes_at": _when(),
        "region": JUNMEN,
        "min_age": "18",
        **change,
    }
    r = client.post(f"/deliberation/council/{council.pk}/poll/new/", data, follow=True)
    assert message in r.content.decode()
    assert Poll.objects.count() == 0


def test_owner_vote_with_an_estate(council, staff, client):
    from tests.factories import DwellingFactory

    estate = DwellingFactory().building.estate
    client.force_login(staff)
    r = client.post(
        f"/deliberation/council/{council.pk}/poll/new/",
        {
            "title": "维修资金",
            "kind": "owner",
            "options": "同意\n不同意",
            "closes_at": _when(),
            "estate": estate.pk,
            "major_matter": "1",
            "min_age": "18",
            "region": JUNMEN,
        },
    )
    poll = Poll.objects.get()
    assert r.status_code == 302 and poll.estate_id == estate.pk and poll.major_matter


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 200),
        ("community_head", JUNMEN, 200),
        ("street_staff", "350102004", 200),
        ("resident", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("community_worker", "OTHER", 404),
        ("department_staff", "350102", 404),
    ],
)
def test_poll_page_role_matrix(role, scope, status, council, make_user, client, other_community):
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get(f"/deliberation/council/{council.pk}/poll/new/").status_code == status
    r = client.post(
        f"/deliberation/council/{council.pk}/poll/new/",
        {"title": "t", "kind": "resident", "options": "是\n否", "closes_at": _when(), "min_age": "18"},
    )
    assert (r.status_code == 302) == (status == 200) and Poll.objects.count() == (1 if status == 200 else 0)


# ------------------------------------------------------------------ 转为议题


@pytest.fixture
def demands(staff, junmen):
    from gongzhi.demands import services as ds

    return [
        ds.demand_create(
            by=staff, channel="hotline", title=f"楼道灯不亮{i}", body="晚上很黑", community=junmen
        )
        for i in range(3)
    ]


def test_make_topic_from_demands(council, staff, client, demands):
    client.force_login(staff)
    ids = ",".join(str(d.pk) for d in demands)
    r = client.get(f"/deliberation/from-demands/?ids={ids}&hot=1&title=楼道灯不亮")
    assert r.status_code == 302 and f"/deliberation/council/{council.pk}/propose/" in r["Location"]
    form = client.get(r["Location"]).content.decode()
    assert "楼道灯不亮" in form and "由热点问题转为议题" in form and "附带 3 件群众诉求" in form
    r = client.post(r["Location"], {"title": "楼道灯不亮", "body": "三户反映"})
    topic = Topic.objects.get()
    assert r.status_code == 302 and topic.origin == "hot_issue" and topic.council_id == council.pk
    assert sorted(TopicDemand.objects.values_list("demand_id", flat=True)) == sorted(d.pk for d in demands)


def test_make_topic_refused_outside_or_without_council(staff, client, demands, make_user, other_community):
    ids = ",".join(str(d.pk) for d in demands)
    client.force_login(staff)
    r = client.get(f"/deliberation/from-demands/?ids={ids}", follow=True)  # no council yet
    assert "还没有议事会" in r.content.decode()
    client.force_login(make_user("community_worker", other_community.code))
    assert client.get(f"/deliberation/from-demands/?ids={ids}").status_code == 404
    client.force_login(make_user("resident", JUNMEN))
    assert client.get(f"/deliberation/from-demands/?ids={ids}").status_code == 403
    assert Topic.objects.count() == 0


def test_make_topic_button_on_the_demand_page(council, staff, client, demands, make_user):
    client.force_login(staff)
    page = client.get(f"/demands/{demands[0].pk}/").content.decode()
    assert 'data-testid="make-topic"' in page and f"from-demands/?ids={demands[0].pk}" in page
    client.force_login(make_user("grid_worker", JUNMEN))
    page = client.get(f"/demands/{demands[0].pk}/").content.decode()
    assert 'data-testid="make-topic"' not in page


def test_make_topic_button_in_a_hot_issue_row(staff, make_user):
    from types import SimpleNamespace

    from django.contrib.auth.context_processors import PermWrapper
    from django.template import Context, Template

    tpl = Template('{% load gz %}{% app_slot "demands.hot_issue" %}')
    row = {"issue": SimpleNamespace(ids=[5, 7]), "title": "楼道灯 不亮"}
    html = tpl.render(Context({"row": row, "perms": PermWrapper(staff)}))
    assert "from-demands/?ids=5,7&amp;hot=1&amp;title=%E6%A5%BC" in html and "转为议题" in html
    grid = make_user("grid_worker", JUNMEN)
    assert "转为议题" not in tpl.render(Context({"row": row, "perms": PermWrapper(grid)}))
    assert Template('{% load gz %}[{% app_slot "nobody.here" %}]').render(Context({})) == "[]"
