"""Item 9 (issue 7): no field that feeds a rate is pre-selected, and the one who calls the
resident back can reveal the phone (purpose 诉求回访, logged) and click to call."""

from __future__ import annotations

import re

import pytest

from gongzhi.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _select(html: str, name: str) -> str:
    m = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, f"no select {name}"
    return m.group(1)


def _selected_values(options: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"\s+selected', options)


def test_callback_form_preselects_nothing(client, people, demand_in):
    d = demand_in("replied")
    client.force_login(people["street_staff"])
    html = client.get(f"/demands/{d.pk}/").content.decode()
    for name in ("satisfaction", "resolved"):
        assert _selected_values(_select(html, name)) == [""], name


def test_reply_form_preselects_no_resolution_kind(client, people, demand_in):
    d = demand_in("handling")
    client.force_login(people["community_worker"])
    html = client.get(f"/demands/{d.pk}/").content.decode()
    assert _selected_values(_select(html, "resolution_kind")) == [""]


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "请选择满意度"),
        ({"satisfaction": "satisfied"}, "请选择问题是否已解决"),
        ({"resolved": "1"}, "请选择满意度"),
    ],
)
def test_callback_without_choosing_is_refused_with_a_message(client, people, demand_in, data, message):
    d = demand_in("replied")
    client.force_login(people["street_staff"])
    r = client.post(f"/demands/{d.pk}/act/callback/", {"satisfaction": "", "resolved": "", **data}, **HTMX)
    assert r.status_code == 200 and message in r.content.decode()
    d.refresh_from_db()
    assert d.state == "replied" and d.satisfaction == "" and d.resolved is None


def test_reveal_phone_for_the_callback_is_logged_and_gives_a_tel_link(client, people, demand_in):
    d = demand_in("replied")
    staff = people["street_staff"]
    client.force_login(staff)
    html = client.get(f"/demands/{d.pk}/").content.decode()
    assert f"/demands/{d.pk}/contact/" in html and "13800001111" not in html
    before = AccessLogEntry.objects.count()
    r = client.post(f"/demands/{d.pk}/contact/", **HTMX)
    assert r.status_code == 200
    assert 'href="tel:13800001111"' in r.content.decode()
    entries = list(AccessLogEntry.objects.order_by("-id")[: AccessLogEntry.objects.count() - before])
    assert len(entries) == 1
    e = entries[0]
    assert (e.user_id, e.action, e.object_type, e.object_id, e.community_code, e.fields, e.purpose) == (
        staff.id,
        "reveal",
        "demand",
        str(d.pk),
        d.community_id,
        ["phone"],
        "callback",
    )


@pytest.mark.parametrize("role", ["community_head", "grid_worker", "dagen_worker", "resident"])
def test_reveal_refused_to_those_who_do_not_call_back(client, people, demand_in, role):
    d = demand_in("replied")
    client.force_login(people[role])
    before = AccessLogEntry.objects.count()
    r = client.post(f"/demands/{d.pk}/contact/", **HTMX)
    assert r.status_code in (200, 404)
    assert "13800001111" not in r.content.decode()
    assert AccessLogEntry.objects.count() == before


def test_handler_reveals_with_the_handling_purpose(client, people, demand_in):
    d = demand_in("handling")
    client.force_login(people["community_worker"])
    r = client.post(f"/demands/{d.pk}/contact/", **HTMX)
    assert 'href="tel:13800001111"' in r.content.decode()
    assert AccessLogEntry.objects.order_by("-id").first().purpose == "handle_demand"


def test_residents_rating_form_preselects_nothing(client, people, demand_in):
    d = demand_in("replied")
    client.force_login(people["resident"])  # the submitter
    html = client.get(f"/demands/track/{d.tracking_code}/").content.decode()
    assert 'name="satisfaction"' in html and 'name="resolved"' in html
    assert "checked" not in html
    r = client.post(f"/demands/track/{d.tracking_code}/", {"note": "好"})
    assert r.status_code == 200
    d.refresh_from_db()
    assert d.state == "replied" and d.satisfaction == ""
