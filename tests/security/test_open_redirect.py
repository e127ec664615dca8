"""Item 19: a `next` parameter never sends the browser to another site."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_notifications_read_refuses_off_site_next(client, community_worker, target):
    client.force_login(community_worker)
    response = client.post("/demands/notifications/read/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/demands/mine/"


def test_notifications_read_follows_a_same_site_path(client, community_worker):
    client.force_login(community_worker)
    response = client.post("/demands/notifications/read/", {"next": "/demands/work/?state=handling"})
    assert response["Location"] == "/demands/work/?state=handling"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_refuses_off_site_next(client, target):
    from tests.factories import UserFactory

    UserFactory(username="redir", password="correct horse battery")
    response = client.post(
        "/accounts/login/", {"username": "redir", "password": "correct horse battery", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_hot_issue_task_refuses_off_site_next(client, make_user, target):
    user = make_user("street_staff", "350102004")
    client.force_login(user)
    response = client.post("/demands/hot-issues/task/", {"ids": "", "title": "x", "next": target})
    assert "evil" not in response.get("Location", "")
    assert "javascript" not in response.get("Location", "")
