"""Reveals need a purpose from the lawful list and stay within an hourly limit per user
(issue 7, item 6). Page and API go through the same service and answer alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AccessLogEntry
from gongzhi.registry import services
from tests.factories import PersonFactory

from .test_api_support import API, JUNMEN, token_client
from .test_pages_support import htmx, login

pytestmark = pytest.mark.django_db

BAD_PURPOSES = ["", "ab", "看看", "\u200b\u200b", "核对低保申请", "other"]


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


@pytest.fixture
def people(junmen):
    return [PersonFactory(community=junmen) for _ in range(4)]


@pytest.mark.parametrize("purpose", BAD_PURPOSES, ids=repr)
def test_free_text_purposes_are_refused_by_the_service_the_page_and_the_api(worker, people, purpose):
    person = people[0]
    with pytest.raises(ApplicationError) as exc:
        services.person_reveal(by=worker, person=person, purpose=purpose)
    assert exc.value.code == "purpose_required"
    response = token_client(worker).post(
        f"{API}/persons/{person.pk}/reveal", {"purpose": purpose}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "purpose_required"
    page = htmx(
        login(worker), "post", reverse("registry:person_reveal", args=[person.pk]), {"purpose": purpose}
    )
    assert "请从列表中选择查看或导出的用途" in page.content.decode()
    assert person.id_number not in page.content.decode()
    assert not AccessLogEntry.objects.exists()


def test_a_zero_width_note_is_refused_beside_the_note(worker, people):
    person = people[0]
    page = htmx(
        login(worker),
        "post",
        reverse("registry:person_reveal", args=[person.pk]),
        {"purpose": "aid_check", "note": "\u200b"},
    ).content.decode()
    assert "不可见的控制字符" in page and not AccessLogEntry.objects.exists()


def test_the_reveal_form_offers_the_list_with_nothing_preselected(worker, people):
    page = login(worker).get(reverse("registry:person_detail", args=[people[0].pk])).content.decode()
    select = page.split('<select name="purpose"')[1].split("</select>")[0]
    assert "入户走访" in select and "办理诉求" in select and "部门协查" in select
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""]


def test_reveals_beyond_the_hourly_limit_are_refused_everywhere(settings, worker, people):
    settings.GONGZHI_REVEAL_LIMIT_PER_HOUR = 2
    services.person_reveal(by=worker, person=people[0], purpose="home_visit")
    response = token_client(worker).post(
        f"{API}/persons/{people[1].pk}/reveal", {"purpose": "aid_check"}, content_type="application/json"
    )
    assert response.status_code == 200
    # The third, by any path, is refused with a clear message and leaves no entry.
    with pytest.raises(ApplicationError) as exc:
        services.person_reveal(by=worker, person=people[2], purpose="home_visit")
    assert exc.value.code == "reveal_limit" and exc.value.status == 429
    response = token_client(worker).post(
        f"{API}/persons/{people[2].pk}/reveal", {"purpose": "aid_check"}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "reveal_limit" and "上限" in response.json()["message"]
    page = htmx(
        login(worker),
        "post",
        reverse("registry:person_reveal", args=[people[2].pk]),
        {"purpose": "aid_check"},
    ).content.decode()
    assert "一小时内查看完整个人信息已达2次的上限" in page and people[2].id_number not in page
    assert AccessLogEntry.objects.filter(action="reveal").count() == 2


def test_the_limit_is_per_user_and_per_rolling_hour(settings, make_user, worker, people):
    settings.GONGZHI_REVEAL_LIMIT_PER_HOUR = 1
    services.person_reveal(by=worker, person=people[0], purpose="home_visit")
    colleague = make_user("community_worker", JUNMEN)
    services.person_reveal(by=colleague, person=people[0], purpose="home_visit")  # own allowance
    # Exports are not reveals and do not use up the allowance.
    from gongzhi.registry.exports import person_export

    person_export(by=colleague, purpose="export_filing")
    with pytest.raises(ApplicationError):
        services.person_reveal(by=worker, person=people[1], purpose="home_visit")
    # An hour later the allowance is back.
    AccessLogEntry.objects.filter(username=worker.username).update(
        at=AccessLogEntry.objects.get(username=worker.username).at - dt.timedelta(minutes=61)
    )
    services.person_reveal(by=worker, person=people[1], purpose="home_visit")
