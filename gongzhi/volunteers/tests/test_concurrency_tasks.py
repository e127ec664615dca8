"""PostgreSQL, real parallel connections: points expiry run many times at once expires once; a
sign-in sheet submitted many times at once awards each volunteer once; reminder runs at once
remind each sign-up once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.core import clock

from .conftest import JUNMEN
from .test_concurrency import _postgres_only, _teardown, _world, parallel, run  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _cleanup_rules():
    from gongzhi.volunteers.models import PointAward, PointRule

    PointAward.objects.filter(community_id=JUNMEN)._raw_delete(PointAward.objects.db)
    PointRule.objects.filter(community_id=JUNMEN).delete()


def test_parallel_expiry_runs_expire_once():
    staff_pk, pairs, activity_pk = run(lambda: _world(3))
    try:
        from gongzhi.core.ledger import ledger_verify
        from gongzhi.core.models import User
        from gongzhi.volunteers.models import Activity, PointAccount, PointEntry, Volunteer
        from gongzhi.volunteers.points import points_expire
        from gongzhi.volunteers.services import hours_enter

        def prepare():
            staff, activity = User.objects.get(pk=staff_pk), Activity.objects.get(pk=activity_pk)
            long_ago = clock.now() - dt.timedelta(days=800)
            with clock.at(long_ago):
                for _u, v in pairs:
                    hours_enter(
                        volunteer=Volunteer.objects.get(pk=v),
                        activity=activity,
                        hours=Decimal("2"),
                        served_on=long_ago.date(),
                        reason="补录",
                        by=staff,
                    )

        run(prepare)
        results = parallel(8, lambda i: points_expire(valid_days=730))
        assert results == ["ok"] * 8
        vols = [v for _u, v in pairs]
        assert (
            run(lambda: PointEntry.objects.filter(kind="expire", account__volunteer_id__in=vols).count()) == 3
        )
        assert run(
            lambda: sorted(
                PointAccount.objects.filter(volunteer_id__in=vols).values_list("balance", flat=True)
            )
        ) == [0, 0, 0]
        assert run(lambda: ledger_verify(PointAccount)[1]) == []
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_a_sign_in_sheet_submitted_in_parallel_awards_once():
    staff_pk, pairs, activity_pk = run(lambda: _world(4))
    try:
        from gongzhi.core.models import Region, User
        from gongzhi.volunteers.models import PointAccount, PointAward, Volunteer
        from gongzhi.volunteers.points import point_rule_create, points_award

        rule_pk = run(
            lambda: (
                point_rule_create(
                    community=Region.objects.get(code=JUNMEN),
                    name="参加议事协商会议",
                    points=5,
                    by=User.objects.get(pk=staff_pk),
                ).pk
            )
        )
        from gongzhi.volunteers.models import PointRule

        def award(i):
            points_award(
                rule=PointRule.objects.get(pk=rule_pk),
                volunteers=list(Volunteer.objects.filter(pk__in=[v for _u, v in pairs])),
                occasion="11月居民议事会",
                on=dt.date.today(),
                by=User.objects.get(pk=staff_pk),
            )

        results = parallel(10, award)
        assert results == ["ok"] * 10, results
        vols = [v for _u, v in pairs]
        assert run(lambda: PointAward.objects.filter(volunteer_id__in=vols).count()) == 4
        assert (
            run(
                lambda: list(
                    PointAccount.objects.filter(volunteer_id__in=vols).values_list("balance", flat=True)
                )
            )
            == [5] * 4
        )
    finally:
        run(_cleanup_rules)
        run(lambda: _teardown(staff_pk, pairs, activity_pk))


def test_parallel_reminder_runs_remind_each_once():
    staff_pk, pairs, activity_pk = run(lambda: _world(3))
    try:
        from gongzhi.core.models import User
        from gongzhi.volunteers.models import Shift, ShiftReminder, Volunteer
        from gongzhi.volunteers.reminders import shifts_remind
        from gongzhi.volunteers.services import signup_create

        def prepare():
            shift = Shift.objects.filter(activity_id=activity_pk).order_by("starts_at").first()
            for u, v in pairs:
                signup_create(shift=shift, volunteer=Volunteer.objects.get(pk=v), by=User.objects.get(pk=u))
            return shift.starts_at

        starts = run(prepare)
        results = parallel(6, lambda i: shifts_remind(now=starts - dt.timedelta(hours=2)))
        assert results == ["ok"] * 6
        vols = [v for _u, v in pairs]
        assert run(lambda: ShiftReminder.objects.filter(signup__volunteer_id__in=vols).count()) == 3
    finally:
        run(lambda: _teardown(staff_pk, pairs, activity_pk))
