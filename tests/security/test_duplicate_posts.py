"""Item 17: ten parallel API posts with one Idempotency-Key make exactly one demand; a form
posted twice (one after the other, or in parallel) makes one demand.

The parallel tests run on PostgreSQL only, with real threads, each on its own connection
(the pattern of gongzhi/demands/tests/test_concurrency.py): the rows are really committed,
the posts really race, and the rows are removed afterwards."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client

from gongzhi.demands.tests.test_concurrency import in_thread

pytestmark = [pytest.mark.django_db]

JUNMEN = "350102004001"
N = 10


def _setup(tag: str):
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.core.tokens import api_token_create

    user = User.objects.create(username=f"dup_{tag}")
    RoleAssignment.objects.create(user=user, role="resident", region_id=JUNMEN)
    _token, key = api_token_create(user=user, name="dup test")
    return user.pk, key


def _teardown(user_pk: int, title: str):
    from gongzhi.core.models import User
    from gongzhi.demands.models import Demand

    Demand.objects.filter(title=title).delete()
    User.objects.filter(pk=user_pk).delete()  # its tokens and role assignments go with it


def _count(title: str) -> int:
    from gongzhi.demands.models import Demand

    return Demand.objects.filter(title=title).count()


def _race(n: int, post) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=20)
            results[i] = post()
        except BaseException as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")


@pytest.mark.postgres
def test_ten_parallel_api_posts_with_one_key_make_one_demand():
    _needs_postgres()
    tag = uuid.uuid4().hex[:8]
    title = f"并发重复提交{tag}"
    user_pk, token = in_thread(_setup, tag)
    try:
        body = {"channel": "app", "title": title, "body": "十个请求同时到达", "community": JUNMEN}

        def post():
            r = Client().post(
                "/api/demands/",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"key-{tag}"},
            )
            return r.status_code, r.json().get("id")

        results = _race(N, post)
        assert all(isinstance(r, tuple) for r in results), results
        assert {status for status, _ in results} == {201}, results
        assert len({pk for _, pk in results}) == 1, results
        assert in_thread(_count, title) == 1
    finally:
        in_thread(_teardown, user_pk, title)


@pytest.mark.postgres
def test_ten_parallel_api_posts_without_a_key_make_ten_demands():
    """The control: without the key the same race does make ten (the test can fail)."""
    _needs_postgres()
    tag = uuid.uuid4().hex[:8]
    title = f"并发无键提交{tag}"
    user_pk, token = in_thread(_setup, tag)
    try:
        body = {"channel": "app", "title": title, "body": "十个请求同时到达", "community": JUNMEN}

        def post():
            return (
                Client()
                .post(
                    "/api/demands/",
                    body,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}"},
                )
                .status_code
            )

        assert _race(N, post) == [201] * N
        assert in_thread(_count, title) == N
    finally:
        in_thread(_teardown, user_pk, title)


def _form(client: Client, title: str) -> dict:
    page = client.get("/demands/submit/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return {
        "title": title,
        "body": "表单被提交了两次",
        "community": JUNMEN,
        "contact_phone": "13800138000",
        "form_token": token,
    }


def test_a_form_posted_twice_makes_one_demand(client):
    data = _form(client, "表单重复提交")
    first = client.post("/demands/submit/", data)
    second = client.post("/demands/submit/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert _count("表单重复提交") == 1


@pytest.mark.postgres
def test_a_form_double_clicked_in_parallel_makes_one_demand():
    _needs_postgres()
    title = f"表单并发{uuid.uuid4().hex[:8]}"
    data = in_thread(_form, Client(), title)
    try:
        results = _race(2, lambda: Client().post("/demands/submit/", data))
        assert [r.status_code for r in results] == [302, 302], results
        assert results[0]["Location"] == results[1]["Location"]
        assert in_thread(_count, title) == 1
    finally:
        in_thread(_teardown, -1, title)
