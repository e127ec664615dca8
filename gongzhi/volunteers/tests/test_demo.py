"""The demo step builds 军门社区's volunteering through the services: three teams, a week of
activities with one today that the demo resident can check in to, past hours of both kinds,
points that match their ledger, a catalogue with stock; and running it again changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongzhi.core import clock
from gongzhi.core.ledger import ledger_verify
from gongzhi.core.manifests import DemoContext
from gongzhi.core.models import User
from gongzhi.volunteers import services
from gongzhi.volunteers.codes import checkin_code
from gongzhi.volunteers.demo import demo_volunteers_build
from gongzhi.volunteers.models import Activity, HourRecord, PointAccount, RewardItem, SignUp, Team, Volunteer
from gongzhi.volunteers.selectors import volunteer_of_user, volunteer_summary

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from gongzhi.core.demo import demo_accounts_ensure
    from gongzhi.registry.generate import district_generate

    district_generate(district="350102", residents=600, seed=3)
    demo_accounts_ensure()
    out: list[str] = []
    ctx = DemoContext(district="350102", residents=600, seed=5, out=out.append)
    demo_volunteers_build(ctx)
    return ctx, out


def test_the_demo_builds_teams_a_week_and_today_for_the_resident(demo):
    ctx, out = demo
    assert Team.objects.filter(community_id=JUNMEN).count() == 3
    assert Team.objects.filter(leader__isnull=False).count() == 3
    assert Volunteer.objects.filter(community_id=JUNMEN).count() >= 4
    assert set(HourRecord.objects.values_list("source", flat=True)) == {"checkin", "staff"}
    assert RewardItem.objects.filter(stock__gt=0).count() == 5
    assert ledger_verify(PointAccount)[1] == []
    resident = User.objects.get(username="resident")
    me = volunteer_of_user(user=resident)
    assert me is not None and volunteer_summary(volunteer=me).checkin > 0
    today = SignUp.objects.get(
        volunteer=me, status="confirmed", starts_at__lte=clock.now(), ends_at__gte=clock.now()
    )
    activity = today.shift.activity
    assert Activity.objects.filter(community_id=JUNMEN).count() >= 7
    # The resident leads a team, so may show the code; and can check in with it.
    assert resident.has_perm("volunteers.lead", activity) or activity.team.leader_id != me.pk
    now = clock.now()
    services.checkin_record(activity=activity, volunteer=me, code=checkin_code(activity.pk, now), by=resident)
    # Micro-wishes in every state but withdrawn; party members of two units; the time bank.
    from gongzhi.volunteers.models import MicroWish, PartyMember, TimeService
    from gongzhi.volunteers.timebank import time_account

    assert {"posted", "claimed", "fulfilled", "confirmed"} <= set(
        MicroWish.objects.values_list("state", flat=True)
    )
    assert len(set(PartyMember.objects.values_list("employer", flat=True))) == 2
    assert time_account(resident.person).balance == Decimal("1.5")
    assert TimeService.objects.filter(state="pending", served=resident.person).count() == 1
    assert ledger_verify()[1] == []
    # Meeting points, a certificate of the resident's hours (verifiable in public), reminders.
    from gongzhi.volunteers.models import Certificate, PointAward, ShiftReminder

    assert PointAward.objects.filter(volunteer=me, rule__name="参加议事协商会议").count() == 1
    cert = Certificate.objects.get(volunteer=me)
    assert cert.valid and cert.hours == volunteer_summary(volunteer=me).total
    assert ShiftReminder.objects.exists() and cert.code in out[-1]
    demo_volunteers_build(ctx)
    assert Team.objects.count() == 3 and "跳过" in out[-1]
