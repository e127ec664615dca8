"""The leader's check-in screen shows the rotating code as a QR image (inline SVG) that opens the
volunteer's phone page with the code filled in; the volunteer checks in with it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.volunteers import services
from gongzhi.volunteers.codes import checkin_code
from gongzhi.volunteers.models import CheckIn
from gongzhi.volunteers.qr import qr_svg

pytestmark = pytest.mark.django_db


def test_the_screen_shows_a_qr_of_this_minutes_link_and_the_phone_checks_in_with_it(
    client, staff, make_volunteer, activity
):
    user, v = make_volunteer()
    shift = activity.shifts.order_by("starts_at").first()
    services.signup_create(shift=shift, volunteer=v, by=user)
    moment = shift.starts_at + dt.timedelta(minutes=5, seconds=20)
    client.force_login(staff)
    with clock.at(moment):
        html = client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).content.decode()
    code = checkin_code(activity.pk, moment)
    link = f"http://testserver{reverse('volunteers:checkin', args=[activity.pk])}?code={code}"
    svg = re.search(r'<div data-testid="checkin-qr"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert svg.startswith('<svg role="img" aria-label=') and svg == str(
        qr_svg(link, title="签到二维码：用手机扫码签到或签退")
    )
    assert '<meta http-equiv="refresh" content="40">' in html  # reloads when the code turns
    # The next minute the picture changes with the code.
    with clock.at(moment + dt.timedelta(minutes=1)):
        later = client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).content.decode()
    assert re.search(r'<div data-testid="checkin-qr"[^>]*>(.*?)</div>', later, re.S).group(1) != svg
    # The phone opens the link: the code is filled in; one tap checks in.
    client.force_login(user)
    with clock.at(moment + dt.timedelta(seconds=20)):
        page = client.get(link.removeprefix("http://testserver")).content.decode()
        assert f'value="{code}"' in page
        r = client.post(reverse("volunteers:checkin", args=[activity.pk]), {"code": code, "action": "in"})
    assert r.status_code == 302 and CheckIn.objects.filter(signup__volunteer=v).count() == 1


def test_only_the_leader_or_staff_see_the_qr(client, make_volunteer, activity):
    user, _v = make_volunteer()
    client.force_login(user)
    assert client.get(reverse("volunteers:checkin_screen", args=[activity.pk])).status_code == 404
