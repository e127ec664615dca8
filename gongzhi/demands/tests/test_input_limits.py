"""Demand input that used to slip through (issue 7, item 21): a resident posting the open311
channel through the JSON API, a 1 MB address cut silently to 200 characters, a title made of
zero-width characters. Each is refused with a clear message and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from gongzhi.demands.models import Channel, Demand

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db

BASE = "/api/demands/"
ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060 \u3000"


def bearer(user) -> dict:
    from gongzhi.core.tokens import api_token_create

    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, data, user):
    return client.post(BASE, json.dumps(data), content_type="application/json", **bearer(user))


def test_a_resident_cannot_use_the_open311_channel_through_the_api(client, people):
    r = post(
        client,
        {"channel": "open311", "title": "路灯", "body": "不亮", "community": JUNMEN},
        people["resident"],
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "open311_channel" and "app" in r.json()["message"]
    assert not Demand.objects.exists()
    r = post(client, {"title": "路灯", "body": "不亮", "community": JUNMEN}, people["resident"])
    assert r.status_code == 201 and Demand.objects.get().channel == Channel.APP


def test_staff_cannot_use_the_open311_channel_through_the_api_either(client, people):
    r = post(
        client,
        {"channel": "open311", "title": "路灯", "body": "不亮", "community": JUNMEN},
        people["community_worker"],
    )
    assert r.status_code == 400 and r.json()["code"] == "open311_channel"


def test_an_over_long_address_is_refused_not_truncated(client, people):
    r = post(
        client,
        {"title": "路灯", "body": "不亮", "community": JUNMEN, "address": "军" * (1024 * 1024 // 3)},
        people["resident"],
    )
    assert r.status_code == 400, r.content[:300]
    body = r.json()
    assert body["field"] == "address" and "200" in body["message"]
    assert not Demand.objects.exists()


@pytest.mark.parametrize("field", ["address", "contact_name"])
def test_every_text_field_is_refused_when_too_long(client, people, field):
    r = post(
        client, {"title": "路灯", "body": "不亮", "community": JUNMEN, field: "x" * 201}, people["resident"]
    )
    assert r.status_code == 400 and r.json()["field"] == field
    assert not Demand.objects.exists()


def test_a_title_of_zero_width_characters_is_no_title(client, people):
    r = post(client, {"title": ZERO_WIDTH, "body": "不亮", "community": JUNMEN}, people["resident"])
    assert r.status_code == 400 and r.json()["code"] == "title_required"
    r = post(client, {"title": "路灯", "body": ZERO_WIDTH, "community": JUNMEN}, people["resident"])
    assert r.status_code == 400 and r.json()["code"] == "body_required"
    assert not Demand.objects.exists()
    r = post(client, {"title": "\u200b路灯\u200b", "body": "不亮", "community": JUNMEN}, people["resident"])
    assert r.status_code == 201 and Demand.objects.get().title == "路灯"


def test_the_submission_form_refuses_a_zero_width_title(client, people):
    response = client.post(
        reverse("demands:submit"),
        {"title": ZERO_WIDTH, "body": "巷口路灯坏了", "community": JUNMEN, "contact_phone": "13912345678"},
    )
    assert response.status_code == 200
    assert "请填写诉求标题" in response.content.decode()
    assert not Demand.objects.exists()
