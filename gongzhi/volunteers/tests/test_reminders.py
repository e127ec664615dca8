"""Shift reminders: once per confirmed sign-up before the shift, in the app and through the message
backends (phone masked in the log), never twice however often the task runs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from gongzhi.core import pii
from gongzhi.volunteers import services
from gongzhi.volunteers.models import ShiftReminder
from gongzhi.volunteers.reminders import ConsoleBackend, shifts_remind

pytestmark = pytest.mark.django_db


class BrokenGateway:
    def send(self, **kwargs):
        raise ConnectionError("gateway down")


@pytest.fixture
def booked(make_volunteer, activity):
    """Shift 1 (2 places, tomorrow 9:00): two confirmed, one waiting; a third cancelled on shift 2."""
    first, second = activity.shifts.order_by("starts_at")
    people = [make_volunteer() for _ in range(4)]
    for user, v in people[:3]:
        services.signup_create(shift=first, volunteer=v, by=user)
    user, v = people[3]
    s = services.signup_create(shift=second, volunteer=v, by=user)
    services.signup_cancel(signup=s, by=user)
    return first, second, people


def test_confirmed_volunteers_are_reminded_once(booked):
    first, _second, people = booked
    ConsoleBackend.sent.clear()
    r = shifts_remind(now=first.starts_at - dt.timedelta(hours=20))
    assert (r.created, r.delivered, r.failed) == (2, 2, 0)
    reminded = set(ShiftReminder.objects.values_list("signup__volunteer", flat=True))
    assert reminded == {people[0][1].pk, people[1][1].pk}  # not the waiting list, not the cancelled
    phone = people[0][1].person.phone
    sent = [m for m in ConsoleBackend.sent if m["to"] == pii.mask_phone(phone)]
    assert len(sent) == 1 and "楼道清洁" in sent[0]["body"] and phone not in str(ConsoleBackend.sent)
    assert ShiftReminder.objects.filter(delivered_at__isnull=False).count() == 2
    # Again, and again later: nothing new.
    assert shifts_remind(now=first.starts_at - dt.timedelta(hours=20)).created == 0
    assert shifts_remind(now=first.starts_at - dt.timedelta(hours=1)).created == 0
    assert ShiftReminder.objects.count() == 2


def test_shifts_too_far_ahead_or_started_are_not_reminded(booked):
    first, _second, _people = booked
    assert shifts_remind(now=first.starts_at - dt.timedelta(hours=30)).created == 0
    assert shifts_remind(now=first.starts_at + dt.timedelta(minutes=1)).created == 0


def test_a_failed_send_is_recorded_and_the_run_goes_on(booked, settings):
    first, _second, _people = booked
    settings.GONGZHI_NOTIFY_BACKENDS = ["gongzhi.volunteers.tests.test_reminders.BrokenGateway"]
    r = shifts_remind(now=first.starts_at - dt.timedelta(hours=2))
    assert (r.created, r.delivered, r.failed) == (2, 0, 2)
    assert set(ShiftReminder.objects.values_list("error", flat=True)) == {"gateway down"}


def test_the_volunteer_sees_the_reminder_and_the_command_reports(client, booked):
    first, _second, people = booked
    out = StringIO()
    call_command("volunteers_remind", "--hours", "48", stdout=out)
    assert "2 reminders written" in out.getvalue()
    client.force_login(people[0][0])
    html = client.get(reverse("volunteers:home")).content.decode()
    assert 'data-testid="reminder"' in html and "楼道清洁" in html
    client.force_login(people[2][0])  # on the waiting list: no reminder
    assert 'data-testid="reminder"' not in client.get(reverse("volunteers:home")).content.decode()
