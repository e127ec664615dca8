"""Figures: one selector each, number and records agree, scoped; the page and drill-down by role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.core.manifests import figures
from gongzhi.volunteers import figures as f
from gongzhi.volunteers import services

from .conftest import DAGEN, JUNMEN

pytestmark = pytest.mark.django_db


def test_every_figure_is_declared_and_its_number_matches_its_records(
    make_user, make_volunteer, activity, staff
):
    head = make_user("community_head", JUNMEN)
    (_u1, v1), (_u2, _v2) = make_volunteer(), make_volunteer()
    services.hours_enter(
        volunteer=v1,
        activity=activity,
        hours=Decimal("2.5"),
        served_on=dt.date.today(),
        reason="补录",
        by=staff,
    )
    keys = {k for k in figures() if k.startswith("volunteers.")}
    assert len(keys) == 7
    share = f.share_of_residents(user=head)
    assert share.numerator == 2 == share.records.count() and share.denominator >= 2
    active = f.active_volunteers(user=head)
    assert (active.numerator, active.denominator) == (1, 2) and list(active.records) == [v1]
    hours = f.hours_by_month(user=head)
    assert hours.value == Decimal("2.5") == sum(r.hours for r in hours.records)
    assert f.points_issued(user=head).value == Decimal("25")
    elsewhere = make_user("community_head", DAGEN)
    assert f.share_of_residents(user=elsewhere).numerator == 0
    assert f.hours_by_month(user=elsewhere).value == 0


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_head", JUNMEN, 200),
        ("street_staff", "350102004", 200),
        ("district_staff", "350102", 200),
        ("community_worker", JUNMEN, 403),
        ("resident", JUNMEN, 403),
    ],
)
def test_figures_page_and_drill_down_by_role(client, make_user, role, scope, status):
    client.force_login(make_user(role, scope))
    assert client.get(reverse("volunteers:figures")).status_code == status
    assert client.get(reverse("volunteers:figure_drill", args=["volunteers.active"])).status_code == status
    if status == 200:
        assert client.get(reverse("volunteers:figure_drill", args=["nope"])).status_code == 404


def test_anonymous_figures_go_to_login(client):
    assert client.get(reverse("volunteers:figures")).status_code == 302
