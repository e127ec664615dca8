"""Item 17: an Idempotency-Key on the API and a one-time form token on the pages: a repeat
returns the first demand instead of creating another."""

from __future__ import annotations

import pytest

from gongzhi.demands.models import Demand

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


def _post(client, key=None, **body):
    data = {
        "channel": "app",
        "title": "楼道灯不亮",
        "body": "3号楼2单元楼道灯坏了",
        "community": JUNMEN,
        **body,
    }
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/demands/", data, content_type="application/json", headers=headers)


@pytest.fixture
def resident_client(client, make_user):
    user = make_user("resident", JUNMEN)
    client.force_login(user)
    return client


def test_repeat_with_the_same_key_returns_the_first_demand(resident_client):
    first = _post(resident_client, key="k-123")
    again = _post(resident_client, key="k-123")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Demand.objects.filter(title="楼道灯不亮").count() == 1


def test_without_a_key_each_post_is_a_new_demand(resident_client):
    _post(resident_client)
    _post(resident_client)
    assert Demand.objects.filter(title="楼道灯不亮").count() == 2


def test_the_same_key_by_another_account_is_another_demand(client, make_user):
    for _ in range(2):
        client.force_login(make_user("resident", JUNMEN))
        assert _post(client, key="shared").status_code == 201
    assert Demand.objects.filter(idempotency_key="shared").count() == 2


def test_the_same_key_with_another_text_is_refused(resident_client):
    _post(resident_client, key="k-9")
    response = _post(resident_client, key="k-9", title="别的事")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Demand.objects.filter(idempotency_key="k-9").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 101, "含中文", "a b"])
def test_a_malformed_key_is_refused(resident_client, key):
    response = _post(resident_client, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_idempotency_key"
    assert not Demand.objects.filter(title="楼道灯不亮").exists()


def test_the_database_refuses_a_second_row_with_the_same_key(make_user, junmen):
    from django.db import IntegrityError, transaction

    user = make_user("resident", JUNMEN)
    Demand.objects.create(
        title="a", body="b", channel="app", community=junmen, created_by=user, idempotency_key="k"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Demand.objects.create(
            title="a", body="b", channel="app", community=junmen, created_by=user, idempotency_key="k"
        )


def _submit_data(token: str) -> dict:
    return {
        "title": "路灯不亮",
        "body": "小区门口路灯坏了三天",
        "community": JUNMEN,
        "contact_phone": "13800138000",
        "form_token": token,
    }


def _token(client, url: str) -> str:
    import re

    page = client.get(url).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_the_submission_form_posted_twice_makes_one_demand(client):
    token = _token(client, "/demands/submit/")
    first = client.post("/demands/submit/", _submit_data(token))
    second = client.post("/demands/submit/", _submit_data(token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Demand.objects.filter(title="路灯不亮").count() == 1


def test_two_loads_of_the_form_are_two_demands(client):
    for _ in range(2):
        client.post("/demands/submit/", _submit_data(_token(client, "/demands/submit/")))
    assert Demand.objects.filter(title="路灯不亮").count() == 2


def test_a_forged_form_token_is_refused(client):
    response = client.post("/demands/submit/", _submit_data("made-up"))
    assert response.status_code == 200
    assert not Demand.objects.filter(title="路灯不亮").exists()


def test_the_intake_form_posted_twice_makes_one_demand(client, community_worker):
    client.force_login(community_worker)
    token = _token(client, "/demands/intake/")
    data = {**_submit_data(token), "channel": "hotline"}
    first = client.post("/demands/intake/", data)
    second = client.post("/demands/intake/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Demand.objects.filter(title="路灯不亮").count() == 1
