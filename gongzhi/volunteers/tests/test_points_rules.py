"""Points beyond service hours (configured rules: 参加议事协商会议…, awarded once per occasion) and
points expiry (积分过期): the oldest unspent points expire through a ledger transfer, idempotently,
and never touch recorded hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.ledger import ledger_verify
from gongzhi.core.models import Region
from gongzhi.volunteers import points, services
from gongzhi.volunteers.models import PointAccount, PointAward, PointEntry, PointRule
from gongzhi.volunteers.selectors import volunteer_summary

from .conftest import DAGEN, JUNMEN, TZ

pytestmark = pytest.mark.django_db


def _now() -> dt.datetime:
    return clock.now().astimezone(TZ)


@pytest.fixture
def junmen():
    return Region.objects.get(code=JUNMEN)


@pytest.fixture
def history(make_volunteer, staff, junmen):
    """30 points earned 800 days ago, 10 spent 50 days ago, 20 earned 100 days ago."""
    user, v = make_volunteer()
    act = services.activity_create(community=junmen, title="楼道清洁", place="军门小区", by=staff)
    for days, hours in ((800, "3"), (100, "2")):
        moment = _now() - dt.timedelta(days=days)
        with clock.at(moment):
            services.hours_enter(
                volunteer=v,
                activity=act,
                hours=Decimal(hours),
                served_on=moment.date(),
                reason="补录",
                by=staff,
            )
    item = points.reward_create(community=junmen, name="洗衣液", cost=10, stock=5, by=staff)
    with clock.at(_now() - dt.timedelta(days=50)):
        points.reward_redeem(item=item, volunteer=v, by=user)
    return user, v


def _balance(v) -> Decimal:
    return PointAccount.objects.get(volunteer=v).balance


def test_unspent_points_older_than_the_period_expire_once(history):
    _user, v = history
    hours_before = volunteer_summary(volunteer=v).total
    assert _balance(v) == 40
    result = points.points_expire(valid_days=730)
    # 30 earned long ago, 10 of them spent (oldest first): 20 expire; the recent 20 stay.
    assert (result.accounts, result.points) == (1, Decimal("20"))
    assert _balance(v) == 20
    entry = PointEntry.objects.get(account__volunteer=v, kind="expire")
    assert entry.amount == -20 and "积分过期" in entry.reason
    # The other side went back to the community's issuing account: the transfer sums to zero.
    assert sum(PointEntry.objects.filter(transfer=entry.transfer).values_list("amount", flat=True)) == 0
    # Idempotent: again, nothing.
    assert points.points_expire(valid_days=730).points == 0
    assert _balance(v) == 20 and PointEntry.objects.filter(kind="expire").count() == 2
    assert ledger_verify(PointAccount)[1] == []
    assert volunteer_summary(volunteer=v).total == hours_before  # hours are never touched


def test_a_later_cutoff_expires_only_what_is_left(history):
    _user, v = history
    points.points_expire(valid_days=730)
    # 99 days later the points of 100 days ago are old too: the remaining 20 go.
    assert points.points_expire(valid_days=99).points == Decimal("20")
    assert _balance(v) == 0
    assert points.points_expire(valid_days=1).points == 0


def test_a_dry_run_writes_nothing_and_the_command_reports(history):
    _user, v = history
    assert points.points_expire(valid_days=730, dry_run=True).points == 20
    assert _balance(v) == 40 and not PointEntry.objects.filter(kind="expire").exists()
    out = StringIO()
    call_command("volunteers_expire_points", "--days", "730", stdout=out)
    assert "expired 20 points on 1 accounts" in out.getvalue()
    out = StringIO()
    call_command("volunteers_expire_points", "--days", "730", stdout=out)
    assert "expired 0 points on 0 accounts" in out.getvalue()


def test_the_volunteer_is_told_what_expires_soon(client, history, settings):
    user, v = history
    settings.GONGZHI_POINTS_VALID_DAYS = 810  # the 800-day-old points go in 10 days
    amount, on = points.points_expiring(volunteer=v)
    assert amount == 20 and on == (_now() - dt.timedelta(days=800) + dt.timedelta(days=810)).date()
    client.force_login(user)
    html = client.get(reverse("volunteers:rewards")).content.decode()
    assert 'data-testid="expiring"' in html and on.isoformat() in html
    settings.GONGZHI_POINTS_VALID_DAYS = 900
    assert points.points_expiring(volunteer=v) == (Decimal("0"), None)


# Configured rules ---------------------------------------------------------------------------------


@pytest.fixture
def meeting_rule(staff, junmen):
    return points.point_rule_create(community=junmen, name="参加议事协商会议", points=5, by=staff)


def test_meeting_points_are_awarded_once_per_occasion(make_volunteer, staff, meeting_rule):
    (_u1, a), (_u2, b) = make_volunteer(), make_volunteer()
    today = _now().date()
    r = points.points_award(
        rule=meeting_rule, volunteers=[a, b], occasion="11月居民议事会", on=today, by=staff
    )
    assert len(r.awarded) == 2 and r.already == []
    # The sheet entered again, with one more name: only the new one earns.
    (_u3, c) = make_volunteer()
    r = points.points_award(
        rule=meeting_rule, volunteers=[a, b, c], occasion="11月居民议事会", on=today, by=staff
    )
    assert [w.volunteer for w in r.awarded] == [c] and set(r.already) == {a, b}
    assert [_balance(v) for v in (a, b, c)] == [5, 5, 5]
    # Another occasion earns again.
    points.points_award(rule=meeting_rule, volunteers=[a], occasion="12月居民议事会", on=today, by=staff)
    assert _balance(a) == 10 and PointAward.objects.count() == 4
    assert ledger_verify(PointAccount)[1] == []


@pytest.mark.parametrize(
    "case,exc,code",
    [
        ("resident", PermissionDenied, "permission_denied"),
        ("other_staff", NotFound, "not_found"),
        ("out_of_scope_volunteer", NotFound, "not_found"),
        ("no_occasion", ApplicationError, "occasion_required"),
        ("future", ApplicationError, "bad_date"),
        ("nobody", ApplicationError, "no_volunteers"),
    ],
)
def test_refused_awards_change_nothing(make_volunteer, make_user, staff, meeting_rule, case, exc, code):
    user, v = make_volunteer()
    _ou, other = make_volunteer(DAGEN)
    kwargs = {"rule": meeting_rule, "volunteers": [v], "occasion": "议事会", "on": _now().date(), "by": staff}
    kwargs.update(
        {
            "resident": {"by": user},
            "other_staff": {"by": make_user("community_worker", DAGEN)},
            "out_of_scope_volunteer": {"volunteers": [v, other]},
            "no_occasion": {"occasion": "  "},
            "future": {"on": _now().date() + dt.timedelta(days=1)},
            "nobody": {"volunteers": []},
        }[case]
    )
    with pytest.raises(exc) as e:
        points.points_award(**kwargs)
    assert e.value.code == code
    assert not PointAward.objects.exists() and not PointEntry.objects.exists()


def test_rule_validation(staff, junmen, meeting_rule):
    for name, value, code in (
        ("", 5, "name_required"),
        ("培训", 0, "bad_rule_points"),
        ("培训", 1001, "bad_rule_points"),
    ):
        with pytest.raises(ApplicationError) as e:
            points.point_rule_create(community=junmen, name=name, points=value, by=staff)
        assert e.value.code == code
    with pytest.raises(ApplicationError) as e:
        points.point_rule_create(community=junmen, name="参加议事协商会议", points=3, by=staff)
    assert e.value.status == 409 and PointRule.objects.count() == 1


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 200),
        ("community_head", JUNMEN, 200),
        ("street_staff", "350102004", 200),
        ("district_staff", "350102", 200),
        ("grid_worker", JUNMEN, 403),
        ("resident", JUNMEN, 403),
    ],
)
def test_rules_page_role_matrix(client, make_user, meeting_rule, role, scope, status):
    client.force_login(make_user(role, scope))
    r = client.get(reverse("volunteers:point_rules"))
    assert r.status_code == status
    if status == 200:
        assert "参加议事协商会议" in r.content.decode()


def test_award_from_the_sign_in_sheet_page(client, make_volunteer, make_user, staff, meeting_rule):
    (_a, a), (_b, b) = make_volunteer(), make_volunteer()
    _o, other = make_volunteer(DAGEN)
    url = reverse("volunteers:point_award", args=[meeting_rule.pk])
    client.force_login(staff)
    form = {"occasion": "11月居民议事会", "on": _now().date().isoformat()}
    # A number outside the worker's communities: refused, nothing written.
    client.post(url, {**form, "volunteers": f"{a.pk}, {other.pk}"})
    assert not PointAward.objects.exists()
    r = client.post(url, {**form, "volunteers": f"{a.pk}，{b.pk}\n{a.pk}"})
    assert r.status_code == 302 and PointAward.objects.count() == 2
    # A worker of another community cannot find the rule.
    client.force_login(make_user("community_worker", DAGEN))
    assert client.post(url, {**form, "volunteers": str(other.pk)}).status_code == 404
