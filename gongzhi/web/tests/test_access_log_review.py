"""Reviewing the access log (issue 7, item 6): bulk reveals raise an alert for the community
head and the street; the log filters by user, person, action and dates and names the person
masked (林*华), never in full and never as a bare number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.audit import access_log_record
from gongzhi.core.models import AccessLogEntry
from gongzhi.web import selectors
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

COMMUNITY = "350102004001"  # 军门社区
NEIGHBOUR = "350102004003"  # same street


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reveal(user, person, *, purpose="home_visit"):
    return access_log_record(
        user=user,
        action="reveal",
        object_type="registry.person",
        object_id=str(person.pk),
        community_code=person.community_id,
        fields=["id_number", "phone"],
        purpose=purpose,
    )


@pytest.fixture
def grid_worker(make_user):
    return make_user("grid_worker", COMMUNITY)


@pytest.fixture
def person(junmen):
    return PersonFactory(community=junmen, name="林晓华")


def test_bulk_reveals_alert_the_head_and_the_street_not_others(
    settings, make_user, grid_worker, person, other_community
):
    settings.GONGZHI_REVEAL_ALERT_PER_HOUR = 5
    for _ in range(5):
        _reveal(grid_worker, person)
    calm = make_user("grid_worker", COMMUNITY)
    for _ in range(4):
        _reveal(calm, person)
    head = make_user("community_head", COMMUNITY)
    alerts = selectors.bulk_reveal_alerts(user=head)
    assert [(a.username, a.count) for a in alerts] == [(grid_worker.username, 5)]
    assert [
        a.username for a in selectors.bulk_reveal_alerts(user=make_user("street_staff", "350102004"))
    ] == [grid_worker.username]
    # Outside the area, and for roles without the access log: nothing.
    assert selectors.bulk_reveal_alerts(user=make_user("community_head", NEIGHBOUR)) == []
    assert selectors.bulk_reveal_alerts(user=make_user("community_head", other_community.code)) == []
    assert selectors.bulk_reveal_alerts(user=make_user("community_worker", COMMUNITY)) == []

    home = _login(head).get(reverse("web:home")).content.decode()
    assert "批量查看个人信息提醒" in home and grid_worker.username in home and calm.username not in home
    log_page = _login(head).get(reverse("web:access_log")).content.decode()
    assert "批量查看个人信息提醒" in log_page
    worker_home = _login(make_user("community_worker", COMMUNITY)).get(reverse("web:home")).content.decode()
    assert "批量查看个人信息提醒" not in worker_home


def test_reveals_spread_over_more_than_an_hour_raise_no_alert(settings, make_user, grid_worker, person):
    settings.GONGZHI_REVEAL_ALERT_PER_HOUR = 3
    entries = [_reveal(grid_worker, person) for _ in range(4)]
    now = timezone.now()
    for i, e in enumerate(entries):  # 40 minutes apart: at most 2 in any hour
        AccessLogEntry.objects.filter(pk=e.pk).update(at=now - dt.timedelta(minutes=40 * i))
    assert selectors.bulk_reveal_alerts(user=make_user("community_head", COMMUNITY)) == []
    AccessLogEntry.objects.filter(pk=entries[3].pk).update(at=now - dt.timedelta(minutes=50))
    alerts = selectors.bulk_reveal_alerts(user=make_user("community_head", COMMUNITY))
    assert [a.count for a in alerts] == [3]


def test_the_log_names_the_person_masked(make_user, grid_worker, person):
    _reveal(grid_worker, person)
    page = _login(make_user("community_head", COMMUNITY)).get(reverse("web:access_log")).content.decode()
    assert "林*华" in page and "林晓华" not in page
    assert f"居民 #{person.pk}" not in page
    assert "入户走访" in page  # the purpose in words, not its code


def test_the_log_filters_by_user_person_action_and_dates(make_user, grid_worker, person, junmen):
    other_person = PersonFactory(community=junmen, name="陈大明")
    colleague = make_user("community_worker", COMMUNITY)
    a = _reveal(grid_worker, person)
    b = _reveal(colleague, other_person, purpose="aid_check")
    c = access_log_record(
        user=colleague,
        action="export",
        object_type="registry.person",
        community_code=COMMUNITY,
        count=2,
        purpose="export_filing",
    )
    AccessLogEntry.objects.filter(pk=a.pk).update(at=timezone.now() - dt.timedelta(days=3))
    client = _login(make_user("community_head", COMMUNITY))

    def ids(**params):
        response = client.get(reverse("web:access_log"), params)
        assert response.status_code == 200
        return [e.pk for e in response.context["page"].object_list]

    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(user=grid_worker.username) == [a.pk]
    assert ids(person=str(person.pk)) == [a.pk]
    assert ids(person="陈大明") == [b.pk]
    assert ids(action="export") == [c.pk]
    assert ids(action="reveal", user=colleague.username) == [b.pk]
    today = timezone.localdate()
    assert ids(date_from=str(today)) == [c.pk, b.pk]
    assert ids(date_to=str(today - dt.timedelta(days=1))) == [a.pk]
    assert ids(date_from=str(today - dt.timedelta(days=3)), date_to=str(today - dt.timedelta(days=3))) == [
        a.pk
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"action": "drop table"},
        {"person": "9" * 40},
        {"user": "x" * 500},
        {"page": "-1"},
    ],
)
def test_bad_filters_get_a_message_never_a_500(make_user, grid_worker, person, params):
    _reveal(grid_worker, person)
    response = _login(make_user("community_head", COMMUNITY)).get(reverse("web:access_log"), params)
    assert response.status_code == 200
    if "date_to" in params:
        assert "结束日期不能早于开始日期" in response.content.decode()


def test_filters_stay_within_scope(make_user, person, other_community):
    outsider = PersonFactory(community=other_community, name="王小二")
    worker = make_user("community_worker", other_community.code)
    _reveal(worker, outsider)
    client = _login(make_user("community_head", COMMUNITY))
    for params in ({"person": str(outsider.pk)}, {"user": worker.username}, {"person": "王小二"}):
        response = client.get(reverse("web:access_log"), params)
        assert list(response.context["page"].object_list) == []
        assert "王*二" not in response.content.decode()
